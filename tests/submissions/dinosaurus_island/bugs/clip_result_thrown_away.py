"""Result of np.clip thrown away: np.clip(gradient, -maxValue, maxValue) without out=, so nothing is clipped.

clip; np.clip returns a new array, and the unclipped originals are returned.

mistake: clip_not_applied
"""
import numpy as np


def clip(gradients, maxValue):
    """Clips the gradients to the range [-maxValue, maxValue]."""
    dWaa, dWax, dWya, db, dby = gradients["dWaa"], gradients["dWax"], gradients["dWya"], gradients["db"], gradients["dby"]

    for gradient in [dWax, dWaa, dWya, db, dby]:
        np.clip(gradient, -maxValue, maxValue)

    gradients = {"dWaa": dWaa, "dWax": dWax, "dWya": dWya, "db": db, "dby": dby}
    return gradients
