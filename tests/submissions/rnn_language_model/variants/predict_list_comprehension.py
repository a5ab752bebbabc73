"""Takes the argmax of each row in a list comprehension instead of np.argmax(o, axis=1).

predict; same predictions.
"""
import numpy as np


def predict(self, x):
    # Perform forward propagation and return index of the highest score
    o, s = self.forward_propagation(x)
    return np.array([np.argmax(o_t) for o_t in o])


RNN.predict = predict
