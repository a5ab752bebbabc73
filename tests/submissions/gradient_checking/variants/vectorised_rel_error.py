"""rel_error written step by step: the difference and the floored denominator on separate lines, zeros handled with np.where."""
import numpy as np


def rel_error(x, y):
    """Largest relative error between x and y."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    diff = np.abs(x - y)
    denom = np.abs(x) + np.abs(y)
    denom = np.maximum(denom, 1e-8)
    ratio = np.where(diff == 0, 0.0, diff / denom)
    return np.max(ratio).item()
