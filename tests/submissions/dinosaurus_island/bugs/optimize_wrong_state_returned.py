"""Returns the first hidden state a[0] instead of the last one, a[len(X) - 1].

optimize; the state carried to the next name is the one after the first character.

mistake: wrong_state_returned
"""
import numpy as np


def optimize(X, Y, a_prev, parameters, learning_rate=0.01):
    """One training step: forward, backward, clip, update."""
    loss, cache = rnn_forward(X, Y, a_prev, parameters)
    gradients, a = rnn_backward(X, Y, parameters, cache)
    gradients = clip(gradients, 5)
    parameters = update_parameters(parameters, gradients, learning_rate)
    return loss, gradients, a[0]
