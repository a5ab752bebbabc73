import numpy as np


def sigmoid(x):
    """
    Logistic sigmoid, applied elementwise.

    Arguments:
    x -- numpy array of any shape

    Returns:
    s -- numpy array of the same shape as x, 1 / (1 + exp(-x))
    """
    return 1 / (1 + np.exp(-x))


def softmax(x):
    """
    Column-wise softmax: each column of x is turned into a probability vector.

    Arguments:
    x -- logits, numpy array of shape (n, m)

    Returns:
    s -- numpy array of shape (n, m); every column is non-negative and sums to 1
    """
    # Subtracting the column max leaves the result unchanged but keeps exp() from overflowing.
    e_x = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e_x / np.sum(e_x, axis=0, keepdims=True)


def rnn_cell_forward(xt, a_prev, parameters):
    """
    One time step of a basic RNN cell.

    Arguments:
    xt -- input at time step t, numpy array of shape (n_x, m)
    a_prev -- hidden state at time step t-1, numpy array of shape (n_a, m)
    parameters -- python dictionary containing:
        Wax -- weights for the input, numpy array of shape (n_a, n_x)
        Waa -- weights for the hidden state, numpy array of shape (n_a, n_a)
        Wya -- weights from hidden state to output, numpy array of shape (n_y, n_a)
        ba -- hidden bias, numpy array of shape (n_a, 1)
        by -- output bias, numpy array of shape (n_y, 1)

    Returns:
    a_next -- next hidden state, numpy array of shape (n_a, m)
    yt_pred -- prediction at time step t, numpy array of shape (n_y, m)
    cache -- tuple (a_next, a_prev, xt, parameters), needed for the backward pass
    """
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    ba = parameters["ba"]
    by = parameters["by"]

    a_next = np.tanh(Wax @ xt + Waa @ a_prev + ba)
    yt_pred = softmax(Wya @ a_next + by)

    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache


def rnn_forward(x, a0, parameters):
    """
    Forward pass of a basic RNN over a whole sequence.

    Arguments:
    x -- input for every time step, numpy array of shape (n_x, m, T_x)
    a0 -- initial hidden state, numpy array of shape (n_a, m)
    parameters -- python dictionary containing:
        Wax -- numpy array of shape (n_a, n_x)
        Waa -- numpy array of shape (n_a, n_a)
        Wya -- numpy array of shape (n_y, n_a)
        ba -- numpy array of shape (n_a, 1)
        by -- numpy array of shape (n_y, 1)

    Returns:
    a -- hidden states for every time step, numpy array of shape (n_a, m, T_x)
    y_pred -- predictions for every time step, numpy array of shape (n_y, m, T_x)
    caches -- tuple (list_of_caches, x); list_of_caches holds the T_x cell caches in time order
    """
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape

    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    caches = []

    a_next = a0
    for t in range(T_x):
        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)

    caches = (caches, x)
    return a, y_pred, caches


def rnn_cell_backward(da_next, cache):
    """
    Backward pass of one basic RNN cell, for the hidden-state path only.

    Computes the gradient of L = sum(da_next * a_next); the yt_pred path is not included.

    Arguments:
    da_next -- gradient of the loss w.r.t. a_next, numpy array of shape (n_a, m)
    cache -- tuple (a_next, a_prev, xt, parameters) from rnn_cell_forward

    Returns:
    gradients -- python dictionary containing:
        dxt -- gradient w.r.t. xt, numpy array of shape (n_x, m)
        da_prev -- gradient w.r.t. a_prev, numpy array of shape (n_a, m)
        dWax -- gradient w.r.t. Wax, numpy array of shape (n_a, n_x)
        dWaa -- gradient w.r.t. Waa, numpy array of shape (n_a, n_a)
        dba -- gradient w.r.t. ba, numpy array of shape (n_a, 1)
    """
    a_next, a_prev, xt, parameters = cache
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]

    # d tanh(z)/dz = 1 - tanh(z)^2, and tanh(z) is a_next.
    dz = da_next * (1 - a_next ** 2)

    dxt = Wax.T @ dz
    da_prev = Waa.T @ dz
    dWax = dz @ xt.T
    dWaa = dz @ a_prev.T
    # The bias is broadcast over the m examples, so its gradient sums over them.
    dba = np.sum(dz, axis=1, keepdims=True)

    gradients = {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}
    return gradients


