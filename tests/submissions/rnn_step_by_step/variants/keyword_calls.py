"""Calls every helper with keyword arguments, as many students do."""
import numpy as np


def rnn_forward(x, a0, parameters):
    """Forward pass of the RNN; the cell is called with keywords."""
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    a_next = a0
    for t in range(T_x):
        a_next, yt_pred, cache = rnn_cell_forward(parameters=parameters, a_prev=a_next,
                                                  xt=x[:, :, t])
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)
    return a, y_pred, (caches, x)
