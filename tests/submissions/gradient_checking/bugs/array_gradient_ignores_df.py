"""Upstream gradient df ignored: sums the change of f(x) itself, the gradient of sum(f(x)) rather than of sum(f(x) * df).

eval_numerical_gradient_array.

mistake: upstream_gradient_dropped
"""
import numpy as np


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of a function that accepts an array and returns an array."""
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        pos = f(x).copy()
        x[ix] = oldval - h
        neg = f(x).copy()
        x[ix] = oldval
        grad[ix] = np.sum(pos - neg) / (2 * h)
        it.iternext()
    return grad
