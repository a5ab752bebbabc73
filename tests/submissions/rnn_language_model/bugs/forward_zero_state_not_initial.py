"""The zero initial state is put first, in s[0], and step t writes s[t + 1]: o is right, but the rows of s are shifted by one.

forward_propagation; s[t] is the state before word t, not after it, and s[-1] is the last state instead of the zero initial state that bptt reads at t = 0.

mistake: off_by_one_in_time
"""
import numpy as np


def forward_propagation(self, x):
    # The total number of time steps
    T = len(x)
    # During forward propagation we save all hidden states in s because need them later.
    # We add one additional element for the initial hidden, which we set to 0
    s = np.zeros((T + 1, self.hidden_dim))
    s[0] = np.zeros(self.hidden_dim)
    # The outputs at each time step. Again, we save them for later.
    o = np.zeros((T, self.word_dim))
    # For each time step...
    for t in np.arange(T):
        # Note that we are indxing U by x[t]. This is the same as multiplying U with a one-hot vector.
        s[t + 1] = np.tanh(self.U[:, x[t]] + self.W.dot(s[t]))
        o[t] = softmax(self.V.dot(s[t + 1]))
    return [o, s]


RNN.forward_propagation = forward_propagation
