"""Proofs of the hidden reference implementation in solutions/gradient_checking.py.

The gradient-checking tools of Part 1 are checked against closed-form derivatives, and each
test that pins a behaviour (central, not one-sided, differences; probing x in place; exact
restoring; copying f's output) also shows a plausible wrong variant failing it. The backward
passes of Part 2 are checked against central differences of a forward pass written out here
independently, with tests/gradient_check.py (which shares no code with the reference), over
every coordinate of every parameter and of the incoming hidden state, for several shapes.
"""
import ast
import builtins
import inspect

import numpy as np
import pytest

from solutions import gradient_checking as ref
from tests.gradient_check import numerical_gradient, with_param
from tests.gradient_check import rel_error as norm_rel_error

RTOL = 1e-7

PARAM_KEYS = ["W1", "W2", "W3", "bh", "bo"]
GRAD_KEYS = ["dW1", "dW2", "dW3", "dbh", "dbo"]

# (B, T, D, H, O): non-square, B = 1 and T = 1, H = D, and a few more.
SHAPES = [(3, 4, 5, 6, 7), (1, 1, 3, 4, 5), (2, 5, 4, 4, 3), (1, 6, 2, 3, 4), (4, 1, 3, 3, 3),
          (2, 3, 6, 2, 5)]


# ----------------------------------------------------------------- helpers

def make_problem(B, T, D, H, O, seed=0):
    rng = np.random.default_rng(100 + seed)
    params = ref.init_params(D, H, O, seed=seed)
    X = rng.standard_normal((B, T, D))
    h0 = 0.5 * rng.standard_normal((B, H))
    labels = rng.integers(O, size=(B, T))
    return params, X, h0, labels


def log_softmax_rows(z):
    m = np.max(z, axis=1, keepdims=True)
    return z - m - np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))


def independent_cell(x_t, h_prev, W1, W2, W3, bh, bo):
    """h_t and log o_t by the definition, row by row; not the reference's code."""
    h = np.array([np.tanh(W1.T @ x + W2.T @ hp + bh) for x, hp in zip(x_t, h_prev)])
    return h, log_softmax_rows(h @ W3.T + bo)


def independent_loss(X, h0, labels, p):
    """-sum over b and t of log o_t[b, labels[b, t]], with the test's own forward pass."""
    B, T, _ = X.shape
    h, total = h0, 0.0
    for t in range(T):
        h, logp = independent_cell(X[:, t], h, p["W1"], p["W2"], p["W3"], p["bh"], p["bo"])
        total -= sum(logp[b, labels[b, t]] for b in range(B))
    return total


def step_objective(x_t, h_prev, label, dh_next, p):
    """What rnn_cell_backward differentiates: this step's loss plus sum(h * dh_next)."""
    h, logp = independent_cell(x_t, h_prev, p["W1"], p["W2"], p["W3"], p["bh"], p["bo"])
    return -sum(logp[b, label[b]] for b in range(len(label))) + np.sum(h * dh_next)


def snapshot(d):
    return {k: np.array(v, copy=True) for k, v in d.items()}


def assert_params_unchanged(params, snap, ids):
    assert list(params) == list(snap)
    for k in snap:
        assert id(params[k]) == ids[k], f"{k} was replaced"
        assert np.array_equal(params[k], snap[k]), f"{k} was modified"


def bits(a):
    return np.ascontiguousarray(a).view(np.uint8).tobytes()


def one_sided_gradient(f, x, h=1e-5):
    """A plausible wrong eval_numerical_gradient: forward differences."""
    grad = np.zeros(x.shape)
    fx = f(x)
    for ix in np.ndindex(*x.shape):
        old = x[ix]
        x[ix] = old + h
        grad[ix] = (f(x) - fx) / h
        x[ix] = old
    return grad


def drifting_gradient(f, x, h=1e-5, variant=0):
    """A plausible wrong eval_numerical_gradient: it restores x by arithmetic, not by value."""
    grad = np.zeros(x.shape)
    for ix in np.ndindex(*x.shape):
        if variant == 0:
            x[ix] += h
            fp = f(x)
            x[ix] -= 2 * h
            fm = f(x)
            x[ix] += h
        else:
            old = x[ix]
            x[ix] = old + h
            fp = f(x)
            x[ix] = old - h
            fm = f(x)
            x[ix] += h
        grad[ix] = (fp - fm) / (2 * h)
    return grad


# ------------------------------------------------------------ module shape

EXPECTED_FUNCTIONS = [
    "softmax", "init_params", "planted_layer_backward",
    "rel_error", "eval_numerical_gradient", "eval_numerical_gradient_array", "grad_check",
    "rnn_cell_forward", "rnn_layer_forward", "rnn_loss", "rnn_cell_backward",
    "rnn_layer_backward",
]

SIGNATURES = {
    "softmax": "(z)",
    "init_params": "(D, H, O, seed=0)",
    "planted_layer_backward": "(O, labels, caches)",
    "rel_error": "(x, y)",
    "eval_numerical_gradient": "(f, x, h=1e-05)",
    "eval_numerical_gradient_array": "(f, x, df, h=1e-05)",
    "grad_check": "(f, params, grads, h=1e-05)",
    "rnn_cell_forward": "(x_t, h_prev, params)",
    "rnn_layer_forward": "(X, h0, params)",
    "rnn_loss": "(O, labels)",
    "rnn_cell_backward": "(dh_next, o, label, cache)",
    "rnn_layer_backward": "(O, labels, caches)",
}


def test_module_is_numpy_plus_self_contained_functions():
    """Every body is pasted into a notebook cell, so it may use only np and the other functions."""
    tree = ast.parse(inspect.getsource(ref))
    first, rest = tree.body[0], tree.body[1:]
    assert isinstance(first, ast.Import)
    assert [(a.name, a.asname) for a in first.names] == [("numpy", "np")]
    assert all(isinstance(node, ast.FunctionDef) for node in rest)
    assert [node.name for node in rest] == EXPECTED_FUNCTIONS

    allowed = {"np"} | set(EXPECTED_FUNCTIONS) | set(dir(builtins))
    for fn in rest:
        doc = ast.get_docstring(fn)
        assert doc and "Arguments:" in doc and "Returns:" in doc, fn.name
        if fn.name != "rel_error":
            assert "shape" in doc, fn.name
        local = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
        loads = set()
        for node in ast.walk(fn):
            if isinstance(node, ast.Name):
                (local if isinstance(node.ctx, ast.Store) else loads).add(node.id)
            elif isinstance(node, ast.arg):
                local.add(node.arg)
        assert loads - local <= allowed, (fn.name, loads - local - allowed)
    for name, signature in SIGNATURES.items():
        assert str(inspect.signature(getattr(ref, name))) == signature, name


def test_planted_bug_is_marked_and_inline():
    """The bug is one line, in planted_layer_backward itself, with a comment saying so."""
    source = inspect.getsource(ref.planted_layer_backward)
    assert "dh_next = dtanh @ W2\n" in source
    assert "planted bug" in source.lower()
    assert "rnn_cell_backward" not in source
    assert "dtanh @ W2\n" not in inspect.getsource(ref.rnn_cell_backward)


# ------------------------------------------------------------ provided helpers

