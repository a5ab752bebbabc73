"""Relative error measured against |x| only, |x - y| / |x|, instead of |x| + |y|.

rel_error.

mistake: rel_error_relative_to_x
"""
import numpy as np


def rel_error(x, y):
    """Returns the maximum relative error between x and y."""
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x))))
