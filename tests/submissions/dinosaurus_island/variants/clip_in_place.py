"""Clips the caller's gradient arrays in place with np.clip(..., out=gradient) and returns a dict of those same arrays."""
import numpy as np


def clip(gradients, maxValue):
    """Clips the five gradients in place and returns them."""
    dWaa, dWax, dWya, db, dby = gradients["dWaa"], gradients["dWax"], gradients["dWya"], gradients["db"], gradients["dby"]

    for gradient in [dWax, dWaa, dWya, db, dby]:
        np.clip(gradient, -maxValue, maxValue, out=gradient)

    gradients = {"dWaa": dWaa, "dWax": dWax, "dWya": dWya, "db": db, "dby": dby}
    return gradients
