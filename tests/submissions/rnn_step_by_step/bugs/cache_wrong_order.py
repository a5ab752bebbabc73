"""Cache stored in the wrong order: (a_prev, a_next, xt, parameters) instead of (a_next, a_prev, xt, parameters).

rnn_cell_forward; the values are right, but rnn_cell_backward unpacks them swapped.

mistake: cache_order
"""
import numpy as np


def rnn_cell_forward(xt, a_prev, parameters):
    """One time step of the basic RNN cell."""
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    ba = parameters["ba"]
    by = parameters["by"]

    a_next = np.tanh(np.dot(Wax, xt) + np.dot(Waa, a_prev) + ba)
    yt_pred = softmax(np.dot(Wya, a_next) + by)

    cache = (a_prev, a_next, xt, parameters)
    return a_next, yt_pred, cache
