# SPDX-License-Identifier: MIT
"""Bit-for-bit comparison of two moelab traces with h5py: every group, dataset (values, dtype,
shape) and attribute, except the ones that legitimately differ between two runs of the same
scenario and seed (IGNORED_ATTRIBUTES). Used by the determinism and sweep tests."""

import h5py
import numpy

# `created` is the wall-clock time the file was written.
IGNORED_ATTRIBUTES = {"created"}


def _same_value(a, b):
    a, b = numpy.asarray(a), numpy.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        # Bit patterns, so that NaN equals NaN and -0.0 differs from 0.0.
        return a.tobytes() == b.tobytes()
    return numpy.array_equal(a, b)


def _attributes(obj, normalise):
    return {k: normalise(obj.name, k, v) for k, v in obj.attrs.items() if k not in IGNORED_ATTRIBUTES}


def _keep(path, key, value):
    return value


def differences(path_a, path_b, normalise=_keep):
    """Lines describing every difference between the two files; empty when they are the same.
    `normalise(object_name, attribute, value)` may rewrite an attribute before the comparison
    (for example drop a line of the scenario text that names the thread count)."""
    found = []
    with h5py.File(path_a, "r") as fa, h5py.File(path_b, "r") as fb:
        objects_a, objects_b = {}, {}
        # visit() stops at the first callback that returns something other than None.
        fa.visit(lambda name: objects_a.__setitem__(name, fa[name]))
        fb.visit(lambda name: objects_b.__setitem__(name, fb[name]))
        for name in sorted(set(objects_a) ^ set(objects_b)):
            found.append(f"{name}: only in {'the first' if name in objects_a else 'the second'} file")
        pairs = [("/", fa, fb)] + [(n, objects_a[n], objects_b[n]) for n in sorted(set(objects_a) & set(objects_b))]
        for name, a, b in pairs:
            if type(a) is not type(b):
                found.append(f"{name}: a {type(a).__name__} in one file, a {type(b).__name__} in the other")
                continue
            attrs_a, attrs_b = _attributes(a, normalise), _attributes(b, normalise)
            for key in sorted(set(attrs_a) | set(attrs_b)):
                if key not in attrs_a or key not in attrs_b:
                    found.append(f"{name}@{key}: only in one file")
                elif key in ("DIMENSION_LIST", "REFERENCE_LIST"):
                    continue  # object references: file addresses, compared through the datasets
                elif not _same_value(attrs_a[key], attrs_b[key]):
                    found.append(f"{name}@{key}: {attrs_a[key]!r} != {attrs_b[key]!r}")
            if isinstance(a, h5py.Dataset) and not _same_value(a[()], b[()]):
                found.append(f"{name}: values differ (shapes {a.shape}, {b.shape})")
    return found
