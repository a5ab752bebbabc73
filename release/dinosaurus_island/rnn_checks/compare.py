"""Step 4: compare the student's result (st) with the reference result (ref).

Both sides are plain values the grading process decoded itself (protocol.decode): plain
float64 ndarrays, numbers, strings, tuples, lists and dicts. Nothing the student's code
defined takes part in a comparison, so a lying `__eq__` or an ndarray subclass cannot help.
"""
from dataclasses import dataclass

import numpy as np

from .protocol import Code, Instance, Opaque

NUMBER = (int, float)
SHOWN = (int, float, bool, str, type(None), list, tuple, dict)  # shown by their repr


@dataclass
class Difference:
    path: str       # where, e.g. "cache[3]['Wax']"
    kind: str       # type, length, keys, shape, dtype, finite, values
    ref: object
    st: object
    detail: str = ""


def describe_type(value, reveal=True):
    """In words; reveal=False (hidden cases): no name or shape that the student's code chose."""
    kind = type(value)  # type() cannot be lied to, unlike isinstance (a __class__ property)
    if kind is Opaque and value.type_name.startswith("ndarray of "):
        # An array of a dtype that does not cross (object, complex, strings): NumPy's words.
        dtype = value.type_name[len("ndarray of "):]
        return f"a NumPy array of dtype {dtype}" if reveal else "a NumPy array of another dtype"
    if kind is Opaque:
        return f"a {value.type_name} object" if reveal else "an object of another type"
    if kind is Instance:
        return f"an {value.class_name} object" if reveal else "an object"
    if issubclass(kind, np.ndarray):
        return f"a NumPy array of shape {value.shape}" if reveal else "a NumPy array"
    if issubclass(kind, (np.integer, np.floating)):  # a student's own, in a notebook
        return "a NumPy number"
    words = {tuple: "a tuple", list: "a list", dict: "a dict", type(None): "None",
             bool: "a bool", str: "a string", int: "a number", float: "a number"}
    if kind in words:
        return words[kind]
    return f"a {kind.__name__} object" if reveal else "an object of another type"


def compare(ref, st, path, rtol, atol, numbers_for_arrays=False):
    """All differences between ref and st, at most one for each place in the structure.

    numbers_for_arrays: a number where ref has an array is equal when every entry is."""
    if isinstance(ref, Code):  # a function the grader passed: it has nothing to compare
        return []
    if isinstance(ref, np.ndarray):
        if (numbers_for_arrays and is_number(st)
                and np.allclose(ref, as_float(st), rtol=rtol, atol=atol)):
            return []
        return compare_arrays(ref, st, path, rtol, atol)
    if isinstance(ref, (tuple, list)):
        if not isinstance(st, (tuple, list)):
            return [Difference(path, "type", ref, st, f"expected {describe_type(ref)}, "
                                                       f"got {describe_type(st)}")]
        if len(st) != len(ref):
            return [Difference(path, "length", ref, st,
                               f"expected {len(ref)} items, got {len(st)}")]
        return [d for i, (r, s) in enumerate(zip(ref, st))
                for d in compare(r, s, f"{path}[{i}]", rtol, atol, numbers_for_arrays)]
    if isinstance(ref, dict):
        # An object where a dict is expected, or the reverse, is another type.
        if not isinstance(st, dict) or isinstance(st, Instance) != isinstance(ref, Instance):
            return [Difference(path, "type", ref, st, f"expected {describe_type(ref)}, "
                                                       f"got {describe_type(st)}")]
        missing = [k for k in ref if k not in st]
        # An object may carry attributes of its own (a student's cached value): only the
        # expected ones are compared.
        extra = [] if isinstance(ref, Instance) else [k for k in st if k not in ref]
        if missing or extra:
            parts = ([f"missing keys {missing}"] if missing else []) + \
                    ([f"unexpected keys {shown(extra)}"] if extra else [])
            return [Difference(path, "keys", ref, st, "; ".join(parts))]
        step = ".{}" if isinstance(ref, Instance) else "[{!r}]"
        return [d for k in ref for d in compare(ref[k], st[k], path + step.format(k), rtol, atol,
                                                numbers_for_arrays)]
    if is_number(ref):
        # nan equals nan: a reference is never nan, but a named mistake may be.
        if is_number(st) and np.isclose(as_float(st), ref, rtol, atol, equal_nan=True):
            return []
        return [Difference(path, "values", ref, st, f"expected {shown(ref)}, got {shown(st)}")]
    if type(st) is not type(ref) or st != ref:
        return [Difference(path, "values", ref, st, f"expected {shown(ref)}, got {shown(st)}")]
    return []