def test_softmax_last_axis_and_stable():
    rng = np.random.default_rng(0)
    z = 3 * rng.standard_normal((2, 4, 7))
    s = ref.softmax(z)
    assert s.shape == z.shape
    np.testing.assert_allclose(s, np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(ref.softmax(z[0, 0]), s[0, 0], rtol=1e-14)
    with np.errstate(all="raise"):
        big = ref.softmax(z + 1000.0)
    np.testing.assert_allclose(big, s, rtol=1e-9)


def test_init_params_draws_in_order():
    params = ref.init_params(4, 5, 3, seed=7)
    assert list(params) == PARAM_KEYS
    rng = np.random.default_rng(7)
    shapes = {"W1": (4, 5), "W2": (5, 5), "W3": (3, 5), "bh": (5,), "bo": (3,)}
    for k in PARAM_KEYS:
        assert params[k].shape == shapes[k] and params[k].dtype == np.float64
        assert np.array_equal(params[k], 0.5 * rng.standard_normal(shapes[k])), k
    for k, v in ref.init_params(4, 5, 3).items():  # seed=0 by default
        assert np.array_equal(v, ref.init_params(4, 5, 3, seed=0)[k])
    assert not np.array_equal(ref.init_params(4, 5, 3, seed=1)["W1"],
                              ref.init_params(4, 5, 3)["W1"])


# ------------------------------------------------------------ rel_error

def test_rel_error_known_values():
    assert ref.rel_error(1.0, 3.0) == pytest.approx(0.5, rel=1e-15)
    assert ref.rel_error(2.0, 2.0) == 0.0
    # |x| + |y|, not |x + y|: opposite signs give 1, not a division by zero.
    assert ref.rel_error(-1.0, 1.0) == pytest.approx(1.0, rel=1e-15)
    assert ref.rel_error(np.array([[1.0, 2.0]]), np.array([[1.5, 2.0]])) == pytest.approx(0.2)
    assert type(ref.rel_error(np.array([1.0]), np.array([2.0]))) is float
    assert type(ref.rel_error(1.0, 3.0)) is float


def test_rel_error_floor():
    with np.errstate(all="raise"):
        assert ref.rel_error(0.0, 0.0) == 0.0
        assert ref.rel_error(np.zeros(3), np.zeros(3)) == 0.0
    # Below 1e-8 the denominator is 1e-8: a difference of 1e-9 gives 0.1, not 1.
    assert ref.rel_error(0.0, 1e-9) == pytest.approx(0.1, rel=1e-12)
    assert ref.rel_error(np.array([0.0, 5.0]), np.array([3e-9, 5.0])) == pytest.approx(0.3)


def test_rel_error_symmetric_and_max_over_entries():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    assert ref.rel_error(x, y) == ref.rel_error(y, x)
    expected = max(abs(a - b) / (abs(a) + abs(b)) for a, b in zip(x.ravel(), y.ravel()))
    assert ref.rel_error(x, y) == pytest.approx(expected, rel=1e-14)
    # The max, not the mean, and not a ratio of norms (which the large entry would swamp).
    a, b = np.array([1.0, 100.0, 1.0]), np.array([2.0, 100.0, 1.0])
    assert ref.rel_error(a, b) == pytest.approx(1 / 3, rel=1e-14)
    assert norm_rel_error(a, b) < 0.01


# ------------------------------------------------------------ eval_numerical_gradient

CLOSED_FORMS = [
    (lambda x: np.sum(x ** 3), lambda x: 3 * x ** 2),
    (lambda x: np.sum(np.sin(x) * x), lambda x: np.sin(x) + x * np.cos(x)),
    (lambda x: np.sum(np.exp(x) * x), lambda x: np.exp(x) * (1 + x)),
    (lambda x: np.log(np.sum(x ** 2)), lambda x: 2 * x / np.sum(x ** 2)),
]


def away_from_zero(rng, shape):
    """Entries in +-[0.5, 1.5]: no gradient entry near 0, where an entrywise ratio means little."""
    return rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)


@pytest.mark.parametrize("shape", [(7,), (2, 3, 4), (1,), (3, 1, 2)])
@pytest.mark.parametrize("k", range(len(CLOSED_FORMS)))
def test_eval_numerical_gradient_closed_forms(shape, k):
    f, df = CLOSED_FORMS[k]
    rng = np.random.default_rng(k)
    x = away_from_zero(rng, shape)
    before = x.copy()
    grad = ref.eval_numerical_gradient(f, x)
    assert isinstance(grad, np.ndarray) and grad.shape == x.shape and grad.dtype == np.float64
    assert not np.shares_memory(grad, x)
    assert ref.rel_error(grad, df(before)) < 1e-8
    assert bits(x) == bits(before)


