"""Proofs of the hidden reference implementation in solutions/dinosaurus_island.py.

The backward functions are checked against central differences over every coordinate
of every input they differentiate; sample() is checked against an independent loop
with the same random-number protocol and against the softmax it samples from; the
training functions are checked against their pieces; the data files are checked
against their documented format.
"""
import ast
import builtins
import copy
import inspect
import io
import contextlib
import string
from pathlib import Path

import numpy as np
import pytest

from solutions import dinosaurus_island as ref
from tests.gradient_check import numerical_gradient, rel_error, with_param

DATA_DIR = Path(__file__).resolve().parents[2] / "assignments" / "dinosaurus_island" / "data"
VOCAB = "\n" + string.ascii_lowercase
CHAR_TO_IX = {ch: i for i, ch in enumerate(VOCAB)}
IX_TO_CHAR = {i: ch for i, ch in enumerate(VOCAB)}
VOCAB_SIZE = 27

RTOL = 1e-7

PARAM_KEYS = ["Wax", "Waa", "Wya", "b", "by"]
GRAD_KEYS = ["dWax", "dWaa", "dWya", "db", "dby"]


# ----------------------------------------------------------------- helpers

def random_params(rng, n_a, vocab_size=VOCAB_SIZE, scale=0.5):
    """Scale 0.5 keeps tanh and softmax away from saturation, so gradients are informative."""
    return {
        "Wax": scale * rng.standard_normal((n_a, vocab_size)),
        "Waa": scale * rng.standard_normal((n_a, n_a)),
        "Wya": scale * rng.standard_normal((vocab_size, n_a)),
        "b": scale * rng.standard_normal((n_a, 1)),
        "by": scale * rng.standard_normal((vocab_size, 1)),
    }


def encode(name):
    """Training pair of one name, as in model(): X starts with None, Y ends with the newline."""
    X = [None] + [CHAR_TO_IX[ch] for ch in name]
    Y = X[1:] + [CHAR_TO_IX["\n"]]
    return X, Y


def snapshot(d):
    return {k: np.array(v, copy=True) for k, v in d.items()}


def assert_dict_equal(d, snap):
    assert set(d) == set(snap)
    for k in snap:
        assert np.array_equal(d[k], snap[k]), k


def read_names(path):
    text = path.read_text(encoding="utf-8")
    return text, text.split("\n")[:-1]


def average_loss(parameters, names):
    """Mean per-name loss of rnn_forward with a zero initial state."""
    n_a = parameters["Waa"].shape[0]
    total = 0.0
    for name in names:
        X, Y = encode(name)
        total += ref.rnn_forward(X, Y, np.zeros((n_a, 1)), parameters)[0]
    return total / len(names)


# ------------------------------------------------------------ data files

def check_name_file(path):
    text, names = read_names(path)
    # Exactly one trailing newline: the last split piece is the only empty one.
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert all(names), "empty line"
    for name in names:
        assert set(name) <= set(string.ascii_lowercase), repr(name)
    assert names == sorted(names)
    assert len(set(names)) == len(names), "duplicate names"
    return text, names


def test_full_dataset_format_and_vocabulary():
    text, names = check_name_file(DATA_DIR / "dinos.txt")
    assert len(names) >= 1200
    # The model's vocabulary is the sorted set of characters: '\n' is 0, a..z are 1..26.
    assert "".join(sorted(set(text))) == VOCAB
    for name in ["tyrannosaurus", "velociraptor", "triceratops", "stegosaurus", "diplodocus"]:
        assert name in names


def test_small_dataset_is_a_subset():
    _, small = check_name_file(DATA_DIR / "small.txt")
    _, full = read_names(DATA_DIR / "dinos.txt")
    assert len(small) == 40
    assert set(small) <= set(full)
    # Varied: many initial letters, not one block of the alphabet.
    assert len({name[0] for name in small}) >= 15


# ------------------------------------------------------------ module shape

EXPECTED_FUNCTIONS = [
    "softmax", "smooth", "get_initial_loss", "initialize_parameters", "print_sample",
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "update_parameters", "clip", "sample", "optimize", "model",
]


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
        assert doc, fn.name
        # smooth, get_initial_loss and print_sample deal in scalars and strings only.
        if fn.name not in ("smooth", "get_initial_loss", "print_sample"):
            assert "shape" in doc, fn.name
        local = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
        loads = set()
        for node in ast.walk(fn):
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Store):
                    local.add(node.id)
                else:
                    loads.add(node.id)
        assert loads - local <= allowed, (fn.name, loads - local - allowed)


