"""LSTM cell backward that stacks the four gate gradients and does a single big matmul."""
import numpy as np


def lstm_cell_backward(da_next, dc_next, cache):
    """LSTM cell backward via a stacked (4 n_a, n_a + n_x) weight matrix."""
    (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters) = cache
    n_a = a_next.shape[0]
    tanh_c = np.tanh(c_next)
    dc = dc_next + da_next * ot * (1 - tanh_c ** 2)
    d_gates = np.vstack([
        dc * c_prev * ft * (1 - ft),      # forget
        dc * cct * it * (1 - it),         # update
        dc * it * (1 - cct ** 2),         # candidate
        da_next * tanh_c * ot * (1 - ot), # output
    ])
    W = np.vstack([parameters["Wf"], parameters["Wi"], parameters["Wc"], parameters["Wo"]])
    concat = np.vstack([a_prev, xt])
    dW = d_gates @ concat.T
    db = d_gates.sum(axis=1, keepdims=True)
    dconcat = W.T @ d_gates
    grads = {"dxt": dconcat[n_a:], "da_prev": dconcat[:n_a], "dc_prev": dc * ft}
    for k, g in enumerate("fico"):
        grads["dW" + g] = dW[k * n_a:(k + 1) * n_a]
        grads["db" + g] = db[k * n_a:(k + 1) * n_a]
    return grads


def lstm_backward(da, caches):
    """LSTM backward written with a for loop over reversed(list(enumerate(caches)))."""
    cache_list, x = caches
    n_a, m, T_x = da.shape
    dx = np.zeros(x.shape)
    acc = None
    da_next = np.zeros((n_a, m))
    dc_next = np.zeros((n_a, m))
    for t, cache in reversed(list(enumerate(cache_list))):
        g = lstm_cell_backward(da_next + da[:, :, t], dc_next, cache)
        dx[:, :, t] = g["dxt"]
        da_next = g["da_prev"]
        dc_next = g["dc_prev"]
        step = {k: v for k, v in g.items() if k.startswith("dW") or k.startswith("db")}
        if acc is None:
            acc = {k: v.copy() for k, v in step.items()}
        else:
            for k in acc:
                acc[k] = acc[k] + step[k]
    result = {"dx": dx, "da0": da_next}
    result.update(acc)
    return result
