#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Faults injected into `moelab run` and what each must produce (h5py reads the traces):

  full_disk    a file size limit (RLIMIT_FSIZE, as `ulimit -f`) hit while the trace grows: exit 1
               (not a crash), an error naming the file and the cause, and a partial trace that
               opens (SWMR, and plainly after `h5clear -s --increment=0`) and whose every
               dataset reads back the rows from step 0 that all of them hold.
  overwrite    an existing trace or partial trace is refused without --force (exit 2, nothing
               touched); with --force a run that fails leaves the old trace byte for byte and
               its own steps in TRACE.partial; a run that completes replaces the old trace.
  unwritable   a missing folder, a file in place of the folder and a read-only folder are
               refused with exit 2 before any step runs (the runs asked for would take hours).
  divergence   a learning rate far too high stops the run with exit 1, naming the step and the
               tensor that became non-finite; the partial trace holds the steps before it.

usage: fault_cli_test.py MOELAB SCENARIO WORKDIR {full_disk,overwrite,unwritable,divergence}
Run with /usr/bin/python3 (it sees python3-h5py). Exits 1 with one line per problem."""

import hashlib
import os
import re
import resource
import shutil
import subprocess
import sys

import h5py

MOELAB, SCENARIO, WORKDIR, CHECK = sys.argv[1:5]
problems = []
NEVER_ENDING = "--train.steps=100000000"  # a run that would take days if it started


def check(condition, message):
    if not condition:
        problems.append(message)
    return condition


def moelab(*args, timeout=120, **kwargs):
    return subprocess.run([MOELAB, *args], capture_output=True, text=True, timeout=timeout, **kwargs)


def run(out, *extra, **kwargs):
    return moelab("run", SCENARIO, "--out", out, "--quiet", *extra, **kwargs)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def common_rows(layer):
    """Rows every dataset of the group holds (a cut flush can leave some longer)."""
    return min(ds.shape[0] for ds in layer.values() if isinstance(ds, h5py.Dataset))


def check_rows(path, label, minimum, swmr=True):
    """The trace opens, holds whole rows 0..n-1 with n >= minimum, and every dataset (snapshots
    included) reads back its common rows; returns n (or None)."""
    try:
        f = h5py.File(path, "r", swmr=swmr)
    except OSError as error:
        check(False, f"{label}: {path} does not open (swmr={swmr}): {error}")
        return None
    with f:
        layer = f["layer_0"]
        n = common_rows(layer)
        check(n >= minimum, f"{label}: {n} rows, expected >= {minimum}")
        check(list(layer["step"][:n]) == list(range(n)), f"{label}: step is not 0..{n - 1}")
        groups = [layer] + [g for g in layer.values() if isinstance(g, h5py.Group)]
        for group in groups:
            rows = common_rows(group)
            for name, ds in group.items():
                if isinstance(ds, h5py.Dataset):
                    try:
                        ds[:rows]
                    except OSError as error:
                        check(False, f"{label}: {ds.name}[:{rows}] does not read: {error}")
        return n


def full_disk():
    out = os.path.join(WORKDIR, "full.h5")
    partial = out + ".partial"
    limit = 192 * 1024  # bytes: about 40 steps of this run fit

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    # Snapshots every step, so that the limit is reached within seconds.
    result = run(out, NEVER_ENDING, "--force", "--trace.flush_every=5", "--trace.snapshot_every=1",
                 "--train.tokens=256", preexec_fn=limit_file_size)
    check(result.returncode == 1, f"exit {result.returncode} (negative: killed by that signal), "
                                  f"expected 1: {result.stderr.strip()}")
    check(re.search(r"full\.h5\.partial.*File too large", result.stderr),
          f"the error names neither the file nor the cause: {result.stderr.strip()}")
    check(f"the steps recorded so far are in {partial}" in result.stderr,
          f"the message does not say where the steps are: {result.stderr.strip()}")
    check(not os.path.exists(out), "a failed run's trace got the final name")
    check(os.path.getsize(partial) <= limit, f"{partial} is larger than the limit")
    n = check_rows(partial, "full disk, SWMR read", 10)
    summary = moelab("inspect", partial)
    check(summary.returncode == 0, f"moelab inspect of the partial trace: {summary.stderr.strip()}")
    # After h5clear a plain open works too (the file was not closed by its writer).
    # --increment=0 keeps the end of the file: a plain `h5clear -s` cuts the file at the end
    # address the superblock recorded at the last complete flush, which loses the chunks that
    # the failed flush moved beyond it (and with them whole datasets).
    cleared = subprocess.run(["h5clear", "-s", "--increment=0", partial], capture_output=True, text=True)
    check(cleared.returncode == 0, f"h5clear -s --increment=0: {cleared.stderr.strip()}")
    if n is not None:
        check(check_rows(partial, "full disk, after h5clear", n, swmr=False) == n,
              "h5clear changed the number of rows")


def overwrite():
    old = os.path.join(WORKDIR, "old.h5")
    partial = old + ".partial"
    first = run(old, "--train.steps=6", "--train.tokens=64", "--force")
    if not check(first.returncode == 0, f"first run: {first.stderr.strip()}"):
        return
    check(not os.path.exists(partial), "a completed run left its partial trace")
    before = digest(old)

    refused = run(old, "--train.steps=6", "--train.tokens=64")
    check(refused.returncode == 2, f"without --force: exit {refused.returncode}, expected 2")
    check(old in refused.stderr and "--force" in refused.stderr,
          f"the refusal names neither the file nor --force: {refused.stderr.strip()}")
    check(not os.path.exists(partial), "a refused run created a partial trace")

    diverged = run(old, "--train.steps=50", "--train.tokens=64", "--train.optimizer=sgd",
                   "--train.lr=1e30", "--trace.flush_every=1", "--force")
    check(diverged.returncode == 1, f"diverging run with --force: exit {diverged.returncode}")
    check(digest(old) == before, "a failed run with --force changed the existing trace")
    check(f"{old} is unchanged" in diverged.stderr and partial in diverged.stderr,
          f"the failure does not say where things are: {diverged.stderr.strip()}")
    check(os.path.exists(partial), "the failed run left no partial trace")

    # A leftover partial trace is protected like a trace.
    os.remove(old)
    kept = run(old, "--train.steps=6", "--train.tokens=64")
    check(kept.returncode == 2 and partial in kept.stderr and "--force" in kept.stderr,
          f"leftover partial: exit {kept.returncode}: {kept.stderr.strip()}")
    check(not os.path.exists(old), "a refused run wrote the trace")

    shutil.copy(partial, old)
    before = digest(old)
    replaced = run(old, "--train.steps=9", "--train.tokens=64", "--force")
    check(replaced.returncode == 0, f"--force, completing: exit {replaced.returncode}")
    check(digest(old) != before, "--force did not replace the trace")
    check(not os.path.exists(partial), "the completed run left a partial trace (its own or the old one)")
    check_rows(old, "replaced trace", 9, swmr=False)


def unwritable():
    folder_file = os.path.join(WORKDIR, "a_file")
    with open(folder_file, "w") as f:
        f.write("not a folder\n")
    read_only = os.path.join(WORKDIR, "read_only")
    os.makedirs(read_only, exist_ok=True)
    os.chmod(read_only, 0o555)
    # Root writes into a read-only folder anyway; the read-only case then runs as nobody.
    as_user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    cases = [
        ("missing folder", [], os.path.join(WORKDIR, "no_such_folder", "x.h5"), "does not exist"),
        ("file as folder", [], os.path.join(folder_file, "x.h5"), "is not a folder"),
        ("read-only folder", as_user, os.path.join(read_only, "x.h5"), "Permission denied"),
    ]
    for label, prefix, out, reason in cases:
        # A timeout (the run started) fails the test through the exception.
        result = subprocess.run([*prefix, MOELAB, "run", SCENARIO, NEVER_ENDING, "--out", out, "--quiet"],
                                capture_output=True, text=True, timeout=60)
        check(result.returncode == 2, f"{label}: exit {result.returncode}, expected 2: {result.stderr.strip()}")
        check(out in result.stderr and reason in result.stderr,
              f"{label}: the message lacks {out} or '{reason}': {result.stderr.strip()}")
        check("steps in" not in result.stdout, f"{label}: steps ran: {result.stdout.strip()}")
    check(os.listdir(read_only) == [], f"files were left in the read-only folder: {os.listdir(read_only)}")

    sweep = subprocess.run([*as_user, MOELAB, "sweep", SCENARIO, "--vary", "router.k=1,2", NEVER_ENDING,
                            "--out", read_only, "--quiet"], capture_output=True, text=True, timeout=60)
    check(sweep.returncode == 2 and read_only in sweep.stderr,
          f"sweep into a read-only folder: exit {sweep.returncode}: {sweep.stderr.strip()}")


def divergence():
    out = os.path.join(WORKDIR, "diverged.h5")
    result = run(out, "--train.steps=200", "--train.tokens=64", "--train.optimizer=sgd",
                 "--train.lr=1e30", "--trace.flush_every=1", "--force")
    check(result.returncode == 1, f"exit {result.returncode}, expected 1: {result.stderr.strip()}")
    match = re.search(r"moelab run: (.+) became non-finite \(NaN or Inf\) at step (\d+)", result.stderr)
    if not check(match is not None, f"no step and tensor named: {result.stderr.strip()}"):
        return
    tensor, step = match.group(1), int(match.group(2))
    check(tensor.strip() != "", "the tensor name is empty")
    check(not os.path.exists(out), "a diverged run's trace got the final name")
    check_rows(out + ".partial", "diverged", step, swmr=False)


os.makedirs(WORKDIR, exist_ok=True)
{"full_disk": full_disk, "overwrite": overwrite, "unwritable": unwritable, "divergence": divergence}[CHECK]()
for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