def test_eval_numerical_gradient_quadratic_form():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((4, 4))
    x = away_from_zero(rng, (4,))
    grad = ref.eval_numerical_gradient(lambda v: v @ A @ v, x)
    np.testing.assert_allclose(grad, (A + A.T) @ x, rtol=1e-8, atol=1e-9)


def test_eval_numerical_gradient_probes_x_itself_and_restores_it_bit_for_bit():
    # Many values over several magnitudes: (old - h) + h is not always old again.
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (4, 50)) * 10.0 ** rng.integers(-4, 2, (4, 50))
    before = x.copy()
    data = x.ctypes.data
    seen = []

    def f(v):
        seen.append(v)
        return np.sum(np.sin(v))

    ref.eval_numerical_gradient(f, x)
    assert len(seen) == 2 * x.size
    assert all(v is x for v in seen), "f must be called with x itself"
    assert x.ctypes.data == data and bits(x) == bits(before) and np.array_equal(x, before)

    # The check above is a real one: restoring by arithmetic leaves x a few ulps off here.
    for variant in (0, 1):
        drifted = before.copy()
        drifting_gradient(lambda v: np.sum(np.sin(v)), drifted, variant=variant)
        assert not np.array_equal(drifted, before), variant


def test_eval_numerical_gradient_reaches_an_alias():
    """f reads x through another name, as grad_check's f reads a params dict."""
    rng = np.random.default_rng(3)
    x = away_from_zero(rng, (3, 2))
    x_alias = x

    def f(_):
        return np.sum(x_alias ** 2)

    np.testing.assert_allclose(ref.eval_numerical_gradient(f, x), 2 * x, rtol=1e-8)
    # Probing a copy, as tests/gradient_check.py does, sees a constant function.
    assert np.array_equal(numerical_gradient(f, x), np.zeros(x.shape))


def test_eval_numerical_gradient_is_central_not_one_sided():
    """A large second and third derivative: central differences stay exact, forward ones do not."""
    rng = np.random.default_rng(4)
    x = rng.uniform(-0.5, 0.5, (5,))

    def f(v):
        return np.sum(np.exp(3 * v))

    exact = 3 * np.exp(3 * x)
    assert ref.rel_error(ref.eval_numerical_gradient(f, x), exact) < 1e-8
    assert ref.rel_error(one_sided_gradient(f, x), exact) > 1e-6


def test_eval_numerical_gradient_uses_h():
    """For x**3 the central difference is exactly 3x^2 + h^2: a large h shows it is used."""
    x = np.array([0.5, -1.0, 2.0])
    grad = ref.eval_numerical_gradient(lambda v: np.sum(v ** 3), x, h=1e-2)
    np.testing.assert_allclose(grad, 3 * x ** 2 + 1e-4, rtol=1e-10)
    grad = ref.eval_numerical_gradient(lambda v: np.sum(v ** 3), x, 0.1)
    np.testing.assert_allclose(grad, 3 * x ** 2 + 1e-2, rtol=1e-10)


def test_eval_numerical_gradient_zero_dimensional():
    x = np.array(0.7)
    grad = ref.eval_numerical_gradient(lambda v: float(v) ** 3, x)
    assert grad.shape == () and grad == pytest.approx(3 * 0.49, rel=1e-9)
    assert x == 0.7


# ------------------------------------------------------------ eval_numerical_gradient_array

@pytest.mark.parametrize("shape", [(6,), (2, 3, 2)])
def test_eval_numerical_gradient_array_elementwise(shape):
    rng = np.random.default_rng(5)
    x = away_from_zero(rng, shape)
    df = rng.standard_normal(shape)
    before = x.copy()
    grad = ref.eval_numerical_gradient_array(lambda v: v ** 2 * 3, x, df)
    assert grad.shape == x.shape and grad.dtype == np.float64
    assert ref.rel_error(grad, df * 6 * before) < 1e-8
    assert bits(x) == bits(before)


