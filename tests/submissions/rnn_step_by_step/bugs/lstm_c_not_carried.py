"""Cell state not carried between steps: lstm_forward passes zeros as c_prev at every time step.

lstm_forward.

mistake: memory_not_carried
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
        a_next, c_next, yt, cache = lstm_cell_forward(x[:, :, t], a_next, np.zeros((n_a, m)), parameters)
        a[:, :, t] = a_next
        c[:, :, t] = c_next
        y[:, :, t] = yt
        caches.append(cache)

    caches = (caches, x)
    return a, y, c, caches
