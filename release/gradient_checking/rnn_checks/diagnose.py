"""Step 5: explain a difference so that a student can fix it.

Every explanation shows reference (expected) and student (got) side by side: shapes, the
first mismatching index with both values, the largest absolute and relative errors, and
patterns that point at a cause (transposed, sign, scaled, which time steps agree).

That is for the public case, whose inputs the student has. For a hidden case (reveal=False)
the explanation is the grader's own words, shapes, counts and indices: no value, no error
message, nothing the student's code printed, so that neither hidden inputs nor expected
outputs reach the student through feedback.
"""
import builtins

import numpy as np

from .compare import describe_type, relative_error

MAX_DIFFERENCES_SHOWN = 3


def number(value):
    return f"{value:.6g}"


def patterns(ref, st, reveal=True, rtol=1e-5, atol=1e-8, time_axis=None):
    """Short remarks on how st relates to ref, for arrays of equal shape (within the
    exercise's tolerance). time_axis: the axis of time steps, where an output has one."""
    def close(a, b):
        return np.allclose(a, b, rtol=rtol, atol=atol)
    notes = []
    if not st.any():
        notes.append("your array is all zeros")
    elif close(st, -ref):
        notes.append("it is the expected result with the opposite sign")
    elif ref.ndim == 2 and ref.shape[0] == ref.shape[1] and close(st, ref.T):
        notes.append("it equals the expected result transposed")
    else:
        ratio = st[np.abs(ref) > 1e-12] / ref[np.abs(ref) > 1e-12]
        if ratio.size > 1 and close(ratio, ratio[0]):
            notes.append(f"it is the expected result times {number(ratio[0])}" if reveal else
                         "it is a constant multiple of the expected result")
    if time_axis is not None and ref.ndim == 3 and ref.shape[time_axis] > 1:
        # (n, m, T_x): say which time steps agree
        good = [bool(close(np.take(st, t, time_axis), np.take(ref, t, time_axis)))
                for t in range(ref.shape[time_axis])]
        if any(good) and not all(good):
            agree = ", ".join(str(t) for t, ok in enumerate(good) if ok)
            differ = ", ".join(str(t) for t, ok in enumerate(good) if not ok)
            notes.append(f"time steps t = {agree} match; t = {differ} differ")
    return notes


def explain_values(path, ref, st, rtol, atol, gradient, reveal, time_axis=None):
    bad = ~np.isclose(st, ref, rtol=rtol, atol=atol)
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    lines = [f"{path}: values differ in {int(bad.sum())} of {bad.size} entries"]
    if reveal:
        error = np.abs(st - ref)
        lines += [f"  first at index {index}: expected {number(ref[index])}, "
                  f"got {number(st[index])}",
                  f"  max abs error {number(error.max())}, "
                  f"max rel error {number((error / np.maximum(np.abs(ref), atol)).max())}"
                  + (f", gradient relative error {number(relative_error(ref, st))}" if gradient
                     else "")]
    else:
        lines.append(f"  first at index {index}")
    return lines + [f"  note: {note}" for note in patterns(ref, st, reveal, rtol, atol, time_axis)]


def hidden_detail(difference):
    """A difference in words that carry no value of the case and no text of the student's."""
    kind, ref, st = difference.kind, difference.ref, difference.st
    if kind == "type":
        got = describe_type(st, reveal=False)
        return f"expected {describe_type(ref)}, got {got}"
    if kind == "keys":
        missing = [k for k in ref if k not in st]
        extra = type(ref) is dict and any(k not in ref for k in st)  # objects may have more
        return "; ".join(([f"missing keys {missing}"] if missing else []) +
                         (["unexpected keys"] if extra else []))
    if kind == "finite":
        return f"{int((~np.isfinite(st)).sum())} entries are not finite"
    if kind == "values":
        return "the value differs from the expected one"
    # The student's shape or length was chosen by code that saw the hidden inputs: only the
    # reference's is shown.
    if kind == "shape":
        return f"wrong shape (expected {ref.shape})"
    if kind == "length":
        return f"wrong number of items (expected {len(ref)})"
    return difference.detail  # dtype: one of the few the protocol accepts


def explain(differences, rtol, atol, gradient=False, reveal=True, time_axis=None):
    """Text lines for the first few differences."""
    lines = []
    for difference in differences[:MAX_DIFFERENCES_SHOWN]:
        detail = difference.detail if reveal else hidden_detail(difference)
        if difference.kind == "values" and isinstance(difference.ref, np.ndarray):
            lines += explain_values(difference.path, difference.ref, difference.st, rtol, atol,
                                    gradient, reveal, time_axis)
        elif difference.kind == "finite":
            lines.append(f"{difference.path}: {detail}; expected finite values "
                         "(an overflow, e.g. np.exp of a large number, is a common cause)")
        else:
            lines.append(f"{difference.path}: {detail}")
    if len(differences) > MAX_DIFFERENCES_SHOWN:
        lines.append(f"... and {len(differences) - MAX_DIFFERENCES_SHOWN} more differences")
    return lines


def described(value, reveal=True):
    """What a student's function returned, in words, with the likely cause of a None."""
    return describe_type(value, reveal) + (" (a missing return?)" if value is None else "")


def returned(name, value, reveal=True):
    """`your sample returned None (a missing return?)`: the start of a sentence about what
    came back, for the checks that cannot compare it with anything."""
    return f"your {name} returned {described(value, reveal)}"


def exception_name(kind):
    """A builtin exception's name, or "an exception": a class the student's code defined
    could be named after the hidden inputs."""
    found = getattr(builtins, kind, None)
    return kind if isinstance(found, type) and issubclass(found, BaseException) else "an exception"


def location(frame, reveal):
    """`cell 'rnn_forward', line 7, in f: text` (hidden cases: the cell and line only, which
    the grader checked exist in the submission)."""
    cell, line, function, text = frame
    place = (f"cell '{cell}', " if cell else "") + f"line {line}"
    return place if not reveal else f"{place}, in {function}" + (f": {text}" if text else "")


def explain_error(error, name, reveal=True):
    """A student-facing account of an exception raised by the student's code.

    Hidden cases (reveal=False) give a builtin exception's name and the cells and lines of
    the student's code, not the message: a message could carry the hidden inputs."""
    kind, message = str(error.get("type", "exception")), str(error.get("message", ""))
    if kind == "NotImplementedError":
        return [f"{name} is not implemented yet (it raises NotImplementedError)"]
    if not reveal:
        lines = [f"{name} raised {exception_name(kind)} (its message is shown for the public "
                 "case only)"]
    else:
        lines = [f"{name} raised {kind}: {message}".rstrip(": ")]
    if kind == "MemoryError":
        lines[0] += " (your code ran out of its memory limit: is an array far too large?)"
    lines += [f"  at {location(frame, reveal)}" for frame in error.get("where", [])]
    return lines


MAX_CELLS = 64  # rows or columns of a heatmap


def pictures(differences, time_axis, gradient, rtol, atol):
    """Data for the feedback page's pictures of a public case (never of a hidden one):
    where an output with time steps differs, a heatmap of |yours - expected| over units
    (rows, the largest over the batch) and time steps (columns); for a backward pass, the
    relative error of each gradient that differs, on a log scale. Plain numbers only: the
    page draws them (templates/feedback.html)."""
    shown, errors = [], []
    for difference in differences:
        ref, st = difference.ref, difference.st
        if difference.kind != "values" or not isinstance(ref, np.ndarray):
            continue
        if gradient:
            errors.append([difference.path, relative_error(ref, st)])
        # (units, batch, time) arrays, or time-major (time, units) ones
        timed = ref.ndim == 3 or (ref.ndim == 2 and time_axis == 0)
        if time_axis is not None and timed and ref.shape[time_axis] > 1:
            error = np.moveaxis(np.abs(st - ref), time_axis, -1)
            grid = error.reshape(error.shape[0], -1, error.shape[-1]).max(axis=1)
            grid = grid[:MAX_CELLS, :MAX_CELLS]
            shown.append({"kind": "heatmap", "title": f"|yours - expected| of {difference.path}",
                          "rows": "units", "columns": "time steps", "grid": grid.tolist(),
                          "largest": float(grid.max()), "tolerance": atol + rtol * float(
                              np.abs(ref).max())})
    if errors:
        shown.append({"kind": "errors", "title": "relative error of each gradient that differs",
                      "bars": errors})
    return shown
