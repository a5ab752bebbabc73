import numpy as np


# ------------------------------------------------------------------ provided helpers

def softmax(z):
    """
    Softmax over the last axis: every vector along the last axis becomes a probability vector.

    Arguments:
    z -- logits, numpy array of any shape (..., n), e.g. (B, O)

    Returns:
    s -- numpy array of the same shape as z; it is non-negative and sums to 1 over the last axis
    """
    # Subtracting the max leaves the result unchanged but keeps exp() from overflowing.
    e_z = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e_z / np.sum(e_z, axis=-1, keepdims=True)


def init_params(D, H, O, seed=0):
    """
    Random parameters of the batch-major RNN.

    Every entry is 0.5 times a standard normal draw of rng = np.random.default_rng(seed), drawn
    in the order W1, W2, W3, bh, bo. The scale 0.5 keeps tanh and softmax away from saturation,
    so that every gradient is informative.

    Arguments:
    D -- input size, python int
    H -- hidden size, python int
    O -- number of output classes, python int
    seed -- seed of the random generator, python int; the same seed gives the same parameters

    Returns:
    params -- python dictionary containing:
        W1 -- input-to-hidden weights, numpy array of shape (D, H)
        W2 -- hidden-to-hidden weights, numpy array of shape (H, H)
        W3 -- hidden-to-output weights, numpy array of shape (O, H)
        bh -- hidden bias, numpy array of shape (H,)
        bo -- output bias, numpy array of shape (O,)
    """
    rng = np.random.default_rng(seed)
    params = {
        "W1": 0.5 * rng.standard_normal((D, H)),
        "W2": 0.5 * rng.standard_normal((H, H)),
        "W3": 0.5 * rng.standard_normal((O, H)),
        "bh": 0.5 * rng.standard_normal(H),
        "bo": 0.5 * rng.standard_normal(O),
    }
    return params


def planted_layer_backward(O, labels, caches):
    """
    A backward pass of the RNN layer with ONE planted bug, for you to find with grad_check.

    It is meant to compute the same gradients as rnn_layer_backward, but one line is wrong.

    Arguments:
    O -- probabilities from rnn_layer_forward, numpy array of shape (B, T, O)
    labels -- correct classes, integer numpy array of shape (B, T)
    caches -- list of the T cell caches from rnn_layer_forward, in time order

    Returns:
    grads -- python dictionary containing:
        dW1 -- numpy array of shape (D, H)
        dW2 -- numpy array of shape (H, H)
        dW3 -- numpy array of shape (O, H)
        dbh -- numpy array of shape (H,)
        dbo -- numpy array of shape (O,)
        dh0 -- numpy array of shape (B, H)
    """
    params = caches[0][3]
    W2, W3 = params["W2"], params["W3"]
    B, T = labels.shape
    grads = {"dW1": np.zeros(params["W1"].shape), "dW2": np.zeros(W2.shape),
             "dW3": np.zeros(W3.shape), "dbh": np.zeros(params["bh"].shape),
             "dbo": np.zeros(params["bo"].shape)}
    dh_next = np.zeros((B, W2.shape[0]))

    for t in reversed(range(T)):
        x_t, h_prev, h, _ = caches[t]
        dlogits = O[:, t].copy()
        dlogits[np.arange(B), labels[:, t]] -= 1
        grads["dW3"] += dlogits.T @ h
        grads["dbo"] += np.sum(dlogits, axis=0)
        dh = dlogits @ W3 + dh_next
        dtanh = dh * (1 - h ** 2)
        grads["dW1"] += x_t.T @ dtanh
        grads["dW2"] += h_prev.T @ dtanh
        grads["dbh"] += np.sum(dtanh, axis=0)
        # The planted bug (for the notebook): W2 should be transposed here, dtanh @ W2.T.
        dh_next = dtanh @ W2

    grads["dh0"] = dh_next
    return grads


# ------------------------------------------------------------------ Part 1: gradient checking

