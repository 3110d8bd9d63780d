// SPDX-License-Identifier: MIT
// A main() for a fuzz target in a normal build: feeds each file named on the command line to
// LLVMFuzzerTestOneInput once, as libFuzzer replays a crash input. The regression tests run the
// inputs the fuzzers found this way (tests/core/CMakeLists.txt, docs/fuzzing.md).

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::ifstream in(argv[i], std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "cannot read %s\n", argv[i]);
            return 2;
        }
        const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
        std::printf("%s: returned\n", argv[i]);
    }
    return 0;
}
