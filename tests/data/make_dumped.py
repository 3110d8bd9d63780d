#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes a small dumped token file for `stream.kind = dumped` (schema: docs/dumped-stream.md).

    make_dumped.py PATH [--rows N] [--width D] [--domains K] [--experts E] [--dtype float16]
                        [--no-labels] [--seed S]

The tokens are K Gaussian clusters in R^d (centres of norm 4, offsets of expected norm 1), so
a router has structure to find; /domain holds each token's cluster, /token_id a Zipf-distributed
vocabulary id, /logits and /router_weight a random linear router, and the root attributes
name the (synthetic) source model and layer. Rows are written in chunks, so N may be large.
"""
import argparse

import h5py
import numpy as np

CHUNK_ROWS = 65536


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path")
    parser.add_argument("--rows", type=int, default=4096, help="tokens N")
    parser.add_argument("--width", type=int, default=32, help="hidden size d (= model.width)")
    parser.add_argument("--domains", type=int, default=4, help="clusters / domain labels K")
    parser.add_argument("--experts", type=int, default=8, help="columns E of /logits")
    parser.add_argument("--dtype", choices=["float16", "float32"], default="float16")
    parser.add_argument("--no-labels", action="store_true", help="leave out /domain, /token_id")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    d, k = args.width, args.domains
    centres = rng.standard_normal((k, d))
    centres *= 4.0 / np.linalg.norm(centres, axis=1, keepdims=True)
    router = (rng.standard_normal((d, args.experts)) / np.sqrt(d)).astype(np.float32)

    with h5py.File(args.path, "w") as f:
        f.attrs["source_model"] = "synthetic (tests/data/make_dumped.py)"
        f.attrs["layer"] = 0
        tokens = f.create_dataset("tokens", (args.rows, d), dtype=args.dtype)
        logits = f.create_dataset("logits", (args.rows, args.experts), dtype=args.dtype)
        f.create_dataset("router_weight", data=router)
        if not args.no_labels:
            domain = f.create_dataset("domain", (args.rows,), dtype=np.int32)
            token_id = f.create_dataset("token_id", (args.rows,), dtype=np.int32)
        for first in range(0, args.rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, args.rows - first)
            labels = rng.integers(0, k, n)
            x = centres[labels] + rng.standard_normal((n, d)) / np.sqrt(d)
            tokens[first:first + n] = x
            logits[first:first + n] = x.astype(np.float32) @ router
            if not args.no_labels:
                domain[first:first + n] = labels
                token_id[first:first + n] = np.minimum(rng.zipf(1.2, n) - 1, 49999)


if __name__ == "__main__":
    main()
