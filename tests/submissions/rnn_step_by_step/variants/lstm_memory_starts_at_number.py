"""Starts the memory cell at the number 0, which broadcasts like an array of zeros: the
outputs are exact, and the first cache holds 0 where the reference holds zeros."""
import numpy as np


def lstm_forward(x, a0, parameters):
    """Forward pass of the LSTM; c_next starts as the number 0."""
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))
    a_next, c_next = a0, 0
    for t in range(T_x):
        a_next, c_next, yt, cache = lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)
        a[:, :, t] = a_next
        c[:, :, t] = c_next
        y[:, :, t] = yt
        caches.append(cache)
    return a, y, c, (caches, x)
