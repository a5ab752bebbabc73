"""Writes every matrix product with np.einsum."""
import numpy as np


def rnn_cell_forward(xt, a_prev, parameters):
    """RNN cell forward using einsum for the products."""
    Wax, Waa, Wya = parameters["Wax"], parameters["Waa"], parameters["Wya"]
    ba, by = parameters["ba"], parameters["by"]
    a_next = np.tanh(np.einsum("ij,jm->im", Wax, xt)
                     + np.einsum("ij,jm->im", Waa, a_prev) + ba)
    yt_pred = softmax(np.einsum("ij,jm->im", Wya, a_next) + by)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache


def rnn_cell_backward(da_next, cache):
    """RNN cell backward using einsum."""
    a_next, a_prev, xt, parameters = cache
    dtanh = (1.0 - a_next ** 2) * da_next
    dxt = np.einsum("ji,jm->im", parameters["Wax"], dtanh)
    da_prev = np.einsum("ji,jm->im", parameters["Waa"], dtanh)
    dWax = np.einsum("im,jm->ij", dtanh, xt)
    dWaa = np.einsum("im,jm->ij", dtanh, a_prev)
    dba = np.einsum("im->i", dtanh)[:, None]
    return {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """LSTM cell forward using einsum."""
    concat = np.concatenate((a_prev, xt), axis=0)
    mm = lambda W: np.einsum("ij,jm->im", W, concat)
    ft = sigmoid(mm(parameters["Wf"]) + parameters["bf"])
    it = sigmoid(mm(parameters["Wi"]) + parameters["bi"])
    cct = np.tanh(mm(parameters["Wc"]) + parameters["bc"])
    ot = sigmoid(mm(parameters["Wo"]) + parameters["bo"])
    c_next = ft * c_prev + it * cct
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(np.einsum("ij,jm->im", parameters["Wy"], a_next) + parameters["by"])
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache


def lstm_cell_backward(da_next, dc_next, cache):
    """LSTM cell backward using einsum."""
    (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters) = cache
    n_a = a_next.shape[0]
    tc = np.tanh(c_next)
    dot = da_next * tc * ot * (1 - ot)
    dc = dc_next + da_next * ot * (1 - tc ** 2)
    dcct = dc * it * (1 - cct ** 2)
    dit = dc * cct * it * (1 - it)
    dft = dc * c_prev * ft * (1 - ft)
    concat = np.concatenate((a_prev, xt), axis=0)
    outer = lambda d: np.einsum("im,jm->ij", d, concat)
    back = lambda W, d: np.einsum("ji,jm->im", W, d)
    Wf, Wi, Wc, Wo = parameters["Wf"], parameters["Wi"], parameters["Wc"], parameters["Wo"]
    da_prev = (back(Wf[:, :n_a], dft) + back(Wi[:, :n_a], dit)
               + back(Wc[:, :n_a], dcct) + back(Wo[:, :n_a], dot))
    dxt = (back(Wf[:, n_a:], dft) + back(Wi[:, n_a:], dit)
           + back(Wc[:, n_a:], dcct) + back(Wo[:, n_a:], dot))
    return {"dxt": dxt, "da_prev": da_prev, "dc_prev": dc * ft,
            "dWf": outer(dft), "dbf": np.einsum("im->i", dft).reshape(-1, 1),
            "dWi": outer(dit), "dbi": np.einsum("im->i", dit).reshape(-1, 1),
            "dWc": outer(dcct), "dbc": np.einsum("im->i", dcct).reshape(-1, 1),
            "dWo": outer(dot), "dbo": np.einsum("im->i", dot).reshape(-1, 1)}
