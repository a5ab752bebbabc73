"""Gradient not carried back through time: every step gets zeros as dh_next.

rnn_layer_backward; only dh0 of the first step's own loss survives.

mistake: gradient_not_carried
"""
import numpy as np


def rnn_layer_backward(O, labels, caches):
    """Backpropagation through time."""
    params = caches[0][3]
    B, T = labels.shape

    grads = {"dW1": np.zeros_like(params["W1"]), "dW2": np.zeros_like(params["W2"]),
             "dW3": np.zeros_like(params["W3"]), "dbh": np.zeros_like(params["bh"]),
             "dbo": np.zeros_like(params["bo"])}
    dh_next = np.zeros((B, params["W2"].shape[0]))

    for t in reversed(range(T)):
        step = rnn_cell_backward(np.zeros((B, params["W2"].shape[0])), O[:, t, :], labels[:, t], caches[t])
        for k in ["dW1", "dW2", "dW3", "dbh", "dbo"]:
            grads[k] += step[k]
        dh_next = step["dh_prev"]

    grads["dh0"] = dh_next
    return grads
