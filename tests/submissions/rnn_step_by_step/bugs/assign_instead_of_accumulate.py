"""Parameter gradients assigned instead of accumulated over time steps (dWax = dWaxt, not +=).

rnn_backward keeps only the contribution of the last processed step (t = 0).

mistake: assign_instead_of_accumulate
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
    da0 = np.zeros((n_a, m))
    da_prevt = np.zeros((n_a, m))

    for t in reversed(range(T_x)):
        gradients = rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])
        dxt = gradients["dxt"]
        da_prevt = gradients["da_prev"]
        dWaxt = gradients["dWax"]
        dWaat = gradients["dWaa"]
        dbat = gradients["dba"]
        dx[:, :, t] = dxt
        dWax = dWaxt
        dWaa = dWaat
        dba = dbat

    da0 = da_prevt

    gradients = {"dx": dx, "da0": da0, "dWax": dWax, "dWaa": dWaa, "dba": dba}
    return gradients
