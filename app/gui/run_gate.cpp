// SPDX-License-Identifier: MIT
#include "app/gui/run_gate.h"

namespace moe::gui {

void RunGate::reset(bool paused) {
    std::lock_guard lock(m_mutex);
    m_paused = paused;
    m_released = 0;
    m_stop = 0;
}

void RunGate::setPaused(bool paused) {
    {
        std::lock_guard lock(m_mutex);
        m_paused = paused;
        m_released = 0;
    }
    m_wake.notify_all();
}

bool RunGate::paused() const {
    std::lock_guard lock(m_mutex);
    return m_paused;
}

void RunGate::releaseStep() {
    {
        std::lock_guard lock(m_mutex);
        if (!m_paused) return;
        ++m_released;
    }
    m_wake.notify_all();
}

void RunGate::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = 1;
    }
    m_wake.notify_all();
}

void RunGate::waitForStep(const std::function<void()>& beforeBlocking) {
    std::unique_lock lock(m_mutex);
    if (!mayStep() && beforeBlocking) {
        lock.unlock();
        beforeBlocking();
        lock.lock();
    }
    m_wake.wait(lock, [this] { return mayStep(); });
    if (m_paused && m_released > 0) --m_released;
}

}  // namespace moe::gui
