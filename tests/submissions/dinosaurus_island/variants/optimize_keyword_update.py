"""Calls every step with keyword arguments and relies on update_parameters changing the
parameters in place (its return value is not used)."""


def optimize(X, Y, a_prev, parameters, learning_rate=0.01):
    """One training step, helpers called with keywords."""
    loss, cache = rnn_forward(X=X, Y=Y, a0=a_prev, parameters=parameters)
    gradients, a = rnn_backward(X=X, Y=Y, parameters=parameters, cache=cache)
    gradients = clip(gradients=gradients, maxValue=5)
    update_parameters(parameters=parameters, gradients=gradients, lr=learning_rate)
    return loss, gradients, a[len(X) - 1]
