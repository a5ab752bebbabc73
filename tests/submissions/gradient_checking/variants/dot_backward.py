"""Forward and backward cell written with np.dot and .T instead of @."""
import numpy as np


def rnn_cell_forward(x_t, h_prev, params):
    """One RNN step using np.dot."""
    h = np.tanh(np.dot(x_t, params["W1"]) + np.dot(h_prev, params["W2"]) + params["bh"])
    o = softmax(np.dot(h, params["W3"].T) + params["bo"])
    return h, o, (x_t, h_prev, h, params)


def rnn_cell_backward(dh_next, o, label, cache):
    """Backward RNN step using np.dot and transposes."""
    x_t, h_prev, h, params = cache
    dlogits = np.copy(o)
    for b in range(o.shape[0]):
        dlogits[b, label[b]] -= 1.0
    grads = {}
    grads["dW3"] = np.dot(dlogits.T, h)
    grads["dbo"] = np.sum(dlogits, axis=0)
    da = (np.dot(dlogits, params["W3"]) + dh_next) * (1.0 - np.square(h))
    grads["dW1"] = np.dot(x_t.T, da)
    grads["dW2"] = np.dot(h_prev.T, da)
    grads["dbh"] = np.sum(da, axis=0)
    grads["dh_prev"] = np.dot(da, params["W2"].T)
    return grads
