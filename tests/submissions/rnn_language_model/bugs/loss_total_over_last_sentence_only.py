"""L = instead of L +=: each sentence overwrites the loss, so only the last sentence counts.

calculate_total_loss; the loss of the last sentence instead of the sum over all sentences.

mistake: loss_last_sentence_only
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
        L = -1 * np.sum(np.log(correct_word_predictions))
    return L


RNN.calculate_total_loss = calculate_total_loss
