"""Log of a sum over the batch: -sum_t log(sum_b O[b, t, label]) instead of a sum of logs.

rnn_loss.

mistake: loss_of_summed_probabilities
"""
import numpy as np


def rnn_loss(O, labels):
    """Total cross-entropy loss over batch and time."""
    B, T = labels.shape
    loss = 0.0
    for t in range(T):
        p = O[np.arange(B), t, labels[:, t]]
        loss -= np.log(np.sum(p))
    return float(loss)
