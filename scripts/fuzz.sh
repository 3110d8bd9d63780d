#!/usr/bin/env bash
# Builds the libFuzzer targets (CMake preset "fuzz": clang-14, ASan+UBSan) and runs each for
# SECONDS (default 60) on its seed corpus. Exit 1 if any target found a crash, hang or leak.
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 3600 fuzz_trace_reader
# With FUZZ_RUNS=N each target runs N inputs from a fixed seed instead (stopping at 2 x SECONDS
# at the latest), so a run on a fresh checkout is repeatable: CI uses it.
# New corpus entries go to build/fuzz/corpus/<target>/ (kept between runs; fuzz/corpus/ holds
# only the checked-in seeds), crashing inputs to build/fuzz/artifacts/<target>/ and each log to
# build/fuzz/logs/<target>.log. See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(fuzz_scenario fuzz_trace_reader fuzz_dumped_reader)

# The fuzzers need clang and its runtime, which the build and tests do not.
for p in clang-14 libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="${missing:-} $p"
done
if [ -n "${missing:-}" ]; then
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -q
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
fi

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake --preset fuzz "${launcher[@]}" >/dev/null
cmake --build --preset fuzz

limit=(-max_total_time="$seconds")
if [ -n "${FUZZ_RUNS:-}" ]; then
  limit=(-runs="$FUZZ_RUNS" -seed=1 -max_total_time=$((2 * seconds)))
fi

out=build/fuzz
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$out/corpus/$t" "$out/artifacts/$t" "$out/logs"
  echo "== $t: ${seconds}s"
  start=$SECONDS
  # HDF5 (not instrumented) is allowed to see a failed malloc for a size read from a corrupt
  # file (it then reports an error, as in a normal build) and its own error-path leaks are
  # suppressed (fuzz/lsan.supp); -malloc_limit_mb lets such a lazy large malloc through while
  # -rss_limit_mb still stops real memory growth. Locking off: a killed run must not leave the
  # temp file locked.
  if HDF5_USE_FILE_LOCKING=FALSE \
      ASAN_OPTIONS=allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
      LSAN_OPTIONS=suppressions=$PWD/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS} \
      "$out/fuzz/$t" \
      "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=8192 \
      -print_final_stats=1 \
      -artifact_prefix="$out/artifacts/$t/" \
      "$out/corpus/$t" "fuzz/corpus/$t" >"$out/logs/$t.log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$t")
  fi
  grep -E '^(stat::|Done|#[0-9]+ +DONE)' "$out/logs/$t.log" | sed 's/^/   /' || true
  echo "   $status after $((SECONDS - start))s (log: $out/logs/$t.log)"
done

if ((${#failed[@]})); then
  echo "fuzzing found problems in: ${failed[*]}; inputs in $out/artifacts/<target>/" >&2
  exit 1
fi
