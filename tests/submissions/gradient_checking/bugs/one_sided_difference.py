"""Forward difference (f(x + h) - f(x)) / h instead of the centered difference: off by O(h) where f is curved.

eval_numerical_gradient.

mistake: one_sided_difference
"""
import numpy as np


def eval_numerical_gradient(f, x, h=1e-5):
    """Numerical gradient of the scalar function f at x."""
    grad = np.zeros_like(x, dtype=float)
    fx = f(x)  # value at the original point
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)
        x[ix] = oldval
        grad[ix] = (fxph - fx) / h
        it.iternext()
    return grad
