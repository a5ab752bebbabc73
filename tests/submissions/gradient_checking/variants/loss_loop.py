"""rnn_loss with explicit loops over the batch and time."""
import numpy as np


def rnn_loss(O, labels):
    """Cross-entropy summed over batch and time."""
    B, T = labels.shape
    loss = 0
    for b in range(B):
        for t in range(T):
            loss += -np.log(O[b, t, labels[b, t]])
    return loss
