"""Hard-coded clipping range: np.clip(g, -10, 10) ignores the maxValue argument.

clip; only right when maxValue happens to be 10.

mistake: max_value_ignored
"""
import numpy as np


def clip(gradients, maxValue):
    """Clips the gradients to the range [-maxValue, maxValue]."""
    clipped = {}
    for key in ["dWaa", "dWax", "dWya", "db", "dby"]:
        clipped[key] = np.clip(gradients[key], -10, 10)
    return clipped
