import numpy as np


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


def smooth(loss, cur_loss):
    """
    Exponential moving average of the training loss, so the printed loss is not one name's noise.

    Arguments:
    loss -- smoothed loss so far, python float
    cur_loss -- loss of the current example, python float

    Returns:
    loss -- updated smoothed loss, python float
    """
    return loss * 0.999 + cur_loss * 0.001


def get_initial_loss(vocab_size, seq_length):
    """
    Loss of a model that predicts every character uniformly: where the smoothed loss starts.

    Arguments:
    vocab_size -- number of characters in the vocabulary, python int
    seq_length -- number of characters the loss is taken over, python int

    Returns:
    loss -- seq_length * log(vocab_size), python float
    """
    return -np.log(1.0 / vocab_size) * seq_length


def initialize_parameters(n_a, n_x, n_y):
    """
    Small random weights and zero biases for the character-level RNN (seeded: reproducible runs).

    Arguments:
    n_a -- number of hidden units, python int
    n_x -- size of the input (one-hot) vectors, python int
    n_y -- size of the output (softmax) vectors, python int

    Returns:
    parameters -- python dictionary containing:
        Wax -- input-to-hidden weights, numpy array of shape (n_a, n_x)
        Waa -- hidden-to-hidden weights, numpy array of shape (n_a, n_a)
        Wya -- hidden-to-output weights, numpy array of shape (n_y, n_a)
        b -- hidden bias, numpy array of shape (n_a, 1)
        by -- output bias, numpy array of shape (n_y, 1)
    """
    np.random.seed(1)
    Wax = np.random.randn(n_a, n_x) * 0.01
    Waa = np.random.randn(n_a, n_a) * 0.01
    Wya = np.random.randn(n_y, n_a) * 0.01
    b = np.zeros((n_a, 1))
    by = np.zeros((n_y, 1))

    parameters = {"Wax": Wax, "Waa": Waa, "Wya": Wya, "b": b, "by": by}
    return parameters


def print_sample(sample_ix, ix_to_char):
    """
    Print a sampled name, capitalised, on its own line.

    Arguments:
    sample_ix -- list of character indices, usually ending with the newline's index
    ix_to_char -- python dictionary mapping an index to its character

    Returns:
    txt -- the printed name, python str, capitalised and without the trailing newline
    """
    txt = "".join(ix_to_char[ix] for ix in sample_ix).strip("\n")
    # txt[:1] rather than txt[0]: a sample can be just the newline, i.e. an empty name.
    txt = txt[:1].upper() + txt[1:]
    print(txt)
    return txt


def rnn_step_forward(parameters, a_prev, x):
    """
    One time step of the character-level RNN.

    Arguments:
    parameters -- python dictionary containing:
        Wax -- numpy array of shape (n_a, vocab_size)
        Waa -- numpy array of shape (n_a, n_a)
        Wya -- numpy array of shape (vocab_size, n_a)
        b -- numpy array of shape (n_a, 1)
        by -- numpy array of shape (vocab_size, 1)
    a_prev -- hidden state at time step t-1, numpy array of shape (n_a, m)
    x -- input at time step t (one-hot characters), numpy array of shape (vocab_size, m)

    Returns:
    a_next -- hidden state at time step t, numpy array of shape (n_a, m)
    p_t -- probabilities of the next character, numpy array of shape (vocab_size, m)
    """
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    b = parameters["b"]
    by = parameters["by"]

    a_next = np.tanh(Wax @ x + Waa @ a_prev + b)
    p_t = softmax(Wya @ a_next + by)
    return a_next, p_t


def rnn_step_backward(dy, gradients, parameters, x, a, a_prev):
    """
    Backward pass of one time step: adds this step's contribution to the running gradients.

    Arguments:
    dy -- gradient of the loss w.r.t. the logits z = Wya a + by,
          numpy array of shape (vocab_size, 1)
    gradients -- python dictionary of the gradients accumulated so far, updated in place:
        dWax -- numpy array of shape (n_a, vocab_size)
        dWaa -- numpy array of shape (n_a, n_a)
        dWya -- numpy array of shape (vocab_size, n_a)
        db -- numpy array of shape (n_a, 1)
        dby -- numpy array of shape (vocab_size, 1)
        da_next -- gradient w.r.t. a flowing back from later time steps,
                   numpy array of shape (n_a, 1)
    parameters -- python dictionary with Wax, Waa, Wya, b, by (shapes as in rnn_step_forward)
    x -- input of this time step, numpy array of shape (vocab_size, 1)
    a -- hidden state computed at this time step, numpy array of shape (n_a, 1)
    a_prev -- hidden state of the previous time step, numpy array of shape (n_a, 1)

    Returns:
    gradients -- the same dictionary: the five weight gradients with this step's
        contribution added, and
        da_next -- gradient w.r.t. a_prev, numpy array of shape (n_a, 1)
    """
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]

    # a feeds both this step's output and the next step, so both gradients add up.
    da = Wya.T @ dy + gradients["da_next"]
    # d tanh(z)/dz = 1 - tanh(z)^2, and tanh(z) is a.
    daraw = (1 - a * a) * da

    # Accumulate in place: rnn_backward passes the same dictionary through every step.
    gradients["dWya"] += dy @ a.T
    gradients["dby"] += dy
    gradients["db"] += daraw
    gradients["dWax"] += daraw @ x.T
    gradients["dWaa"] += daraw @ a_prev.T
    gradients["da_next"] = Waa.T @ daraw
    return gradients


