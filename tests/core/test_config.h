// SPDX-License-Identifier: MIT
// Scenario configs for tests, built through the real option table so tests use its defaults.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/config/options.h"

namespace moe::testing {

/// The default scenario with `overrides` ("router.k=1", ...) applied; fails the test on issues.
inline ScenarioConfig configWith(const std::vector<std::string>& overrides = {}) {
    auto result = loadScenario("", overrides);
    if (!result) {
        std::string text;
        for (const auto& issue : result.error()) text += issue.format() + "\n";
        ADD_FAILURE() << "scenario rejected:\n" << text;
        return ScenarioConfig{};
    }
    return *result;
}

}  // namespace moe::testing
