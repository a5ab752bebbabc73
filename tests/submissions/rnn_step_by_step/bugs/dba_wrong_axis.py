"""dba summed over the wrong axis (axis=0, over units instead of over examples): shape (1, m) not (n_a, 1).

rnn_cell_backward.

mistake: bias_gradient_wrong_axis
"""
import numpy as np


def rnn_cell_backward(da_next, cache):
    """Backward pass for one RNN cell."""
    (a_next, a_prev, xt, parameters) = cache
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]

    dtanh = (1 - a_next ** 2) * da_next

    dxt = np.dot(Wax.T, dtanh)
    dWax = np.dot(dtanh, xt.T)
    da_prev = np.dot(Waa.T, dtanh)
    dWaa = np.dot(dtanh, a_prev.T)
    dba = np.sum(dtanh, axis=0, keepdims=True)

    gradients = {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}
    return gradients
