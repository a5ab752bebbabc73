"""lstm_forward returns (a, c, y, caches) instead of (a, y, c, caches); shapes agree when n_y == n_a.

lstm_forward.

mistake: return_order
"""
import numpy as np


def lstm_forward(x, a0, parameters):
    """Forward pass of the LSTM over all T_x time steps."""
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape

    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))

    a_next = a0
    c_next = np.zeros((n_a, m))

    for t in range(T_x):
        a_next, c_next, yt, cache = lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)
        a[:, :, t] = a_next
        c[:, :, t] = c_next
        y[:, :, t] = yt
        caches.append(cache)

    caches = (caches, x)
    return a, c, y, caches
