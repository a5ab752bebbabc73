"""Forgets to clip db and dby: only the three weight matrices are clipped.

clip; large bias gradients pass through unclipped.

mistake: clip_incomplete
"""
import numpy as np


def clip(gradients, maxValue):
    """Clips the gradients to the range [-maxValue, maxValue]."""
    dWaa, dWax, dWya, db, dby = gradients["dWaa"], gradients["dWax"], gradients["dWya"], gradients["db"], gradients["dby"]

    for gradient in [dWax, dWaa, dWya]:
        np.clip(gradient, -maxValue, maxValue, out=gradient)

    gradients = {"dWaa": dWaa, "dWax": dWax, "dWya": dWya, "db": db, "dby": dby}
    return gradients