def rnn_backward(da, caches):
    """
    Backward pass of a basic RNN over a whole sequence.

    Computes the gradient of L = sum(da * a), where a is the output of rnn_forward.

    Arguments:
    da -- gradient of the loss w.r.t. every hidden state, numpy array of shape (n_a, m, T_x)
    caches -- tuple (list_of_caches, x) from rnn_forward

    Returns:
    gradients -- python dictionary containing:
        dx -- gradient w.r.t. the inputs, numpy array of shape (n_x, m, T_x)
        da0 -- gradient w.r.t. the initial hidden state, numpy array of shape (n_a, m)
        dWax -- gradient w.r.t. Wax, numpy array of shape (n_a, n_x)
        dWaa -- gradient w.r.t. Waa, numpy array of shape (n_a, n_a)
        dba -- gradient w.r.t. ba, numpy array of shape (n_a, 1)
    """
    caches, x = caches
    n_a, m, T_x = da.shape
    n_x = x.shape[0]

    dx = np.zeros((n_x, m, T_x))
    dWax = np.zeros((n_a, n_x))
    dWaa = np.zeros((n_a, n_a))
    dba = np.zeros((n_a, 1))
    da_prevt = np.zeros((n_a, m))

    # a<t> feeds both the loss directly and the next step, so both gradients add up.
    for t in reversed(range(T_x)):
        gradients = rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])
        dx[:, :, t] = gradients["dxt"]
        # The weights are shared across time steps, so their gradients accumulate.
        dWax += gradients["dWax"]
        dWaa += gradients["dWaa"]
        dba += gradients["dba"]
        da_prevt = gradients["da_prev"]

    da0 = da_prevt

    gradients = {"dx": dx, "da0": da0, "dWax": dWax, "dWaa": dWaa, "dba": dba}
    return gradients


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """
    One time step of an LSTM cell.

    Arguments:
    xt -- input at time step t, numpy array of shape (n_x, m)
    a_prev -- hidden state at time step t-1, numpy array of shape (n_a, m)
    c_prev -- memory (cell) state at time step t-1, numpy array of shape (n_a, m)
    parameters -- python dictionary containing:
        Wf -- forget gate weights, numpy array of shape (n_a, n_a + n_x)
        bf -- forget gate bias, numpy array of shape (n_a, 1)
        Wi -- update gate weights, numpy array of shape (n_a, n_a + n_x)
        bi -- update gate bias, numpy array of shape (n_a, 1)
        Wc -- candidate weights, numpy array of shape (n_a, n_a + n_x)
        bc -- candidate bias, numpy array of shape (n_a, 1)
        Wo -- output gate weights, numpy array of shape (n_a, n_a + n_x)
        bo -- output gate bias, numpy array of shape (n_a, 1)
        Wy -- hidden-to-output weights, numpy array of shape (n_y, n_a)
        by -- output bias, numpy array of shape (n_y, 1)

    Returns:
    a_next -- next hidden state, numpy array of shape (n_a, m)
    c_next -- next memory state, numpy array of shape (n_a, m)
    yt_pred -- prediction at time step t, numpy array of shape (n_y, m)
    cache -- tuple (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters),
             needed for the backward pass; ft, it, cct, ot each of shape (n_a, m)
    """
    Wf = parameters["Wf"]
    bf = parameters["bf"]
    Wi = parameters["Wi"]
    bi = parameters["bi"]
    Wc = parameters["Wc"]
    bc = parameters["bc"]
    Wo = parameters["Wo"]
    bo = parameters["bo"]
    Wy = parameters["Wy"]
    by = parameters["by"]

    # a_prev first, then xt: the gate weight matrices are laid out in this order.
    concat = np.concatenate((a_prev, xt), axis=0)

    ft = sigmoid(Wf @ concat + bf)
    it = sigmoid(Wi @ concat + bi)
    cct = np.tanh(Wc @ concat + bc)
    c_next = ft * c_prev + it * cct
    ot = sigmoid(Wo @ concat + bo)
    a_next = ot * np.tanh(c_next)

    yt_pred = softmax(Wy @ a_next + by)

    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache


def lstm_forward(x, a0, parameters):
    """
    Forward pass of an LSTM over a whole sequence.

    Arguments:
    x -- input for every time step, numpy array of shape (n_x, m, T_x)
    a0 -- initial hidden state, numpy array of shape (n_a, m)
    parameters -- python dictionary containing:
        Wf, Wi, Wc, Wo -- gate weights, numpy arrays of shape (n_a, n_a + n_x)
        bf, bi, bc, bo -- gate biases, numpy arrays of shape (n_a, 1)
        Wy -- hidden-to-output weights, numpy array of shape (n_y, n_a)
        by -- output bias, numpy array of shape (n_y, 1)

    Returns:
    a -- hidden states for every time step, numpy array of shape (n_a, m, T_x)
    y -- predictions for every time step, numpy array of shape (n_y, m, T_x)
    c -- memory states for every time step, numpy array of shape (n_a, m, T_x)
    caches -- tuple (list_of_caches, x); list_of_caches holds the T_x cell caches in time order
    """
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape

    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))
    caches = []

    a_next = a0
    # The memory state starts empty.
    c_next = np.zeros((n_a, m))
    for t in range(T_x):
        a_next, c_next, yt, cache = lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)
        a[:, :, t] = a_next
        c[:, :, t] = c_next
        y[:, :, t] = yt
        caches.append(cache)

    caches = (caches, x)
    return a, y, c, caches


