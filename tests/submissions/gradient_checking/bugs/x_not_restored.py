"""The probed entry is never set back to its old value: x is left at x - h everywhere and later entries are evaluated at the wrong point.

eval_numerical_gradient.

mistake: input_not_restored
"""
import numpy as np


def eval_numerical_gradient(f, x, h=1e-5):
    """Numerical gradient of the scalar function f at x (centered differences)."""
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)
        x[ix] = oldval - h
        fxmh = f(x)
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad
