"""No recurrence: s[t] = tanh(U[:, x[t]]) forgets the W s[t-1] term, so each step sees only its own word.

forward_propagation; every state after the first, and its probabilities, are wrong.

mistake: no_recurrence
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
        s[t] = np.tanh(self.U[:, x[t]])
        o[t] = softmax(self.V.dot(s[t]))
    return [o, s]


RNN.forward_propagation = forward_propagation
