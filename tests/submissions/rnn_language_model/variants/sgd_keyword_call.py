"""Calls bptt with keyword arguments, self.bptt(x=x, y=y).

sgd_step; same update.
"""
import numpy as np


def sgd_step(self, x, y, learning_rate):
    # Calculate the gradients
    dLdU, dLdV, dLdW = self.bptt(x=x, y=y)
    # Change parameters according to gradients and learning rate
    self.U -= learning_rate * dLdU
    self.V -= learning_rate * dLdV
    self.W -= learning_rate * dLdW


RNN.sgd_step = sgd_step
