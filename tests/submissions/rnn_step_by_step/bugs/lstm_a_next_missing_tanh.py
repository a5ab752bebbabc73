"""LSTM hidden state missing the tanh on the cell state: a_next = ot * c_next.

lstm_cell_forward.

mistake: wrong_activation
"""
import numpy as np


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """One time step of the LSTM cell."""
    concat = np.concatenate((a_prev, xt), axis=0)

    ft = sigmoid(np.dot(parameters["Wf"], concat) + parameters["bf"])
    it = sigmoid(np.dot(parameters["Wi"], concat) + parameters["bi"])
    cct = np.tanh(np.dot(parameters["Wc"], concat) + parameters["bc"])
    c_next = ft * c_prev + it * cct
    ot = sigmoid(np.dot(parameters["Wo"], concat) + parameters["bo"])
    a_next = ot * c_next

    yt_pred = softmax(np.dot(parameters["Wy"], a_next) + parameters["by"])

    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache
