"""Time steps iterated forwards (for t in range(T)) while carrying dh_next: the gradient flows the wrong way in time.

rnn_layer_backward.

mistake: wrong_time_order
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

    for t in range(T):
        step = rnn_cell_backward(dh_next, O[:, t, :], labels[:, t], caches[t])
        for k in ["dW1", "dW2", "dW3", "dbh", "dbo"]:
            grads[k] += step[k]
        dh_next = step["dh_prev"]

    grads["dh0"] = dh_next
    return grads