def rel_error(x, y):
    """
    Relative error between two arrays: the largest, over the entries, of |x - y| / (|x| + |y|).

    The denominator is floored at 1e-8, so two zeros have a relative error of 0, not nan.

    Arguments:
    x -- numpy array (or python number)
    y -- numpy array (or python number) of the same shape as x

    Returns:
    error -- python float, max over the entries of |x - y| / max(1e-8, |x| + |y|)
    """
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def eval_numerical_gradient(f, x, h=1e-5):
    """
    Numerical gradient of a scalar function by central differences, one entry at a time.

    Each entry of x is changed in place while f is evaluated, then set back to its old value,
    so x is exactly as it was afterwards.

    Arguments:
    f -- python function taking x and returning a scalar (python or numpy float)
    x -- the point, numpy array of any shape; f is called with x itself
    h -- step of the central difference, python float

    Returns:
    grad -- numpy array of the same shape as x: grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h)
    """
    grad = np.zeros(x.shape)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        ix = it.multi_index
        old_value = x[ix]
        # Changing x in place (not a copy) also reaches functions that read x another way.
        x[ix] = old_value + h
        fxph = f(x)
        x[ix] = old_value - h
        fxmh = f(x)
        # Setting the saved value back restores x bit for bit (subtracting h again may not).
        x[ix] = old_value
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """
    Numerical gradient of sum(f(x) * df) by central differences, for a function returning an array.

    df is the gradient of some loss w.r.t. f's output, so this is the gradient of that loss
    w.r.t. x: what a backward pass computes. Each entry of x is changed in place, then set back.

    Arguments:
    f -- python function taking x and returning a numpy array of the shape of df
    x -- the point, numpy array of any shape; f is called with x itself
    df -- upstream gradient, numpy array of the shape of f(x)
    h -- step of the central difference, python float

    Returns:
    grad -- numpy array of the same shape as x
    """
    grad = np.zeros(x.shape)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        ix = it.multi_index
        old_value = x[ix]
        # The copies matter: f may return an array that changes with x (f(x) = x, for one).
        x[ix] = old_value + h
        pos = f(x).copy()
        x[ix] = old_value - h
        neg = f(x).copy()
        x[ix] = old_value
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def grad_check(f, params, grads, h=1e-5):
    """
    Compare analytic gradients with numerical ones, parameter by parameter.

    Arguments:
    f -- python function with no arguments returning the scalar loss; it reads the arrays of
         params itself, so changing params[name] in place changes what it returns
    params -- python dictionary mapping a name to a numpy array; every array is probed in
              place and is exactly as it was afterwards
    grads -- python dictionary mapping the same names to the analytic gradients, each a numpy
             array of the shape of params[name] (in any order)
    h -- step of the central difference, python float

    Returns:
    errors -- python dictionary mapping each name of params to the python float
              rel_error(grads[name], numerical gradient of f w.r.t. params[name])
    """
    errors = {}
    for name in params:
        # f takes no argument: it sees the in-place change through the params dict.
        num_grad = eval_numerical_gradient(lambda _: f(), params[name], h)
        errors[name] = rel_error(grads[name], num_grad)
    return errors


# ------------------------------------------------------------------ Part 2: a batch-major RNN

def rnn_cell_forward(x_t, h_prev, params):
    """
    One time step of the RNN for a batch:
    h = tanh(x_t W1 + h_prev W2 + bh), o = softmax(h W3^T + bo).

    Arguments:
    x_t -- inputs at this step, numpy array of shape (B, D)
    h_prev -- hidden state of the previous step, numpy array of shape (B, H)
    params -- python dictionary containing:
        W1 -- numpy array of shape (D, H)
        W2 -- numpy array of shape (H, H)
        W3 -- numpy array of shape (O, H)
        bh -- numpy array of shape (H,)
        bo -- numpy array of shape (O,)

    Returns:
    h -- new hidden state, numpy array of shape (B, H)
    o -- class probabilities, numpy array of shape (B, O); every row sums to 1
    cache -- tuple (x_t, h_prev, h, params), needed for the backward pass
    """
    h = np.tanh(x_t @ params["W1"] + h_prev @ params["W2"] + params["bh"])
    o = softmax(h @ params["W3"].T + params["bo"])
    cache = (x_t, h_prev, h, params)
    return h, o, cache


def rnn_layer_forward(X, h0, params):
    """
    Forward pass of the RNN over a batch of sequences.

    Arguments:
    X -- inputs, numpy array of shape (B, T, D)
    h0 -- initial hidden state, numpy array of shape (B, H)
    params -- python dictionary with W1 (D, H), W2 (H, H), W3 (O, H), bh (H,), bo (O,)

    Returns:
    H -- hidden states, numpy array of shape (B, T, H); H[:, t] is h_t
    O -- class probabilities, numpy array of shape (B, T, O); O[:, t] is o_t
    caches -- list of the T cell caches, in time order
    """
    B, T, D = X.shape
    hidden_size = params["W2"].shape[0]
    output_size = params["W3"].shape[0]

    H = np.zeros((B, T, hidden_size))
    O = np.zeros((B, T, output_size))
    caches = []

    h = h0
    for t in range(T):
        h, o, cache = rnn_cell_forward(X[:, t], h, params)
        H[:, t] = h
        O[:, t] = o
        caches.append(cache)
    return H, O, caches