def rnn_forward(X, Y, a0, parameters, vocab_size=27):
    """
    Forward pass over one name, with the cross-entropy loss of predicting each next character.

    Arguments:
    X -- list of T_x input character indices; X[t] is None for the zero input vector
         (the first step)
    Y -- list of T_x target character indices, the characters that should follow X[t]
    a0 -- initial hidden state, numpy array of shape (n_a, 1)
    parameters -- python dictionary with Wax, Waa, Wya, b, by (shapes as in rnn_step_forward)
    vocab_size -- number of characters in the vocabulary, python int

    Returns:
    loss -- sum over t of -log y_hat[t][Y[t]], python float
    cache -- tuple (y_hat, a, x) of dictionaries keyed by time step t:
        y_hat[t] -- probabilities, numpy array of shape (vocab_size, 1), for t in 0..T_x-1
        a[t] -- hidden states, numpy array of shape (n_a, 1), for t in -1..T_x-1 (a[-1] is a0)
        x[t] -- one-hot inputs, numpy array of shape (vocab_size, 1), for t in 0..T_x-1
    """
    x, a, y_hat = {}, {}, {}
    a[-1] = np.copy(a0)
    loss = 0.0

    for t in range(len(X)):
        x[t] = np.zeros((vocab_size, 1))
        if X[t] is not None:
            x[t][X[t]] = 1
        a[t], y_hat[t] = rnn_step_forward(parameters, a[t - 1], x[t])
        loss -= np.log(y_hat[t][Y[t], 0])

    cache = (y_hat, a, x)
    return float(loss), cache


def rnn_backward(X, Y, parameters, cache):
    """
    Backpropagation through time over one name.

    Arguments:
    X -- list of T_x input character indices (None for the zero input), as given to rnn_forward
    Y -- list of T_x target character indices
    parameters -- python dictionary with Wax, Waa, Wya, b, by (shapes as in rnn_step_forward)
    cache -- tuple (y_hat, a, x) from rnn_forward

    Returns:
    gradients -- python dictionary of the gradients of the loss returned by rnn_forward:
        dWax -- numpy array of shape (n_a, vocab_size)
        dWaa -- numpy array of shape (n_a, n_a)
        dWya -- numpy array of shape (vocab_size, n_a)
        db -- numpy array of shape (n_a, 1)
        dby -- numpy array of shape (vocab_size, 1)
        da_next -- gradient w.r.t. the initial hidden state a0, numpy array of shape (n_a, 1)
    a -- the hidden states from the cache, python dictionary keyed by t in -1..T_x-1
    """
    (y_hat, a, x) = cache

    gradients = {
        "dWax": np.zeros_like(parameters["Wax"]),
        "dWaa": np.zeros_like(parameters["Waa"]),
        "dWya": np.zeros_like(parameters["Wya"]),
        "db": np.zeros_like(parameters["b"]),
        "dby": np.zeros_like(parameters["by"]),
        "da_next": np.zeros_like(a[0]),
    }

    for t in reversed(range(len(X))):
        # Gradient of -log softmax(z)[Y[t]] w.r.t. the logits z: y_hat - one_hot(Y[t]).
        dy = np.copy(y_hat[t])
        dy[Y[t]] -= 1
        gradients = rnn_step_backward(dy, gradients, parameters, x[t], a[t], a[t - 1])

    return gradients, a


def update_parameters(parameters, gradients, lr):
    """
    One gradient-descent step, applied in place.

    Arguments:
    parameters -- python dictionary with Wax, Waa, Wya, b, by; its arrays are updated in place
    gradients -- python dictionary with dWax, dWaa, dWya, db, dby (same shapes as the parameters)
    lr -- learning rate, python float

    Returns:
    parameters -- the same dictionary object, with updated arrays
    """
    parameters["Wax"] += -lr * gradients["dWax"]
    parameters["Waa"] += -lr * gradients["dWaa"]
    parameters["Wya"] += -lr * gradients["dWya"]
    parameters["b"] += -lr * gradients["db"]
    parameters["by"] += -lr * gradients["dby"]
    return parameters


def clip(gradients, maxValue):
    """
    Clip each gradient entry to [-maxValue, maxValue], so an exploding gradient cannot wreck a step.

    Arguments:
    gradients -- python dictionary with dWaa, dWax, dWya, db, dby
                 (it is not modified; other keys are ignored)
    maxValue -- clipping bound, python float

    Returns:
    gradients -- a new python dictionary with exactly the keys dWaa, dWax, dWya, db, dby,
                 each a new array of the same shape with its entries clipped
    """
    return {
        key: np.clip(gradients[key], -maxValue, maxValue)
        for key in ["dWaa", "dWax", "dWya", "db", "dby"]
    }


