"""Hidden state not carried: every step calls the cell with h0 instead of the previous h.

rnn_layer_forward.

mistake: wrong_initial_state
"""
import numpy as np


def rnn_layer_forward(X, h0, params):
    """Runs the RNN over all time steps."""
    B, T, D = X.shape
    H_size = params["W2"].shape[0]
    O_size = params["W3"].shape[0]

    H = np.zeros((B, T, H_size))
    O = np.zeros((B, T, O_size))
    caches = []

    for t in range(T):
        h, o, cache = rnn_cell_forward(X[:, t, :], h0, params)
        H[:, t, :] = h
        O[:, t, :] = o
        caches.append(cache)

    return H, O, caches
