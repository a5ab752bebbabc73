"""Mean of the entrywise relative errors instead of their maximum: one bad entry is averaged away.

rel_error.

mistake: rel_error_mean
"""
import numpy as np


def rel_error(x, y):
    """Returns the relative error between x and y."""
    return float(np.mean(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))
