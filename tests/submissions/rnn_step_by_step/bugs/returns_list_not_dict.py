"""Gradients returned as a list instead of a dict keyed dxt, da_prev, dWax, dWaa, dba.

rnn_cell_backward; the values are right but callers doing gradients["da_prev"] fail.

mistake: none
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
    dba = np.sum(dtanh, axis=1, keepdims=True)

    gradients = [dxt, da_prev, dWax, dWaa, dba]
    return gradients
