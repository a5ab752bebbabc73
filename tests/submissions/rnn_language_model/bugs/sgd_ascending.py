"""Gradient ascent: += instead of -=, so every step increases the loss.

sgd_step; U, V and W move along the gradient instead of against it.

mistake: update_wrong_sign
"""
import numpy as np


def sgd_step(self, x, y, learning_rate):
    # Calculate the gradients
    dLdU, dLdV, dLdW = self.bptt(x, y)
    # Change parameters according to gradients and learning rate
    self.U += learning_rate * dLdU
    self.V += learning_rate * dLdV
    self.W += learning_rate * dLdW


RNN.sgd_step = sgd_step
