#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""End-to-end checks of `moelab sweep`: a 2x2 grid with two seeds run with --jobs 1 and --jobs 2
gives the same summary.csv (wall time aside) and bit-identical traces (every dataset and
attribute but `created`, trace_compare.py); a rerun skips every run; a trace whose sidecar was
deleted is not overwritten without --force (exit 2), and rerun alone once removed; a diverging
point is recorded as failed, its trace left in .h5.partial, and skipped on resumption; an
invalid point exits 2 before anything runs.

usage: sweep_cli_test.py MOELAB SCENARIO WORKDIR
Run with /usr/bin/python3 (it sees python3-h5py and numpy). Exits 1 with one line per problem."""

import csv
import os
import shutil
import subprocess
import sys

from trace_compare import differences

MOELAB, SCENARIO, WORKDIR = sys.argv[1:4]
problems = []
GRID = ["--vary", "router.kind=token_choice,expert_choice", "--vary", "router.capacity_factor=1,2"]
SHORT = ["--train.steps=30", "--train.tokens=128", "--seeds", "2"]


def check(condition, message):
    if not condition:
        problems.append(message)
    return condition


def sweep(out, *extra):
    return subprocess.run([MOELAB, "sweep", SCENARIO, *GRID, *SHORT, "--out", out, "--quiet", *extra],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=240)


def summary(out, name="summary.csv"):
    """Rows of a summary without the wall_time_s column, which is the one that may differ."""
    with open(os.path.join(out, name), newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row.pop("wall_time_s", None)
    return rows


def traces(out):
    return sorted(name for name in os.listdir(out) if name.endswith(".h5"))


shutil.rmtree(WORKDIR, ignore_errors=True)
os.makedirs(WORKDIR)
one, two = os.path.join(WORKDIR, "jobs1"), os.path.join(WORKDIR, "jobs2")

first = sweep(one, "--jobs", "1")
second = sweep(two, "--jobs", "2")
for label, result in (("--jobs 1", first), ("--jobs 2", second)):
    check(result.returncode == 0, f"{label}: exit {result.returncode}: {result.stderr.strip()}")
if not problems:
    rows = summary(one)
    check(len(rows) == 8, f"summary.csv has {len(rows)} rows, expected 8 (4 points x 2 seeds)")
    check(rows == summary(two), "summary.csv differs between --jobs 1 and --jobs 2")
    check(all(r["status"] == "ok" and r["steps"] == "30" for r in rows), "a run is not ok with 30 steps")
    check(sorted({r["seed"] for r in rows}) == ["1", "2"], "seeds are not 1 and 2")
    names = traces(one)
    check(len(names) == 8 and names == traces(two), f"traces differ: {names} vs {traces(two)}")
    check("router.kind-expert_choice_router.capacity_factor-2_seed2.h5" in names,
          f"unexpected trace names {names}")
    for name in names:
        for diff in differences(os.path.join(one, name), os.path.join(two, name)):
            problems.append(f"{name}, --jobs 1 vs --jobs 2: {diff}")
    check(not any(n.endswith(".partial") for n in os.listdir(one)), "completed runs left partial traces")
    by_point = summary(one, "summary_by_point.csv")
    check(len(by_point) == 4, f"summary_by_point.csv has {len(by_point)} rows, expected 4")
    check(all("final_load_cv_mean" in r and "final_load_cv_std" in r and r["seeds"] == "2"
              for r in by_point), "summary_by_point.csv lacks mean/std columns or seed counts")

    again = sweep(one, "--jobs", "2")
    check(again.returncode == 0, f"rerun: exit {again.returncode}")
    check("skipped 8" in again.stdout and "ran 0" in again.stdout, f"rerun did not skip all: {again.stdout}")
    check(summary(one) == rows, "the rerun's summary.csv differs")

    victim = "router.kind-token_choice_router.capacity_factor-2_seed1"
    os.remove(os.path.join(one, victim + ".done"))
    before = {n: os.path.getmtime(os.path.join(one, n)) for n in names}
    refused = sweep(one, "--jobs", "2")
    check(refused.returncode == 2, f"a trace without its sidecar: exit {refused.returncode}, expected 2")
    check(victim + ".h5" in refused.stderr and "--force" in refused.stderr,
          f"the refusal names neither the trace nor --force: {refused.stderr.strip()}")
    check(all(os.path.getmtime(os.path.join(one, n)) == before[n] for n in names),
          "the refused sweep touched a trace")
    # As a sweep killed during that run leaves it: no trace, no sidecar, a partial trace.
    os.remove(os.path.join(one, victim + ".h5"))
    with open(os.path.join(one, victim + ".h5.partial"), "wb") as f:
        f.write(b"left by a killed run")
    partial = sweep(one, "--jobs", "2")
    check(not os.path.exists(os.path.join(one, victim + ".h5.partial")),
          "the resumed run left the old partial trace")
    check(partial.returncode == 0, f"resume: exit {partial.returncode}")
    check("ran 1" in partial.stdout and "skipped 7" in partial.stdout, f"resume ran more than one: {partial.stdout}")
    changed = [n for n in names if os.path.getmtime(os.path.join(one, n)) != before.get(n)]
    check(changed == [victim + ".h5"], f"resume rewrote {changed}")
    check(summary(one) == rows, "the resumed sweep's summary.csv differs")

# A point that diverges is a result: recorded as failed, its steps kept in the partial trace, and
# not rerun by a resumed sweep.
diverging = os.path.join(WORKDIR, "diverging")
lr = ["--train.optimizer=sgd", "--train.steps=40", "--train.tokens=64", "--out", diverging, "--quiet"]
mixed = subprocess.run([MOELAB, "sweep", SCENARIO, "--vary", "train.lr=0.01,1e30", *lr],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
check(mixed.returncode == 1, f"diverging point: exit {mixed.returncode}, expected 1")
if os.path.isdir(diverging):
    files = sorted(os.listdir(diverging))
    check("train.lr-0.01_seed1.h5" in files and "train.lr-1e30_seed1.h5.partial" in files
          and "train.lr-1e30_seed1.h5" not in files, f"diverging sweep left {files}")
    statuses = {r["train.lr"]: r["status"] for r in summary(diverging)}
    check(statuses.get("0.01") == "ok" and statuses.get("1e30") not in (None, "ok"),
          f"statuses {statuses}")
    resumed = subprocess.run([MOELAB, "sweep", SCENARIO, "--vary", "train.lr=0.01,1e30", *lr],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    check("skipped 2" in resumed.stdout, f"the resumed sweep reran a point: {resumed.stdout.strip()}")

bad = os.path.join(WORKDIR, "bad")
invalid = subprocess.run([MOELAB, "sweep", SCENARIO, "--vary", "router.k=1,40", "--train.steps=5",
                          "--out", bad, "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, timeout=60)
check(invalid.returncode == 2, f"invalid point: exit {invalid.returncode}, expected 2")
check("router.k=40" in invalid.stderr, f"invalid point not named: {invalid.stderr.strip()}")
check(not os.path.exists(bad) or not os.listdir(bad), "an invalid sweep wrote files")

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
