"""learning_rate argument ignored: update_parameters(parameters, gradients, 0.01) hard-codes the default.

optimize; only right when called with the default learning rate.

mistake: learning_rate_ignored
"""
import numpy as np


def optimize(X, Y, a_prev, parameters, learning_rate=0.01):
    """One training step: forward, backward, clip, update."""
    loss, cache = rnn_forward(X, Y, a_prev, parameters)
    gradients, a = rnn_backward(X, Y, parameters, cache)
    gradients = clip(gradients, 5)
    parameters = update_parameters(parameters, gradients, 0.01)
    return loss, gradients, a[len(X) - 1]
