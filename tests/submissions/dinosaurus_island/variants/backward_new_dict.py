"""rnn_step_backward builds and returns a new gradients dict instead of updating the one passed in."""
import numpy as np


def rnn_step_backward(dy, gradients, parameters, x, a, a_prev):
    """Backward step that leaves the incoming gradients dict untouched."""
    Waa, Wya = parameters["Waa"], parameters["Wya"]

    da = np.dot(Wya.T, dy) + gradients["da_next"]
    dtanh = (1 - np.square(a)) * da

    new_gradients = {
        "dWya": gradients["dWya"] + np.dot(dy, a.T),
        "dby": gradients["dby"] + dy,
        "db": gradients["db"] + dtanh,
        "dWax": gradients["dWax"] + np.dot(dtanh, x.T),
        "dWaa": gradients["dWaa"] + np.dot(dtanh, a_prev.T),
        "da_next": np.dot(Waa.T, dtanh),
    }
    return new_gradients
