#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""End-to-end checks of `moelab import` against files written here in the documented formats.

npy: float32, float16, float64 and bfloat16 (as uint16 and as int16) arrays, [batch, seq, d]
flattening, a PyTorch-layout router weight, .npz with unrelated arrays; values compared exactly
with h5py. megatron: two ranks written in reverse order and with records out of order,
micro-batches, an empty batch, bf16 hidden-state and logit sidecars; demand, load and drops
compared with a NumPy re-implementation of the capacity fill (ROUTING.md §1.6-1.7), per record.
Then `moelab route` replays the imported logits. Every malformed input must exit 2 with the
file (and line) named and leave no output behind.

usage: import_cli_test.py MOELAB WORKDIR
Run with /usr/bin/python3 (numpy, h5py). Exits 1 with one line per problem."""

import json
import math
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

MOELAB, WORKDIR = sys.argv[1:3]
problems = []
rng = np.random.default_rng(7)


def check(condition, message):
    if not condition:
        problems.append(message)
    return condition


def moelab(*args):
    return subprocess.run([MOELAB, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=120)


def fresh(name):
    path = os.path.join(WORKDIR, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def bf16_bits(x):
    """Round-to-nearest-even float32 -> bfloat16 bit patterns (uint16)."""
    u = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def bf16_value(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def expect_bad(args, must_name, what, leaves=()):
    r = moelab(*args)
    check(r.returncode == 2, f"{what}: exit {r.returncode}, expected 2; stderr: {r.stderr.strip()}")
    check(must_name in r.stderr, f"{what}: the error does not name {must_name!r}: {r.stderr.strip()}")
    for path in leaves:
        check(not os.path.exists(path) and not os.path.exists(path + ".partial"),
              f"{what}: left {path} (or .partial) behind")


# ----------------------------------------------------------------------------------------------
# import npy
d = fresh("npy")
tokens = rng.standard_normal((3, 4, 6)).astype(np.float32)       # [batch, seq, d] -> 12 rows
logits16 = rng.standard_normal((12, 5)).astype(np.float16)
weight_torch = rng.standard_normal((5, 6))                        # float64, PyTorch [E, d]
domain = (np.arange(12) % 3).astype(np.int64)
np.save(f"{d}/tokens.npy", tokens)
np.save(f"{d}/router_logits.npy", logits16)
np.save(f"{d}/w.npy", weight_torch)
np.save(f"{d}/domain.npy", domain)
r = moelab("import", "npy", f"{d}/tokens.npy", f"{d}/router_logits.npy", f"router_weight={d}/w.npy",
           f"{d}/domain.npy", "--out", f"{d}/a.h5", "--width", "6", "--experts", "5")
if check(r.returncode == 0, f"npy import failed: {r.stderr}"):
    with h5py.File(f"{d}/a.h5", "r") as f:
        check(np.array_equal(f["tokens"][...], tokens.reshape(12, 6)), "tokens differ")
        check(f["tokens"].dtype == np.float32, "tokens are not float32")
        check(np.array_equal(f["logits"][...], logits16.astype(np.float32)), "float16 logits not exact")
        check(np.array_equal(f["router_weight"][...], weight_torch.T.astype(np.float32)),
              "router weight not transposed to [d, E] / rounded to float32")
        check(np.array_equal(f["domain"][...], domain), "domain labels differ")
    check("transposed" in r.stdout, "the transposition is not reported")

# bf16 as uint16 and as int16 (torch's int16 view), inside a compressed .npz with extras.
hidden = rng.standard_normal((10, 8)).astype(np.float32) * 3
bits = bf16_bits(hidden)
np.savez_compressed(f"{d}/dump.npz", hidden_states=bits, gate_logits=bits[:, :4].view(np.int16),
                    input_ids=np.arange(10, dtype=np.int32) * 1000, attention_mask=np.ones(10))
r = moelab("import", "npy", f"{d}/dump.npz", "--out", f"{d}/b.h5")
if check(r.returncode == 0, f"npz import failed: {r.stderr}"):
    with h5py.File(f"{d}/b.h5", "r") as f:
        check(np.array_equal(f["tokens"][...], bf16_value(bits)), "bf16 (uint16) tokens not exact")
        check(np.array_equal(f["logits"][...], bf16_value(bits[:, :4])), "bf16 (int16) logits not exact")
        check(np.array_equal(f["token_id"][...], np.arange(10) * 1000), "token ids differ")
    check("attention_mask" in r.stdout, "the skipped array is not reported")

# Replay: the imported logits route with a moelab router.
r = moelab("route", f"{d}/b.h5", "--out", f"{d}/routed.h5", "--router.k=2", "--force")
check(r.returncode == 0, f"route on imported logits failed: {r.stderr}")

np.save(f"{d}/tokens_w7.npy", np.zeros((12, 7), np.float32))
np.save(f"{d}/nan.npy", np.array([[0.0, np.nan]], np.float32))
np.save(f"{d}/logits_rows.npy", np.zeros((11, 5), np.float32))
np.save(f"{d}/labels.npy", np.where(np.arange(12) == 4, 5000, 1))
np.save(f"{d}/complex.npy", np.zeros(3, np.complex64))
with open(f"{d}/truncated.npy", "wb") as f:
    f.write(open(f"{d}/tokens.npy", "rb").read()[:200])
out = f"{d}/never.h5"
expect_bad(["import", "npy", f"tokens={d}/tokens_w7.npy", "--width", "6", "--out", out], "tokens_w7.npy",
           "width mismatch", [out])
expect_bad(["import", "npy", f"tokens={d}/nan.npy", "--out", out], "row 0, column 1", "NaN", [out])
expect_bad(["import", "npy", f"{d}/tokens.npy", f"logits={d}/logits_rows.npy", "--out", out],
           "logits_rows.npy", "row mismatch", [out])
expect_bad(["import", "npy", f"{d}/tokens.npy", f"domain={d}/labels.npy", "--out", out], "5000",
           "label range", [out])
expect_bad(["import", "npy", f"tokens={d}/complex.npy", "--out", out], "<c8", "complex dtype", [out])
expect_bad(["import", "npy", f"tokens={d}/truncated.npy", "--out", out], "truncated.npy", "truncated", [out])
expect_bad(["import", "npy", f"{d}/w.npy", "--out", out], "ROLE=", "unnamed array", [out])
expect_bad(["import", "npy", f"{d}/tokens.npy", "--out", f"{d}/a.h5"], "--force", "overwrite")

# ----------------------------------------------------------------------------------------------
# import megatron
E, K, WIDTH = 8, 2, 6


def fill(choice, capacity, priority):
    """Kept mask of one record: position = choice-major then token order; token = token order."""
    T = choice.shape[0]
    kept = np.zeros_like(choice, dtype=bool)
    count = np.zeros(E, dtype=np.int64)
    order = [(t, j) for j in range(K) for t in range(T)] if priority == "position" else \
            [(t, j) for t in range(T) for j in range(K)]
    for t, j in order:
        e = choice[t, j]
        if capacity < 0 or count[e] < capacity:
            kept[t, j] = True
            count[e] += 1
    return kept


def capacity_of(cf, T):
    return -1 if cf == 0 else max(0, math.ceil(cf * K * T / E - 1e-9))


def write_megatron(directory, steps=3, layers=(1, 3), ranks=(0, 1), micro=2, sidecar_layer=1):
    """Writes rank files in reverse rank order with records shuffled; returns the records."""
    records = []
    for rank in reversed(ranks):
        lines, hs, lg = [], bytearray(), bytearray()
        for step in range(steps):
            for layer in layers:
                for m in range(micro):
                    T = 0 if (step, layer, m) == (1, 3, 1) else int(rng.integers(3, 9))
                    choice = np.stack([rng.permutation(E)[:K] for _ in range(T)]) if T else \
                        np.zeros((0, K), np.int64)
                    rec = {"step": step, "stage": "pre_dispatch", "block": "decoder", "layer": layer,
                           "rank": rank, "num_tokens": T, "topk": K, "top_indices": choice.tolist()}
                    if layer == sidecar_layer:
                        h = bf16_bits(rng.standard_normal((T, WIDTH)))
                        g = bf16_bits(rng.standard_normal((T, E)))
                        rec.update(hs_offset=len(hs), hs_bytes=h.nbytes, hs_shape=[T, WIDTH],
                                   logit_offset=len(lg), logit_bytes=g.nbytes, logit_shape=[T, E])
                        hs += h.tobytes()
                        lg += g.tobytes()
                        records.append((step, rank, len(records), choice, layer, h, g))
                    else:
                        records.append((step, rank, len(records), choice, layer, None, None))
                    lines.append(json.dumps(rec))
        lines.append(json.dumps({"step": 0, "block": "mtp", "mtp_idx": 0, "layer": 0, "rank": rank,
                                 "num_tokens": 1, "topk": K, "top_indices": [[0, 1]]}))
        # Steps out of order; a step's micro-batches keep their order, which is the order
        # the dumped stream keeps within a step and rank.
        per_step = [[l for l in lines[:-1] if json.loads(l)["step"] == s] for s in range(steps)]
        shuffled = [l for s in rng.permutation(steps) for l in per_step[s]] + lines[-1:]
        with open(f"{directory}/router_trace_rank{rank}.jsonl", "w") as f:
            f.write("\n".join(shuffled) + "\n")
        with open(f"{directory}/hidden_states_rank{rank}.bin", "wb") as f:
            f.write(hs)
        with open(f"{directory}/logits_rank{rank}.bin", "wb") as f:
            f.write(lg)
    return records


def reference(records, cf, priority, layer, steps):
    demand = np.zeros((steps, E))
    load = np.zeros((steps, E))
    tokens = np.zeros(steps)
    dropped_tokens = np.zeros(steps)
    capacity = np.zeros(steps)
    for step, rank, _, choice, rec_layer, _, _ in records:
        if rec_layer != layer:
            continue
        T = choice.shape[0]
        c = capacity_of(cf, T)
        kept = fill(choice, c, priority) if T else np.zeros((0, K), bool)
        np.add.at(demand[step], choice.reshape(-1), 1)
        np.add.at(load[step], choice[kept], 1)
        tokens[step] += T
        dropped_tokens[step] += (kept.sum(axis=1) == 0).sum()
        capacity[step] += c
    return demand, load, tokens, dropped_tokens, capacity


d = fresh("megatron")
records = write_megatron(d)
for cf, priority in ((1.0, "position"), (0.75, "token"), (0.0, "position")):
    out = f"{d}/trace_{cf}_{priority}.h5"
    r = moelab("import", "megatron", d, "--out", out, "--experts", str(E), "--capacity-factor", str(cf),
               "--priority", priority, "--dumped", f"{d}/stream.h5", "--force")
    if not check(r.returncode == 0, f"megatron import (cf {cf}, {priority}) failed: {r.stderr}"):
        continue
    check("skipped 2 multi-token-prediction" in r.stdout, f"mtp records not reported: {r.stdout}")
    with h5py.File(out, "r") as f:
        check(f.attrs["n_layers"] == 2, "the trace does not have two layer groups")
        for group, layer in (("layer_0", 1), ("layer_1", 3)):
            g = f[group]
            check(g.attrs["source_layer"] == layer, f"{group} has no source_layer {layer}")
            demand, load, tokens, dropped_tokens, capacity = reference(records, cf, priority, layer, 3)
            check(np.array_equal(g["step"][...], [0, 1, 2]), f"{group}: steps {g['step'][...]}")
            check(np.array_equal(g["demand"][...], demand), f"{group} cf {cf}: demand differs")
            check(np.array_equal(g["load"][...], load), f"{group} cf {cf} {priority}: load differs")
            check(np.array_equal(g["dropped"][...], demand - load), f"{group}: dropped differs")
            check(np.allclose(g["drop_fraction"][...], (demand - load).sum(1) / (tokens * K)),
                  f"{group}: drop_fraction differs")
            check(np.allclose(g["token_drop_fraction"][...], dropped_tokens / tokens),
                  f"{group}: token_drop_fraction differs")
            mean = demand.mean(1)
            check(np.allclose(g["load_cv"][...], demand.std(1) / mean), f"{group}: load_cv differs")
            check(np.allclose(g["max_over_mean"][...], demand.max(1) / mean), f"{group}: max_over_mean")
            check(np.array_equal(g["dead_experts"][...], (demand == 0).sum(1)), f"{group}: dead_experts")
            expected_capacity = capacity if cf > 0 else -np.ones(3)
            check(np.array_equal(g["capacity"][...], expected_capacity), f"{group}: capacity {g['capacity'][...]}")
            check(np.isnan(g["task_loss"][...]).all(), f"{group}: task_loss should be NaN (unknown)")
    with h5py.File(f"{d}/stream.h5", "r") as f:
        side = sorted((rec for rec in records if rec[5] is not None), key=lambda x: (x[0], x[1], x[2]))
        want_tokens = np.concatenate([bf16_value(rec[5]) for rec in side])
        want_logits = np.concatenate([bf16_value(rec[6]) for rec in side])
        check(np.array_equal(f["tokens"][...], want_tokens), "dumped tokens differ from the sidecars")
        check(np.array_equal(f["logits"][...], want_logits), "dumped logits differ from the sidecars")
        check(f.attrs["layer"] == 1, "dumped file does not record its layer")

r = moelab("run", os.path.join(os.path.dirname(__file__), "..", "..", "scenarios", "dumped.ini"),
           f"--stream.path={d}/stream.h5", f"--model.width={WIDTH}", "--train.steps=3",
           "--train.tokens=16", f"--out={d}/replay.h5", "--force", "--quiet")
check(r.returncode == 0, f"run on the imported stream failed: {r.stderr}")
r = moelab("route", f"{d}/stream.h5", "--out", f"{d}/replayed.h5", "--force", "--router.k=2",
           "--router.capacity_factor=1.0")
check(r.returncode == 0, f"route on the imported stream failed: {r.stderr}")

# Replay: records whose choices are the top-k of their logits (distinct values, exact in bf16),
# routed again by moelab's token-choice router with the same capacity policy, give the same
# per-step demand, load and drops as the imported real decisions.
rp = fresh("replay")
lines, lg = [], bytearray()
T_OF = {(0, 0): 5, (0, 1): 7, (1, 0): 6, (1, 1): 0, (2, 0): 8, (2, 1): 4}
for step in range(3):
    for rank in range(2):
        T = T_OF[(step, rank)]
        logits = np.stack([rng.permutation(E) * 0.25 - 1.0 for _ in range(T)]) if T else np.zeros((0, E))
        choice = np.argsort(-logits, axis=1, kind="stable")[:, :K]
        g = bf16_bits(logits)
        check(np.array_equal(bf16_value(g), logits.astype(np.float32)), "replay logits not exact in bf16")
        lines.append(json.dumps({"step": step, "layer": 0, "rank": rank, "num_tokens": T, "topk": K,
                                 "top_indices": choice.tolist(), "logit_offset": len(lg),
                                 "logit_bytes": g.nbytes, "logit_shape": [T, E],
                                 "hs_offset": len(lg), "hs_bytes": g.nbytes, "hs_shape": [T, E]}))
        lg += g.tobytes()
with open(f"{rp}/router_trace_rank0.jsonl", "w") as f:
    f.write("\n".join(lines) + "\n")
for name in ("logits_rank", "hidden_states_rank"):
    for rank in range(2):
        with open(f"{rp}/{name}{rank}.bin", "wb") as f:
            f.write(lg)
r = moelab("import", "megatron", f"{rp}/router_trace_rank0.jsonl", "--out", f"{rp}/real.h5",
           "--capacity-factor", "1", "--dumped", f"{rp}/stream.h5")
check(r.returncode == 0, f"replay import failed: {r.stderr}")
r = moelab("route", f"{rp}/stream.h5", "--replay", "--out", f"{rp}/replayed.h5", "--router.k=2",
           "--router.capacity_factor=1", "--router.priority=position")
if check(r.returncode == 0, f"route --replay failed: {r.stderr}"):
    with h5py.File(f"{rp}/real.h5", "r") as real, h5py.File(f"{rp}/replayed.h5", "r") as again:
        a, b = real["layer_0"], again["layer_0"]
        for name in ("step", "demand", "load", "dropped", "capacity", "dead_experts"):
            check(np.array_equal(a[name][...], b[name][...]), f"replay: {name} differs from the real routing")
        for name in ("drop_fraction", "token_drop_fraction", "load_cv", "load_entropy"):
            check(np.allclose(a[name][...], b[name][...], equal_nan=True), f"replay: {name} differs")
        check(np.isfinite(b["router_entropy"][...]).all(), "replay: router entropy missing")
r = moelab("route", f"{WORKDIR}/npy/a.h5", "--replay", "--out", f"{rp}/never.h5")
check(r.returncode == 2 and "/step" in r.stderr, f"replay without /step: {r.returncode} {r.stderr}")

# Malformed and inconsistent inputs.
def broken(name, mutate, must_name, extra=()):
    bd = fresh(f"broken_{name}")
    for entry in os.listdir(d):
        if entry.startswith(("router_trace_rank", "hidden_states_rank", "logits_rank")):
            shutil.copy(os.path.join(d, entry), bd)
    mutate(bd)
    out = f"{bd}/t.h5"
    expect_bad(["import", "megatron", bd, "--out", out, "--experts", str(E), *extra], must_name, name,
               [out])


def append_line(text, rank=0):
    def mutate(bd):
        with open(f"{bd}/router_trace_rank{rank}.jsonl", "a") as f:
            f.write(text + "\n")
    return mutate


def drop_lines(predicate, rank=1):
    def mutate(bd):
        path = f"{bd}/router_trace_rank{rank}.jsonl"
        lines = [l for l in open(path) if not predicate(json.loads(l))]
        open(path, "w").write("".join(lines))
    return mutate


n0 = sum(1 for _ in open(f"{d}/router_trace_rank0.jsonl"))
broken("malformed_json", append_line('{"step": 0, "layer": 1, "rank": 0, "top_indices": [[1, 2]'),
       f"router_trace_rank0.jsonl:{n0 + 1}")
broken("topk_mismatch", append_line(json.dumps({"step": 2, "layer": 1, "rank": 0, "num_tokens": 1,
                                                "topk": 3, "top_indices": [[0, 1, 2]]})), "topk")
broken("expert_out_of_range", append_line(json.dumps({"step": 2, "layer": 1, "rank": 0, "num_tokens": 1,
                                                      "topk": 2, "top_indices": [[0, 9]]})), "expert 9")
broken("missing_rank_file", lambda bd: os.remove(f"{bd}/router_trace_rank0.jsonl"), "router_trace_rank0.jsonl")
broken("rank_stopped_early", drop_lines(lambda rec: rec["step"] == 2), "rank(s) 1")
broken("layer_missing", lambda bd: [drop_lines(lambda rec: rec["step"] == 1 and rec["layer"] == 3, rank)(bd)
                                    for rank in (0, 1)], "layer 3")
broken("truncated_sidecar", lambda bd: open(f"{bd}/hidden_states_rank1.bin", "r+b").truncate(40),
       "hidden_states_rank1.bin", extra=["--dumped", f"{WORKDIR}/never_stream.h5"])
check(not os.path.exists(f"{WORKDIR}/never_stream.h5"), "a failed import left its dumped stream")
expect_bad(["import", "megatron", d, "--out", f"{d}/t.h5", "--experts", "8", "--priority", "score"],
           "position | token", "score priority")

# One rank, given as a file, with an empty step.
one = fresh("one_rank")
with open(f"{one}/trace.jsonl", "w") as f:
    f.write(json.dumps({"step": 0, "layer": 0, "rank": 0, "num_tokens": 2, "topk": 1, "top_indices": [[3], [3]]}) + "\n")
    f.write(json.dumps({"step": 1, "layer": 0, "rank": 0, "num_tokens": 0, "topk": 1, "top_indices": []}) + "\n")
r = moelab("import", "megatron", f"{one}/trace.jsonl", "--out", f"{one}/t.h5", "--experts", "4",
           "--capacity-factor", "1")
expect_bad(["import", "megatron", f"{one}/trace.jsonl", "--out", f"{one}/u.h5"], "--experts",
           "unknown E without logits", [f"{one}/u.h5"])
if check(r.returncode == 0, f"one-rank import failed: {r.stderr}"):
    with h5py.File(f"{one}/t.h5", "r") as f:
        g = f["layer_0"]
        check(np.array_equal(g["demand"][...], [[0, 0, 0, 2], [0, 0, 0, 0]]), "one-rank demand")
        check(np.array_equal(g["load"][...], [[0, 0, 0, 1], [0, 0, 0, 0]]), "one-rank load (C = 1)")
        check(g["dead_experts"][1] == 4, "an empty step should have every expert dead")

if problems:
    print("\n".join(problems))
    sys.exit(1)
print("import: all checks passed")
