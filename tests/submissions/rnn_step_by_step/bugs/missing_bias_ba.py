"""Bias ba left out of the hidden-state pre-activation: a_next = tanh(Wax xt + Waa a_prev).

rnn_cell_forward.

mistake: missing_bias
"""
import numpy as np


def rnn_cell_forward(xt, a_prev, parameters):
    """One time step of the basic RNN cell."""
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    by = parameters["by"]

    a_next = np.tanh(np.dot(Wax, xt) + np.dot(Waa, a_prev))
    yt_pred = softmax(np.dot(Wya, a_next) + by)

    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache
