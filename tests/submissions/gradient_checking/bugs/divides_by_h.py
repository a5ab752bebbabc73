"""Centered difference divided by h instead of 2h: every entry of the gradient is twice too large.

eval_numerical_gradient.

mistake: step_not_doubled
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
        x[ix] = oldval
        grad[ix] = (fxph - fxmh) / h
        it.iternext()
    return grad
