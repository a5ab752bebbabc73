"""tanh derivative evaluated at the wrong activation: uses 1 - a_prev**2 instead of 1 - a**2.

rnn_step_backward; every gradient behind the tanh is scaled by the wrong local derivative.

mistake: tanh_derivative_wrong_state
"""
import numpy as np


def rnn_step_backward(dy, gradients, parameters, x, a, a_prev):
    """Backpropagates one time step, accumulating into gradients."""
    gradients["dWya"] += np.dot(dy, a.T)
    gradients["dby"] += dy

    da = np.dot(parameters["Wya"].T, dy) + gradients["da_next"]
    daraw = (1 - a_prev * a_prev) * da

    gradients["db"] += daraw
    gradients["dWax"] += np.dot(daraw, x.T)
    gradients["dWaa"] += np.dot(daraw, a_prev.T)
    gradients["da_next"] = np.dot(parameters["Waa"].T, daraw)
    return gradients
