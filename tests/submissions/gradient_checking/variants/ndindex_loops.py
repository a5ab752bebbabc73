"""The checkers loop over the entries with np.ndindex instead of np.nditer."""
import numpy as np


def eval_numerical_gradient(f, x, h=1e-5):
    """Centered-difference gradient of a scalar function, one entry at a time."""
    grad = np.zeros(x.shape)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + h
        plus = f(x)
        x[idx] = old - h
        minus = f(x)
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Centered-difference gradient of sum(f(x) * df)."""
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        plus = np.array(f(x), dtype=float)  # a new array, not a view of x
        x[idx] = old - h
        minus = np.array(f(x), dtype=float)
        x[idx] = old
        grad[idx] = np.sum((plus - minus) * df) / (2 * h)
    return grad


def grad_check(f, params, grads, h=1e-5):
    """Relative errors of the analytic gradients, parameter by parameter."""
    errors = {}
    for name in params:
        p = params[name]
        num = np.zeros(p.shape)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            plus = f()
            p[idx] = old - h
            minus = f()
            p[idx] = old
            num[idx] = (plus - minus) / (2 * h)
        errors[name] = rel_error(grads[name], num)
    return errors
