"""Defensive style: every returned array is passed through .copy() (and sums via np.add.reduce)."""
import numpy as np


def rnn_cell_backward(da_next, cache):
    """RNN cell backward returning copies of every gradient."""
    a_next, a_prev, xt, parameters = cache
    dtanh = (1 - a_next ** 2) * da_next
    gradients = {}
    gradients["dxt"] = np.dot(parameters["Wax"].T, dtanh).copy()
    gradients["da_prev"] = np.dot(parameters["Waa"].T, dtanh).copy()
    gradients["dWax"] = np.dot(dtanh, xt.T).copy()
    gradients["dWaa"] = np.dot(dtanh, a_prev.T).copy()
    gradients["dba"] = np.add.reduce(dtanh, axis=1, keepdims=True).copy()
    return gradients


def rnn_backward(da, caches):
    """RNN backward; copies the carried gradient before returning it."""
    cache_list, x = caches
    n_a, m, T_x = da.shape
    dx = np.zeros((x.shape[0], m, T_x))
    dWax = np.zeros((n_a, x.shape[0]))
    dWaa = np.zeros((n_a, n_a))
    dba = np.zeros((n_a, 1))
    da_prevt = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        da_t = da[:, :, t].copy()
        da_t += da_prevt
        g = rnn_cell_backward(da_t, cache_list[t])
        dx[:, :, t] = g["dxt"]
        da_prevt = g["da_prev"]
        dWax += g["dWax"]
        dWaa += g["dWaa"]
        dba += g["dba"]
    return {"dx": dx.copy(), "da0": da_prevt.copy(), "dWax": dWax.copy(),
            "dWaa": dWaa.copy(), "dba": dba.copy()}


def rnn_forward(x, a0, parameters):
    """RNN forward that stores copies of each step's outputs."""
    n_y, n_a = parameters["Wya"].shape
    _, m, T_x = x.shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    caches = []
    a_prev = a0.copy()
    for t in range(T_x):
        a_next, yt, cache = rnn_cell_forward(x[:, :, t].copy(), a_prev, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt
        caches.append(cache)
        a_prev = a_next.copy()
    return a.copy(), y_pred.copy(), (caches, x)
