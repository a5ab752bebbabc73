"""Assignment `gradient_checking`: numerical gradient checking as a graded skill, then a
batch-major RNN whose planted transpose bug only a gradient check finds.

The checkers are graded on test functions passed as arguments (protocol.Code): public code,
below, that becomes a function in the student's process. Each is there to catch a kind of
mistake: curvature with entries that interact (one-sided differences, x not put back after
each probe), a large third derivative (a step h instead of 2h), reading x through another
name (probing a copy: the public case does it too), flat entries (a zero gradient), and a
small model with one wrong gradient that grad_check must single out.
"""
from dataclasses import dataclass

from ..protocol import Code
from . import Assignment, Exercise, GradientCheck, normal, np


@dataclass(frozen=True)
class Dims:
    """One case: batch B, time steps T, inputs D, hidden H, classes O, and which test
    function the checkers get (`kind`)."""
    B: int
    T: int
    D: int
    H: int
    O: int
    kind: int

    def __str__(self):
        return f"B={self.B}, T={self.T}, D={self.D}, H={self.H}, O={self.O}, function {self.kind}"


# Scalar test functions f(x) for eval_numerical_gradient (X is the x passed, C a constant).
SCALAR_FUNCTIONS = '''
def curved(_):
    return float(np.sum(C * X ** 3 + np.sin(X)) + 0.1 * np.sum(X) ** 2)


def steep(x):
    return float(np.sum(np.exp(3 * x)))


def through_alias(_):
    return float(np.sum(np.sin(X) * X ** 2))


def partly_flat(x):
    return float(np.sum(C * x[..., ::2] ** 2))
'''
SCALAR_ENTRIES = ("curved", "steep", "through_alias", "partly_flat")

# Array-valued test functions f(x) for eval_numerical_gradient_array.
ARRAY_FUNCTIONS = '''
def elementwise(_):
    return np.tanh(X) * X + C * X ** 2 + 0.1 * np.sum(X)


def matrix_product(x):
    return x.reshape(len(x), -1) @ M


def through_alias(_):
    return np.tanh(X).reshape(len(X), -1) @ M
'''
ARRAY_ENTRIES = ("elementwise", "matrix_product", "through_alias", "elementwise")

# The small model whose gradients grad_check compares: it reads PARAMS, the params passed.
MODEL_LOSS = '''
def model_loss():
    hidden = np.tanh(DATA @ PARAMS["W"] + PARAMS["b"])
    return float(0.5 * np.sum((hidden @ PARAMS["V"] - TARGETS) ** 2))
'''


def model_gradients(params, data, targets):
    """The model's analytic gradients, as grad_check gets them (keys of params)."""
    hidden = np.tanh(data @ params["W"] + params["b"])
    error = hidden @ params["V"] - targets
    dhidden = (error @ params["V"].T) * (1 - hidden ** 2)
    return {"W": data.T @ dhidden, "b": dhidden.sum(axis=0), "V": hidden.T @ error}


def x_of(rng, d):
    """x of 1, 2 or 3 dimensions (by kind), entries in [-1.5, 1.5]."""
    shape = [(d.D, d.H), (d.B * d.H,), (d.B, d.T, d.D), (d.D, d.H)][d.kind]
    return rng.uniform(-1.5, 1.5, shape)


def rel_error_inputs(rng, d):
    """Entries that differ relatively little, a lot, and a pair of exact zeros (the floor)."""
    x = normal(rng, d.B, d.H)
    y = x * (1 + rng.uniform(-1e-3, 1e-3, x.shape))
    y[0, 0] = x[0, 0] = 0.0
    y.flat[-1] = -x.flat[-1] * float(rng.uniform(0.5, 2))  # |x - y| / |x| would differ here
    return {"x": x, "y": y}


def numerical_gradient_inputs(rng, d):
    x = x_of(rng, d)
    f = Code(SCALAR_FUNCTIONS, SCALAR_ENTRIES[d.kind], {"X": [1]},
             {"C": float(rng.uniform(0.5, 2))})
    return {"f": f, "x": x, "h": 1e-5}


def numerical_gradient_array_inputs(rng, d):
    x = x_of(rng, d)
    columns = int(np.prod(x.shape[1:]))
    M = normal(rng, columns, 3)
    f = Code(ARRAY_FUNCTIONS, ARRAY_ENTRIES[d.kind], {"X": [1]},
             {"C": float(rng.uniform(0.5, 2)), "M": M})
    out_shape = x.shape if ARRAY_ENTRIES[d.kind] == "elementwise" else (len(x), 3)
    return {"f": f, "x": x, "df": normal(rng, *out_shape), "h": 1e-5}


