// SPDX-License-Identifier: MIT
// libFuzzer target for the scenario parser: parseScenarioText(iniText, sourceName, overrides).
// Input layout: INI text, then up to kMaxOverrides command-line tokens, each introduced by a NUL
// byte ("[router]\nk = 2\0--model.experts=4\0router.k\0003"). An input without NUL is all INI.
// Besides "never crash, never throw", it checks the documented round trip: a parsed scenario's
// scenarioText parses back (without overrides) to the same rendered text.

#include "core/config/options.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace {
constexpr size_t kMaxOverrides = 6;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    size_t cut = input.find('\0');
    const std::string_view ini = input.substr(0, cut);
    std::vector<std::string> overrides;
    while (cut != std::string_view::npos && overrides.size() < kMaxOverrides) {
        const size_t next = input.find('\0', cut + 1);
        overrides.emplace_back(input.substr(cut + 1, next == std::string_view::npos
                                                         ? std::string_view::npos
                                                         : next - cut - 1));
        cut = next;
    }

    const auto parsed = moe::parseScenarioText(ini, "fuzz.ini", overrides);
    if (!parsed) {
        if (parsed.error().empty()) {
            std::fprintf(stderr, "parseScenarioText failed without an issue\n");
            __builtin_trap();
        }
        return 0;
    }
    const auto again = moe::parseScenarioText(parsed->scenarioText, "rendered.ini", {});
    if (!again || again->scenarioText != parsed->scenarioText) {
        std::fprintf(stderr, "rendered scenario does not parse back identically:\n%s\n",
                     parsed->scenarioText.c_str());
        __builtin_trap();
    }
    return 0;
}
