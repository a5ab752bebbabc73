"""Relative error without the 1e-8 floor in the denominator: two exact zeros give 0/0 = nan.

rel_error; |x - y| / (|x| + |y|).

mistake: rel_error_no_floor
"""
import numpy as np


def rel_error(x, y):
    """Returns the maximum relative error between x and y."""
    return float(np.max(np.abs(x - y) / (np.abs(x) + np.abs(y))))