def grad_check_inputs(rng, d):
    """A two-layer model with one parameter's gradient wrong (which one varies), and the
    gradients' keys in another order than the parameters'."""
    params = {"W": normal(rng, d.D, d.H), "b": normal(rng, d.H), "V": normal(rng, d.H, d.O)}
    data, targets = normal(rng, d.B + 2, d.D), normal(rng, d.B + 2, d.O)
    grads = model_gradients(params, data, targets)
    wrong = ["W", "b", "V"][d.kind % 3]
    grads[wrong] = grads[wrong] * float(rng.uniform(0.3, 0.8))
    f = Code(MODEL_LOSS, "model_loss", {"PARAMS": [1]}, {"DATA": data, "TARGETS": targets})
    return {"f": f, "params": params, "grads": dict(reversed(list(grads.items()))), "h": 1e-5}


def rnn_params(rng, d):
    return {"W1": normal(rng, d.D, d.H, scale=0.5), "W2": normal(rng, d.H, d.H, scale=0.5),
            "W3": normal(rng, d.O, d.H, scale=0.5), "bh": normal(rng, d.H, scale=0.5),
            "bo": normal(rng, d.O, scale=0.5)}


def cell_inputs(rng, d):
    return {"x_t": normal(rng, d.B, d.D), "h_prev": normal(rng, d.B, d.H),
            "params": rnn_params(rng, d)}


def cell_backward_inputs(rng, d):
    return {**cell_inputs(rng, d), "label": rng.integers(0, d.O, size=d.B)}


def layer_inputs(rng, d):
    return {"X": normal(rng, d.B, d.T, d.D), "h0": normal(rng, d.B, d.H),
            "params": rnn_params(rng, d)}


def layer_backward_inputs(rng, d):
    return {**layer_inputs(rng, d), "labels": rng.integers(0, d.O, size=(d.B, d.T))}


def loss_inputs(rng, d):
    logits = normal(rng, d.B, d.T, d.O)
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    return {"O": probabilities, "labels": rng.integers(0, d.O, size=(d.B, d.T))}


def cross_entropy(probabilities, labels):
    """-sum of log probabilities[..., label]: what the backward passes differentiate."""
    chosen = np.take_along_axis(np.asarray(probabilities, dtype=float),
                                np.asarray(labels)[..., None], axis=-1)
    return -np.sum(np.log(chosen))


# Checkers must probe x in place (a function may read it through another name) and put
# every entry back exactly.
RESTORE = ("put every entry you probe back to its exact old value, in place (a copy would "
           "hide the probe from a function that reads x through another name)")

RNN_WEIGHTS = {"dW1": "params.W1", "dW2": "params.W2", "dW3": "params.W3", "dbh": "params.bh",
               "dbo": "params.bo"}

ASSIGNMENT = Assignment(
    name="gradient_checking",
    public=Dims(B=3, T=4, D=5, H=4, O=3, kind=0),
    hidden=(
        Dims(B=2, T=3, D=4, H=4, O=4, kind=1),   # square W1, W2 and W3
        Dims(B=1, T=1, D=3, H=5, O=2, kind=2),   # one example, one step
        Dims(B=4, T=5, D=2, H=3, O=6, kind=3),
        Dims(B=2, T=2, D=6, H=2, O=3, kind=0),
    ),
    provided=("softmax", "init_params", "planted_layer_backward"),
    exercises=(
        Exercise("rel_error", 5, rel_error_inputs, rtol=1e-9, atol=1e-12),
        Exercise("eval_numerical_gradient", 15, numerical_gradient_inputs, rtol=1e-6,
                 atol=1e-7, inputs_advice=RESTORE),
        Exercise("eval_numerical_gradient_array", 10, numerical_gradient_array_inputs,
                 rtol=1e-6, atol=1e-7, inputs_advice=RESTORE),
        # Errors of right gradients are rounding noise (1e-11..1e-7): equal within atol.
        Exercise("grad_check", 15, grad_check_inputs, uses=("rel_error",), rtol=1e-5,
                 atol=1e-6, inputs_advice=RESTORE),
        Exercise("rnn_cell_forward", 10, cell_inputs, ("h", "o", "cache")),
        Exercise("rnn_layer_forward", 10, layer_inputs, ("H", "O", "caches"),
                 uses=("rnn_cell_forward",)),
        Exercise("rnn_loss", 5, loss_inputs),
        Exercise("rnn_cell_backward", 15, cell_backward_inputs,
                 gradient=GradientCheck(
                     "rnn_cell_forward", ("dh_next", "o", "label", "cache"), cache=2,
                     upstream={"dh_next": 0}, outputs={"o": 1},
                     objective=lambda out, n: cross_entropy(out[1], n["label"]),
                     forward_args=lambda n: [n["x_t"], n["h_prev"], n["params"]],
                     wrt={**RNN_WEIGHTS, "dh_prev": "h_prev"})),
        Exercise("rnn_layer_backward", 15, layer_backward_inputs, uses=("rnn_cell_backward",),
                 gradient=GradientCheck(
                     "rnn_layer_forward", ("O", "labels", "caches"), cache=2,
                     outputs={"O": 1},
                     objective=lambda out, n: cross_entropy(out[1], n["labels"]),
                     forward_args=lambda n: [n["X"], n["h0"], n["params"]],
                     wrt={**RNN_WEIGHTS, "dh0": "h0"})),
    ),
)