def sample(parameters, char_to_ix, seed):
    """
    Sample a name from the model, one character at a time.

    Arguments:
    parameters -- python dictionary with Wax, Waa, Wya, b, by (shapes as in rnn_step_forward)
    char_to_ix -- python dictionary mapping a character to its index
    seed -- seed of the random generator, python int; the same seed gives the same name

    Returns:
    indices -- list of the sampled character indices; it ends with the newline's index, which occurs
               nowhere else, and holds at most 50 other characters
    """
    vocab_size = parameters["by"].shape[0]
    n_a = parameters["Waa"].shape[1]

    # The first input is the zero vector: no character has been generated yet.
    x = np.zeros((vocab_size, 1))
    a_prev = np.zeros((n_a, 1))
    rng = np.random.default_rng(seed)

    indices = []
    idx = -1
    newline_character = char_to_ix["\n"]

    # 50 characters at most, so a model that never predicts the newline cannot loop forever.
    while idx != newline_character and len(indices) != 50:
        a, y = rnn_step_forward(parameters, a_prev, x)

        idx = rng.choice(vocab_size, p=y.ravel())
        indices.append(idx)

        # The sampled character is the next input.
        x = np.zeros((vocab_size, 1))
        x[idx] = 1
        a_prev = a

    if indices[-1] != newline_character:
        indices.append(newline_character)

    return indices


def optimize(X, Y, a_prev, parameters, learning_rate=0.01):
    """
    One training step on one name: forward, backward, clip, update.

    Arguments:
    X -- list of T_x input character indices (X[0] is None)
    Y -- list of T_x target character indices
    a_prev -- initial hidden state, numpy array of shape (n_a, 1)
    parameters -- python dictionary with Wax, Waa, Wya, b, by; its arrays are updated in place
    learning_rate -- learning rate, python float

    Returns:
    loss -- loss on this name before the update, python float
    gradients -- python dictionary with the clipped dWax, dWaa, dWya, db, dby
    a[len(X)-1] -- last hidden state, numpy array of shape (n_a, 1)
    """
    loss, cache = rnn_forward(X, Y, a_prev, parameters)
    gradients, a = rnn_backward(X, Y, parameters, cache)
    gradients = clip(gradients, 5)
    update_parameters(parameters, gradients, learning_rate)
    return loss, gradients, a[len(X) - 1]


def model(data_x, ix_to_char, char_to_ix, num_iterations=35000, n_a=50, dino_names=7,
          vocab_size=27, verbose=False):
    """
    Train the character-level RNN on names, one name per iteration, printing samples as it learns.

    Arguments:
    data_x -- list of names (python str), each possibly ending with a newline
    ix_to_char -- python dictionary mapping an index to its character
    char_to_ix -- python dictionary mapping a character to its index
    num_iterations -- number of training iterations, python int
    n_a -- number of hidden units, python int
    dino_names -- number of names sampled every 2000 iterations, python int
    vocab_size -- number of characters in the vocabulary, python int
    verbose -- if True, print the training pairs of the first and last example of the first pass

    Returns:
    parameters -- python dictionary with the learned parameters:
        Wax -- numpy array of shape (n_a, vocab_size)
        Waa -- numpy array of shape (n_a, n_a)
        Wya -- numpy array of shape (vocab_size, n_a)
        b -- numpy array of shape (n_a, 1)
        by -- numpy array of shape (vocab_size, 1)
    last_name -- the last name printed, python str (empty if nothing was sampled)
    """
    parameters = initialize_parameters(n_a, vocab_size, vocab_size)
    loss = get_initial_loss(vocab_size, dino_names)

    examples = [x.strip() for x in data_x]
    np.random.seed(0)
    np.random.shuffle(examples)

    a_prev = np.zeros((n_a, 1))
    last_name = ""

    for j in range(num_iterations):
        idx = j % len(examples)

        # The input is the name shifted right by one (None = zero vector first);
        # the target is the name followed by the newline, which ends it.
        X = [None] + [char_to_ix[ch] for ch in examples[idx]]
        Y = X[1:] + [char_to_ix["\n"]]

        # The hidden state carries over from the previous name.
        curr_loss, gradients, a_prev = optimize(X, Y, a_prev, parameters, learning_rate=0.01)

        if verbose and j in [0, len(examples) - 1, len(examples)]:
            print(j, idx, examples[idx], X, Y)

        loss = smooth(loss, curr_loss)

        if j % 2000 == 0:
            print("Iteration: %d, Loss: %f" % (j, loss) + "\n")
            for seed in range(dino_names):
                sampled_indices = sample(parameters, char_to_ix, seed)
                last_name = print_sample(sampled_indices, ix_to_char)
            print()

    return parameters, last_name
