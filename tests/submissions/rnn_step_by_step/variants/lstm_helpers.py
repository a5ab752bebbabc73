"""LSTM cell written with np.vstack and a small gate helper defined in the same file."""
import numpy as np


def gate(W, b, concat, activation):
    """Affine map followed by an activation: activation(W concat + b)."""
    return activation(np.dot(W, concat) + b)


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """LSTM cell forward using vstack and the gate helper."""
    concat = np.vstack((a_prev, xt))
    ft = gate(parameters["Wf"], parameters["bf"], concat, sigmoid)
    it = gate(parameters["Wi"], parameters["bi"], concat, sigmoid)
    cct = gate(parameters["Wc"], parameters["bc"], concat, np.tanh)
    ot = gate(parameters["Wo"], parameters["bo"], concat, sigmoid)
    c_next = np.multiply(ft, c_prev) + np.multiply(it, cct)
    a_next = np.multiply(ot, np.tanh(c_next))
    yt_pred = gate(parameters["Wy"], parameters["by"], a_next, softmax)
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache


def lstm_forward(x, a0, parameters):
    """LSTM forward with shapes taken from the parameters."""
    n_a = parameters["Wf"].shape[0]
    n_y = parameters["Wy"].shape[0]
    T_x = x.shape[2]
    m = x.shape[1]
    a = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))
    c = np.zeros_like(a)
    caches = []
    a_next = a0.copy()
    c_next = np.zeros((n_a, m))
    t = 0
    while t < T_x:
        a_next, c_next, y[:, :, t], cache = lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)
        a[:, :, t] = a_next
        c[:, :, t] = c_next
        caches.append(cache)
        t += 1
    return a, y, c, (caches, x)
