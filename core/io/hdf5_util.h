// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/io: the HDF5 include directories are private to moelab_core, so only the
// trace writer and reader (and tests that link HDF5 themselves) include this header.

#include <hdf5.h>

#include <tl/expected.hpp>

#include <string>

namespace moe::io::h5 {

/// Owns one HDF5 identifier and releases it with the H5*close function it was created for
/// (H5Fclose, H5Dclose, ...). An identifier < 0 (a failed H5*create/open) is held as invalid.
class Handle {
public:
    using CloseFunction = herr_t (*)(hid_t);

    Handle() = default;
    Handle(hid_t id, CloseFunction close) : m_id(id), m_close(id >= 0 ? close : nullptr) {}
    ~Handle() { reset(); }

    Handle(Handle&& other) noexcept : m_id(other.m_id), m_close(other.m_close) {
        other.m_id = H5I_INVALID_HID;
        other.m_close = nullptr;
    }
    Handle& operator=(Handle&& other) noexcept;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

    hid_t get() const { return m_id; }
    bool valid() const { return m_id >= 0; }

    /// Releases the identifier now. Returns false if the close function failed, which matters
    /// for files: H5Fclose writes what is still cached, so it can fail like a write.
    bool reset();

private:
    hid_t m_id = H5I_INVALID_HID;
    CloseFunction m_close = nullptr;
};

/// Turns off HDF5's automatic printing of its error stack to stderr on this thread while the
/// guard lives, and restores the previous setting afterwards. Failures then reach the user once,
/// through TraceError or an error value, instead of as a screen of HDF5 internals. The setting
/// is per thread in this thread-safe HDF5 build, so every entry point takes its own guard.
class ErrorPrintingOff {
public:
    ErrorPrintingOff();
    ~ErrorPrintingOff();
    ErrorPrintingOff(const ErrorPrintingOff&) = delete;
    ErrorPrintingOff& operator=(const ErrorPrintingOff&) = delete;

private:
    H5E_auto2_t m_function = nullptr;
    void* m_data = nullptr;
};

/// The most specific message on this thread's HDF5 error stack, on one line (for example
/// "unable to open file: name = 'x.h5', errno = 2, error message = 'No such file or directory',
/// ..."), or "unknown HDF5 error" when the stack is empty.
std::string errorText();

/// Opens `path` read-only for a reader that may meet a file being written: in SWMR read mode
/// (what a trace a run is still writing, or whose run was killed, needs), with a bounded number
/// of metadata read retries as the trace reader does, and, when the SWMR open fails, plainly
/// read-only (some files written by other programs refuse SWMR). The error reads
/// "<path>: <what>" (no such file, a directory, not an HDF5 file, the HDF5 cause). Callers hold
/// an ErrorPrintingOff.
tl::expected<Handle, std::string> openForReading(const std::string& path);

}  // namespace moe::io::h5
