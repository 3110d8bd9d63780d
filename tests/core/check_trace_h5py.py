#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks a trace written by trace_sample_writer with h5py alone (no moelab code): names,
shapes, types, storage, attributes, dimension scales and the NeXus default plot that h5web and
silx follow. Exits 1 with one line per problem. Run with /usr/bin/python3 (ENV.md §5)."""

import math
import re
import sys

import h5py
import numpy as np

N_EXPERTS = 4
N_LAYERS = 2
STEPS = 300
SCALARS = [
    "drop_fraction", "token_drop_fraction", "picked_once_fraction", "picked_many_fraction",
    "null_fraction", "load_cv", "max_over_mean", "load_entropy", "router_entropy",
    "dead_experts", "collapse", "task_loss", "aux_loss", "z_loss", "importance_loss",
    "load_loss", "seq_aux_loss", "total_loss", "specialization", "vocab_specialization",
    "capacity",
]
PER_EXPERT = ["demand", "load", "dropped", "importance", "mean_score"]
INT64 = {"step", "capacity"}

problems = []


def check(condition, message):
    if not condition:
        problems.append(message)


def as_str(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def as_str_list(value):
    if isinstance(value, (str, bytes)):
        return [as_str(value)]
    return [as_str(v) for v in value]


def check_layer(f, layer):
    name = f"layer_{layer}"
    check(name in f, f"missing group {name}")
    if name not in f:
        return
    group = f[name]

    # NeXus NXdata, as h5web (isNxDataGroup) and silx (nxdata.NXdata) validate it.
    check(as_str(group.attrs.get("NX_class", "")) == "NXdata", f"{name}@NX_class != NXdata")
    signal = as_str(group.attrs.get("signal", ""))
    check(signal == "load_cv", f"{name}@signal is {signal!r}")
    axes = as_str_list(group.attrs.get("axes", []))
    check(axes == ["step"], f"{name}@axes is {axes}")
    auxiliary = as_str_list(group.attrs.get("auxiliary_signals", []))
    check(len(auxiliary) > 0, f"{name}@auxiliary_signals is empty")
    for aux in auxiliary + [signal] + axes:
        check(aux in group and group[aux].shape == (STEPS,),
              f"{name}: NXdata member {aux!r} missing or not shaped like the signal")

    expected = {"step": (STEPS,)}
    expected.update({s: (STEPS,) for s in SCALARS})
    expected.update({p: (STEPS, N_EXPERTS) for p in PER_EXPERT + ["expert_state"]})
    expected["probe_loss"] = (STEPS, 1)
    check(set(group.keys()) == set(expected),
          f"{name} holds {sorted(group.keys())}, expected {sorted(expected)}")

    step = group["step"]
    check(h5py.h5ds.is_scale(step.id), f"{name}/step is not a dimension scale")
    for ds_name, shape in expected.items():
        if ds_name not in group:
            continue
        ds = group[ds_name]
        where = f"{name}/{ds_name}"
        check(ds.shape == shape, f"{where} shape {ds.shape}, expected {shape}")
        want = np.int64 if ds_name in INT64 else np.float64
        check(ds.dtype == want, f"{where} dtype {ds.dtype}, expected {np.dtype(want)}")
        check(ds.maxshape == (None,) + shape[1:], f"{where} maxshape {ds.maxshape}")
        check(ds.chunks is not None, f"{where} is not chunked")
        check(ds.compression == "gzip" and ds.compression_opts == 4 and ds.shuffle,
              f"{where} filters: {ds.compression} {ds.compression_opts} shuffle={ds.shuffle}")
        for attr in ("units", "long_name"):
            value = ds.attrs.get(attr)
            check(isinstance(value, str) and value != "", f"{where}@{attr} is {value!r}")
        if ds_name != "step":
            scales = list(ds.dims[0].keys()) and ds.dims[0][0]
            check(scales and scales.name == f"/{name}/step",
                  f"{where}: dim 0 scale is {scales and scales.name}")
            check(ds.dims[0].label == "step", f"{where}: dim 0 label {ds.dims[0].label!r}")
            if len(shape) == 2:
                label = "domain" if ds_name == "probe_loss" else "expert"
                check(ds.dims[1].label == label, f"{where}: dim 1 label {ds.dims[1].label!r}")

    # Values, by the formulas in trace_sample_writer.cpp.
    s = np.arange(STEPS)
    check(np.array_equal(group["step"][()], s), f"{name}/step values")
    check(np.array_equal(group["load_cv"][()], s / 256 + 10 * layer), f"{name}/load_cv values")
    check(np.array_equal(group["capacity"][()], 100 + s), f"{name}/capacity values")
    check(np.isnan(group["specialization"][()]).all(), f"{name}/specialization is not all NaN")
    demand = s[:, None] + np.arange(N_EXPERTS)[None, :] / 4 + 1000 * layer
    check(np.array_equal(group["demand"][()], demand), f"{name}/demand values")
    check((group["load"][()] == 0.5).all(), f"{name}/load values")
    # Rows without events or probes: every expert live, no probe evaluated.
    check((group["expert_state"][()] == 1).all(), f"{name}/expert_state values")
    check(np.isnan(group["probe_loss"][()]).all(), f"{name}/probe_loss is not all NaN")


def main():
    if len(sys.argv) != 2:
        print("usage: check_trace_h5py.py TRACE.h5", file=sys.stderr)
        return 2
    with h5py.File(sys.argv[1], "r") as f:
        attrs = f.attrs
        check(as_str(attrs.get("schema_version", "")) == "1.2", "schema_version != 1.2")
        check(as_str(attrs.get("events", "?")) == "", "events is not empty")
        check(attrs.get("moelab_version") == "sample", "moelab_version")
        scenario = attrs.get("scenario")
        check(scenario == "[router]\nkind = token_choice\nk = 2\n# µ\n",
              f"scenario is {scenario!r}")
        check(attrs.get("seed") == 42 and attrs["seed"].dtype == np.uint64,
              f"seed is {attrs.get('seed')!r}")
        check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", as_str(attrs.get("created", "")))
              is not None, f"created is {attrs.get('created')!r}")
        check(attrs.get("router_kind") == "token_choice", "router_kind")
        check(attrs.get("n_experts") == N_EXPERTS, "n_experts")
        check(attrs.get("n_layers") == N_LAYERS, "n_layers")
        default = as_str(attrs.get("default", ""))
        check(default == "layer_0", f"@default is {default!r}")
        for layer in range(N_LAYERS):
            check_layer(f, layer)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{sys.argv[1]}: all h5py checks passed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
