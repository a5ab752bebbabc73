"""Recurrent term dropped: h = tanh(x_t W1 + bh), h_prev never enters the new state.

rnn_cell_forward.

mistake: no_recurrence
"""
import numpy as np


def rnn_cell_forward(x_t, h_prev, params):
    """One step of the RNN: new hidden state and output probabilities."""
    W1, W3 = params["W1"], params["W3"]
    bh, bo = params["bh"], params["bo"]

    h = np.tanh(x_t @ W1 + bh)
    o = softmax(h @ W3.T + bo)

    cache = (x_t, h_prev, h, params)
    return h, o, cache
