"""No tanh in the hidden state: s[t] = U[:, x[t]] + W s[t-1], a linear recurrence.

forward_propagation; the hidden states s, and so the probabilities o, are wrong.

mistake: wrong_activation
"""
import numpy as np


def forward_propagation(self, x):
    # The total number of time steps
    T = len(x)
    # During forward propagation we save all hidden states in s because need them later.
    # We add one additional element for the initial hidden, which we set to 0
    s = np.zeros((T + 1, self.hidden_dim))
    s[-1] = np.zeros(self.hidden_dim)
    # The outputs at each time step. Again, we save them for later.
    o = np.zeros((T, self.word_dim))
    # For each time step...
    for t in np.arange(T):
        # Note that we are indxing U by x[t]. This is the same as multiplying U with a one-hot vector.
        s[t] = self.U[:, x[t]] + self.W.dot(s[t - 1])
        o[t] = softmax(self.V.dot(s[t]))
    return [o, s]


RNN.forward_propagation = forward_propagation
