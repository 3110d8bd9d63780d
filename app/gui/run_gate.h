// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace moe::gui {

/// Lets a run loop on a worker thread be paused, stepped and stopped from the GUI thread.
/// The worker calls waitForStep() before every step (RunHooks::beforeStep) and polls stopFlag()
/// (RunHooks::stop); every other member is for the controlling thread. Thread-safe.
class RunGate {
public:
    /// Back to a running, not-stopped gate with no steps released.
    void reset(bool paused);

    /// While paused, waitForStep() blocks until releaseStep() or stop().
    void setPaused(bool paused);
    bool paused() const;

    /// Lets exactly one step through a paused gate (no effect on a running one).
    void releaseStep();

    /// Asks the run to end and wakes a worker blocked in waitForStep().
    void stop();

    /// Blocks while the gate is paused, has no released step and is not stopped. If it is about
    /// to block, first calls `beforeBlocking` (unlocked): the worker hands over the steps it
    /// holds, so a paused run shows every step it ran.
    void waitForStep(const std::function<void()>& beforeBlocking = {});

    /// Nonzero once stop() was called: RunHooks::stop.
    const std::atomic<int>* stopFlag() const { return &m_stop; }

private:
    bool mayStep() const { return !m_paused || m_released > 0 || m_stop != 0; }

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_paused = false;
    int m_released = 0;
    std::atomic<int> m_stop{0};
};

}  // namespace moe::gui
