#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Cross-check of `moelab route` against a plain numpy implementation of ROUTING.md §1-§2 that
shares no code with moelab.

    route_crosscheck.py MOELAB WORKDIR      run the option grid, exit 1 on any mismatch
    route_crosscheck.py --write-input PATH  write a small /logits batch (for the CLI tests)

Inputs are random with frequent ties: values inside a row come from a few numbers, and some rows
repeat earlier ones. /choice and /kept must match exactly, /combine within 1e-6, and the
drop_fraction, token_drop_fraction, load_cv and router_entropy attributes within 1e-6.

Where the two implementations may legitimately differ in the last bit of an fp32 value, the
input avoids it instead of loosening the comparison: softmax sums are taken in different orders
(numpy pairwise, Eigen vectorised), so
- score priority ranks tokens by s across rows; its inputs give each row its own continuous
  values, so two different rows never have selected scores within a few ulps of each other;
- bf16/fp16 rounding of p (and of sigmoid s) could flip at a rounding midpoint; inputs with any
  value within 2 ulps of a midpoint are redrawn.
Second-expert sampling draws from moelab's own random stream and is not cross-checked here.
"""
import itertools
import math
import os
import subprocess
import sys

import h5py
import numpy as np

F32_EPS = np.float32(np.finfo(np.float32).eps)
T, E = 64, 8  # E a multiple of the SIMD width keeps every row of the router aligned alike


# --- rounding (ROUTING.md preamble: round-to-nearest-even after L and after p) ---------------
def round_bf16(a):
    bits = np.asarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return rounded.astype(np.uint32).view(np.float32)


def round_to(a, precision):
    a = np.asarray(a, dtype=np.float32)
    if precision == "bf16":
        return round_bf16(a)
    if precision == "fp16":
        with np.errstate(over="ignore"):
            return a.astype(np.float16).astype(np.float32)
    return a


def near_midpoint(a, precision):
    """True if some value could round differently after a 2-ulp fp32 perturbation."""
    if precision == "fp32":
        return False
    a = np.asarray(a, dtype=np.float32)
    lo = np.nextafter(np.nextafter(a, np.float32(-np.inf)), np.float32(-np.inf))
    hi = np.nextafter(np.nextafter(a, np.float32(np.inf)), np.float32(np.inf))
    return bool(np.any(round_to(lo, precision) != round_to(hi, precision)))


# --- ROUTING.md §1 / §2 ------------------------------------------------------------------------
def softmax32(logits):
    logits = logits.astype(np.float32)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def sigmoid32(logits):
    logits = logits.astype(np.float32)
    return (np.float32(1) / (np.float32(1) + np.exp(-logits))).astype(np.float32)


def top_k(scores, k, groups=1, topk_group=1):
    """k experts per row by descending score, ties to the lower index (a stable sort of -s)."""
    n_tokens, n_experts = scores.shape
    eligible = np.ones_like(scores, dtype=bool)
    if groups > 1:
        size = n_experts // groups
        grouped = scores.reshape(n_tokens, groups, size)
        best = -np.sort(-grouped, axis=2, kind="stable")
        group_score = best[:, :, 0] + (best[:, :, 1] if size > 1 else np.float32(0))
        chosen = np.argsort(-group_score, axis=1, kind="stable")[:, :topk_group]
        eligible = np.zeros((n_tokens, groups), dtype=bool)
        np.put_along_axis(eligible, chosen, True, axis=1)
        eligible = np.repeat(eligible, size, axis=1)
    masked = np.where(eligible, scores, np.float32(-np.inf))
    return np.argsort(-masked, axis=1, kind="stable")[:, :k].astype(np.int32)


def capacity(cf, k, n_tokens, n_experts, min_capacity):
    if cf == 0:
        return None
    return max(min_capacity, math.ceil(cf * k * n_tokens / n_experts - 1e-9))


def fill(choice, choice_score, cap, n_experts, priority):
    n_tokens, k = choice.shape
    if priority == "position":
        order = [(t, j) for j in range(k) for t in range(n_tokens)]
    elif priority == "token":
        order = [(t, j) for t in range(n_tokens) for j in range(k)]
    else:  # score: per choice rank, descending s, ties to the lower token (stable sort)
        order = [(t, j) for j in range(k)
                 for t in sorted(range(n_tokens), key=lambda t: -float(choice_score[t, j]))]
    kept = np.zeros(choice.shape, dtype=np.uint8)
    count = np.zeros(n_experts, dtype=np.int64)
    for t, j in order:
        e = choice[t, j]
        if cap is None or count[e] < cap:
            kept[t, j] = 1
            count[e] += 1
    return kept


def token_choice(logits, o):
    k = o["k"]
    logits = round_to(logits, o["precision"])
    probs = round_to(softmax32(logits), o["precision"])
    scores = probs if o["scores"] == "softmax" else round_to(sigmoid32(logits), o["precision"])
    choice = top_k(scores, k, o["groups"], o["topk_group"])
    sel = np.take_along_axis(scores, choice, axis=1)
    cap = capacity(o["capacity_factor"], k, *logits.shape, o["min_capacity"])
    kept = fill(choice, sel, cap, logits.shape[1], o["priority"])
    norm = o["weight_norm"]
    if norm == "auto":
        norm = "none" if k == 1 else "topk"
    if norm == "none":
        denom = np.ones((len(sel), 1), dtype=np.float32)
    elif norm == "topk":
        denom = np.maximum(sel.sum(axis=1, keepdims=True, dtype=np.float32), F32_EPS)
    else:
        denom = np.maximum((sel * kept).sum(axis=1, keepdims=True, dtype=np.float32), F32_EPS)
    weight = np.float32(o["weight_scale"]) * sel / denom * kept
    return choice, kept, weight.astype(np.float32), probs


def noisy_topk(logits, o):
    k = o["k"]
    h = round_to(logits, o["precision"])
    choice = top_k(h, k)
    top = np.take_along_axis(h, choice, axis=1)
    e = np.exp(top - top[:, :1])
    gate = round_to(e / e.sum(axis=1, keepdims=True), o["precision"])
    cap = capacity(o["capacity_factor"], k, *logits.shape, o["min_capacity"])
    kept = fill(choice, gate, cap, logits.shape[1], o["priority"])
    probs = round_to(softmax32(h), o["precision"])
    return choice, kept, (gate * kept).astype(np.float32), probs


def expert_choice(logits, o):
    """ROUTING.md §3: each expert takes the C tokens with the largest S[:, e] (ties: lower
    token), C = max(1, ceil(cf T / E)); cf = 0 takes every token. Returns combine, dispatch, C."""
    s = round_to(softmax32(round_to(logits, o["precision"])), o["precision"])
    n_tokens, n_experts = s.shape
    cf = o["capacity_factor"]
    cap = n_tokens if cf == 0 else max(1, math.ceil(cf * n_tokens / n_experts - 1e-9))
    combine = np.zeros_like(s)
    dispatch = np.zeros(s.shape, dtype=np.uint8)
    for e in range(n_experts):
        order = sorted(range(n_tokens), key=lambda t: (-s[t, e], t))[: min(cap, n_tokens)]
        combine[order, e] = s[order, e]
        dispatch[order, e] = 1
    return combine, dispatch, (-1 if cf == 0 else cap)


def run_expert_choice_case(moelab, workdir, index, o, rng):
    logits = row_tie_logits(rng)
    src = os.path.join(workdir, f"in_{index}.h5")
    out = os.path.join(workdir, f"out_{index}.h5")
    write_input(src, logits=logits)
    args = [moelab, "route", src, "--out", out, "--force", "--router.kind=expert_choice",
            f"--router.capacity_factor={o['capacity_factor']}", f"--router.precision={o['precision']}"]
    proc = subprocess.run(args, capture_output=True, text=True)
    label = f"case {index} (expert choice: {' '.join(args[5:])})"
    if proc.returncode != 0:
        return [f"{label}: exit {proc.returncode}\n{proc.stderr}"]
    combine, dispatch, cap = expert_choice(logits, o)
    errors = []
    with h5py.File(out, "r") as f:
        if not np.array_equal(f["dispatch"][()], dispatch):
            errors.append(f"/dispatch differs at {np.argwhere(f['dispatch'][()] != dispatch)[:8].tolist()}")
        gap = np.abs(f["combine"][()] - combine).max()
        if gap > 1e-6:
            errors.append(f"/combine differs by {gap:g}")
        if "choice" in f or "kept" in f:
            errors.append("/choice and /kept are for token-choice routers only")
        if f.attrs["capacity"] != cap:
            errors.append(f"@capacity = {f.attrs['capacity']}, expected {cap}")
        picked_by_none = float(np.mean(dispatch.sum(axis=1) == 0))
        expected = {"drop_fraction": 0.0, "load_cv": 0.0, "token_drop_fraction": picked_by_none}
        for name, value in expected.items():
            if not abs(f.attrs[name] - value) <= 1e-9:
                errors.append(f"@{name} = {f.attrs[name]!r}, expected {value!r}")
    for path in (src, out):
        os.remove(path)
    return [f"{label}: {e}" for e in errors]


def metrics(choice, kept, probs):
    n_tokens, k = choice.shape
    n_experts = probs.shape[1]
    demand = np.bincount(choice.ravel(), minlength=n_experts).astype(float)
    load = np.bincount(choice.ravel(), weights=kept.ravel(), minlength=n_experts)
    p = probs.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    return {
        "drop_fraction": (demand - load).sum() / (n_tokens * k),
        "token_drop_fraction": float(np.mean(kept.sum(axis=1) == 0)),
        "load_cv": demand.std() / demand.mean(),
        "router_entropy": -plogp.sum() / n_tokens / math.log(n_experts),
    }


# --- inputs ------------------------------------------------------------------------------------
def repeat_rows(rng, a):
    for t in rng.choice(np.arange(1, len(a)), size=len(a) // 5, replace=False):
        a[t] = a[rng.integers(0, t)]
    return a


def small_set_logits(rng):
    """Values from a few numbers (ties within and across rows), two favoured experts."""
    values = np.array([-1.5, -0.5, 0.0, 0.25, 1.0, 2.0], dtype=np.float32)
    a = rng.choice(values, size=(T, E)) + np.float32(1.0) * (np.arange(E) < 2)
    return repeat_rows(rng, a.astype(np.float32))


def row_tie_logits(rng):
    """Each row draws three continuous values and fills its E entries from them."""
    own = rng.normal(0.0, 1.5, size=(T, 3)).astype(np.float32)
    a = np.take_along_axis(own, rng.integers(0, 3, size=(T, E)), axis=1)
    a[:, :2] += np.float32(0.75)
    return repeat_rows(rng, a.astype(np.float32))


def exact_tokens(rng, width=16):
    """X in {-2..2}, W in {-1, -0.5, 0, 0.5, 1}: every product and sum is exact in fp32, so
    X W has the same ties whatever the summation order."""
    x = repeat_rows(rng, rng.integers(-2, 3, size=(T, width)).astype(np.float32))
    w = rng.choice(np.array([-1, -0.5, 0, 0.5, 1], dtype=np.float32), size=(width, E))
    w[:, 3] = w[:, 2]  # two identical experts: tied logits in every row
    return x, w.astype(np.float32)


def write_input(path, logits=None, tokens=None, weight=None, dtype=np.float32, domain=None):
    with h5py.File(path, "w") as f:
        if logits is not None:
            f["logits"] = logits.astype(dtype)
        if tokens is not None:
            f["tokens"] = tokens.astype(dtype)
            f["router_weight"] = weight.astype(dtype)
        if domain is not None:
            f["domain"] = domain.astype(np.int32)


# --- the grid ----------------------------------------------------------------------------------
DEFAULTS = dict(kind="token_choice", k=2, capacity_factor=1.0, min_capacity=0, priority="position",
                weight_norm="auto", weight_scale=1.0, scores="softmax", precision="fp32", groups=1,
                topk_group=1)


def grid():
    """(options, input kind) pairs; input kind: small | rows | tokens | f16."""
    cases = []
    for k, cf, priority in itertools.product([1, 2, 4], [0, 0.5, 1, 1.25],
                                             ["position", "token", "score"]):
        cases.append((dict(k=k, capacity_factor=cf, priority=priority),
                      "rows" if priority == "score" else "small"))
    for k, norm in itertools.product([1, 2, 4], ["none", "topk", "kept"]):
        cases.append((dict(k=k, weight_norm=norm, capacity_factor=0.5, weight_scale=2.5), "small"))
    cases += [
        (dict(capacity_factor=0.5, min_capacity=12), "small"),
        (dict(capacity_factor=0, min_capacity=12), "small"),
        (dict(k=1, capacity_factor=0.25, min_capacity=3, priority="score"), "rows"),
    ]
    for k, priority in itertools.product([1, 2, 4], ["position", "score"]):
        cases.append((dict(k=k, scores="sigmoid", priority=priority, weight_norm="kept"),
                      "rows" if priority == "score" else "small"))
    for k, scores in itertools.product([2, 4], ["softmax", "sigmoid"]):
        cases.append((dict(k=k, scores=scores, groups=4, topk_group=2, capacity_factor=1.25), "small"))
    cases.append((dict(k=1, groups=2, topk_group=1, priority="score"), "rows"))
    for precision, scores, priority in itertools.product(["bf16", "fp16"], ["softmax", "sigmoid"],
                                                         ["position", "score"]):
        cases.append((dict(precision=precision, scores=scores, priority=priority,
                           capacity_factor=1.25),
                      "rows" if priority == "score" else "small"))
    cases += [
        (dict(k=2, capacity_factor=1), "f16"),
        (dict(k=4, capacity_factor=0.5, weight_norm="kept"), "f16"),
        (dict(k=2, capacity_factor=1), "tokens"),
        (dict(k=1, capacity_factor=0.5), "tokens"),
        (dict(k=4, capacity_factor=1.25, precision="bf16"), "tokens"),
    ]
    for k, cf, priority in itertools.product([1, 2, 4], [0, 1], ["position", "score"]):
        cases.append((dict(kind="noisy_topk", k=k, capacity_factor=cf, priority=priority),
                      "rows" if priority == "score" else "small"))
    cases += [
        (dict(kind="noisy_topk", k=2, capacity_factor=0.5, precision="bf16"), "small"),
        (dict(kind="noisy_topk", k=2, capacity_factor=1), "tokens"),
    ]
    return [({**DEFAULTS, **o}, kind) for o, kind in cases]


def make_input(rng, kind, o):
    """Draws an input of `kind` whose reference values are unambiguous for options o."""
    while True:
        tokens = weight = None
        if kind == "tokens":
            tokens, weight = exact_tokens(rng)
            logits = tokens @ weight
        elif kind == "rows":
            logits = row_tie_logits(rng)
        else:
            logits = small_set_logits(rng)
        if kind == "f16":
            logits = logits.astype(np.float16).astype(np.float32)
        rounded = round_to(logits, o["precision"])
        sensitive = [softmax32(rounded)]
        if o["scores"] == "sigmoid":
            sensitive.append(sigmoid32(rounded))
        if not any(near_midpoint(v, o["precision"]) for v in sensitive):
            return logits, tokens, weight


def run_case(moelab, workdir, index, o, kind, rng):
    logits, tokens, weight = make_input(rng, kind, o)
    domain = rng.integers(0, 3, size=T) if index % 2 == 0 else None
    src = os.path.join(workdir, f"in_{index}.h5")
    out = os.path.join(workdir, f"out_{index}.h5")
    if kind == "tokens":
        write_input(src, tokens=tokens, weight=weight, domain=domain)
    else:
        write_input(src, logits=logits, dtype=np.float16 if kind == "f16" else np.float32,
                    domain=domain)
    args = [moelab, "route", src, "--out", out, "--force"]
    args += [f"--router.{key}={value}" for key, value in o.items()]
    proc = subprocess.run(args, capture_output=True, text=True)
    label = f"case {index} ({kind}: {' '.join(args[5:])})"
    if proc.returncode != 0:
        return [f"{label}: exit {proc.returncode}\n{proc.stderr}"]

    reference = noisy_topk if o["kind"] == "noisy_topk" else token_choice
    choice, kept, weight_ref, probs = reference(logits, o)
    combine = np.zeros((T, E), dtype=np.float32)
    dispatch = np.zeros((T, E), dtype=np.uint8)
    np.put_along_axis(combine, choice, weight_ref, axis=1)
    np.put_along_axis(dispatch, choice, kept, axis=1)
    expected = metrics(choice, kept, probs)

    errors = []
    with h5py.File(out, "r") as f:
        if not np.array_equal(f["choice"][()], choice):
            rows = np.nonzero((f["choice"][()] != choice).any(axis=1))[0]
            errors.append(f"/choice differs in rows {rows[:8].tolist()}: got "
                          f"{f['choice'][rows[0]].tolist()} expected {choice[rows[0]].tolist()} "
                          f"for logits {logits[rows[0]].tolist()}")
        elif not np.array_equal(f["kept"][()], kept):
            errors.append(f"/kept differs at {np.argwhere(f['kept'][()] != kept)[:8].tolist()}")
        if not np.array_equal(f["dispatch"][()], dispatch):
            errors.append("/dispatch differs")
        gap = np.abs(f["combine"][()] - combine).max()
        if gap > 1e-6:
            errors.append(f"/combine differs by {gap:g}")
        for name, value in expected.items():
            got = f.attrs[name]
            if not abs(got - value) <= 1e-6 * max(1.0, abs(value)):
                errors.append(f"@{name} = {got!r}, expected {value!r}")
        cap = capacity(o["capacity_factor"], o["k"], T, E, o["min_capacity"])
        if f.attrs["capacity"] != (-1 if cap is None else cap):
            errors.append(f"@capacity = {f.attrs['capacity']}, expected {cap}")
        if (domain is None) != bool(np.isnan(f.attrs["specialization"])):
            errors.append(f"@specialization = {f.attrs['specialization']} with domain={domain is not None}")
        for name in ("k", "n_tokens", "n_experts"):
            want = {"k": o["k"], "n_tokens": T, "n_experts": E}[name]
            if f.attrs[name] != want:
                errors.append(f"@{name} = {f.attrs[name]}, expected {want}")
        if f.attrs["router_kind"] != o["kind"]:
            errors.append(f"@router_kind = {f.attrs['router_kind']}")
    for path in (src, out):
        os.remove(path)
    return [f"{label}: {e}" for e in errors]


def main(argv):
    if len(argv) == 3 and argv[1] == "--write-input":
        write_input(argv[2], logits=small_set_logits(np.random.default_rng(1)))
        return 0
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    moelab, workdir = argv[1], argv[2]
    os.makedirs(workdir, exist_ok=True)
    rng = np.random.default_rng(20240611)
    cases = grid()
    failures = []
    for index, (o, kind) in enumerate(cases):
        failures += run_case(moelab, workdir, index, o, kind, rng)
    ec_cases = [{**DEFAULTS, "capacity_factor": cf, "precision": precision}
                for cf in (0.5, 1, 2, 0, 40) for precision in ("fp32", "bf16")]
    for index, o in enumerate(ec_cases, start=len(cases)):
        failures += run_expert_choice_case(moelab, workdir, index, o, rng)
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"route cross-check: {len(cases) + len(ec_cases)} cases, {len(failures)} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
