"""learning_rate argument ignored: the step hard-codes train_with_sgd's default rate, 0.005.

sgd_step; only right when called with learning_rate=0.005.

mistake: learning_rate_ignored
"""
import numpy as np


def sgd_step(self, x, y, learning_rate):
    # Calculate the gradients
    dLdU, dLdV, dLdW = self.bptt(x, y)
    # Change parameters according to gradients and learning rate
    self.U -= 0.005 * dLdU
    self.V -= 0.005 * dLdV
    self.W -= 0.005 * dLdW


RNN.sgd_step = sgd_step
