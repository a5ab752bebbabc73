"""The sampled character is never fed back: x stays the zero vector at every step.

sample; the one-hot of idx is never written into x, so each character is sampled as if it were the first.

mistake: sampling_input_not_updated
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

    while idx != newline_character and counter != 50:
        a = np.tanh(np.dot(Wax, x) + np.dot(Waa, a_prev) + b)
        z = np.dot(Wya, a) + by
        y = softmax(z)

        np.random.seed(counter + seed)
        idx = np.random.choice(list(range(vocab_size)), p=y.ravel())
        indices.append(idx)

        a_prev = a

        seed += 1
        counter += 1

    if counter == 50 and indices[-1] != newline_character:
        indices.append(newline_character)

    return indices
