"""tanh derivative evaluated at the wrong activation: uses 1 - a_prev**2 instead of 1 - a_next**2.

rnn_cell_backward; every gradient is scaled by the wrong local derivative.

mistake: tanh_derivative_wrong_state
"""
import numpy as np


def rnn_cell_backward(da_next, cache):
    """Backward pass for one RNN cell."""
    (a_next, a_prev, xt, parameters) = cache
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]

    dtanh = (1 - a_prev ** 2) * da_next

    dxt = np.dot(Wax.T, dtanh)
    dWax = np.dot(dtanh, xt.T)
    da_prev = np.dot(Waa.T, dtanh)
    dWaa = np.dot(dtanh, a_prev.T)
    dba = np.sum(dtanh, axis=1, keepdims=True)

    gradients = {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}
    return gradients
