"""Initial hidden state ignored: recurrence starts from zeros instead of a0.

rnn_forward.

mistake: wrong_initial_state
"""
import numpy as np


def rnn_forward(x, a0, parameters):
    """Forward pass of the RNN over all T_x time steps."""
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape

    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))

    a_next = np.zeros((n_a, m))
    for t in range(T_x):
        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)

    caches = (caches, x)
    return a, y_pred, caches
