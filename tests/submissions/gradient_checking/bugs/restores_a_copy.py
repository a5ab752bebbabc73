"""Probes a copy of x (x = x.copy()): a function that reads the caller's array through another name never sees the change.

eval_numerical_gradient; the gradient of such a function comes out all zeros.

mistake: probes_a_copy
"""
import numpy as np


def eval_numerical_gradient(f, x, h=1e-5):
    """Numerical gradient of the scalar function f at x (centered differences)."""
    x = x.copy()  # don't mess with the caller's array
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
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad
