"""Wrong sign in the update: parameters += lr * gradients (gradient ascent).

update_parameters; every step increases the loss.

mistake: update_wrong_sign
"""
import numpy as np


def update_parameters(parameters, gradients, lr):
    """One step of gradient descent, in place."""
    parameters["Wax"] += lr * gradients["dWax"]
    parameters["Waa"] += lr * gradients["dWaa"]
    parameters["Wya"] += lr * gradients["dWya"]
    parameters["b"] += lr * gradients["db"]
    parameters["by"] += lr * gradients["dby"]
    return parameters
