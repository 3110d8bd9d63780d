// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace moe {

/// One problem found in user input (a scenario file, the command line, a trace), located as
/// precisely as the reader knows. Readers collect every issue before giving up, so a user can
/// fix a file in one pass; the CLI prints them and the GUI lists them.
struct Issue {
    enum class Severity { Error, Warning };

    Severity severity = Severity::Error;
    std::string file;  ///< file name, "command line", or empty if unknown
    int line = 0;      ///< 1-based line in file, 0 if unknown
    std::string key;   ///< option name such as "router.k", or empty
    std::string message;

    /// "FILE:LINE: KEY: message", leaving out the parts that are unknown; warnings get a
    /// "warning: " prefix before the message.
    std::string format() const;
};

}  // namespace moe
