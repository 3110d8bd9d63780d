// SPDX-License-Identifier: MIT
#include "app/cli/scenario_arguments.h"

#include "core/config/options.h"

#include <set>

namespace moe::app {

void splitArguments(const std::vector<std::string>& args, std::vector<std::string>& overrides,
                    std::vector<std::string>& own) {
    std::set<std::string> scenarioKeys;
    for (const OptionInfo& o : optionCatalog()) scenarioKeys.insert(o.name);
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.rfind("--", 0) != 0) {
            own.push_back(a);
            continue;
        }
        const std::string name = a.substr(2, a.find('=') - 2);
        const bool scenarioOption = name.find('.') != std::string::npos || scenarioKeys.count(name);
        if (!scenarioOption) {
            own.push_back(a);
        } else if (a.find('=') != std::string::npos || i + 1 >= args.size()) {
            overrides.push_back(a);
        } else {
            overrides.push_back(a + "=" + args[++i]);
        }
    }
}

}  // namespace moe::app
