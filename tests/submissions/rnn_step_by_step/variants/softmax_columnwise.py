"""Softmax as np.exp(x - x.max(0)) / sum, broadcasting without keepdims."""
import numpy as np


def softmax(x):
    """Column softmax; max and sum over axis 0 without keepdims (1-D broadcast)."""
    e_x = np.exp(x - x.max(0))
    return e_x / e_x.sum(0)
