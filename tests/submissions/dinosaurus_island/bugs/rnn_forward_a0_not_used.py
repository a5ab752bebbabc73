"""Initial hidden state ignored: a[-1] = np.zeros(...) instead of np.copy(a0).

rnn_forward; every name starts from a zero state, so the state carried between names is lost.

mistake: wrong_initial_state
"""
import numpy as np


def rnn_forward(X, Y, a0, parameters, vocab_size=27):
    """Runs the RNN over one name and returns the cross-entropy loss and the cache."""
    x, a, y_hat = {}, {}, {}
    n_a = parameters["Waa"].shape[0]
    a[-1] = np.zeros((n_a, 1))

    loss = 0
    for t in range(len(X)):
        x[t] = np.zeros((vocab_size, 1))
        if X[t] is not None:
            x[t][X[t]] = 1

        a[t], y_hat[t] = rnn_step_forward(parameters, a[t - 1], x[t])

        loss -= np.log(y_hat[t][Y[t], 0])

    cache = (y_hat, a, x)
    return loss, cache
