"""rnn_forward returns the bare list of caches instead of the tuple (caches, x).

rnn_forward; rnn_backward's `(caches, x) = caches` then fails or unpacks the wrong thing.

mistake: caches_without_x
"""
import numpy as np


def rnn_forward(x, a0, parameters):
    """Forward pass of the RNN over all T_x time steps."""
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape

    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))

    a_next = a0
    for t in range(T_x):
        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)

    return a, y_pred, caches
