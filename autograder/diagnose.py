"""Step 5: explain a difference so that a student can fix it.

Every explanation shows reference (expected) and student (got) side by side: shapes, the
first mismatching index with both values, the largest absolute and relative errors, and
patterns that point at a cause (transposed, sign, scaled, which time steps agree).
"""
import numpy as np

from .compare import relative_error

MAX_DIFFERENCES_SHOWN = 3


def number(value):
    return f"{value:.6g}"


def patterns(ref, st):
    """Short remarks on how st relates to ref, for arrays of equal shape."""
    notes = []
    if not st.any():
        notes.append("your array is all zeros")
    elif np.allclose(st, -ref):
        notes.append("it is the expected result with the opposite sign")
    elif ref.ndim == 2 and ref.shape[0] == ref.shape[1] and np.allclose(st, ref.T):
        notes.append("it equals the expected result transposed")
    else:
        ratio = st[np.abs(ref) > 1e-12] / ref[np.abs(ref) > 1e-12]
        if ratio.size > 1 and np.allclose(ratio, ratio[0]):
            notes.append(f"it is the expected result times {number(ratio[0])}")
    if ref.ndim == 3 and ref.shape[-1] > 1:  # (n, m, T_x): say which time steps agree
        good = [bool(np.allclose(st[..., t], ref[..., t])) for t in range(ref.shape[-1])]
        if any(good):
            agree = ", ".join(str(t) for t, ok in enumerate(good) if ok)
            differ = ", ".join(str(t) for t, ok in enumerate(good) if not ok)
            notes.append(f"time steps t = {agree} match; t = {differ} differ")
    return notes


def explain_values(path, ref, st, rtol, atol, gradient):
    bad = ~np.isclose(st, ref, rtol=rtol, atol=atol)
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    error = np.abs(st - ref)
    lines = [f"{path}: values differ in {int(bad.sum())} of {bad.size} entries",
             f"  first at index {index}: expected {number(ref[index])}, got {number(st[index])}",
             f"  max abs error {number(error.max())}, "
             f"max rel error {number((error / np.maximum(np.abs(ref), atol)).max())}"
             + (f", gradient relative error {number(relative_error(ref, st))}" if gradient else "")]
    lines += [f"  note: {note}" for note in patterns(ref, st)]
    return lines


def explain(differences, rtol, atol, gradient=False):
    """Text lines for the first few differences."""
    lines = []
    for difference in differences[:MAX_DIFFERENCES_SHOWN]:
        if difference.kind == "values" and isinstance(difference.ref, np.ndarray):
            lines += explain_values(difference.path, difference.ref, difference.st, rtol, atol,
                                    gradient)
        elif difference.kind == "finite":
            lines.append(f"{difference.path}: {difference.detail}; expected finite values "
                         "(an overflow, e.g. np.exp of a large number, is a common cause)")
        else:
            lines.append(f"{difference.path}: {difference.detail}")
    if len(differences) > MAX_DIFFERENCES_SHOWN:
        lines.append(f"... and {len(differences) - MAX_DIFFERENCES_SHOWN} more differences")
    return lines


def explain_error(error, name):
    """A student-facing account of an exception raised by the student's code."""
    kind, message = error.get("type", "exception"), error.get("message", "")
    if kind == "NotImplementedError":
        return [f"{name} is not implemented yet (it raises NotImplementedError)"]
    lines = [f"{name} raised {kind}: {message}".rstrip(": ")]
    if kind == "MemoryError":
        lines[0] += " (your code ran out of its memory limit: is an array far too large?)"
    lines += [f"  at {where}" for where in error.get("where", [])]
    return lines
