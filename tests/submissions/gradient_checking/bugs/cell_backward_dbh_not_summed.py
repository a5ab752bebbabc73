"""dbh not summed over the batch: returns dz itself, of shape (B, H), instead of dz.sum(axis=0).

rnn_cell_backward.

mistake: bias_gradient_not_summed
"""
import numpy as np


def rnn_cell_backward(dh_next, o, label, cache):
    """Backward pass through one RNN step (output included)."""
    x_t, h_prev, h, params = cache
    W2, W3 = params["W2"], params["W3"]
    B = o.shape[0]

    dlogits = o.copy()
    dlogits[np.arange(B), label] -= 1

    dW3 = dlogits.T @ h
    dbo = dlogits.sum(axis=0)

    dh = dlogits @ W3 + dh_next
    dz = dh * (1 - h ** 2)  # tanh'

    dW1 = x_t.T @ dz
    dW2 = h_prev.T @ dz
    dbh = dz
    dh_prev = dz @ W2.T

    return {"dW1": dW1, "dW2": dW2, "dW3": dW3, "dbh": dbh, "dbo": dbo, "dh_prev": dh_prev}
