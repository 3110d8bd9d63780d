#!/bin/sh
# Renders the README's screenshots of moelab-gui (resources/screenshots/) without a display:
# two short headless runs give the traces to open and compare, then the app renders itself at
# 1280x800 and 1920x1080 while running scenarios/default.ini live.
# Usage: scripts/screenshots.sh [BUILD_DIR]   (default build/release; needs moelab and moelab-gui)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build/release}
out=resources/screenshots
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/runtime" && chmod 700 "$work/runtime"

"$build/app/cli/moelab" run scenarios/default.ini --train.steps=600 --out "$work/default.h5"
"$build/app/cli/moelab" run scenarios/collapse_no_balancing.ini --train.steps=600 \
    --out "$work/no_balancing.h5"
QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$work/runtime" \
    "$build/app/gui/moelab-gui" --screenshot "$out" scenarios/default.ini \
    "$work/default.h5" "$work/no_balancing.h5"
