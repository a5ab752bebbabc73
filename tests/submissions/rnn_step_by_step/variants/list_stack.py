"""Collects per-step results in Python lists and builds the outputs with np.stack(..., axis=-1)."""
import numpy as np


def rnn_forward(x, a0, parameters):
    """RNN forward: list of per-step a and y, stacked at the end."""
    a_list, y_list, caches = [], [], []
    a_t = a0
    for t in range(x.shape[2]):
        a_t, y_t, cache = rnn_cell_forward(x[:, :, t], a_t, parameters)
        a_list.append(a_t)
        y_list.append(y_t)
        caches.append(cache)
    a = np.stack(a_list, axis=-1)
    y_pred = np.stack(y_list, axis=-1)
    return a, y_pred, (caches, x)


def lstm_forward(x, a0, parameters):
    """LSTM forward: list of per-step a, y, c, stacked at the end."""
    a_list, y_list, c_list, caches = [], [], [], []
    a_t = a0
    c_t = np.zeros(a0.shape)
    for xt in np.moveaxis(x, -1, 0):
        a_t, c_t, y_t, cache = lstm_cell_forward(xt, a_t, c_t, parameters)
        a_list.append(a_t)
        c_list.append(c_t)
        y_list.append(y_t)
        caches.append(cache)
    return (np.stack(a_list, axis=-1), np.stack(y_list, axis=-1),
            np.stack(c_list, axis=-1), (caches, x))
