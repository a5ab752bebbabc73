"""Parameters never set back after probing: every entry is left at old - h, so params are changed and later entries are probed at the wrong point.

grad_check.

mistake: input_not_restored
"""
import numpy as np


def grad_check(f, params, grads, h=1e-5):
    """Relative error between the analytic and the numerical gradient of every parameter."""
    errors = {}
    for name, p in params.items():
        num_grad = np.zeros_like(p, dtype=float)
        it = np.nditer(p, flags=["multi_index"], op_flags=["readwrite"])
        while not it.finished:
            ix = it.multi_index
            oldval = p[ix]
            p[ix] = oldval + h
            fxph = f()
            p[ix] = oldval - h
            fxmh = f()
            num_grad[ix] = (fxph - fxmh) / (2 * h)
            it.iternext()
        errors[name] = rel_error(grads[name], num_grad)
    return errors
