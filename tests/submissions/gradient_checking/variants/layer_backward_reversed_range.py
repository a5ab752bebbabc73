"""rnn_layer_backward walks back with range(T - 1, -1, -1) and separate accumulators."""
import numpy as np


def rnn_layer_backward(O, labels, caches):
    """Backpropagation through time with an explicit reversed range."""
    params = caches[0][3]
    B, T = labels.shape
    dW1 = np.zeros(params["W1"].shape)
    dW2 = np.zeros(params["W2"].shape)
    dW3 = np.zeros(params["W3"].shape)
    dbh = np.zeros(params["bh"].shape)
    dbo = np.zeros(params["bo"].shape)
    dh = np.zeros((B, params["W2"].shape[1]))
    for t in range(T - 1, -1, -1):
        g = rnn_cell_backward(dh, O[:, t], labels[:, t], caches[t])
        dW1 = dW1 + g["dW1"]
        dW2 = dW2 + g["dW2"]
        dW3 = dW3 + g["dW3"]
        dbh = dbh + g["dbh"]
        dbo = dbo + g["dbo"]
        dh = g["dh_prev"]
    return {"dW1": dW1, "dW2": dW2, "dW3": dW3, "dbh": dbh, "dbo": dbo, "dh0": dh}
