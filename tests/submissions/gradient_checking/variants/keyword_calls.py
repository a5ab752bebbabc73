"""rnn_layer_forward calls rnn_cell_forward with keyword arguments and collects the steps in lists."""
import numpy as np


def rnn_layer_forward(X, h0, params):
    """Forward pass over all time steps, stacking the per-step results."""
    hs, os, caches = [], [], []
    h = h0
    for t in range(X.shape[1]):
        h, o, cache = rnn_cell_forward(x_t=X[:, t, :], h_prev=h, params=params)
        hs.append(h)
        os.append(o)
        caches.append(cache)
    H = np.stack(hs, axis=1)
    O = np.stack(os, axis=1)
    return H, O, caches
