"""No gradient clipping: clip(gradients, 5) is never called before the update.

optimize; exploding gradients go straight into the update (and da_next stays in the returned dict).

mistake: clip_not_applied
"""
import numpy as np


def optimize(X, Y, a_prev, parameters, learning_rate=0.01):
    """One training step: forward, backward, clip, update."""
    loss, cache = rnn_forward(X, Y, a_prev, parameters)
    gradients, a = rnn_backward(X, Y, parameters, cache)
    parameters = update_parameters(parameters, gradients, learning_rate)
    return loss, gradients, a[len(X) - 1]
