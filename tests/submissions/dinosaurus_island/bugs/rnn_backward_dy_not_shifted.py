"""Forgets dy[Y[t]] -= 1: uses y_hat[t] itself as the gradient of the loss wrt the logits.

rnn_backward; the softmax + cross-entropy gradient is y_hat - one_hot(Y[t]), not y_hat.

mistake: label_not_subtracted
"""
import numpy as np


def rnn_backward(X, Y, parameters, cache):
    """Backpropagation through time over one name."""
    gradients = {}
    (y_hat, a, x) = cache
    Waa, Wax, Wya, by, b = parameters["Waa"], parameters["Wax"], parameters["Wya"], parameters["by"], parameters["b"]

    gradients["dWax"], gradients["dWaa"], gradients["dWya"] = np.zeros_like(Wax), np.zeros_like(Waa), np.zeros_like(Wya)
    gradients["db"], gradients["dby"] = np.zeros_like(b), np.zeros_like(by)
    gradients["da_next"] = np.zeros_like(a[0])

    for t in reversed(range(len(X))):
        dy = np.copy(y_hat[t])
        gradients = rnn_step_backward(dy, gradients, parameters, x[t], a[t], a[t - 1])

    return gradients, a
