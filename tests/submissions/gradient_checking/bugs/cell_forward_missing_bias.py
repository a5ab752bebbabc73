"""Hidden bias bh left out of the tanh: h = tanh(x_t W1 + h_prev W2).

rnn_cell_forward.

mistake: missing_bias
"""
import numpy as np


def rnn_cell_forward(x_t, h_prev, params):
    """One step of the RNN: new hidden state and output probabilities."""
    W1, W2, W3 = params["W1"], params["W2"], params["W3"]
    bo = params["bo"]

    h = np.tanh(x_t @ W1 + h_prev @ W2)
    o = softmax(h @ W3.T + bo)

    cache = (x_t, h_prev, h, params)
    return h, o, cache
