#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""End-to-end checks of moelab traces with h5py (no moelab code on the reading side):

  crash     runs killed with SIGKILL at random moments leave TRACE.partial, which opens (SWMR
            read, as for any trace whose writer did not close it) and holds whole rows; probes a
            kill during a flush, which left unreadable files before SWMR.
  interrupt SIGINT stops a run with exit 130 and a closed TRACE.partial holding every recorded
            step; the message says where it is.
  terminate the same for SIGTERM.
  live      a running trace (TRACE.partial; TRACE does not exist yet) is read while it grows, by
            h5py and by `moelab inspect`.
  inspect   `moelab inspect` output, exit codes and its refusal of a newer schema major.

usage: trace_cli_test.py MOELAB SCENARIO WORKDIR {crash,interrupt,terminate,live,inspect}
Run with /usr/bin/python3 (it sees python3-h5py). Exits 1 with one line per problem."""

import os
import random
import re
import signal
import subprocess
import sys
import time

import h5py

MOELAB, SCENARIO, WORKDIR, CHECK = sys.argv[1:5]
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
    return condition


def start_run(path, *extra):
    """A long run in the background writing path + ".partial"; it never finishes on its own
    within the test."""
    for stale in (path, path + ".partial"):
        if os.path.exists(stale):
            os.remove(stale)  # so that waiting for rows cannot see an earlier run's file
    return subprocess.Popen(
        [MOELAB, "run", SCENARIO, "--train.steps=100000", "--trace.flush_every=10",
         "--out", path, "--force", "--quiet", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def rows(path):
    """Rows of layer_0/step as an SWMR reader sees them now; 0 while the file is not there yet."""
    try:
        with h5py.File(path, "r", swmr=True) as f:
            return f["layer_0/step"].shape[0]
    except (OSError, KeyError):
        return 0


def wait_for_rows(path, wanted, process, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if rows(path) >= wanted:
            return True
        time.sleep(0.05)
    return False


def lengths(group):
    return {name: ds.shape[0] for name, ds in group.items() if isinstance(ds, h5py.Dataset)}


def check_killed_file(path, label):
    try:
        f = h5py.File(path, "r", swmr=True)
    except OSError as error:
        check(False, f"{label}: the killed run's file does not open: {error}")
        return
    with f:
        layer = f["layer_0"]
        # A kill during a flush can leave datasets of different lengths (HDF5 writes each
        # dataset's new extent on its own); the rows every dataset holds are whole, and readers
        # (moelab inspect below) use that common length.
        n = min(lengths(layer).values())
        check(n >= 10, f"{label}: the datasets hold {n} common rows, expected >= 10")
        steps = layer["step"][:n]
        check(list(steps) == list(range(n)), f"{label}: step is not 0..{n - 1}")
        check(all(v == v for v in layer["load_cv"][:n]), f"{label}: load_cv has NaN rows")
        snapshots = layer.get("snapshots")
        if snapshots is not None:
            s = min(lengths(snapshots).values())
            check(list(snapshots["snapshot_step"][:s]) == sorted(snapshots["snapshot_step"][:s]),
                  f"{label}: snapshot steps out of order")
    result = subprocess.run([MOELAB, "inspect", path], capture_output=True, text=True)
    check(result.returncode == 0, f"{label}: moelab inspect exit {result.returncode}: {result.stderr}")


def crash():
    random.seed(7)
    path = os.path.join(WORKDIR, "killed.h5")
    for attempt in range(6):
        # Half of the runs take snapshots, so that their flushes are longer and easier to hit.
        extra = ["--trace.snapshot_every=5"] if attempt % 2 else []
        process = start_run(path, *extra)
        if not check(wait_for_rows(path + ".partial", 10, process), f"run {attempt}: no rows appeared"):
            process.kill()
            process.wait()
            continue
        time.sleep(random.uniform(0.0, 0.4))
        process.send_signal(signal.SIGKILL)
        process.wait()
        check(process.returncode == -signal.SIGKILL, f"run {attempt}: exit {process.returncode}")
        check(not os.path.exists(path), f"run {attempt}: a killed run's trace has the final name")
        check_killed_file(path + ".partial", f"run {attempt}")


def stop_with(signal_number, name):
    path = os.path.join(WORKDIR, name)
    partial = path + ".partial"
    process = start_run(path)
    check(wait_for_rows(partial, 10, process), "no rows appeared")
    process.send_signal(signal_number)
    _, err = process.communicate(timeout=30)
    check(process.returncode == 130, f"exit {process.returncode}, expected 130: {err}")
    check(f"the steps recorded so far are in {partial}" in err, f"the message does not name {partial}: {err}")
    check(not os.path.exists(path), "a stopped run's trace has the final name")
    match = re.search(rf"stopped by signal {int(signal_number)} after (\d+) steps", err)
    if not check(match is not None, f"no 'stopped by signal {int(signal_number)}' message: {err}"):
        return
    # A plain (non-SWMR) open succeeds only on a file whose writer closed it.
    with h5py.File(partial, "r") as f:
        n = f["layer_0/step"].shape[0]
        check(n == int(match.group(1)), f"{n} rows on disk, {match.group(1)} steps run")
        for name, length in lengths(f["layer_0"]).items():
            check(length == n, f"{name} has {length} rows, step has {n}")


def interrupt():
    stop_with(signal.SIGINT, "interrupted.h5")


def terminate():
    stop_with(signal.SIGTERM, "terminated.h5")


def live():
    final = os.path.join(WORKDIR, "live.h5")
    path = final + ".partial"
    process = start_run(final)
    try:
        check(wait_for_rows(path, 10, process), "no rows appeared")
        check(not os.path.exists(final), "the trace has its final name while the run goes on")
        # One SWMR reader kept open sees rows appear after a refresh, as the GUI follows a run.
        with h5py.File(path, "r", swmr=True) as f:
            step = f["layer_0/step"]
            before = step.shape[0]
            deadline = time.monotonic() + 10
            while step.shape[0] <= before and time.monotonic() < deadline:
                time.sleep(0.1)
                step.refresh()
            check(step.shape[0] > before, f"no new rows after {before} in 10 s")
        result = subprocess.run([MOELAB, "inspect", path, "--metric", "load_cv", "--csv"],
                                capture_output=True, text=True)
        check(result.returncode == 0, f"inspect of a running trace: exit {result.returncode}: "
                                      f"{result.stderr}")
        check(len(result.stdout.splitlines()) > 10, "inspect of a running trace: too few rows")
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


def inspect():
    path = os.path.join(WORKDIR, "inspect.h5")
    steps = 40
    run = subprocess.run([MOELAB, "run", SCENARIO, f"--train.steps={steps}", "--train.tokens=128",
                          "--trace.snapshot_every=10", "--out", path, "--force", "--quiet"],
                         capture_output=True, text=True)
    if not check(run.returncode == 0, f"run failed: {run.stderr}"):
        return

    def inspect_run(*args):
        return subprocess.run([MOELAB, "inspect", path, *args], capture_output=True, text=True)

    summary = inspect_run()
    check(summary.returncode == 0, f"summary exit {summary.returncode}: {summary.stderr}")
    for pattern in [r"schema 1\.\d+", rf"{steps} rows, steps 0-{steps - 1}", r"router token_choice",
                    r"seed \d+", r"4 per-token snapshots", r"load_cv .*\(max at step \d+\)",
                    r"load_entropy .*\(min at step \d+\)"]:
        check(re.search(pattern, summary.stdout), f"summary lacks /{pattern}/:\n{summary.stdout}")

    csv = inspect_run("--metric", "load_cv", "--csv")
    lines = csv.stdout.splitlines()
    check(csv.returncode == 0 and len(lines) == steps + 1,
          f"--metric load_cv --csv: exit {csv.returncode}, {len(lines)} lines")
    check(lines[:1] == ["step,load_cv"], f"--csv header {lines[:1]}")
    with h5py.File(path, "r") as f:
        stored = f["layer_0/load_cv"][:]
        demand = f["layer_0/demand"][7]
    check([float(line.split(",")[1]) for line in lines[1:]] == list(stored),
          "--csv values differ from the stored ones")

    row = inspect_run("--metric", "demand", "--step", "7", "--csv")
    values = [float(line.split(",")[1]) for line in row.stdout.splitlines()[1:]]
    check(row.returncode == 0 and values == list(demand), f"--metric demand --step 7: {row.stdout}")

    every = inspect_run("--step", "7")
    check(every.returncode == 0 and re.search(r"^demand ", every.stdout, re.M)
          and re.search(r"^load_cv ", every.stdout, re.M), f"--step 7: {every.stdout}")

    unknown = inspect_run("--metric", "no_such_metric")
    check(unknown.returncode == 2 and "load_cv" in unknown.stderr,
          f"unknown metric: exit {unknown.returncode}: {unknown.stderr}")

    scenario = inspect_run("--scenario")
    check("[router]" in scenario.stdout, "--scenario does not print the INI text")

    newer = os.path.join(WORKDIR, "inspect_v2.h5")
    with open(path, "rb") as source, open(newer, "wb") as target:
        target.write(source.read())
    with h5py.File(newer, "r+") as f:
        f.attrs["schema_version"] = "2.0"
    refused = subprocess.run([MOELAB, "inspect", newer], capture_output=True, text=True)
    check(refused.returncode == 2 and "has schema 2.0; this moelab reads up to 1.x" in
          refused.stderr, f"schema 2.0: exit {refused.returncode}: {refused.stderr}")


os.makedirs(WORKDIR, exist_ok=True)
{"crash": crash, "interrupt": interrupt, "terminate": terminate, "live": live,
 "inspect": inspect}[CHECK]()
for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
