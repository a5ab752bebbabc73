"""argmax over the wrong axis: np.argmax(o, axis=0) gives, for each word, the step where it is most likely.

predict; one entry per word of the vocabulary (shape (word_dim,)) instead of one per step (shape (T,)).

mistake: argmax_wrong_axis
"""
import numpy as np


def predict(self, x):
    # Perform forward propagation and return index of the highest score
    o, s = self.forward_propagation(x)
    return np.argmax(o, axis=0)


RNN.predict = predict
