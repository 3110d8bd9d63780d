#!/usr/bin/env bash
# Installs what is missing, builds Release and runs the default scenario: writes out/default.h5,
# prints the run's summary and draws its figures (out/default.png, out/default-load.png).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
# Explicit, because a build folder configured before plotting existed keeps the old OFF.
cmake --preset release -DMOELAB_BUILD_GUI=ON
cmake --build --preset release
mkdir -p out
./build/release/app/cli/moelab run scenarios/default.ini --out out/default.h5 --force
./build/release/app/cli/moelab plot out/default.h5 --out out/default.png
./build/release/app/cli/moelab plot out/default.h5 --kind load --out out/default-load.png
