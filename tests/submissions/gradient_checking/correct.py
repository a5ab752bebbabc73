import numpy as np


def rel_error(x, y):
    """Returns the maximum relative error between x and y."""
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def eval_numerical_gradient(f, x, h=1e-5):
    """Numerical gradient of the scalar function f at x (centered differences)."""
    grad = np.zeros_like(x, dtype=float)

    # iterate over all indexes in x
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h  # increment by h
        fxph = f(x)  # evaluate f(x + h)
        x[ix] = oldval - h
        fxmh = f(x)  # evaluate f(x - h)
        x[ix] = oldval  # restore

        # compute the partial derivative with centered formula
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()  # step to next dimension

    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of a function that accepts an array and returns an array."""
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index

        oldval = x[ix]
        x[ix] = oldval + h
        pos = f(x).copy()
        x[ix] = oldval - h
        neg = f(x).copy()
        x[ix] = oldval

        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def grad_check(f, params, grads, h=1e-5):
    """Relative error between the analytic and the numerical gradient of every parameter."""
    errors = {}
    for name, p in params.items():
        num_grad = np.zeros_like(p, dtype=float)
        it = np.nditer(p, flags=["multi_index"], op_flags=["readwrite"])
        while not it.finished:
            ix = it.multi_index
            oldval = p[ix]
            p[ix] = oldval + h
            fxph = f()
            p[ix] = oldval - h
            fxmh = f()
            p[ix] = oldval  # put it back!
            num_grad[ix] = (fxph - fxmh) / (2 * h)
            it.iternext()
        errors[name] = rel_error(grads[name], num_grad)
    return errors


def rnn_cell_forward(x_t, h_prev, params):
    """One step of the RNN: new hidden state and output probabilities."""
    W1, W2, W3 = params["W1"], params["W2"], params["W3"]
    bh, bo = params["bh"], params["bo"]

    # hidden state
    h = np.tanh(x_t @ W1 + h_prev @ W2 + bh)
    # output probabilities
    o = softmax(h @ W3.T + bo)

    cache = (x_t, h_prev, h, params)
    return h, o, cache


def rnn_layer_forward(X, h0, params):
    """Runs the RNN over all time steps."""
    B, T, D = X.shape
    H_size = params["W2"].shape[0]
    O_size = params["W3"].shape[0]

    H = np.zeros((B, T, H_size))
    O = np.zeros((B, T, O_size))
    caches = []

    h = h0
    for t in range(T):
        h, o, cache = rnn_cell_forward(X[:, t, :], h, params)
        H[:, t, :] = h
        O[:, t, :] = o
        caches.append(cache)

    return H, O, caches


def rnn_loss(O, labels):
    """Total cross-entropy loss over batch and time."""
    B, T = labels.shape
    loss = 0.0
    for t in range(T):
        # probability of the correct class for every example at step t
        p = O[np.arange(B), t, labels[:, t]]
        loss -= np.sum(np.log(p))
    return float(loss)


def rnn_cell_backward(dh_next, o, label, cache):
    """Backward pass through one RNN step (output included)."""
    x_t, h_prev, h, params = cache
    W2, W3 = params["W2"], params["W3"]
    B = o.shape[0]

    # softmax + cross-entropy
    dlogits = o.copy()
    dlogits[np.arange(B), label] -= 1

    dW3 = dlogits.T @ h
    dbo = dlogits.sum(axis=0)

    # gradient into h from the output and from the future
    dh = dlogits @ W3 + dh_next
    dz = dh * (1 - h ** 2)  # tanh'

    dW1 = x_t.T @ dz
    dW2 = h_prev.T @ dz
    dbh = dz.sum(axis=0)
    dh_prev = dz @ W2.T

    return {"dW1": dW1, "dW2": dW2, "dW3": dW3, "dbh": dbh, "dbo": dbo, "dh_prev": dh_prev}


def rnn_layer_backward(O, labels, caches):
    """Backpropagation through time."""
    params = caches[0][3]
    B, T = labels.shape

    grads = {"dW1": np.zeros_like(params["W1"]), "dW2": np.zeros_like(params["W2"]),
             "dW3": np.zeros_like(params["W3"]), "dbh": np.zeros_like(params["bh"]),
             "dbo": np.zeros_like(params["bo"])}
    dh_next = np.zeros((B, params["W2"].shape[0]))

    for t in reversed(range(T)):
        step = rnn_cell_backward(dh_next, O[:, t, :], labels[:, t], caches[t])
        for k in ["dW1", "dW2", "dW3", "dbh", "dbo"]:
            grads[k] += step[k]
        dh_next = step["dh_prev"]

    grads["dh0"] = dh_next
    return grads
