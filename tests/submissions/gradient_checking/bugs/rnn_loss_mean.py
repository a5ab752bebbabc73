"""Mean instead of sum: the loss is divided by B * T.

rnn_loss.

mistake: loss_averaged
"""
import numpy as np


def rnn_loss(O, labels):
    """Average cross-entropy loss over batch and time."""
    B, T = labels.shape
    loss = 0.0
    for t in range(T):
        p = O[np.arange(B), t, labels[:, t]]
        loss -= np.sum(np.log(p))
    return float(loss / (B * T))
