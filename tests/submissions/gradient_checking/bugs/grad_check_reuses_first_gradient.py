"""Computes the numerical gradient once, for the first parameter, and compares every analytic gradient with it.

grad_check.

mistake: reuses_one_numerical_gradient
"""
import numpy as np


def grad_check(f, params, grads, h=1e-5):
    """Relative error between the analytic and the numerical gradient of every parameter."""
    errors = {}
    num_grad = None
    for name, p in params.items():
        if num_grad is None:
            num_grad = np.zeros_like(p, dtype=float)
            it = np.nditer(p, flags=["multi_index"], op_flags=["readwrite"])
            while not it.finished:
                ix = it.multi_index
                oldval = p[ix]
                p[ix] = oldval + h
                fxph = f()
                p[ix] = oldval - h
                fxmh = f()
                p[ix] = oldval
                num_grad[ix] = (fxph - fxmh) / (2 * h)
                it.iternext()
        errors[name] = rel_error(grads[name], num_grad)
    return errors
