"""Updates the parameters in a loop over the key names, parameters[k] -= lr * gradients["d" + k]."""
import numpy as np


def update_parameters(parameters, gradients, lr):
    """Gradient-descent step over all five parameters, in place."""
    for k in ["Wax", "Waa", "Wya", "b", "by"]:
        parameters[k] -= lr * gradients["d" + k]
    return parameters
