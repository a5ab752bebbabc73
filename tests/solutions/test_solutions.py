"""Proofs of the hidden reference implementation in solutions/rnn_step_by_step.py.

Every backward function is checked against central differences over every
coordinate of every input it differentiates; the forward functions are checked
against their definitions and documented cache layouts.
"""
import copy

import numpy as np
import pytest

from solutions import rnn_step_by_step as ref
from tests.gradient_check import numerical_gradient, rel_error, with_param

# (n_x, n_a, n_y, m, T_x): n_a != n_x, square Wax (n_a == n_x), m == 1, T_x == 1.
DIMS = [
    (3, 5, 2, 4, 6),
    (4, 4, 3, 2, 5),
    (2, 3, 4, 1, 4),
    (5, 2, 3, 3, 1),
]
DIM_IDS = ["na!=nx", "na==nx", "m=1", "Tx=1"]

RTOL = 1e-7

RNN_PARAM_KEYS = ["Wax", "Waa", "Wya", "ba", "by"]
LSTM_PARAM_KEYS = ["Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by"]
LSTM_GATE_KEYS = ["Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo"]


# ----------------------------------------------------------------- helpers

def rnn_params(rng, n_x, n_a, n_y):
    return {
        "Wax": 0.5 * rng.standard_normal((n_a, n_x)),
        "Waa": 0.5 * rng.standard_normal((n_a, n_a)),
        "Wya": 0.5 * rng.standard_normal((n_y, n_a)),
        "ba": 0.5 * rng.standard_normal((n_a, 1)),
        "by": 0.5 * rng.standard_normal((n_y, 1)),
    }


def lstm_params(rng, n_x, n_a, n_y):
    p = {}
    for g in "fico":
        p["W" + g] = 0.5 * rng.standard_normal((n_a, n_a + n_x))
        p["b" + g] = 0.5 * rng.standard_normal((n_a, 1))
    p["Wy"] = 0.5 * rng.standard_normal((n_y, n_a))
    p["by"] = 0.5 * rng.standard_normal((n_y, 1))
    return p


def make_inputs(seed, dims):
    n_x, n_a, n_y, m, T_x = dims
    rng = np.random.default_rng(seed)
    return rng, {
        "xt": rng.standard_normal((n_x, m)),
        "x": rng.standard_normal((n_x, m, T_x)),
        "a_prev": 0.8 * rng.standard_normal((n_a, m)),
        "c_prev": rng.standard_normal((n_a, m)),
        "a0": 0.8 * rng.standard_normal((n_a, m)),
    }


def check_grads(grads, expected_keys, checks):
    """checks: list of (grad key, input array, scalar function of a replacement for that input)."""
    assert set(grads) == set(expected_keys)
    assert len(grads) == len(expected_keys)
    for key, value, f in checks:
        ana = grads[key]
        assert isinstance(ana, np.ndarray), key
        assert ana.dtype == np.float64, key
        assert ana.shape == value.shape, key
        num = numerical_gradient(f, value)
        err = rel_error(num, ana)
        assert err < RTOL, f"{key}: relative error {err:.3e}"


def assert_same_structure(a, b):
    """Recursive exact equality of nested tuples/lists/dicts of arrays."""
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray)
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a, b)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b)
        for k in a:
            assert_same_structure(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for u, v in zip(a, b):
            assert_same_structure(u, v)
    else:
        assert a == b


# ------------------------------------------------------------ softmax

def test_softmax_columns_sum_to_one():
    rng = np.random.default_rng(0)
    x = 3 * rng.standard_normal((6, 5))
    s = ref.softmax(x)
    assert s.shape == x.shape and s.dtype == np.float64
    assert np.all(s > 0)
    np.testing.assert_allclose(s.sum(axis=0), 1.0, rtol=0, atol=1e-12)
    direct = np.exp(x) / np.exp(x).sum(axis=0)
    np.testing.assert_allclose(s, direct, rtol=1e-12, atol=0)


@pytest.mark.parametrize("offset", [1000.0, -1000.0])
def test_softmax_large_logits(offset):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3))
    with np.errstate(all="raise"):
        s = ref.softmax(x + offset)
    assert np.all(np.isfinite(s))
    np.testing.assert_allclose(s.sum(axis=0), 1.0, rtol=0, atol=1e-12)
    shifted = x - x.max(axis=0)
    direct = np.exp(shifted) / np.exp(shifted).sum(axis=0)
    np.testing.assert_allclose(s, direct, rtol=1e-9, atol=0)


