"""Length cap of 40 instead of 50 characters.

sample; long names are cut (and the newline appended) after 40 characters.

mistake: sampling_wrong_cap
"""
import numpy as np


def sample(parameters, char_to_ix, seed):
    """Samples a sequence of character indices from the RNN."""
    Waa, Wax, Wya, by, b = parameters["Waa"], parameters["Wax"], parameters["Wya"], parameters["by"], parameters["b"]
    vocab_size = by.shape[0]
    n_a = Waa.shape[1]

    x = np.zeros((vocab_size, 1))
    a_prev = np.zeros((n_a, 1))

    indices = []
    idx = -1
    counter = 0
    newline_character = char_to_ix["\n"]

    while idx != newline_character and counter != 40:
        a = np.tanh(np.dot(Wax, x) + np.dot(Waa, a_prev) + b)
        z = np.dot(Wya, a) + by
        y = softmax(z)

        np.random.seed(counter + seed)
        idx = np.random.choice(list(range(vocab_size)), p=y.ravel())
        indices.append(idx)

        x = np.zeros((vocab_size, 1))
        x[idx] = 1
        a_prev = a

        seed += 1
        counter += 1

    if counter == 40 and indices[-1] != newline_character:
        indices.append(newline_character)

    return indices
