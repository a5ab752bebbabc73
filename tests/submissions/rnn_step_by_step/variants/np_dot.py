"""Uses np.dot with explicit transposes written the other way round ((A.T B) as (B.T A).T)."""
import numpy as np


def rnn_cell_backward(da_next, cache):
    """RNN cell backward, products written as transposed np.dot calls."""
    a_next, a_prev, xt, parameters = cache
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    dtanh = np.multiply(da_next, 1 - np.square(a_next))
    dxt = np.dot(dtanh.T, Wax).T
    da_prev = np.dot(dtanh.T, Waa).T
    dWax = np.dot(xt, dtanh.T).T
    dWaa = np.dot(a_prev, dtanh.T).T
    dba = np.dot(dtanh, np.ones((dtanh.shape[1], 1)))
    return {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}


def lstm_cell_backward(da_next, dc_next, cache):
    """LSTM cell backward, np.dot with explicit .T everywhere."""
    (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters) = cache
    n_a = a_next.shape[0]
    tanh_c = np.tanh(c_next)
    dot = da_next * tanh_c * ot * (1 - ot)
    dc = dc_next + da_next * ot * (1 - np.square(tanh_c))
    dcct = dc * it * (1 - np.square(cct))
    dit = dc * cct * it * (1 - it)
    dft = dc * c_prev * ft * (1 - ft)
    concat = np.concatenate((a_prev, xt), axis=0)
    grads = {}
    dconcat = np.zeros(concat.shape)
    for gate, d in (("f", dft), ("i", dit), ("c", dcct), ("o", dot)):
        W = parameters["W" + gate]
        grads["dW" + gate] = np.dot(concat, d.T).T
        grads["db" + gate] = np.sum(d, axis=1).reshape(n_a, 1)
        dconcat += np.dot(d.T, W).T
    grads["da_prev"] = dconcat[:n_a, :]
    grads["dxt"] = dconcat[n_a:, :]
    grads["dc_prev"] = dc * ft
    return grads
