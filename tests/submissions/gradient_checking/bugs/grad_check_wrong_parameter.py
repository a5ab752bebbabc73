"""Pairs the wrong arrays: loops over zip(grads, params.values()), assuming grads lists its names in params' order, so grads[name] is compared with another parameter's numerical gradient.

grad_check; the numerical gradients are right, but grads comes in another order than params (allowed by the spec), so each error mixes up two parameters (or fails on their shapes).

mistake: wrong_parameter
"""
import numpy as np


def grad_check(f, params, grads, h=1e-5):
    """Relative error between the analytic and the numerical gradient of every parameter."""
    errors = {}
    for name, p in zip(grads, params.values()):
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