def test_eval_numerical_gradient_array_matrix_product():
    rng = np.random.default_rng(6)
    A, W = rng.standard_normal((4, 3)), rng.standard_normal((3, 5))
    df = rng.standard_normal((4, 5))
    A_before, W_before = A.copy(), W.copy()
    np.testing.assert_allclose(ref.eval_numerical_gradient_array(lambda a: a @ W, A, df),
                               df @ W.T, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ref.eval_numerical_gradient_array(lambda w: A @ w, W, df),
                               A.T @ df, rtol=1e-8, atol=1e-10)
    # An output of another shape than x: a sum over one axis.
    ds = rng.standard_normal(3)
    np.testing.assert_allclose(
        ref.eval_numerical_gradient_array(lambda a: np.sum(a, axis=0), A, ds),
        np.tile(ds, (4, 1)), rtol=1e-8)
    assert bits(A) == bits(A_before) and bits(W) == bits(W_before)


def test_eval_numerical_gradient_array_copies_what_f_returns():
    """f(x) = x returns x itself, which the next probe changes: its value must be kept."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 2))
    df = rng.standard_normal((3, 2))
    np.testing.assert_allclose(ref.eval_numerical_gradient_array(lambda v: v, x, df), df,
                               rtol=1e-8)
    seen = []
    ref.eval_numerical_gradient_array(lambda v: seen.append(v) or v * 2, x, df, h=1e-4)
    assert len(seen) == 2 * x.size and all(v is x for v in seen)


def test_eval_numerical_gradient_array_uses_h():
    x = np.array([0.5, -1.0])
    df = np.array([1.0, 2.0])
    grad = ref.eval_numerical_gradient_array(lambda v: v ** 3, x, df, h=1e-2)
    np.testing.assert_allclose(grad, df * (3 * x ** 2 + 1e-4), rtol=1e-10)


# ------------------------------------------------------------ grad_check

def rnn_check(params, X, h0, labels, backward):
    """grad_check of a layer backward pass; the grads dict keyed like params, in reverse order."""
    def f():
        return ref.rnn_loss(ref.rnn_layer_forward(X, h0, params)[1], labels)

    _, O, caches = ref.rnn_layer_forward(X, h0, params)
    grads = backward(O, labels, caches)
    return ref.grad_check(f, params, {k: grads["d" + k] for k in reversed(list(params))})


@pytest.mark.parametrize("shape", [(3, 4, 5, 6, 7), (2, 5, 4, 4, 3), (1, 3, 2, 3, 4)])
def test_grad_check_passes_the_reference(shape):
    params, X, h0, labels = make_problem(*shape, seed=1)
    snap, ids = snapshot(params), {k: id(v) for k, v in params.items()}
    errors = rnn_check(params, X, h0, labels, ref.rnn_layer_backward)
    assert list(errors) == PARAM_KEYS
    assert all(type(e) is float for e in errors.values())
    assert max(errors.values()) < 1e-6, errors
    for k in PARAM_KEYS:
        assert bits(params[k]) == bits(snap[k]), k
    assert_params_unchanged(params, snap, ids)


@pytest.mark.parametrize("shape", [(3, 4, 5, 6, 7), (2, 5, 4, 4, 3), (1, 3, 2, 3, 4)])
def test_grad_check_finds_the_planted_bug(shape):
    params, X, h0, labels = make_problem(*shape, seed=2)
    snap, ids = snapshot(params), {k: id(v) for k, v in params.items()}
    errors = rnn_check(params, X, h0, labels, ref.planted_layer_backward)
    assert errors["W3"] < 1e-6 and errors["bo"] < 1e-6, errors
    assert min(errors["W1"], errors["W2"], errors["bh"]) > 1e-3, errors
    assert_params_unchanged(params, snap, ids)


def test_grad_check_on_h0_too():
    """Any array f reads can be checked: h0 in the dict, read by f from it."""
    params, X, h0, labels = make_problem(2, 4, 3, 5, 4, seed=3)
    p = dict(params, h0=h0)

    def f():
        return ref.rnn_loss(ref.rnn_layer_forward(X, p["h0"], p)[1], labels)

    _, O, caches = ref.rnn_layer_forward(X, h0, params)
    good = ref.rnn_layer_backward(O, labels, caches)
    bad = ref.planted_layer_backward(O, labels, caches)
    assert ref.grad_check(f, {"h0": p["h0"]}, {"h0": good["dh0"]})["h0"] < 1e-6
    assert ref.grad_check(f, {"h0": p["h0"]}, {"h0": bad["dh0"]})["h0"] > 1e-3
    errors = ref.grad_check(f, p, {k[1:]: v for k, v in good.items()})
    assert list(errors) == PARAM_KEYS + ["h0"] and max(errors.values()) < 1e-6


def test_grad_check_key_order_and_extra_grads():
    rng = np.random.default_rng(8)
    params = {"a": rng.standard_normal((2, 3)), "b": rng.standard_normal(4)}
    before = snapshot(params)

    def f():
        return np.sum(params["a"] ** 2) + np.sum(np.sin(params["b"]))

    right = {"b": np.cos(params["b"]), "a": 2 * params["a"], "unused": np.zeros(1)}
    errors = ref.grad_check(f, params, right)
    assert list(errors) == ["a", "b"] and max(errors.values()) < 1e-8
    wrong = dict(right, b=-np.cos(params["b"]))
    errors = ref.grad_check(f, params, wrong)
    assert errors["a"] < 1e-8 and errors["b"] == pytest.approx(1.0)
    for k in params:
        assert bits(params[k]) == bits(before[k])


def test_grad_check_calls_f_without_arguments_and_uses_h():
    params = {"x": np.array([0.5, -1.0, 2.0])}
    calls = []

    def f(*args):
        calls.append(args)
        return np.sum(params["x"] ** 3)

    exact = 3 * params["x"] ** 2
    assert ref.grad_check(f, params, {"x": exact})["x"] < 1e-9
    assert calls and all(a == () for a in calls)
    assert len(calls) == 2 * 3
    # With h = 0.1 the central difference is 3x^2 + 0.01.
    assert ref.grad_check(f, params, {"x": exact + 1e-2}, h=0.1)["x"] < 1e-10
    assert ref.grad_check(f, params, {"x": exact}, h=0.1)["x"] > 1e-4


# ------------------------------------------------------------ forward

@pytest.mark.parametrize("B, T, D, H, O", SHAPES)
def test_rnn_cell_forward(B, T, D, H, O):
    params, X, h0, _ = make_problem(B, T, D, H, O, seed=4)
    snap, ids = snapshot(params), {k: id(v) for k, v in params.items()}
    x_t = X[:, 0]
    h, o, cache = ref.rnn_cell_forward(x_t, h0, params)
    assert h.shape == (B, H) and o.shape == (B, O)
    exp_h, exp_logp = independent_cell(x_t, h0, *(params[k] for k in PARAM_KEYS))
    np.testing.assert_allclose(h, exp_h, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(o, np.exp(exp_logp), rtol=1e-12)
    np.testing.assert_allclose(o.sum(axis=1), 1.0, rtol=0, atol=1e-13)
    assert isinstance(cache, tuple) and len(cache) == 4
    assert cache[0] is x_t and cache[1] is h0 and cache[2] is h and cache[3] is params
    assert_params_unchanged(params, snap, ids)


@pytest.mark.parametrize("B, T, D, H, O", SHAPES)
def test_rnn_layer_forward(B, T, D, H, O):
    params, X, h0, _ = make_problem(B, T, D, H, O, seed=5)
    X_before, h0_before = X.copy(), h0.copy()
    Hs, Os, caches = ref.rnn_layer_forward(X, h0, params)
    assert Hs.shape == (B, T, H) and Os.shape == (B, T, O)
    assert isinstance(caches, list) and len(caches) == T
    h = h0
    for t in range(T):
        h, logp = independent_cell(X[:, t], h, *(params[k] for k in PARAM_KEYS))
        np.testing.assert_allclose(Hs[:, t], h, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(Os[:, t], np.exp(logp), rtol=1e-11)
        x_t, h_prev, h_t, p = caches[t]
        assert p is params
        assert np.array_equal(x_t, X[:, t]) and np.array_equal(h_t, Hs[:, t])
        assert np.array_equal(h_prev, h0 if t == 0 else Hs[:, t - 1])
    assert np.array_equal(X, X_before) and np.array_equal(h0, h0_before)


# ------------------------------------------------------------ loss

@pytest.mark.parametrize("B, T, D, H, O", SHAPES)
def test_rnn_loss(B, T, D, H, O):
    params, X, h0, labels = make_problem(B, T, D, H, O, seed=6)
    _, Os, _ = ref.rnn_layer_forward(X, h0, params)
    loss = ref.rnn_loss(Os, labels)
    assert type(loss) is float
    expected = -sum(np.log(Os[b, t, labels[b, t]]) for b in range(B) for t in range(T))
    assert loss == pytest.approx(expected, rel=1e-13)
    assert loss == pytest.approx(independent_loss(X, h0, labels, params), rel=1e-12)


def test_rnn_loss_is_a_sum_of_logs_not_the_log_of_a_sum():
    params, X, h0, labels = make_problem(3, 4, 3, 4, 5, seed=7)
    _, Os, _ = ref.rnn_layer_forward(X, h0, params)
    B, T = labels.shape
    picked = np.array([[Os[b, t, labels[b, t]] for t in range(T)] for b in range(B)])
    log_of_sum = -np.sum(np.log(np.sum(picked, axis=0)))
    assert abs(ref.rnn_loss(Os, labels) - log_of_sum) > 1.0
    assert ref.rnn_loss(Os, labels) == pytest.approx(-np.sum(np.log(picked)), rel=1e-13)
    # With one sequence the two coincide: only a batch tells them apart.
    one = labels[:1]
    assert ref.rnn_loss(Os[:1], one) == pytest.approx(
        -np.sum(np.log(np.sum(picked[:1], axis=0))), rel=1e-13)
    # Known values: two sequences of one step, probabilities 1/2 and 1/4.
    O = np.array([[[0.5, 0.5]], [[0.75, 0.25]]])
    assert ref.rnn_loss(O, np.array([[0], [1]])) == pytest.approx(np.log(8), rel=1e-15)


# ------------------------------------------------------------ rnn_cell_backward

@pytest.mark.parametrize("B, T, D, H, O", SHAPES)
def test_rnn_cell_backward_gradient_check(B, T, D, H, O):
    params, X, h_prev, labels = make_problem(B, T, D, H, O, seed=8)
    rng = np.random.default_rng(9)
    x_t, label = X[:, 0], labels[:, 0]
    dh_next = rng.standard_normal((B, H))
    h, o, cache = ref.rnn_cell_forward(x_t, h_prev, params)
    o_before, snap, ids = o.copy(), snapshot(params), {k: id(v) for k, v in params.items()}
    grads = ref.rnn_cell_backward(dh_next, o, label, cache)

    assert set(grads) == set(GRAD_KEYS) | {"dh_prev"}
    for k, g in zip(PARAM_KEYS, GRAD_KEYS):
        assert grads[g].shape == params[k].shape and grads[g].dtype == np.float64, g
        num = numerical_gradient(
            lambda v: step_objective(x_t, h_prev, label, dh_next, with_param(params, k, v)),
            params[k])
        err = norm_rel_error(num, grads[g])
        assert err < RTOL, f"{g}: relative error {err:.3e}"
    assert grads["dh_prev"].shape == (B, H)
    num = numerical_gradient(lambda v: step_objective(x_t, v, label, dh_next, params), h_prev)
    err = norm_rel_error(num, grads["dh_prev"])
    assert err < RTOL, f"dh_prev: relative error {err:.3e}"

    # Nothing is modified, o in particular (subtracting the one-hot in place would).
    assert np.array_equal(o, o_before)
    assert_params_unchanged(params, snap, ids)


def test_rnn_cell_backward_without_dh_next_is_the_step_loss_gradient():
    params, X, h_prev, labels = make_problem(2, 1, 3, 4, 5, seed=10)
    _, o, cache = ref.rnn_cell_forward(X[:, 0], h_prev, params)
    zero = ref.rnn_cell_backward(np.zeros((2, 4)), o, labels[:, 0], cache)
    ones = ref.rnn_cell_backward(np.ones((2, 4)), o, labels[:, 0], cache)
    # dh_next does not reach the output layer.
    assert np.array_equal(zero["dW3"], ones["dW3"]) and np.array_equal(zero["dbo"], ones["dbo"])
    assert not np.allclose(zero["dW1"], ones["dW1"])
    num = numerical_gradient(
        lambda v: step_objective(X[:, 0], h_prev, labels[:, 0], 0.0, with_param(params, "W2", v)),
        params["W2"])
    assert norm_rel_error(num, zero["dW2"]) < RTOL


# ------------------------------------------------------------ rnn_layer_backward

@pytest.mark.parametrize("B, T, D, H, O", SHAPES)
def test_rnn_layer_backward_gradient_check(B, T, D, H, O):
    params, X, h0, labels = make_problem(B, T, D, H, O, seed=11)
    _, Os, caches = ref.rnn_layer_forward(X, h0, params)
    O_before, snap, ids = Os.copy(), snapshot(params), {k: id(v) for k, v in params.items()}
    grads = ref.rnn_layer_backward(Os, labels, caches)

    assert set(grads) == set(GRAD_KEYS) | {"dh0"}
    for k, g in zip(PARAM_KEYS, GRAD_KEYS):
        assert grads[g].shape == params[k].shape and grads[g].dtype == np.float64, g
        num = numerical_gradient(
            lambda v: independent_loss(X, h0, labels, with_param(params, k, v)), params[k])
        err = norm_rel_error(num, grads[g])
        assert err < RTOL, f"{g}: relative error {err:.3e}"
    assert grads["dh0"].shape == (B, H)
    num = numerical_gradient(lambda v: independent_loss(X, v, labels, params), h0)
    err = norm_rel_error(num, grads["dh0"])
    assert err < RTOL, f"dh0: relative error {err:.3e}"

    assert np.array_equal(Os, O_before)
    assert_params_unchanged(params, snap, ids)
    # A second call gives the same gradients: nothing is carried over.
    again = ref.rnn_layer_backward(Os, labels, caches)
    for g in grads:
        assert np.array_equal(grads[g], again[g]), g


@pytest.mark.parametrize("B, T, D, H, O", SHAPES)
def test_planted_layer_backward_differs_only_where_the_bug_reaches(B, T, D, H, O):
    params, X, h0, labels = make_problem(B, T, D, H, O, seed=12)
    _, Os, caches = ref.rnn_layer_forward(X, h0, params)
    good = ref.rnn_layer_backward(Os, labels, caches)
    bad = ref.planted_layer_backward(Os, labels, caches)
    assert set(bad) == set(good)
    for g in good:
        assert bad[g].shape == good[g].shape, g
    # The output layer never sees the hidden-state gradient.
    np.testing.assert_allclose(bad["dW3"], good["dW3"], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(bad["dbo"], good["dbo"], rtol=1e-14, atol=1e-15)
    # The wrong dh_prev reaches h0 always, and the other steps' gradients when T > 1.
    assert norm_rel_error(bad["dh0"], good["dh0"]) > 1e-2
    for g in ["dW1", "dW2", "dbh"]:
        if T == 1:
            np.testing.assert_allclose(bad[g], good[g], rtol=1e-14, atol=1e-15)
        else:
            assert norm_rel_error(bad[g], good[g]) > 1e-3, g
    # With a symmetric W2 the bug is invisible: the planted line is the only difference.
    sym = dict(params, W2=(params["W2"] + params["W2"].T) / 2)
    _, Os, caches = ref.rnn_layer_forward(X, h0, sym)
    good = ref.rnn_layer_backward(Os, labels, caches)
    bad = ref.planted_layer_backward(Os, labels, caches)
    for g in good:
        np.testing.assert_allclose(bad[g], good[g], rtol=1e-12, atol=1e-14)
