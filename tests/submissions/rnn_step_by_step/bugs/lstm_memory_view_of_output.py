"""Starts the memory cell as a view into the output array c: writing c[:, :, 0] later
changes the first cache's c_prev to c<1>, so gradients computed from the caches are wrong.

mistake: cache_shares_memory
"""
import numpy as np


def lstm_forward(x, a0, parameters):
    """Forward pass of the LSTM; c_next starts as c[:, :, 0], a view."""
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))
    a_next = a0
    c_next = c[:, :, 0]
    for t in range(T_x):
        a_next, c_next, yt, cache = lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)
        a[:, :, t] = a_next
        c[:, :, t] = c_next
        y[:, :, t] = yt
        caches.append(cache)
    return a, y, c, (caches, x)