def is_number(value):
    """An int or a float, not a bool: True is 1 to Python, but not a number anyone meant."""
    return isinstance(value, NUMBER) and not isinstance(value, bool)


def as_float(number):
    """A number as a float for comparing: an int too large for one (10**400 is valid
    Python) is infinite, which no finite expected value is close to."""
    try:
        return float(number)
    except OverflowError:
        return float("inf") if number > 0 else float("-inf")


def shown(value, limit=200):
    """repr(value) for feedback, cut short: a long string or number is noise there, and an
    int of more than 4300 digits cannot even be printed. Arrays and objects in words."""
    if type(value) not in SHOWN:
        return describe_type(value)
    try:
        text = repr(value)
    except ValueError:
        return "an integer too long to print"
    return text if len(text) <= limit else text[:limit] + "..."


def compare_arrays(ref, st, path, rtol, atol):
    if not isinstance(st, np.ndarray):
        return [Difference(path, "type", ref, st, f"expected a NumPy array of shape {ref.shape}, "
                                                   f"got {describe_type(st)}")]
    if st.shape != ref.shape:
        return [Difference(path, "shape", ref, st, f"expected shape {ref.shape}, got {st.shape}")]
    if st.dtype != ref.dtype:
        return [Difference(path, "dtype", ref, st, f"expected dtype {ref.dtype}, got {st.dtype}")]
    finite = np.isfinite(st)
    if not finite.all() and np.isfinite(ref).all():
        index = tuple(int(i) for i in np.argwhere(~finite)[0])
        return [Difference(path, "finite", ref, st, f"{int((~finite).sum())} entries are not "
                           f"finite (first at index {index}: {st[index]!r})")]
    if not all_close(st, ref, rtol, atol):
        return [Difference(path, "values", ref, st)]
    return []


def all_close(st, ref, rtol, atol):
    """np.allclose(st, ref, rtol, atol, equal_nan=True) for arrays of one numeric dtype,
    without its fixed cost, which dominates on the many small arrays of a cache."""
    if st.dtype.kind not in "biuf":
        return np.allclose(st, ref, rtol=rtol, atol=atol, equal_nan=True)
    ref = ref.astype(np.result_type(ref, 1.0), copy=False)  # no wrap-around of unsigned
    with np.errstate(invalid="ignore", over="ignore"):
        close = (np.abs(st - ref) <= atol + rtol * np.abs(ref)) & np.isfinite(ref)
    return bool(close.all() or (close | (st == ref) | (np.isnan(st) & np.isnan(ref))).all())


def argument_differences(before, after, names):
    """Names of arguments (or parts of them) that a call changed."""
    if not isinstance(after, list) or len(after) != len(before):
        return []
    return [f"{name}{d.path}" for name, b, a in zip(names, before, after)
            for d in compare(b, a, "", 0.0, 0.0)]


def relative_error(ref, st):
    """||ref - st|| / max(||ref|| + ||st||, tiny): the usual gradient-check measure."""
    ref, st = np.asarray(ref, float), np.asarray(st, float)
    return float(np.linalg.norm(ref - st) / max(np.linalg.norm(ref) + np.linalg.norm(st), 1e-300))
