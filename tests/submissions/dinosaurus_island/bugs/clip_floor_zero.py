"""Clips to [0, maxValue] instead of [-maxValue, maxValue]: every negative gradient becomes 0.

clip; np.clip(gradient, 0, maxValue).

mistake: clip_wrong_bounds
"""
import numpy as np


def clip(gradients, maxValue):
    """Clips the gradients to the range [-maxValue, maxValue]."""
    dWaa, dWax, dWya, db, dby = gradients["dWaa"], gradients["dWax"], gradients["dWya"], gradients["db"], gradients["dby"]

    for gradient in [dWax, dWaa, dWya, db, dby]:
        np.clip(gradient, 0, maxValue, out=gradient)

    gradients = {"dWaa": dWaa, "dWax": dWax, "dWya": dWya, "db": db, "dby": dby}
    return gradients