# ------------------------------------------------------------ provided helpers

def test_softmax_columns():
    rng = np.random.default_rng(0)
    x = 3 * rng.standard_normal((27, 4))
    s = ref.softmax(x)
    np.testing.assert_allclose(s, np.exp(x) / np.exp(x).sum(axis=0), rtol=1e-12)
    with np.errstate(all="raise"):
        big = ref.softmax(x + 1000.0)
    np.testing.assert_allclose(big, s, rtol=1e-9)


def test_smooth_and_initial_loss():
    assert ref.smooth(10.0, 20.0) == pytest.approx(10.0 * 0.999 + 20.0 * 0.001, rel=1e-15)
    assert ref.get_initial_loss(27, 7) == pytest.approx(7 * np.log(27), rel=1e-14)


def test_initialize_parameters_is_seeded_and_ordered():
    p = ref.initialize_parameters(6, 27, 27)
    np.random.seed(1)
    expected = {
        "Wax": np.random.randn(6, 27) * 0.01,
        "Waa": np.random.randn(6, 6) * 0.01,
        "Wya": np.random.randn(27, 6) * 0.01,
        "b": np.zeros((6, 1)),
        "by": np.zeros((27, 1)),
    }
    assert set(p) == set(PARAM_KEYS)
    for k in PARAM_KEYS:
        assert p[k].shape == expected[k].shape
        assert np.array_equal(p[k], expected[k]), k


def test_print_sample(capsys):
    ix = [CHAR_TO_IX[ch] for ch in "tyrannosaurus\n"]
    assert ref.print_sample(ix, IX_TO_CHAR) == "Tyrannosaurus"
    assert capsys.readouterr().out == "Tyrannosaurus\n"
    # A sample that is only the newline is an empty name, not an error.
    assert ref.print_sample([0], IX_TO_CHAR) == ""


# ------------------------------------------------------------ forward