def test_softmax_mixed_large_columns():
    x = np.array([[1000.0, -1000.0, 0.0], [999.0, -1001.0, 1.0]])
    s = ref.softmax(x)
    assert np.all(np.isfinite(s))
    e = np.exp([0.0, -1.0])
    np.testing.assert_allclose(s[:, 0], e / e.sum(), rtol=1e-12)
    np.testing.assert_allclose(s[:, 1], e / e.sum(), rtol=1e-12)
    np.testing.assert_allclose(s[:, 2], e[::-1] / e.sum(), rtol=1e-12)


def test_softmax_invariant_to_column_constant():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 4))
    c = 10 * rng.standard_normal((1, 4))
    np.testing.assert_allclose(ref.softmax(x + c), ref.softmax(x), rtol=1e-12, atol=1e-15)
    # A per-row constant is NOT an invariance: the softmax really is column-wise.
    r = np.arange(5.0).reshape(5, 1)
    assert not np.allclose(ref.softmax(x + r), ref.softmax(x))


def test_sigmoid():
    x = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(ref.sigmoid(x), 1 / (1 + np.exp(-x)))


# ------------------------------------------------------------ forward

@pytest.mark.parametrize("dims", DIMS, ids=DIM_IDS)
def test_rnn_cell_forward(dims):
    n_x, n_a, n_y, m, T_x = dims
    rng, inp = make_inputs(10, dims)
    p = rnn_params(rng, n_x, n_a, n_y)
    xt, a_prev = inp["xt"], inp["a_prev"]
    a_next, yt_pred, cache = ref.rnn_cell_forward(xt, a_prev, p)

    expected_a = np.tanh(p["Wax"] @ xt + p["Waa"] @ a_prev + p["ba"])
    z = p["Wya"] @ expected_a + p["by"]
    expected_y = np.exp(z) / np.exp(z).sum(axis=0)
    assert a_next.shape == (n_a, m) and yt_pred.shape == (n_y, m)
    np.testing.assert_allclose(a_next, expected_a, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(yt_pred, expected_y, rtol=1e-12, atol=1e-15)

    assert isinstance(cache, tuple) and len(cache) == 4
    assert cache[0] is a_next
    assert np.array_equal(cache[1], a_prev)
    assert np.array_equal(cache[2], xt)
    assert cache[3] is p


@pytest.mark.parametrize("dims", DIMS, ids=DIM_IDS)
def test_rnn_forward_matches_cell_loop(dims):
    n_x, n_a, n_y, m, T_x = dims
    rng, inp = make_inputs(11, dims)
    p = rnn_params(rng, n_x, n_a, n_y)
    x, a0 = inp["x"], inp["a0"]
    a, y_pred, caches = ref.rnn_forward(x, a0, p)
    assert a.shape == (n_a, m, T_x) and y_pred.shape == (n_y, m, T_x)
    assert a.dtype == np.float64 and y_pred.dtype == np.float64

    assert isinstance(caches, tuple) and len(caches) == 2
    cache_list, cx = caches
    assert isinstance(cache_list, list) and len(cache_list) == T_x
    assert np.array_equal(cx, x)

    a_prev = a0
    for t in range(T_x):
        a_next, yt, cache = ref.rnn_cell_forward(x[:, :, t], a_prev, p)
        np.testing.assert_array_equal(a[:, :, t], a_next)
        np.testing.assert_array_equal(y_pred[:, :, t], yt)
        assert_same_structure(cache_list[t], cache)
        a_prev = a_next


@pytest.mark.parametrize("dims", DIMS, ids=DIM_IDS)
def test_lstm_cell_forward(dims):
    n_x, n_a, n_y, m, T_x = dims
    rng, inp = make_inputs(12, dims)
    p = lstm_params(rng, n_x, n_a, n_y)
    xt, a_prev, c_prev = inp["xt"], inp["a_prev"], inp["c_prev"]
    a_next, c_next, yt_pred, cache = ref.lstm_cell_forward(xt, a_prev, c_prev, p)

    def sig(z):
        return 1 / (1 + np.exp(-z))
    concat = np.vstack([a_prev, xt])
    ft = sig(p["Wf"] @ concat + p["bf"])
    it = sig(p["Wi"] @ concat + p["bi"])
    cct = np.tanh(p["Wc"] @ concat + p["bc"])
    ot = sig(p["Wo"] @ concat + p["bo"])
    c = ft * c_prev + it * cct
    a_ = ot * np.tanh(c)
    z = p["Wy"] @ a_ + p["by"]
    y = np.exp(z) / np.exp(z).sum(axis=0)
    tol = dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(a_next, a_, **tol)
    np.testing.assert_allclose(c_next, c, **tol)
    np.testing.assert_allclose(yt_pred, y, **tol)

    assert isinstance(cache, tuple) and len(cache) == 10
    assert cache[0] is a_next
    assert cache[1] is c_next
    assert np.array_equal(cache[2], a_prev)
    assert np.array_equal(cache[3], c_prev)
    for got, want in zip(cache[4:8], (ft, it, cct, ot)):
        assert got.shape == (n_a, m)
        np.testing.assert_allclose(got, want, **tol)
    assert np.array_equal(cache[8], xt)
    assert cache[9] is p


@pytest.mark.parametrize("dims", DIMS, ids=DIM_IDS)
def test_lstm_forward_matches_cell_loop(dims):
    n_x, n_a, n_y, m, T_x = dims
    rng, inp = make_inputs(13, dims)
    p = lstm_params(rng, n_x, n_a, n_y)
    x, a0 = inp["x"], inp["a0"]
    a, y, c, caches = ref.lstm_forward(x, a0, p)
    assert a.shape == (n_a, m, T_x) and c.shape == (n_a, m, T_x) and y.shape == (n_y, m, T_x)
    for arr in (a, y, c):
        assert arr.dtype == np.float64

    assert isinstance(caches, tuple) and len(caches) == 2
    cache_list, cx = caches
    assert isinstance(cache_list, list) and len(cache_list) == T_x
    assert np.array_equal(cx, x)

    # c starts at zeros: the first memory state is only it * cct.
    first = cache_list[0]
    np.testing.assert_allclose(c[:, :, 0], first[5] * first[6], rtol=1e-14, atol=0)
    np.testing.assert_array_equal(first[3], np.zeros((n_a, m)))

    a_prev, c_prev = a0, np.zeros((n_a, m))
    for t in range(T_x):
        a_next, c_next, yt, cache = ref.lstm_cell_forward(x[:, :, t], a_prev, c_prev, p)
        np.testing.assert_array_equal(a[:, :, t], a_next)
        np.testing.assert_array_equal(c[:, :, t], c_next)
        np.testing.assert_array_equal(y[:, :, t], yt)
        assert_same_structure(cache_list[t], cache)
        a_prev, c_prev = a_next, c_next


# ------------------------------------------------------------ gradient checks

@pytest.mark.parametrize("dims", DIMS, ids=DIM_IDS)
def test_rnn_cell_backward_gradcheck(dims):
    n_x, n_a, n_y, m, T_x = dims
    rng, inp = make_inputs(20, dims)
    p = rnn_params(rng, n_x, n_a, n_y)
    xt, a_prev = inp["xt"], inp["a_prev"]
    da_next = rng.standard_normal((n_a, m))

    def loss(xt_, a_prev_, p_):
        a_next, _, _ = ref.rnn_cell_forward(xt_, a_prev_, p_)
        return np.sum(da_next * a_next)

    _, _, cache = ref.rnn_cell_forward(xt, a_prev, p)
    grads = ref.rnn_cell_backward(da_next, cache)
    checks = [
        ("dxt", xt, lambda v: loss(v, a_prev, p)),
        ("da_prev", a_prev, lambda v: loss(xt, v, p)),
    ]
    for k in ["Wax", "Waa", "ba"]:
        checks.append(("d" + k, p[k], lambda v, k=k: loss(xt, a_prev, with_param(p, k, v))))
    check_grads(grads, ["dxt", "da_prev", "dWax", "dWaa", "dba"], checks)


@pytest.mark.parametrize("dims", DIMS, ids=DIM_IDS)
def test_rnn_backward_gradcheck(dims):
    n_x, n_a, n_y, m, T_x = dims
    rng, inp = make_inputs(21, dims)
    p = rnn_params(rng, n_x, n_a, n_y)
    x, a0 = inp["x"], inp["a0"]
    da = rng.standard_normal((n_a, m, T_x))

    def loss(x_, a0_, p_):
        a, _, _ = ref.rnn_forward(x_, a0_, p_)
        return np.sum(da * a)

    _, _, caches = ref.rnn_forward(x, a0, p)
    grads = ref.rnn_backward(da, caches)
    checks = [
        ("dx", x, lambda v: loss(v, a0, p)),
        ("da0", a0, lambda v: loss(x, v, p)),
    ]
    for k in ["Wax", "Waa", "ba"]:
        checks.append(("d" + k, p[k], lambda v, k=k: loss(x, a0, with_param(p, k, v))))
    check_grads(grads, ["dx", "da0", "dWax", "dWaa", "dba"], checks)


@pytest.mark.parametrize("dims", DIMS, ids=DIM_IDS)
def test_lstm_cell_backward_gradcheck(dims):
    n_x, n_a, n_y, m, T_x = dims
    rng, inp = make_inputs(22, dims)
    p = lstm_params(rng, n_x, n_a, n_y)
    xt, a_prev, c_prev = inp["xt"], inp["a_prev"], inp["c_prev"]
    da_next = rng.standard_normal((n_a, m))
    dc_next = rng.standard_normal((n_a, m))

    def loss(xt_, a_prev_, c_prev_, p_):
        a_next, c_next, _, _ = ref.lstm_cell_forward(xt_, a_prev_, c_prev_, p_)
        return np.sum(da_next * a_next) + np.sum(dc_next * c_next)

    _, _, _, cache = ref.lstm_cell_forward(xt, a_prev, c_prev, p)
    grads = ref.lstm_cell_backward(da_next, dc_next, cache)
    checks = [
        ("dxt", xt, lambda v: loss(v, a_prev, c_prev, p)),
        ("da_prev", a_prev, lambda v: loss(xt, v, c_prev, p)),
        ("dc_prev", c_prev, lambda v: loss(xt, a_prev, v, p)),
    ]
    for k in LSTM_GATE_KEYS:
        checks.append(("d" + k, p[k],
                       lambda v, k=k: loss(xt, a_prev, c_prev, with_param(p, k, v))))
    check_grads(grads, ["dxt", "da_prev", "dc_prev"] + ["d" + k for k in LSTM_GATE_KEYS], checks)


@pytest.mark.parametrize("dims", DIMS, ids=DIM_IDS)
def test_lstm_cell_backward_dc_only(dims):
    """With da_next = 0 the only path is c_next = ft*c_prev + it*cct, so dc_prev = dc_next*ft."""
    n_x, n_a, n_y, m, T_x = dims
    rng, inp = make_inputs(23, dims)
    p = lstm_params(rng, n_x, n_a, n_y)
    _, _, _, cache = ref.lstm_cell_forward(inp["xt"], inp["a_prev"], inp["c_prev"], p)
    dc_next = rng.standard_normal((n_a, m))
    grads = ref.lstm_cell_backward(np.zeros((n_a, m)), dc_next, cache)
    np.testing.assert_allclose(grads["dc_prev"], dc_next * cache[4], rtol=1e-14)
    np.testing.assert_array_equal(grads["dWo"], 0.0)
    np.testing.assert_array_equal(grads["dbo"], 0.0)


@pytest.mark.parametrize("dims", DIMS, ids=DIM_IDS)
def test_lstm_backward_gradcheck(dims):
    n_x, n_a, n_y, m, T_x = dims
    rng, inp = make_inputs(24, dims)
    p = lstm_params(rng, n_x, n_a, n_y)
    x, a0 = inp["x"], inp["a0"]
    da = rng.standard_normal((n_a, m, T_x))

    def loss(x_, a0_, p_):
        a, _, _, _ = ref.lstm_forward(x_, a0_, p_)
        return np.sum(da * a)

    _, _, _, caches = ref.lstm_forward(x, a0, p)
    grads = ref.lstm_backward(da, caches)
    checks = [
        ("dx", x, lambda v: loss(v, a0, p)),
        ("da0", a0, lambda v: loss(x, v, p)),
    ]
    for k in LSTM_GATE_KEYS:
        checks.append(("d" + k, p[k], lambda v, k=k: loss(x, a0, with_param(p, k, v))))
    check_grads(grads, ["dx", "da0"] + ["d" + k for k in LSTM_GATE_KEYS], checks)


# ------------------------------------------------------------ no mutation

def _calls(dims):
    """(name, function, args) for every public function, on fresh random inputs."""
    n_x, n_a, n_y, m, T_x = dims
    rng, inp = make_inputs(30, dims)
    rp = rnn_params(rng, n_x, n_a, n_y)
    lp = lstm_params(rng, n_x, n_a, n_y)
    _, _, rcache = ref.rnn_cell_forward(inp["xt"], inp["a_prev"], rp)
    _, _, rcaches = ref.rnn_forward(inp["x"], inp["a0"], rp)
    _, _, _, lcache = ref.lstm_cell_forward(inp["xt"], inp["a_prev"], inp["c_prev"], lp)
    _, _, _, lcaches = ref.lstm_forward(inp["x"], inp["a0"], lp)
    da_next = rng.standard_normal((n_a, m))
    dc_next = rng.standard_normal((n_a, m))
    da = rng.standard_normal((n_a, m, T_x))
    return [
        ("sigmoid", ref.sigmoid, (rng.standard_normal((n_a, m)),)),
        ("softmax", ref.softmax, (rng.standard_normal((n_y, m)),)),
        ("rnn_cell_forward", ref.rnn_cell_forward, (inp["xt"], inp["a_prev"], rp)),
        ("rnn_forward", ref.rnn_forward, (inp["x"], inp["a0"], rp)),
        ("rnn_cell_backward", ref.rnn_cell_backward, (da_next, rcache)),
        ("rnn_backward", ref.rnn_backward, (da, rcaches)),
        ("lstm_cell_forward", ref.lstm_cell_forward,
         (inp["xt"], inp["a_prev"], inp["c_prev"], lp)),
        ("lstm_forward", ref.lstm_forward, (inp["x"], inp["a0"], lp)),
        ("lstm_cell_backward", ref.lstm_cell_backward, (da_next, dc_next, lcache)),
        ("lstm_backward", ref.lstm_backward, (da, lcaches)),
    ]


@pytest.mark.parametrize("dims", DIMS, ids=DIM_IDS)
def test_no_function_mutates_its_inputs(dims):
    for name, fn, args in _calls(dims):
        before = copy.deepcopy(args)
        out1 = fn(*args)
        assert_same_structure(args, before)
        # Calling twice gives the same result, so nothing hidden was changed either.
        out2 = fn(*args)
        assert_same_structure(out1, out2)
