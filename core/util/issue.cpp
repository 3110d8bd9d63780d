// SPDX-License-Identifier: MIT
#include "core/util/issue.h"

#include <fmt/format.h>

namespace moe {

std::string Issue::format() const {
    std::string out;
    if (!file.empty()) {
        out += file;
        if (line > 0) out += fmt::format(":{}", line);
        out += ": ";
    } else if (line > 0) {
        out += fmt::format("line {}: ", line);
    }
    if (!key.empty()) out += key + ": ";
    if (severity == Severity::Warning) out += "warning: ";
    out += message;
    return out;
}

}  // namespace moe
