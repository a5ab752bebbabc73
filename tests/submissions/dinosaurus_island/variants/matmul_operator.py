"""Uses the @ operator instead of np.dot in rnn_step_forward and rnn_step_backward."""
import numpy as np


def rnn_step_forward(parameters, a_prev, x):
    """One RNN step written with @."""
    p = parameters
    a_next = np.tanh(p["Wax"] @ x + p["Waa"] @ a_prev + p["b"])
    p_t = softmax(p["Wya"] @ a_next + p["by"])
    return a_next, p_t


def rnn_step_backward(dy, gradients, parameters, x, a, a_prev):
    """Backward step written with @, accumulating into gradients."""
    gradients["dWya"] += dy @ a.T
    gradients["dby"] += dy
    da = parameters["Wya"].T @ dy + gradients["da_next"]
    daraw = (1 - a ** 2) * da
    gradients["db"] += daraw
    gradients["dWax"] += daraw @ x.T
    gradients["dWaa"] += daraw @ a_prev.T
    gradients["da_next"] = parameters["Waa"].T @ daraw
    return gradients
