"""Mutates the caller's upstream gradient in place (da_t = da[:,:,t]; da_t += da_prevt writes into da).

rnn_backward; the returned gradients are right, but the caller's da array is silently changed.

mistake: none
"""
import numpy as np


def rnn_backward(da, caches):
    """Backward pass through the whole RNN sequence."""
    (caches, x) = caches
    (a1, a0, x1, parameters) = caches[0]

    n_a, m, T_x = da.shape
    n_x, m = x1.shape

    dx = np.zeros((n_x, m, T_x))
    dWax = np.zeros((n_a, n_x))
    dWaa = np.zeros((n_a, n_a))
    dba = np.zeros((n_a, 1))
    da_prevt = np.zeros((n_a, m))

    for t in reversed(range(T_x)):
        da_t = da[:, :, t]
        da_t += da_prevt
        gradients = rnn_cell_backward(da_t, caches[t])
        dx[:, :, t] = gradients["dxt"]
        da_prevt = gradients["da_prev"]
        dWax += gradients["dWax"]
        dWaa += gradients["dWaa"]
        dba += gradients["dba"]

    da0 = da_prevt

    gradients = {"dx": dx, "da0": da0, "dWax": dWax, "dWaa": dWaa, "dba": dba}
    return gradients
