"""Numerically unstable softmax: no max subtraction, exp overflows to inf/nan for logits around 1000.

mistake: softmax_overflow
"""
import numpy as np


def softmax(x):
    """Softmax of x over axis 0."""
    e_x = np.exp(x)
    return e_x / np.sum(e_x, axis=0, keepdims=True)
