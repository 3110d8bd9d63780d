#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Cross-check of `moelab route` for soft MoE (ROUTING.md §4, INTERFACES.md) against a plain numpy
implementation in float64 that shares no code with moelab.

    route_soft_moe_check.py MOELAB WORKDIR    exit 1 on any mismatch

Random /tokens [T, d] and /phi [d, E*P] with attribute scale, routed with router.normalize on
and off: /dispatch_weights, /combine_weights and /combine (per-expert combine mass) must match
within 1e-5, /dispatch must be 1 exactly where that mass is > 0, and demand, load_cv,
router_entropy and specialization (NMI between /domain and each token's strongest expert) must
match the same definitions.
"""
import os
import subprocess
import sys

import h5py
import numpy as np


def reference(x, phi, scale, slots, normalize):
    x = x.astype(np.float64)
    phi = phi.astype(np.float64)
    if normalize:
        # vmoe normalize: v * rsqrt(sum(v^2) + 1e-6)
        x = x / np.sqrt((x ** 2).sum(axis=1, keepdims=True) + 1e-6)
        phi = phi / np.sqrt((phi ** 2).sum(axis=0, keepdims=True) + 1e-6)
        logits = scale * x @ phi
    else:
        logits = x @ phi
    dispatch = np.exp(logits - logits.max(axis=0))
    dispatch /= dispatch.sum(axis=0)
    combine = np.exp(logits - logits.max(axis=1, keepdims=True))
    combine /= combine.sum(axis=1, keepdims=True)
    mass = combine.reshape(len(x), -1, slots).sum(axis=2)
    return dispatch, combine, mass


def nmi(a, b):
    n = len(a)
    pa = np.bincount(a) / n
    pb = np.bincount(b) / n
    ha = -sum(p * np.log(p) for p in pa if p > 0)
    hb = -sum(p * np.log(p) for p in pb if p > 0)
    if ha == 0 and hb == 0:
        return 1.0
    if ha == 0 or hb == 0:
        return 0.0
    mi = 0.0
    for i in set(a):
        for j in set(b):
            pij = np.mean((a == i) & (b == j))
            if pij > 0:
                mi += pij * np.log(pij / (pa[i] * pb[j]))
    return min(max(2 * mi / (ha + hb), 0.0), 1.0)


def main():
    moelab, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    rng = np.random.default_rng(5)
    failures = 0
    for case, (tokens, width, experts, slots) in enumerate([(37, 6, 4, 3), (64, 8, 8, 1), (5, 3, 2, 4)]):
        x = rng.normal(size=(tokens, width)).astype(np.float32)
        phi = rng.normal(size=(width, experts * slots)).astype(np.float32)
        scale = np.float32(2.5)
        domain = rng.integers(0, 3, size=tokens).astype(np.int32)
        source = os.path.join(workdir, f"soft_in_{case}.h5")
        with h5py.File(source, "w") as f:
            f["tokens"] = x
            f["phi"] = phi
            f["phi"].attrs["scale"] = scale
            f["domain"] = domain
        for normalize in (True, False):
            out = os.path.join(workdir, f"soft_out_{case}_{normalize}.h5")
            run = subprocess.run([moelab, "route", source, "--out", out, "--force",
                                  "--router.kind=soft_moe", f"--router.slots={slots}",
                                  f"--router.normalize={'true' if normalize else 'false'}"],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                print(f"case {case} normalize={normalize}: exit {run.returncode}: {run.stderr}")
                failures += 1
                continue
            dispatch, combine, mass = reference(x, phi, float(scale), slots, normalize)
            demand = mass.sum(axis=0)
            entropy = -(mass * np.log(np.where(mass > 0, mass, 1))).sum(axis=1).mean()
            expected_attrs = {
                "load_cv": demand.std() / demand.mean(),
                "router_entropy": entropy / np.log(experts) if experts > 1 else 0.0,
                "specialization": nmi(domain, mass.argmax(axis=1)),
                "drop_fraction": 0.0,
                "token_drop_fraction": 0.0,
            }
            with h5py.File(out, "r") as f:
                checks = [
                    ("dispatch_weights", np.allclose(f["dispatch_weights"][:], dispatch, atol=1e-5)),
                    ("combine_weights", np.allclose(f["combine_weights"][:], combine, atol=1e-5)),
                    ("combine", np.allclose(f["combine"][:], mass, atol=1e-5)),
                    ("dispatch", np.array_equal(f["dispatch"][:], (mass > 0).astype(np.uint8))),
                    ("demand", np.allclose(f["demand"][:], demand, atol=1e-4)),
                    ("capacity", int(f.attrs["capacity"]) == -1),
                    ("slots", int(f.attrs["slots"]) == slots),
                    ("n_experts", int(f.attrs["n_experts"]) == experts),
                ]
                for name, value in expected_attrs.items():
                    checks.append((name, abs(float(f.attrs[name]) - value) < 1e-5))
            for name, ok in checks:
                if not ok:
                    print(f"case {case} normalize={normalize}: {name} differs")
                    failures += 1
    print("soft MoE route cross-check:", "OK" if failures == 0 else f"{failures} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
