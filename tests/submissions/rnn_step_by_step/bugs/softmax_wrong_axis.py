"""Softmax normalised over the wrong axis (axis=1, across examples instead of across classes).

mistake: softmax_wrong_axis
"""
import numpy as np


def softmax(x):
    """Softmax of x."""
    e_x = np.exp(x - np.max(x, axis=1, keepdims=True))
    return e_x / np.sum(e_x, axis=1, keepdims=True)
