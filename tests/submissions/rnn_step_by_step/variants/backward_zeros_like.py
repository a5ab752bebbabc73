"""Backward passes that pre-allocate with np.zeros_like and build gradient dicts with dict(...)."""
import numpy as np


def rnn_backward(da, caches):
    """RNN backward; accumulators made with zeros_like of the parameters."""
    caches_list, x = caches
    parameters = caches_list[0][3]
    dx = np.zeros_like(x, dtype=float)
    dWax = np.zeros_like(parameters["Wax"])
    dWaa = np.zeros_like(parameters["Waa"])
    dba = np.zeros_like(parameters["ba"])
    da_prevt = np.zeros_like(da[:, :, 0])
    for t in reversed(range(da.shape[2])):
        grads = rnn_cell_backward(da[:, :, t] + da_prevt, caches_list[t])
        dx[:, :, t] = grads["dxt"]
        da_prevt = grads["da_prev"]
        dWax += grads["dWax"]
        dWaa += grads["dWaa"]
        dba += grads["dba"]
    return dict(dx=dx, da0=da_prevt, dWax=dWax, dWaa=dWaa, dba=dba)


def lstm_backward(da, caches):
    """LSTM backward; accumulators made with zeros_like of the parameters."""
    caches_list, x = caches
    parameters = caches_list[0][9]
    dx = np.zeros_like(x, dtype=float)
    dWf, dWi = np.zeros_like(parameters["Wf"]), np.zeros_like(parameters["Wi"])
    dWc, dWo = np.zeros_like(parameters["Wc"]), np.zeros_like(parameters["Wo"])
    dbf, dbi = np.zeros_like(parameters["bf"]), np.zeros_like(parameters["bi"])
    dbc, dbo = np.zeros_like(parameters["bc"]), np.zeros_like(parameters["bo"])
    da_prevt = np.zeros_like(da[:, :, 0])
    dc_prevt = np.zeros_like(da_prevt)
    for t in range(da.shape[2] - 1, -1, -1):
        g = lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt, caches_list[t])
        dx[:, :, t] = g["dxt"]
        da_prevt, dc_prevt = g["da_prev"], g["dc_prev"]
        dWf += g["dWf"]; dbf += g["dbf"]
        dWi += g["dWi"]; dbi += g["dbi"]
        dWc += g["dWc"]; dbc += g["dbc"]
        dWo += g["dWo"]; dbo += g["dbo"]
    return dict(dx=dx, da0=da_prevt, dWf=dWf, dbf=dbf, dWi=dWi, dbi=dbi,
                dWc=dWc, dbc=dbc, dWo=dWo, dbo=dbo)
