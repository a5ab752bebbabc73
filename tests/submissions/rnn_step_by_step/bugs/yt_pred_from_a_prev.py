"""Prediction computed from the previous hidden state: yt_pred = softmax(Wya a_prev + by).

rnn_cell_forward.

mistake: output_from_previous_state
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
    yt_pred = softmax(np.dot(Wya, a_prev) + by)

    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache
