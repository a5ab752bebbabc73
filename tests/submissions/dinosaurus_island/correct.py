import numpy as np


def rnn_step_forward(parameters, a_prev, x):
    """One time step of the character-level RNN: new hidden state and next-character probabilities."""
    Waa, Wax, Wya, by, b = parameters["Waa"], parameters["Wax"], parameters["Wya"], parameters["by"], parameters["b"]

    # hidden state
    a_next = np.tanh(np.dot(Wax, x) + np.dot(Waa, a_prev) + b)
    # probabilities for the next character
    p_t = softmax(np.dot(Wya, a_next) + by)

    return a_next, p_t


def rnn_step_backward(dy, gradients, parameters, x, a, a_prev):
    """Backpropagates one time step, accumulating into gradients."""
    gradients["dWya"] += np.dot(dy, a.T)
    gradients["dby"] += dy

    # gradient flowing into the hidden state (from the output and from the next step)
    da = np.dot(parameters["Wya"].T, dy) + gradients["da_next"]
    # back through the tanh
    daraw = (1 - a * a) * da

    gradients["db"] += daraw
    gradients["dWax"] += np.dot(daraw, x.T)
    gradients["dWaa"] += np.dot(daraw, a_prev.T)
    gradients["da_next"] = np.dot(parameters["Waa"].T, daraw)
    return gradients


def rnn_forward(X, Y, a0, parameters, vocab_size=27):
    """Runs the RNN over one name and returns the cross-entropy loss and the cache."""
    # x, a and y_hat are dictionaries keyed by time step
    x, a, y_hat = {}, {}, {}
    a[-1] = np.copy(a0)

    loss = 0
    for t in range(len(X)):
        # one-hot input; the first input (None) stays a zero vector
        x[t] = np.zeros((vocab_size, 1))
        if X[t] is not None:
            x[t][X[t]] = 1

        a[t], y_hat[t] = rnn_step_forward(parameters, a[t - 1], x[t])

        # cross-entropy loss for the correct next character
        loss -= np.log(y_hat[t][Y[t], 0])

    cache = (y_hat, a, x)
    return loss, cache


def rnn_backward(X, Y, parameters, cache):
    """Backpropagation through time over one name."""
    gradients = {}
    (y_hat, a, x) = cache
    Waa, Wax, Wya, by, b = parameters["Waa"], parameters["Wax"], parameters["Wya"], parameters["by"], parameters["b"]

    # start every gradient at zero
    gradients["dWax"], gradients["dWaa"], gradients["dWya"] = np.zeros_like(Wax), np.zeros_like(Waa), np.zeros_like(Wya)
    gradients["db"], gradients["dby"] = np.zeros_like(b), np.zeros_like(by)
    gradients["da_next"] = np.zeros_like(a[0])

    for t in reversed(range(len(X))):
        # softmax + cross-entropy: dL/dz = y_hat - one_hot(Y[t])
        dy = np.copy(y_hat[t])
        dy[Y[t]] -= 1
        gradients = rnn_step_backward(dy, gradients, parameters, x[t], a[t], a[t - 1])

    return gradients, a


def update_parameters(parameters, gradients, lr):
    """One step of gradient descent, in place."""
    parameters["Wax"] += -lr * gradients["dWax"]
    parameters["Waa"] += -lr * gradients["dWaa"]
    parameters["Wya"] += -lr * gradients["dWya"]
    parameters["b"] += -lr * gradients["db"]
    parameters["by"] += -lr * gradients["dby"]
    return parameters


def clip(gradients, maxValue):
    """Clips every gradient to the range [-maxValue, maxValue]."""
    clipped = {}
    for key in ["dWaa", "dWax", "dWya", "db", "dby"]:
        clipped[key] = np.clip(gradients[key], -maxValue, maxValue)
    return clipped


def sample(parameters, char_to_ix, seed):
    """Samples a sequence of character indices from the RNN."""
    Waa, Wax, Wya, by, b = parameters["Waa"], parameters["Wax"], parameters["Wya"], parameters["by"], parameters["b"]
    vocab_size = by.shape[0]
    n_a = Waa.shape[1]

    # first input is a zero vector, hidden state starts at zero
    x = np.zeros((vocab_size, 1))
    a_prev = np.zeros((n_a, 1))

    indices = []
    idx = -1
    counter = 0
    newline_character = char_to_ix["\n"]

    while idx != newline_character and counter != 50:
        a = np.tanh(np.dot(Wax, x) + np.dot(Waa, a_prev) + b)
        z = np.dot(Wya, a) + by
        y = softmax(z)

        # same seed -> same name
        np.random.seed(counter + seed)
        idx = np.random.choice(list(range(vocab_size)), p=y.ravel())
        indices.append(idx)

        # the sampled character is the next input
        x = np.zeros((vocab_size, 1))
        x[idx] = 1
        a_prev = a

        seed += 1
        counter += 1

    if counter == 50 and indices[-1] != newline_character:
        indices.append(newline_character)

    return indices


def optimize(X, Y, a_prev, parameters, learning_rate=0.01):
    """One training step: forward, backward, clip, update."""
    loss, cache = rnn_forward(X, Y, a_prev, parameters)
    gradients, a = rnn_backward(X, Y, parameters, cache)
    gradients = clip(gradients, 5)
    parameters = update_parameters(parameters, gradients, learning_rate)
    return loss, gradients, a[len(X) - 1]


def model(data_x, ix_to_char, char_to_ix, num_iterations=35000, n_a=50, dino_names=7, vocab_size=27, verbose=False):
    """Trains the character-level model on the names and samples a few names along the way."""
    n_x, n_y = vocab_size, vocab_size
    parameters = initialize_parameters(n_a, n_x, n_y)

    # smoothed loss starts at the loss of a uniform guess
    loss = get_initial_loss(vocab_size, dino_names)

    examples = [x.strip() for x in data_x]
    np.random.seed(0)
    np.random.shuffle(examples)

    a_prev = np.zeros((n_a, 1))
    last_name = ""

    for j in range(num_iterations):
        idx = j % len(examples)

        single_example = examples[idx]
        single_example_ix = [char_to_ix[ch] for ch in single_example]
        X = [None] + single_example_ix
        ix_newline = char_to_ix["\n"]
        Y = X[1:] + [ix_newline]

        curr_loss, gradients, a_prev = optimize(X, Y, a_prev, parameters, learning_rate=0.01)

        if verbose and j in [0, len(examples) - 1, len(examples)]:
            print("j = ", j, "idx = ", idx)
            print("single_example =", single_example)
            print("X = ", X, "\nY =       ", Y, "\n")

        loss = smooth(loss, curr_loss)

        if j % 2000 == 0:
            print("Iteration: %d, Loss: %f" % (j, loss) + "\n")
            seed = 0
            for name in range(dino_names):
                sampled_indices = sample(parameters, char_to_ix, seed)
                last_name = print_sample(sampled_indices, ix_to_char)
                seed += 1
            print("\n")

    return parameters, last_name