def lstm_cell_backward(da_next, dc_next, cache):
    """
    Backward pass of one LSTM cell.

    Computes the gradient of L = sum(da_next * a_next) + sum(dc_next * c_next);
    the yt_pred path is not included.

    Arguments:
    da_next -- gradient of the loss w.r.t. a_next, numpy array of shape (n_a, m)
    dc_next -- gradient of the loss w.r.t. c_next, numpy array of shape (n_a, m)
    cache -- tuple (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
             from lstm_cell_forward

    Returns:
    gradients -- python dictionary containing:
        dxt -- gradient w.r.t. xt, numpy array of shape (n_x, m)
        da_prev -- gradient w.r.t. a_prev, numpy array of shape (n_a, m)
        dc_prev -- gradient w.r.t. c_prev, numpy array of shape (n_a, m)
        dWf, dWi, dWc, dWo -- gradients w.r.t. the gate weights,
                              numpy arrays of shape (n_a, n_a + n_x)
        dbf, dbi, dbc, dbo -- gradients w.r.t. the gate biases, numpy arrays of shape (n_a, 1)
    """
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters = cache
    n_a = a_next.shape[0]

    tanh_c = np.tanh(c_next)

    # c_next reaches the loss directly and through a_next = ot * tanh(c_next).
    dc = dc_next + da_next * ot * (1 - tanh_c ** 2)

    # Gradients w.r.t. the pre-activations of each gate (sigmoid' = s(1-s), tanh' = 1-t^2).
    dot = da_next * tanh_c * ot * (1 - ot)
    dcct = dc * it * (1 - cct ** 2)
    dit = dc * cct * it * (1 - it)
    dft = dc * c_prev * ft * (1 - ft)

    concat = np.concatenate((a_prev, xt), axis=0)

    dWf = dft @ concat.T
    dWi = dit @ concat.T
    dWc = dcct @ concat.T
    dWo = dot @ concat.T
    # Biases are broadcast over the m examples, so their gradients sum over them.
    dbf = np.sum(dft, axis=1, keepdims=True)
    dbi = np.sum(dit, axis=1, keepdims=True)
    dbc = np.sum(dcct, axis=1, keepdims=True)
    dbo = np.sum(dot, axis=1, keepdims=True)

    # concat feeds all four gates, so its gradient is the sum over them.
    dconcat = (parameters["Wf"].T @ dft + parameters["Wi"].T @ dit
               + parameters["Wc"].T @ dcct + parameters["Wo"].T @ dot)
    # Split back in the same order as the forward concat: a_prev first, then xt.
    da_prev = dconcat[:n_a, :]
    dxt = dconcat[n_a:, :]

    dc_prev = dc * ft

    gradients = {"dxt": dxt, "da_prev": da_prev, "dc_prev": dc_prev,
                 "dWf": dWf, "dbf": dbf, "dWi": dWi, "dbi": dbi,
                 "dWc": dWc, "dbc": dbc, "dWo": dWo, "dbo": dbo}
    return gradients


def lstm_backward(da, caches):
    """
    Backward pass of an LSTM over a whole sequence.

    Computes the gradient of L = sum(da * a), where a is the output of lstm_forward.

    Arguments:
    da -- gradient of the loss w.r.t. every hidden state, numpy array of shape (n_a, m, T_x)
    caches -- tuple (list_of_caches, x) from lstm_forward

    Returns:
    gradients -- python dictionary containing:
        dx -- gradient w.r.t. the inputs, numpy array of shape (n_x, m, T_x)
        da0 -- gradient w.r.t. the initial hidden state, numpy array of shape (n_a, m)
        dWf, dWi, dWc, dWo -- gradients w.r.t. the gate weights,
                              numpy arrays of shape (n_a, n_a + n_x)
        dbf, dbi, dbc, dbo -- gradients w.r.t. the gate biases, numpy arrays of shape (n_a, 1)
    """
    caches, x = caches
    n_a, m, T_x = da.shape
    n_x = x.shape[0]

    dx = np.zeros((n_x, m, T_x))
    dWf = np.zeros((n_a, n_a + n_x))
    dWi = np.zeros((n_a, n_a + n_x))
    dWc = np.zeros((n_a, n_a + n_x))
    dWo = np.zeros((n_a, n_a + n_x))
    dbf = np.zeros((n_a, 1))
    dbi = np.zeros((n_a, 1))
    dbc = np.zeros((n_a, 1))
    dbo = np.zeros((n_a, 1))
    da_prevt = np.zeros((n_a, m))
    # The loss does not read c directly, so the last memory state gets no gradient from above.
    dc_prevt = np.zeros((n_a, m))

    for t in reversed(range(T_x)):
        # a<t> feeds both the loss directly and the next step, so both gradients add up.
        gradients = lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt, caches[t])
        dx[:, :, t] = gradients["dxt"]
        # The weights are shared across time steps, so their gradients accumulate.
        dWf += gradients["dWf"]
        dWi += gradients["dWi"]
        dWc += gradients["dWc"]
        dWo += gradients["dWo"]
        dbf += gradients["dbf"]
        dbi += gradients["dbi"]
        dbc += gradients["dbc"]
        dbo += gradients["dbo"]
        da_prevt = gradients["da_prev"]
        dc_prevt = gradients["dc_prev"]

    da0 = da_prevt

    gradients = {"dx": dx, "da0": da0,
                 "dWf": dWf, "dbf": dbf, "dWi": dWi, "dbi": dbi,
                 "dWc": dWc, "dbc": dbc, "dWo": dWo, "dbo": dbo}
    return gradients
