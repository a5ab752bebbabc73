"""Samples with a seeded np.random.default_rng(seed) Generator and rng.choice instead of reseeding the global RNG each step."""
import numpy as np


def sample(parameters, char_to_ix, seed):
    """Samples character indices with a Generator seeded once from seed."""
    Waa, Wax, Wya = parameters["Waa"], parameters["Wax"], parameters["Wya"]
    b, by = parameters["b"], parameters["by"]
    vocab_size, n_a = Wya.shape
    newline = char_to_ix["\n"]

    rng = np.random.default_rng(seed)
    x = np.zeros((vocab_size, 1))
    a_prev = np.zeros((n_a, 1))
    indices = []

    while len(indices) < 50:
        a = np.tanh(np.dot(Wax, x) + np.dot(Waa, a_prev) + b)
        y = softmax(np.dot(Wya, a) + by)
        idx = int(rng.choice(vocab_size, p=y.ravel()))
        indices.append(idx)
        if idx == newline:
            break
        x = np.zeros((vocab_size, 1))
        x[idx] = 1
        a_prev = a

    if indices[-1] != newline:
        indices.append(newline)
    return indices
