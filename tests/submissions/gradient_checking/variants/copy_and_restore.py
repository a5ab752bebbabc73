"""Saves a copy of the whole array and restores it in place (x[...] = original) after each entry."""
import numpy as np


def eval_numerical_gradient(f, x, h=1e-5):
    """Numerical gradient of f at x by central differences."""
    original = x.copy()
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        ix = it.multi_index
        x[ix] = original[ix] + h
        fxph = f(x)
        x[ix] = original[ix] - h
        fxmh = f(x)
        x[...] = original  # in place, so every reference to x is restored
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of sum(f(x) * df) by central differences."""
    original = x.copy()
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        ix = it.multi_index
        x[ix] = original[ix] + h
        pos = np.copy(f(x))
        x[ix] = original[ix] - h
        neg = np.copy(f(x))
        x[...] = original
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad
