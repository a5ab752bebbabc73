"""Missing transpose on Waa in da_next (np.dot(Waa, daraw)); shapes still pass because Waa is square.

rnn_step_backward; the gradient passed to the previous time step is Waa daraw instead of Waa.T daraw.

mistake: missing_transpose
"""
import numpy as np


def rnn_step_backward(dy, gradients, parameters, x, a, a_prev):
    """Backpropagates one time step, accumulating into gradients."""
    gradients["dWya"] += np.dot(dy, a.T)
    gradients["dby"] += dy

    da = np.dot(parameters["Wya"].T, dy) + gradients["da_next"]
    daraw = (1 - a * a) * da

    gradients["db"] += daraw
    gradients["dWax"] += np.dot(daraw, x.T)
    gradients["dWaa"] += np.dot(daraw, a_prev.T)
    gradients["da_next"] = np.dot(parameters["Waa"], daraw)
    return gradients
