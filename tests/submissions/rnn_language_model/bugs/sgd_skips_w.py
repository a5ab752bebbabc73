"""W is never updated: only U and V are.

sgd_step; W keeps its value (U and V are right).

mistake: parameter_not_updated
"""
import numpy as np


def sgd_step(self, x, y, learning_rate):
    # Calculate the gradients
    dLdU, dLdV, dLdW = self.bptt(x, y)
    # Change parameters according to gradients and learning rate
    self.U -= learning_rate * dLdU
    self.V -= learning_rate * dLdV


RNN.sgd_step = sgd_step
