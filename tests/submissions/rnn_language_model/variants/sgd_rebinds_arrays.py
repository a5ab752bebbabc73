"""self.U = self.U - learning_rate * dLdU: new arrays bound to the model instead of updates in place.

sgd_step; same U, V and W after the call.
"""
import numpy as np


def sgd_step(self, x, y, learning_rate):
    # Calculate the gradients
    dLdU, dLdV, dLdW = self.bptt(x, y)
    # Change parameters according to gradients and learning rate
    self.U = self.U - learning_rate * dLdU
    self.V = self.V - learning_rate * dLdV
    self.W = self.W - learning_rate * dLdW


RNN.sgd_step = sgd_step