@pytest.mark.parametrize("m", [1, 3])
def test_rnn_step_forward(m):
    rng = np.random.default_rng(3)
    p = random_params(rng, 5)
    a_prev = rng.standard_normal((5, m))
    x = rng.standard_normal((VOCAB_SIZE, m))
    a_next, p_t = ref.rnn_step_forward(p, a_prev, x)
    expected_a = np.tanh(p["Wax"] @ x + p["Waa"] @ a_prev + p["b"])
    z = p["Wya"] @ expected_a + p["by"]
    assert a_next.shape == (5, m) and p_t.shape == (VOCAB_SIZE, m)
    np.testing.assert_allclose(a_next, expected_a, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(p_t, np.exp(z) / np.exp(z).sum(axis=0), rtol=1e-12)


def test_rnn_forward_loss_and_cache():
    rng = np.random.default_rng(4)
    p = random_params(rng, 5)
    a0 = 0.5 * rng.standard_normal((5, 1))
    X, Y = encode("zby")
    snap_a0, snap_p = a0.copy(), snapshot(p)
    loss, cache = ref.rnn_forward(X, Y, a0, p)

    assert type(loss) is float
    y_hat, a, x = cache
    assert set(y_hat) == set(x) == set(range(len(X)))
    assert set(a) == set(range(-1, len(X)))
    # a[-1] is a copy: later in-place changes to a0 must not reach the cache.
    assert np.array_equal(a[-1], a0) and a[-1] is not a0
    assert np.array_equal(x[0], np.zeros((VOCAB_SIZE, 1)))

    expected_loss = 0.0
    a_t = a0
    for t in range(len(X)):
        xt = np.zeros((VOCAB_SIZE, 1))
        if X[t] is not None:
            xt[X[t]] = 1
            assert np.array_equal(x[t], xt)
        a_t = np.tanh(p["Wax"] @ xt + p["Waa"] @ a_t + p["b"])
        z = p["Wya"] @ a_t + p["by"]
        yt = np.exp(z) / np.exp(z).sum()
        np.testing.assert_allclose(a[t], a_t, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(y_hat[t], yt, rtol=1e-11)
        expected_loss -= np.log(yt[Y[t], 0])
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    assert np.array_equal(a0, snap_a0)
    assert_dict_equal(p, snap_p)


# ------------------------------------------------------------ backward

def test_rnn_step_backward_gradients_accumulated_in_place():
    rng = np.random.default_rng(5)
    n_a = 5
    p = random_params(rng, n_a)
    x = rng.standard_normal((VOCAB_SIZE, 1))  # dense x checks dWax on every column
    a_prev = 0.8 * rng.standard_normal((n_a, 1))
    a = np.tanh(p["Wax"] @ x + p["Waa"] @ a_prev + p["b"])
    dy = rng.standard_normal((VOCAB_SIZE, 1))
    da_in = rng.standard_normal((n_a, 1))
    # Non-zero running sums, so accumulation (not overwriting) is what gets checked.
    g_in = {
        "dWax": rng.standard_normal((n_a, VOCAB_SIZE)),
        "dWaa": rng.standard_normal((n_a, n_a)),
        "dWya": rng.standard_normal((VOCAB_SIZE, n_a)),
        "db": rng.standard_normal((n_a, 1)),
        "dby": rng.standard_normal((VOCAB_SIZE, 1)),
        "da_next": da_in,
    }
    snaps = snapshot(g_in), snapshot(p), x.copy(), a.copy(), a_prev.copy(), dy.copy()

    g_out = ref.rnn_step_backward(dy, g_in, p, x, a, a_prev)

    # The contract: the running sums are updated in place and the same dict is returned.
    assert g_out is g_in
    assert set(g_out) == set(GRAD_KEYS) | {"da_next"}
    for k in g_out:
        assert g_out[k].shape == snaps[0][k].shape, k
    assert_dict_equal(p, snaps[1])
    for got, snap in zip((x, a, a_prev, dy), snaps[2:]):
        assert np.array_equal(got, snap)

    def L(params, a_prev_):
        a_ = np.tanh(params["Wax"] @ x + params["Waa"] @ a_prev_ + params["b"])
        z = params["Wya"] @ a_ + params["by"]
        return np.sum(dy * z) + np.sum(da_in * a_)

    for key in PARAM_KEYS:
        num = numerical_gradient(lambda v: L(with_param(p, key, v), a_prev), p[key])
        ana = g_out["d" + key] - snaps[0]["d" + key]
        err = rel_error(num, ana)
        assert err < RTOL, f"d{key}: relative error {err:.3e}"
    num = numerical_gradient(lambda v: L(p, v), a_prev)
    err = rel_error(num, g_out["da_next"])
    assert err < RTOL, f"da_next: relative error {err:.3e}"


@pytest.mark.parametrize("name, n_a, seed", [
    ("aachen", 5, 0),
    ("tyrannosaurus", 5, 1),
    ("a", 4, 2),
    ("", 5, 3),  # X = [None], Y = ['\n']: a single step
    ("zby", 1, 4),
])
def test_rnn_backward_gradient_check(name, n_a, seed):
    rng = np.random.default_rng(seed)
    p = random_params(rng, n_a)
    a0 = 0.5 * rng.standard_normal((n_a, 1))
    X, Y = encode(name)
    snap_p = snapshot(p)

    loss, cache = ref.rnn_forward(X, Y, a0, p)
    gradients, a = ref.rnn_backward(X, Y, p, cache)

    assert a is cache[1]
    assert set(gradients) == set(GRAD_KEYS) | {"da_next"}
    assert_dict_equal(p, snap_p)

    for key in PARAM_KEYS:
        num = numerical_gradient(
            lambda v: ref.rnn_forward(X, Y, a0, with_param(p, key, v))[0], p[key])
        ana = gradients["d" + key]
        assert ana.shape == p[key].shape and ana.dtype == np.float64
        err = rel_error(num, ana)
        assert err < RTOL, f"d{key}: relative error {err:.3e}"
    num = numerical_gradient(lambda v: ref.rnn_forward(X, Y, v, p)[0], a0)
    err = rel_error(num, gradients["da_next"])
    assert err < RTOL, f"da_next (w.r.t. a0): relative error {err:.3e}"


# ------------------------------------------------------------ update and clip

def test_update_parameters_in_place():
    rng = np.random.default_rng(6)
    p = random_params(rng, 4)
    g = {"d" + k: rng.standard_normal(v.shape) for k, v in p.items()}
    ids = {k: id(v) for k, v in p.items()}
    before = snapshot(p)
    out = ref.update_parameters(p, g, 0.3)
    assert out is p
    for k in PARAM_KEYS:
        assert id(p[k]) == ids[k], f"{k} was replaced, not updated in place"
        np.testing.assert_allclose(p[k], before[k] - 0.3 * g["d" + k], rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("max_value", [10, 5, 0.7])
def test_clip(max_value):
    rng = np.random.default_rng(7)
    g = {k: 8 * rng.standard_normal(shape) for k, shape in
         [("dWax", (5, 27)), ("dWaa", (5, 5)), ("dWya", (27, 5)), ("db", (5, 1)), ("dby", (27, 1))]}
    g["da_next"] = 100 * np.ones((5, 1))  # not a weight gradient: dropped
    snap = snapshot(g)
    out = ref.clip(g, max_value)

    assert set(out) == set(GRAD_KEYS)
    assert_dict_equal(g, snap)
    for k in GRAD_KEYS:
        assert out[k].shape == g[k].shape
        assert not np.shares_memory(out[k], g[k])
        assert np.all(np.abs(out[k]) <= max_value)
        inside = np.abs(g[k]) <= max_value
        assert np.array_equal(out[k][inside], g[k][inside])
        assert np.all(out[k][~inside] == np.sign(g[k][~inside]) * max_value)
    # Something was actually clipped, for every bound tried.
    assert any(np.any(np.abs(g[k]) > max_value) for k in GRAD_KEYS)


# ------------------------------------------------------------ sample

def independent_sample(p, seed):
    """The documented protocol, written out separately: one rng.choice per character."""
    rng = np.random.default_rng(seed)
    n_a = p["Waa"].shape[0]
    x, a_prev, out = np.zeros((VOCAB_SIZE, 1)), np.zeros((n_a, 1)), []
    for _ in range(50):
        a_prev = np.tanh(p["Wax"] @ x + p["Waa"] @ a_prev + p["b"])
        z = p["Wya"] @ a_prev + p["by"]
        y = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        idx = rng.choice(VOCAB_SIZE, p=y.ravel())
        out.append(idx)
        if idx == 0:
            return out
        x = np.zeros((VOCAB_SIZE, 1))
        x[idx] = 1
    return out + [0]


def test_sample_follows_the_protocol_and_is_well_formed():
    rng = np.random.default_rng(8)
    p = random_params(rng, 7)
    snap = snapshot(p)
    lengths = set()
    for seed in range(60):
        s = ref.sample(p, CHAR_TO_IX, seed)
        assert isinstance(s, list) and 1 <= len(s) <= 51
        assert all(0 <= int(i) < VOCAB_SIZE for i in s)
        assert s[-1] == 0 and 0 not in s[:-1]
        assert s == ref.sample(p, CHAR_TO_IX, seed), "same seed, different sample"
        assert s == independent_sample(p, seed)
        lengths.add(len(s))
    assert len(lengths) > 3
    assert_dict_equal(p, snap)


def test_sample_stops_at_50_characters():
    rng = np.random.default_rng(9)
    p = random_params(rng, 6)
    p["by"][0] = -30.0  # the newline is (almost) never sampled
    for seed in range(10):
        s = ref.sample(p, CHAR_TO_IX, seed)
        assert len(s) == 51
        assert s[-1] == 0 and all(1 <= i <= 26 for i in s[:-1])


def test_sample_first_character_matches_the_softmax():
    # Any character input saturates hidden unit 0, and Wya[0, 0] = 30 then makes the newline
    # certain: names have one or two characters, so 20,000 samples stay cheap.
    rng = np.random.default_rng(10)
    p = {
        "Wax": np.vstack([10 * np.ones((1, VOCAB_SIZE)), np.zeros((1, VOCAB_SIZE))]),
        "Waa": np.zeros((2, 2)),
        "Wya": np.hstack([np.eye(VOCAB_SIZE, 1) * 30, 1.5 * rng.standard_normal((VOCAB_SIZE, 1))]),
        "b": np.array([[0.0], [0.8]]),
        "by": rng.standard_normal((VOCAB_SIZE, 1)),
    }
    expected = ref.softmax(p["Wya"] @ np.tanh(p["b"]) + p["by"]).ravel()
    n = 20000
    first = np.array([ref.sample(p, CHAR_TO_IX, seed)[0] for seed in range(n)])
    freq = np.bincount(first, minlength=VOCAB_SIZE) / n
    assert np.max(np.abs(freq - expected)) < 0.02
    chi2 = n * np.sum((freq - expected) ** 2 / expected)
    assert chi2 < 70, f"chi-square {chi2:.1f} with 26 degrees of freedom"


# ------------------------------------------------------------ optimize

@pytest.mark.parametrize("lr", [0.01, 0.0, 0.3])
def test_optimize_is_the_composition(lr):
    rng = np.random.default_rng(11)
    # Scale 1 and a long name make some raw gradients exceed 5, so clipping matters.
    p = random_params(rng, 6, scale=1.0)
    a_prev = 0.5 * rng.standard_normal((6, 1))
    X, Y = encode("micropachycephalosaurus")

    work = copy.deepcopy(p)
    loss, cache = ref.rnn_forward(X, Y, a_prev, work)
    raw, a = ref.rnn_backward(X, Y, work, cache)
    clipped = ref.clip(raw, 5)
    assert any(np.any(np.abs(raw[k]) > 5) for k in GRAD_KEYS)

    ids = {k: id(v) for k, v in p.items()}
    kwargs = {} if lr == 0.01 else {"learning_rate": lr}
    got_loss, got_grads, got_a = ref.optimize(X, Y, a_prev, p, **kwargs)

    assert got_loss == pytest.approx(loss, rel=1e-14)
    assert set(got_grads) == set(GRAD_KEYS)
    for k in GRAD_KEYS:
        np.testing.assert_allclose(got_grads[k], clipped[k], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(got_a, a[len(X) - 1], rtol=1e-13, atol=1e-15)
    for k in PARAM_KEYS:
        assert id(p[k]) == ids[k], f"{k} was replaced, not updated in place"
        np.testing.assert_allclose(p[k], work[k] - lr * clipped["d" + k], rtol=1e-13, atol=1e-15)


# ------------------------------------------------------------ model

def test_model_learns_the_small_corpus():
    _, names = read_names(DATA_DIR / "small.txt")
    data_x = [name + "\n" for name in names]
    untrained = average_loss(ref.initialize_parameters(20, VOCAB_SIZE, VOCAB_SIZE), names)

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        p, last_name = ref.model(data_x, IX_TO_CHAR, CHAR_TO_IX, num_iterations=1500, n_a=20)
    out = buf.getvalue()

    assert set(p) == set(PARAM_KEYS) and p["Waa"].shape == (20, 20) and p["Wax"].shape == (20, 27)
    trained = average_loss(p, names)
    assert trained < 0.8 * untrained, f"trained {trained:.2f} vs untrained {untrained:.2f}"

    assert "Iteration: 0, Loss:" in out and "Iteration: 2000" not in out
    assert isinstance(last_name, str) and last_name


def test_model_is_the_training_loop():
    """model() equals its loop written out from the pieces: shuffle, carried state, samples."""
    _, names = read_names(DATA_DIR / "small.txt")
    data_x = [name + "\n" for name in names]
    n_a, iterations, dino_names = 8, 2001, 3

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        p, last_name = ref.model(data_x, IX_TO_CHAR, CHAR_TO_IX, num_iterations=iterations,
                                 n_a=n_a, dino_names=dino_names)
        expected_p = ref.initialize_parameters(n_a, VOCAB_SIZE, VOCAB_SIZE)
        examples = list(names)
        np.random.seed(0)
        np.random.shuffle(examples)
        loss = ref.get_initial_loss(VOCAB_SIZE, dino_names)
        a_prev = np.zeros((n_a, 1))
        expected_lines = []
        for j in range(iterations):
            X, Y = encode(examples[j % len(examples)])
            cur, _, a_prev = ref.optimize(X, Y, a_prev, expected_p)
            loss = ref.smooth(loss, cur)
            if j % 2000 == 0:
                expected_lines.append("Iteration: %d, Loss: %f" % (j, loss))
                for seed in range(dino_names):
                    ix = ref.sample(expected_p, CHAR_TO_IX, seed)
                    name = "".join(IX_TO_CHAR[i] for i in ix).strip("\n")
                    expected_lines.append(name[:1].upper() + name[1:])
    printed = [line for line in buf.getvalue().splitlines() if line]
    assert printed[:len(expected_lines)] == expected_lines

    for k in PARAM_KEYS:
        np.testing.assert_allclose(p[k], expected_p[k], rtol=1e-12, atol=1e-14)
    assert last_name == expected_lines[-1]


def test_model_verbose_and_without_samples():
    names = ["ab\n", "cde\n", "f\n"]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        p, last_name = ref.model(names, IX_TO_CHAR, CHAR_TO_IX, num_iterations=5, n_a=3,
                                 dino_names=2, verbose=True)
    lines = buf.getvalue().splitlines()
    verbose = [line for line in lines if line[:2] in ("0 ", "2 ", "3 ")]
    # Iterations 0, len-1 and len: the first pass's first and last example, then the wrap-around.
    assert [line.split()[0] for line in verbose] == ["0", "2", "3"]
    assert all("[None," in line for line in verbose)
    assert [line.split()[1] for line in verbose] == ["0", "2", "0"]
    assert isinstance(last_name, str)
    assert sum(line.startswith("Iteration") for line in lines) == 1
