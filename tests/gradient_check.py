"""Numerical gradients for the tests that prove the reference backward passes.

Independent of the grader on purpose: these proofs must not share code with what they check.
"""
import numpy as np


def numerical_gradient(f, x, h=1e-6):
    """Central-difference gradient of the scalar f(x) w.r.t. every entry of x.

    f receives a perturbed copy of x; x itself is never modified.
    """
    grad = np.zeros(x.shape)
    for idx in np.ndindex(*x.shape):
        xp = x.copy()
        xp[idx] += h
        fp = f(xp)
        xm = x.copy()
        xm[idx] -= h
        fm = f(xm)
        grad[idx] = (fp - fm) / (2 * h)
    return grad


def rel_error(num, ana):
    num = np.asarray(num, dtype=float)
    ana = np.asarray(ana, dtype=float)
    return np.linalg.norm(num - ana) / max(np.linalg.norm(num) + np.linalg.norm(ana), 1e-12)


def with_param(parameters, key, value):
    """Shallow copy of the parameter dict with one entry replaced."""
    p = dict(parameters)
    p[key] = value
    return p
