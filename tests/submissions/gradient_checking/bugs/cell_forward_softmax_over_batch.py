"""Softmax taken over the batch (axis 0) instead of over the classes: columns sum to 1, rows do not.

rnn_cell_forward.

mistake: softmax_wrong_axis
"""
import numpy as np


def rnn_cell_forward(x_t, h_prev, params):
    """One step of the RNN: new hidden state and output probabilities."""
    W1, W2, W3 = params["W1"], params["W2"], params["W3"]
    bh, bo = params["bh"], params["bo"]

    h = np.tanh(x_t @ W1 + h_prev @ W2 + bh)
    logits = h @ W3.T + bo
    e = np.exp(logits - np.max(logits, axis=0, keepdims=True))
    o = e / np.sum(e, axis=0, keepdims=True)

    cache = (x_t, h_prev, h, params)
    return h, o, cache
