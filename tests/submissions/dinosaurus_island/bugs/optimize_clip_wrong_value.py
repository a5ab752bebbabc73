"""Clips at 10 instead of 5: clip(gradients, 10).

optimize; gradients between 5 and 10 in size are not clipped.

mistake: clip_wrong_bounds
"""
import numpy as np


def optimize(X, Y, a_prev, parameters, learning_rate=0.01):
    """One training step: forward, backward, clip, update."""
    loss, cache = rnn_forward(X, Y, a_prev, parameters)
    gradients, a = rnn_backward(X, Y, parameters, cache)
    gradients = clip(gradients, 10)
    parameters = update_parameters(parameters, gradients, learning_rate)
    return loss, gradients, a[len(X) - 1]
