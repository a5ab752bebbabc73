"""The well-known course's sampler exactly, ending included: after 50 characters it appends
the newline even when the 50th drawn character already was one."""
import numpy as np


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

    # the course's own ending: a newline after 50 characters, even if the 50th was one
    if counter == 50:
        indices.append(char_to_ix["\n"])

    return indices
