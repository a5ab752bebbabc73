"""Clips each gradient with np.clip and returns the new arrays (no out=, caller's arrays untouched)."""
import numpy as np


def clip(gradients, maxValue):
    """Returns clipped copies of the five gradients."""
    dWaa, dWax, dWya, db, dby = gradients["dWaa"], gradients["dWax"], gradients["dWya"], gradients["db"], gradients["dby"]

    dWaa = np.clip(dWaa, -maxValue, maxValue)
    dWax = np.clip(dWax, -maxValue, maxValue)
    dWya = np.clip(dWya, -maxValue, maxValue)
    db = np.clip(db, -maxValue, maxValue)
    dby = np.clip(dby, -maxValue, maxValue)

    gradients = {"dWaa": dWaa, "dWax": dWax, "dWya": dWya, "db": db, "dby": dby}
    return gradients
