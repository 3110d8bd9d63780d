// SPDX-License-Identifier: MIT
#include "app/cli/command_arguments.h"

#include <fmt/core.h>

namespace moe::app {

bool parseCommandArguments(const char* command, const std::vector<std::string>& args,
                           const boost::program_options::options_description& desc,
                           const boost::program_options::positional_options_description& positional,
                           boost::program_options::variables_map& vm) {
    namespace po = boost::program_options;
    try {
        po::store(po::command_line_parser(args).options(desc).positional(positional).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        fmt::print(stderr, "moelab {}: {}\n", command, e.what());
        return false;
    }
    return true;
}

}  // namespace moe::app
