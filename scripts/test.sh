#!/usr/bin/env bash
# Installs what is missing, then builds and tests moelab in stages, each in its own build folder
# (build/<preset>):
#   ci     Release with warnings as errors (preset ci); every test
#   asan   every test under AddressSanitizer + UndefinedBehaviorSanitizer (preset asan, -O2 -g)
#   tsan   the threaded tests (sweeps on 2 jobs) under ThreadSanitizer (preset tsan, no OpenMP)
#   fuzz   each libFuzzer target for FUZZ_SECONDS (default 60) from the fuzz preset (fuzz.sh)
# usage: scripts/test.sh                every stage, as CI runs it (.ci/run)
#        scripts/test.sh --quick        the ci stage alone, for development
#        scripts/test.sh asan fuzz      the stages named, in that order
# Stops at the first stage that fails (exit 1); prints each stage's build and test times.
set -euo pipefail
cd "$(dirname "$0")/.."

all_stages=(ci asan tsan fuzz)
if [ "${1:-}" = --quick ]; then
  stages=(ci)
elif (($#)); then
  stages=("$@")
else
  stages=("${all_stages[@]}")
fi
for s in "${stages[@]}"; do
  case " ${all_stages[*]} " in
    *" $s "*) ;;
    *) echo "scripts/test.sh: unknown stage '$s'; stages: ${all_stages[*]} (or --quick)" >&2; exit 2 ;;
  esac
done

./scripts/install-deps.sh
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

timings=()
# build_and_test PRESET: configure, build and run the preset's tests, timing build and tests.
build_and_test() {
  local preset=$1 start=$SECONDS built
  echo "== $preset: build"
  cmake --preset "$preset" "${launcher[@]}" >/dev/null
  cmake --build --preset "$preset"
  built=$((SECONDS - start))
  echo "== $preset: tests"
  ctest --preset "$preset"
  timings+=("$(printf '%-5s build %4d s  tests %4d s' "$preset" "$built" $((SECONDS - start - built)))")
}

report() {
  echo "== stage times"
  printf '   %s\n' "${timings[@]}"
}
trap report EXIT

for stage in "${stages[@]}"; do
  case $stage in
    ci) build_and_test ci ;;
    # The asan test preset sets ASAN_OPTIONS and LSAN_OPTIONS: HDF5 asks for huge blocks when
    # it reads a corrupt file (the fuzz inputs among the tests) and gets NULL, as without ASan.
    asan) build_and_test asan ;;
    # A data race is reported at once, with both stacks, and fails the test.
    tsan) TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1${TSAN_OPTIONS:+ $TSAN_OPTIONS}" \
            build_and_test tsan ;;
    fuzz)
      start=$SECONDS
      # A fixed number of inputs from a fixed seed: the same checkout fuzzes the same way.
      FUZZ_RUNS="${FUZZ_RUNS:-10000}" ./scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
      timings+=("$(printf '%-5s build and %s s per target: %4d s' fuzz "${FUZZ_SECONDS:-60}" $((SECONDS - start)))")
      ;;
  esac
done
