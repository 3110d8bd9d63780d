#!/usr/bin/env bash
# Installs what is missing, builds Release and runs the default scenario: writes out/default.h5
# and prints the run's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset release
cmake --build --preset release
mkdir -p out
./build/release/app/cli/moelab run scenarios/default.ini --out out/default.h5 --force
