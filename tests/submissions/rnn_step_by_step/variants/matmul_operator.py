"""Uses the @ matrix-multiplication operator everywhere instead of np.dot."""
import numpy as np


def softmax(x):
    """Column-wise softmax, shifting each column by its max."""
    z = x - x.max(axis=0, keepdims=True)
    ez = np.exp(z)
    return ez / ez.sum(axis=0, keepdims=True)


def rnn_cell_forward(xt, a_prev, parameters):
    """RNN cell forward with @."""
    p = parameters
    a_next = np.tanh(p["Wax"] @ xt + p["Waa"] @ a_prev + p["ba"])
    yt_pred = softmax(p["Wya"] @ a_next + p["by"])
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache


def rnn_forward(x, a0, parameters):
    """RNN forward over the sequence with @-based cell."""
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    caches = []
    a_t = a0
    for t in range(T_x):
        a_t, y_t, cache = rnn_cell_forward(x[..., t], a_t, parameters)
        a[..., t] = a_t
        y_pred[..., t] = y_t
        caches.append(cache)
    return a, y_pred, (caches, x)


def rnn_cell_backward(da_next, cache):
    """RNN cell backward with @."""
    a_next, a_prev, xt, parameters = cache
    dz = da_next * (1 - a_next * a_next)
    return {
        "dxt": parameters["Wax"].T @ dz,
        "da_prev": parameters["Waa"].T @ dz,
        "dWax": dz @ xt.T,
        "dWaa": dz @ a_prev.T,
        "dba": dz.sum(axis=1, keepdims=True),
    }


def rnn_backward(da, caches):
    """RNN backward through time with @-based cell."""
    cache_list, x = caches
    n_a, m, T_x = da.shape
    n_x = x.shape[0]
    dx = np.zeros((n_x, m, T_x))
    dWax = np.zeros((n_a, n_x))
    dWaa = np.zeros((n_a, n_a))
    dba = np.zeros((n_a, 1))
    carry = np.zeros((n_a, m))
    for t in range(T_x - 1, -1, -1):
        g = rnn_cell_backward(da[..., t] + carry, cache_list[t])
        dx[..., t] = g["dxt"]
        carry = g["da_prev"]
        dWax = dWax + g["dWax"]
        dWaa = dWaa + g["dWaa"]
        dba = dba + g["dba"]
    return {"dx": dx, "da0": carry, "dWax": dWax, "dWaa": dWaa, "dba": dba}


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """LSTM cell forward with @."""
    p = parameters
    concat = np.concatenate([a_prev, xt])
    ft = sigmoid(p["Wf"] @ concat + p["bf"])
    it = sigmoid(p["Wi"] @ concat + p["bi"])
    cct = np.tanh(p["Wc"] @ concat + p["bc"])
    c_next = ft * c_prev + it * cct
    ot = sigmoid(p["Wo"] @ concat + p["bo"])
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(p["Wy"] @ a_next + p["by"])
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache


def lstm_forward(x, a0, parameters):
    """LSTM forward over the sequence with @-based cell."""
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))
    caches = []
    a_t, c_t = a0, np.zeros_like(a0)
    for t in range(T_x):
        a_t, c_t, y_t, cache = lstm_cell_forward(x[..., t], a_t, c_t, parameters)
        a[..., t], c[..., t], y[..., t] = a_t, c_t, y_t
        caches.append(cache)
    return a, y, c, (caches, x)


def lstm_cell_backward(da_next, dc_next, cache):
    """LSTM cell backward with @."""
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters = cache
    n_a = a_next.shape[0]
    th = np.tanh(c_next)
    dot = da_next * th * ot * (1 - ot)
    dc = dc_next + da_next * ot * (1 - th ** 2)
    dcct = dc * it * (1 - cct ** 2)
    dit = dc * cct * it * (1 - it)
    dft = dc * c_prev * ft * (1 - ft)
    concat = np.concatenate([a_prev, xt])
    Wf, Wi, Wc, Wo = (parameters[k] for k in ("Wf", "Wi", "Wc", "Wo"))
    dconcat = Wf.T @ dft + Wi.T @ dit + Wc.T @ dcct + Wo.T @ dot
    return {
        "dxt": dconcat[n_a:],
        "da_prev": dconcat[:n_a],
        "dc_prev": dc * ft,
        "dWf": dft @ concat.T, "dbf": dft.sum(1, keepdims=True),
        "dWi": dit @ concat.T, "dbi": dit.sum(1, keepdims=True),
        "dWc": dcct @ concat.T, "dbc": dcct.sum(1, keepdims=True),
        "dWo": dot @ concat.T, "dbo": dot.sum(1, keepdims=True),
    }


def lstm_backward(da, caches):
    """LSTM backward through time with @-based cell."""
    cache_list, x = caches
    n_a, m, T_x = da.shape
    n_x = x.shape[0]
    dx = np.zeros((n_x, m, T_x))
    names = ["dWf", "dbf", "dWi", "dbi", "dWc", "dbc", "dWo", "dbo"]
    params = cache_list[0][-1]
    totals = {k: np.zeros(params[k[1:]].shape) for k in names}
    da_carry = np.zeros((n_a, m))
    dc_carry = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        g = lstm_cell_backward(da[..., t] + da_carry, dc_carry, cache_list[t])
        dx[..., t] = g["dxt"]
        da_carry, dc_carry = g["da_prev"], g["dc_prev"]
        for k in names:
            totals[k] += g[k]
    out = {"dx": dx, "da0": da_carry}
    out.update(totals)
    return out
