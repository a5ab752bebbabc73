"""calculate_loss computes the mean itself with forward_propagation instead of calling calculate_total_loss.

calculate_loss; same loss per word.
"""
import numpy as np


def calculate_loss(self, x, y):
    L = 0
    N = 0
    # For each sentence...
    for i in np.arange(len(y)):
        o, s = self.forward_propagation(x[i])
        correct_word_predictions = o[np.arange(len(y[i])), y[i]]
        L += -1 * np.sum(np.log(correct_word_predictions))
        # Count the words
        N += len(y[i])
    return L / N


RNN.calculate_loss = calculate_loss
