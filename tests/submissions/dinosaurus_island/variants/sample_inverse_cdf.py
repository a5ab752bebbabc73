"""Samples by inverse CDF: u = rng.random() and np.searchsorted(np.cumsum(p), u) instead of np.random.choice."""
import numpy as np


def draw_index(p, rng):
    """Draws one index from the probability vector p by inverting its CDF."""
    cdf = np.cumsum(p)
    u = rng.random()
    idx = int(np.searchsorted(cdf, u, side="right"))
    # cumsum can end a hair below 1
    return min(idx, len(p) - 1)


def sample(parameters, char_to_ix, seed):
    """Samples character indices, one inverse-CDF draw per step."""
    Waa = parameters["Waa"]
    Wax = parameters["Wax"]
    Wya = parameters["Wya"]
    b = parameters["b"]
    by = parameters["by"]
    vocab_size = by.shape[0]
    n_a = Waa.shape[0]
    newline_character = char_to_ix["\n"]

    rng = np.random.default_rng(seed)
    x = np.zeros((vocab_size, 1))
    a_prev = np.zeros((n_a, 1))
    indices = []
    counter = 0
    idx = None

    while idx != newline_character and counter < 50:
        a = np.tanh(Wax @ x + Waa @ a_prev + b)
        y = softmax(Wya @ a + by)
        idx = draw_index(y[:, 0], rng)
        indices.append(idx)
        x = np.zeros((vocab_size, 1))
        x[idx, 0] = 1.0
        a_prev = a
        counter += 1

    if idx != newline_character:
        indices.append(newline_character)
    return indices
