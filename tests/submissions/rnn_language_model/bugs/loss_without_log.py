"""No log: sums the probabilities of the correct words instead of their negative log.

calculate_total_loss; the loss is -sum(o[t, y[t]]), a negative number, not the cross-entropy.

mistake: loss_without_log
"""
import numpy as np


def calculate_total_loss(self, x, y):
    L = 0
    # For each sentence...
    for i in np.arange(len(y)):
        o, s = self.forward_propagation(x[i])
        # We only care about our prediction of the "correct" words
        correct_word_predictions = o[np.arange(len(y[i])), y[i]]
        # Add to the loss based on how off we were
        L += -1 * np.sum(correct_word_predictions)
    return L


RNN.calculate_total_loss = calculate_total_loss
