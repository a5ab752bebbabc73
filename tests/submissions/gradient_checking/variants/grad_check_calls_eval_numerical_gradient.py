"""grad_check reuses eval_numerical_gradient, wrapping the argument-less f in a lambda."""
import numpy as np


def grad_check(f, params, grads, h=1e-5):
    """Relative error between analytic and numerical gradients for every parameter."""
    errors = {}
    for name in params:
        num_grad = eval_numerical_gradient(lambda _: f(), params[name], h)
        errors[name] = rel_error(grads[name], num_grad)
    return errors