def rnn_loss(O, labels):
    """
    Cross-entropy summed over the batch and over time: the sum of -log O[b, t, labels[b, t]].

    Arguments:
    O -- class probabilities, numpy array of shape (B, T, O)
    labels -- correct classes, integer numpy array of shape (B, T)

    Returns:
    loss -- python float
    """
    B, T = labels.shape
    # The probability given to the correct class, for every b and t: shape (B, T).
    correct = O[np.arange(B)[:, None], np.arange(T)[None, :], labels]
    # A sum of logs, one per prediction (not the log of a sum over the batch).
    return float(-np.sum(np.log(correct)))


def rnn_cell_backward(dh_next, o, label, cache):
    """
    Backward pass of one time step, the output path included.

    Computes the gradients of this step's loss, -sum over b of log o[b, label[b]], plus
    sum(dh_next * h): dh_next carries the gradient that flows back into h from later steps.

    Arguments:
    dh_next -- gradient w.r.t. this step's h from the later steps, numpy array of shape (B, H)
    o -- class probabilities of this step, numpy array of shape (B, O)
    label -- correct classes of this step, integer numpy array of shape (B,)
    cache -- tuple (x_t, h_prev, h, params) from rnn_cell_forward

    Returns:
    grads -- python dictionary containing:
        dW1 -- numpy array of shape (D, H)
        dW2 -- numpy array of shape (H, H)
        dW3 -- numpy array of shape (O, H)
        dbh -- numpy array of shape (H,)
        dbo -- numpy array of shape (O,)
        dh_prev -- gradient w.r.t. h_prev, numpy array of shape (B, H)
    """
    x_t, h_prev, h, params = cache
    B = o.shape[0]

    # Gradient of -log softmax(logits)[label] w.r.t. the logits: o - onehot(label).
    # A copy: subtracting from o itself would change the caller's probabilities.
    dlogits = o.copy()
    dlogits[np.arange(B), label] -= 1

    dW3 = dlogits.T @ h
    # The biases are broadcast over the batch, so their gradients sum over it.
    dbo = np.sum(dlogits, axis=0)

    # h feeds this step's output and the later steps: both gradients add up.
    dh = dlogits @ params["W3"] + dh_next
    # d tanh(z)/dz = 1 - tanh(z)^2, and tanh(z) is h.
    dtanh = dh * (1 - h ** 2)

    dW1 = x_t.T @ dtanh
    dW2 = h_prev.T @ dtanh
    dbh = np.sum(dtanh, axis=0)
    dh_prev = dtanh @ params["W2"].T

    grads = {"dW1": dW1, "dW2": dW2, "dW3": dW3, "dbh": dbh, "dbo": dbo, "dh_prev": dh_prev}
    return grads


def rnn_layer_backward(O, labels, caches):
    """
    Backward pass of the RNN over a batch of sequences: the gradients of rnn_loss(O, labels).

    Arguments:
    O -- class probabilities from rnn_layer_forward, numpy array of shape (B, T, O)
    labels -- correct classes, integer numpy array of shape (B, T)
    caches -- list of the T cell caches from rnn_layer_forward, in time order

    Returns:
    grads -- python dictionary containing:
        dW1 -- numpy array of shape (D, H)
        dW2 -- numpy array of shape (H, H)
        dW3 -- numpy array of shape (O, H)
        dbh -- numpy array of shape (H,)
        dbo -- numpy array of shape (O,)
        dh0 -- gradient w.r.t. the initial hidden state h0, numpy array of shape (B, H)
    """
    params = caches[0][3]
    B, T = labels.shape
    grads = {"dW1": np.zeros(params["W1"].shape), "dW2": np.zeros(params["W2"].shape),
             "dW3": np.zeros(params["W3"].shape), "dbh": np.zeros(params["bh"].shape),
             "dbo": np.zeros(params["bo"].shape)}
    # Nothing comes after the last step.
    dh_next = np.zeros((B, params["W2"].shape[0]))

    for t in reversed(range(T)):
        step = rnn_cell_backward(dh_next, O[:, t], labels[:, t], caches[t])
        # The parameters are shared across time steps, so their gradients accumulate.
        grads["dW1"] += step["dW1"]
        grads["dW2"] += step["dW2"]
        grads["dW3"] += step["dW3"]
        grads["dbh"] += step["dbh"]
        grads["dbo"] += step["dbo"]
        dh_next = step["dh_prev"]

    grads["dh0"] = dh_next
    return grads
