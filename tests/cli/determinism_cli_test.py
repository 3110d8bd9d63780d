#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The same scenario and seed give bit-identical traces (every dataset and attribute but
`created`, trace_compare.py): two runs one after the other, and runs on 1 and 2 compute threads
(train.threads; it decides the OpenMP thread count, OMP_NUM_THREADS is set to match so that
nothing else could). Snapshots are on, so per-token choices and weights are compared too.
`moelab sweep --jobs 1` against `--jobs 2` is in sweep_cli_test.py, with the same comparison.

usage: determinism_cli_test.py MOELAB SCENARIO WORKDIR
Run with /usr/bin/python3 (it sees python3-h5py and numpy). Exits 1 with one line per problem."""

import os
import re
import shutil
import subprocess
import sys

from trace_compare import differences

MOELAB, SCENARIO, WORKDIR = sys.argv[1:4]
problems = []
# Tokens enough that the experts' loops are split between threads (core/util/parallel.h runs
# a loop in parallel only above 2 Mflop; the experts here do about 16).
COMMON = ["--train.steps=30", "--train.tokens=1024", "--trace.snapshot_every=10",
          "--trace.flush_every=7", "--quiet", "--force"]


def run(name, threads, *extra, seed=11):
    path = os.path.join(WORKDIR, name)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    result = subprocess.run([MOELAB, "run", SCENARIO, *COMMON, f"--train.threads={threads}",
                             f"--seed={seed}", "--out", path, *extra],
                            capture_output=True, text=True, env=env, timeout=240)
    if result.returncode != 0:
        problems.append(f"{name}: exit {result.returncode}: {result.stderr.strip()}")
    return path


def without_thread_count(name, key, value):
    """The scenario text records train.threads; that one line may differ."""
    if name == "/" and key == "scenario":
        return re.sub(r"(?m)^threads = \d+$", "threads = *", value)
    return value


shutil.rmtree(WORKDIR, ignore_errors=True)
os.makedirs(WORKDIR)
cases = [
    ("token_choice", []),
    ("expert_choice", ["--router.kind=expert_choice"]),
]
for label, extra in cases:
    first = run(f"{label}_a.h5", 2, *extra)
    again = run(f"{label}_b.h5", 2, *extra)
    single = run(f"{label}_threads1.h5", 1, *extra)
    if problems:
        break
    for diff in differences(first, again):
        problems.append(f"{label}, two runs: {diff}")
    for diff in differences(first, single, without_thread_count):
        problems.append(f"{label}, 2 threads vs 1: {diff}")

# The comparison itself can fail: another seed must differ, in values and in the seed attribute.
if not problems:
    other = run("token_choice_seed12.h5", 2, seed=12)
    found = differences(os.path.join(WORKDIR, "token_choice_a.h5"), other) if not problems else []
    if not any(d.startswith("/@seed") for d in found) or not any("values differ" in d for d in found):
        problems.append(f"seeds 11 and 12 were not told apart: {found}")

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
