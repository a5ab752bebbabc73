"""rnn_cell_backward with every product written as np.einsum."""
import numpy as np


def rnn_cell_backward(dh_next, o, label, cache):
    """Backward pass through one RNN step, products by einsum."""
    x_t, h_prev, h, params = cache
    B = o.shape[0]
    dlogits = o - np.eye(o.shape[1])[label]
    dW3 = np.einsum("bo,bh->oh", dlogits, h)
    dbo = np.einsum("bo->o", dlogits)
    dh = np.einsum("bo,oh->bh", dlogits, params["W3"]) + dh_next
    dz = dh * (1 - h * h)
    dW1 = np.einsum("bd,bh->dh", x_t, dz)
    dW2 = np.einsum("bi,bj->ij", h_prev, dz)
    dbh = np.einsum("bh->h", dz)
    dh_prev = np.einsum("bj,ij->bi", dz, params["W2"])
    return {"dW1": dW1, "dW2": dW2, "dW3": dW3, "dbh": dbh, "dbo": dbo, "dh_prev": dh_prev}
