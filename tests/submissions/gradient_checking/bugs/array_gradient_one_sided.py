"""Forward difference (f(x + h) - f(x)) / h in the array version: off by O(h) where f is curved.

eval_numerical_gradient_array.

mistake: one_sided_difference
"""
import numpy as np


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of a function that accepts an array and returns an array."""
    grad = np.zeros_like(x, dtype=float)
    fx = f(x).copy()
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        pos = f(x).copy()
        x[ix] = oldval
        grad[ix] = np.sum((pos - fx) * df) / h
        it.iternext()
    return grad
