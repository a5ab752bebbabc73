"""Proofs of the hidden reference implementation in solutions/rnn_language_model.py.

bptt is checked against central differences of the loss over every entry of U, V and W when
nothing is truncated, and, when the truncation matters, against central differences of a
"truncated loss" written out here independently: for each output step t, the states before
the first step the error may reach are frozen as constants. The same check run with the
window one step shorter or longer fails, so the cases really tell the truncations apart.
The forward functions are checked against their definitions, training against a scripted
stand-in model and against what it learns on the bundled corpus, sampling against an
independent loop with the same random protocol and against the softmax it samples from, and
the corpus against its generator and grammar.
"""
import ast
import builtins
import contextlib
import copy
import importlib.util
import inspect
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from solutions import rnn_language_model as ref
from tests.gradient_check import numerical_gradient, rel_error

DATA_DIR = Path(__file__).resolve().parents[2] / "assignments" / "rnn_language_model" / "data"
CORPUS = DATA_DIR / "corpus.txt"
# The three special tokens and every word of the corpus but the 16 forms of the rare animals.
VOCABULARY_SIZE = 114

RTOL = 1e-7

UNK, START, END = 0, 1, 2  # load_corpus's indices of the special tokens


def load_make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", DATA_DIR / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mc = load_make_corpus()


# ----------------------------------------------------------------- helpers

def make_model(seed, word_dim, hidden_dim, bptt_truncate, scale=0.5):
    """An RNN with normal weights of the given scale: large enough that every path matters."""
    np.random.seed(seed)
    model = ref.RNN(word_dim, hidden_dim, bptt_truncate)
    rng = np.random.default_rng(seed)
    model.U = scale * rng.standard_normal((hidden_dim, word_dim))
    model.V = scale * rng.standard_normal((word_dim, hidden_dim))
    model.W = scale * rng.standard_normal((hidden_dim, hidden_dim))
    return model


def random_sentence(seed, word_dim, T):
    """x and y as python lists of ints; with T > word_dim some words repeat."""
    rng = np.random.default_rng(seed)
    return rng.integers(word_dim, size=T).tolist(), rng.integers(word_dim, size=T).tolist()


def with_weight(model, name, value):
    m = copy.copy(model)
    setattr(m, name, value)
    return m


def snapshot(model):
    return {k: np.array(getattr(model, k), copy=True) for k in "UVW"}


def assert_model_unchanged(model, snap, ids):
    for k in "UVW":
        assert id(getattr(model, k)) == ids[k], f"{k} was replaced"
        assert np.array_equal(getattr(model, k), snap[k]), f"{k} was modified"


def log_softmax(z):
    return z - np.max(z) - np.log(np.sum(np.exp(z - np.max(z))))


def independent_states(U, W, x):
    """h[t] for t = 0..T-1 by the definition, from the zero state; not the reference's code."""
    h, states = np.zeros(W.shape[0]), []
    for word in x:
        one_hot = np.zeros(U.shape[1])
        one_hot[word] = 1.0
        h = np.tanh(U @ one_hot + W @ h)
        states.append(h)
    return states


def sentence_loss(U, V, W, x, y):
    return -sum(log_softmax(V @ h)[target] for h, target in zip(independent_states(U, W, x), y))


def truncated_loss(U, V, W, x, y, k, frozen):
    """Sum over t of the loss of step t, where the state before step a = max(0, t - k) is the
    constant frozen[a - 1] (the zero state for a = 0), and steps a..t are recomputed with U, W.

    Its gradient is the truncated gradient: the error of step t reaches steps t, ..., a only.
    """
    total = 0.0
    for t in range(len(x)):
        a = max(0, t - k)
        h = frozen[a - 1] if a > 0 else np.zeros(W.shape[0])
        for j in range(a, t + 1):
            one_hot = np.zeros(U.shape[1])
            one_hot[x[j]] = 1.0
            h = np.tanh(U @ one_hot + W @ h)
        total -= log_softmax(V @ h)[y[t]]
    return total


def truncated_gradients(model, x, y, k):
    frozen = independent_states(model.U, model.W, x)
    U, V, W = model.U, model.V, model.W
    return (
        numerical_gradient(lambda u: truncated_loss(u, V, W, x, y, k, frozen), U),
        numerical_gradient(lambda v: truncated_loss(U, v, W, x, y, k, frozen), V),
        numerical_gradient(lambda w: truncated_loss(U, V, w, x, y, k, frozen), W),
    )


def read_lines(path=CORPUS):
    return path.read_text(encoding="ascii").splitlines()


# ------------------------------------------------------------ module shape

HELPERS = ["softmax", "tokenize", "load_corpus"]
METHODS = ["forward_propagation", "predict", "calculate_total_loss", "calculate_loss", "bptt",
           "sgd_step"]
FUNCTIONS = ["train_with_sgd", "generate_sentence"]
WITH_ARRAYS = ["softmax", "forward_propagation", "predict", "bptt"]


def test_module_layout():
    """Imports, the three tokens, the helpers, class RNN, then each method followed by the line
    attaching it to the class (as the notebook's cells will be), then the two training functions."""
    tree = ast.parse(inspect.getsource(ref))
    body = tree.body
    assert [ast.unparse(node) for node in body[:3]] == [
        "import collections", "import re", "import numpy as np"]
    assert [ast.unparse(node) for node in body[3:6]] == [
        "SENTENCE_START = 'SENTENCE_START'", "SENTENCE_END = 'SENTENCE_END'",
        "UNKNOWN_TOKEN = 'UNKNOWN_TOKEN'"]
    rest = body[6:]
    assert [fn.name for fn in rest[:3]] == HELPERS
    assert isinstance(rest[3], ast.ClassDef) and rest[3].name == "RNN"
    assert [f.name for f in rest[3].body if isinstance(f, ast.FunctionDef)] == ["__init__"]
    pairs = rest[4:4 + 2 * len(METHODS)]
    for i, name in enumerate(METHODS):
        fn, attach = pairs[2 * i], pairs[2 * i + 1]
        assert isinstance(fn, ast.FunctionDef) and fn.name == name
        assert fn.args.args[0].arg == "self"
        assert ast.unparse(attach) == f"RNN.{name} = {name}"
    assert [fn.name for fn in rest[4 + 2 * len(METHODS):]] == FUNCTIONS

    doc = ast.get_docstring(rest[3])
    for line in ["(hidden_dim, word_dim)", "(word_dim, hidden_dim)", "(hidden_dim, hidden_dim)",
                 "np.random.seed"]:
        assert line in doc

    names = {"np", "re", "collections", "RNN", "SENTENCE_START", "SENTENCE_END",
             "UNKNOWN_TOKEN"} | set(HELPERS + METHODS + FUNCTIONS) | set(dir(builtins))
    for fn in [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]:
        doc = ast.get_docstring(fn)
        if fn.name == "__init__":
            continue
        assert doc and "Arguments:" in doc and "Returns:" in doc, fn.name
        if fn.name in WITH_ARRAYS:
            assert "shape" in doc, fn.name
        local = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
        loads = set()
        for node in ast.walk(fn):
            if isinstance(node, ast.Name):
                (local if isinstance(node.ctx, ast.Store) else loads).add(node.id)
        assert loads - local <= names, (fn.name, loads - local - names)


def test_methods_are_attached():
    for name in METHODS:
        assert getattr(ref.RNN, name) is getattr(ref, name)
    signatures = {
        ref.RNN.__init__: "(self, word_dim, hidden_dim=100, bptt_truncate=4)",
        ref.softmax: "(x)",
        ref.tokenize: "(sentence)",
        ref.load_corpus: "(path, vocabulary_size)",
        ref.forward_propagation: "(self, x)",
        ref.predict: "(self, x)",
        ref.calculate_total_loss: "(self, x, y)",
        ref.calculate_loss: "(self, x, y)",
        ref.bptt: "(self, x, y)",
        ref.sgd_step: "(self, x, y, learning_rate)",
        ref.train_with_sgd:
            "(model, X_train, y_train, learning_rate=0.005, nepoch=100, evaluate_loss_after=5)",
        ref.generate_sentence: "(model, word_to_index, index_to_word, seed, max_words=30)",
    }
    for fn, signature in signatures.items():
        assert str(inspect.signature(fn)) == signature, fn.__name__


# ------------------------------------------------------------ the corpus

def test_corpus_format():
    raw = CORPUS.read_bytes()
    assert len(raw) < 300_000
    text = raw.decode("ascii")
    assert text.endswith(".\n") and "\n\n" not in text and "\r" not in text
    lines = read_lines()
    assert len(lines) >= 2000
    for line in lines:
        words = line[:-1].split(" ")
        assert line.endswith(".") and all(w.isalpha() and w.islower() for w in words), line
        assert ref.tokenize(line) == words + ["."]
        assert len(words) + 1 <= mc.MAX_TOKENS


def test_generator_reproduces_the_corpus_byte_for_byte(tmp_path):
    out = tmp_path / "corpus.txt"
    subprocess.run([sys.executable, str(DATA_DIR / "make_corpus.py"), "--output", str(out)],
                   check=True, timeout=120)
    assert out.read_bytes() == CORPUS.read_bytes()
    assert mc.corpus_text() == CORPUS.read_text(encoding="ascii")
    # Another seed gives another corpus: the seed is what fixes the text.
    assert mc.corpus_text(n=50, seed=mc.SEED + 1) != mc.corpus_text(n=50)


def test_every_corpus_sentence_is_grammatical():
    assert all(mc.is_grammatical(ref.tokenize(line)) for line in read_lines())


GRAMMATICAL = [
    "the dog runs.",
    "dogs run.",
    "an old owl sleeps.",
    "two men read the letters at night.",
    "the dog that the cats chase sleeps.",
    "the dogs that the cat chases sleep.",
    "the boy that feeds the dogs laughs.",
    "every girl throws the ball that the boys find.",
    "the children eat.",
    "the children eat the cakes.",
    "the teacher that the girl that the dogs like feeds sings.",
]

UNGRAMMATICAL = [
    "the dog run.",            # agreement
    "the dogs runs.",
    "the dog that the cats chase sleep.",   # agreement across a relative clause
    "the dogs that the cat chases sleeps.",
    "the dog that the cats chases sleeps.",  # agreement inside it
    "two dog run.",            # quantity
    "one dogs run.",
    "a dogs run.",
    "these dog runs.",
    "an dog runs.",            # a / an
    "a old dog runs.",
    "the boy sleeps the ball.",  # transitivity
    "the girl feeds.",
    "the dog laughs.",         # selection
    "the dog reads the book.",
    "the boy eats the dog.",
    "the ball runs.",
    "the dog runs",            # no full stop
    "the dog that runs.",      # an unfinished clause
    "the dog that the cats chase the mice sleeps.",  # a gap filled
]


def test_recogniser_accepts_and_rejects():
    for sentence in GRAMMATICAL:
        assert mc.is_grammatical(ref.tokenize(sentence)), sentence
    for sentence in UNGRAMMATICAL:
        assert not mc.is_grammatical(ref.tokenize(sentence)), sentence
    assert not mc.is_grammatical([])
    assert not mc.is_grammatical(["a"])


def test_corpus_has_the_structure_to_learn():
    lines = read_lines()
    sentences = [ref.tokenize(line) for line in lines]
    counts = {}
    for sentence in sentences:
        for w in sentence:
            counts[w] = counts.get(w, 0) + 1
    n = len(sentences)
    assert sum("that" in s for s in sentences) > 0.15 * n  # relative clauses
    assert sum(s.count("that") >= 2 for s in sentences) > 0.02 * n  # nested ones
    for w in ["a", "an", "one", "two", "three", "four", "many", "some", "these", "this", "every",
              "men", "women", "children", "mice", "runs", "run", "eats", "eat"]:
        assert counts.get(w, 0) >= 30, w
    # Long-distance agreement: a noun, "that", and a subject of the other number before the
    # relative clause's verb ("the dog that the cats chase sleeps", "... feeds mice that the
    # old girl likes") occur in over 5% of the sentences.
    singular = {s for nouns in mc.NOUNS.values() for s, _, _ in nouns}
    plural = {p for nouns in mc.NOUNS.values() for _, p, _ in nouns}
    verbs = {v[i] for v in mc.INTRANSITIVE + mc.TRANSITIVE for i in (0, 1)}

    def crossed(s):
        for i in range(len(s) - 2):
            if s[i] in singular | plural and s[i + 1] == "that":
                for w in s[i + 2:]:
                    if w in verbs:
                        break
                    if w in singular | plural:
                        if (w in singular) != (s[i] in singular):
                            return True
                        break
        return False

    assert sum(crossed(s) for s in sentences) > 0.05 * n
    # The cap separates the rare animals from every other word.
    rare = {form for nouns in mc.NOUNS.values() for s, p, w in nouns if w < 1 for form in (s, p)}
    assert len(rare) == 16
    assert max(counts.get(w, 0) for w in rare) < 10
    assert min(c for w, c in counts.items() if w not in rare) >= 30
    assert len(counts) - len(rare) + 3 == VOCABULARY_SIZE


# ------------------------------------------------------------ provided helpers

def test_softmax_vector_and_rows():
    rng = np.random.default_rng(0)
    z = 3 * rng.standard_normal(7)
    np.testing.assert_allclose(ref.softmax(z), np.exp(z) / np.exp(z).sum(), rtol=1e-12)
    m = 3 * rng.standard_normal((4, 7))
    s = ref.softmax(m)
    assert s.shape == (4, 7)
    np.testing.assert_allclose(s, np.exp(m) / np.exp(m).sum(axis=1, keepdims=True), rtol=1e-12)
    for row in range(4):
        np.testing.assert_allclose(s[row], ref.softmax(m[row]), rtol=1e-14)
    with np.errstate(all="raise"):
        big = ref.softmax(m + 1000.0)
    np.testing.assert_allclose(big, s, rtol=1e-9)


def test_tokenize():
    assert ref.tokenize("The Dogs run.") == ["the", "dogs", "run", "."]
    assert ref.tokenize("  don't, STOP!\n") == ["don't", ",", "stop", "!"]
    assert ref.tokenize("") == []


def test_load_corpus_small_file(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("The dog runs.\n\nA dog sees the cat.\nthe cat runs!\n", encoding="utf-8")
    # Counts: the 3; dog, runs, ".", cat 2 (in order of first appearance); a, sees, "!" 1.
    X, y, w2i, i2w = ref.load_corpus(path, 8)
    assert i2w == ["UNKNOWN_TOKEN", "SENTENCE_START", "SENTENCE_END",
                   "the", "dog", "runs", ".", "cat"]
    assert w2i == {w: i for i, w in enumerate(i2w)}
    assert X == [[1, 3, 4, 5, 6], [1, 0, 4, 0, 3, 7, 6], [1, 3, 7, 5, 0]]
    assert y == [[3, 4, 5, 6, 2], [0, 4, 0, 3, 7, 6, 2], [3, 7, 5, 0, 2]]
    assert all(type(i) is int for s in X + y for i in s)

    # A cap above the number of words keeps them all; a cap of 3 keeps none.
    _, _, _, i2w = ref.load_corpus(str(path), 100)
    assert i2w[3:] == ["the", "dog", "runs", ".", "cat", "a", "sees", "!"]
    X, y, _, i2w = ref.load_corpus(path, 3)
    assert i2w == ["UNKNOWN_TOKEN", "SENTENCE_START", "SENTENCE_END"]
    assert X[0] == [1, 0, 0, 0, 0] and y[0] == [0, 0, 0, 0, 2]
    with pytest.raises(ValueError):
        ref.load_corpus(path, 2)


def test_load_corpus_bundled():
    lines = read_lines()
    X, y, w2i, i2w = ref.load_corpus(CORPUS, VOCABULARY_SIZE)
    assert len(X) == len(y) == len(lines)
    assert len(i2w) == VOCABULARY_SIZE and len(w2i) == VOCABULARY_SIZE
    assert i2w[:3] == ["UNKNOWN_TOKEN", "SENTENCE_START", "SENTENCE_END"]
    assert all(w2i[w] == i for i, w in enumerate(i2w))
    rare = {form for nouns in mc.NOUNS.values() for s, p, w in nouns if w < 1 for form in (s, p)}
    assert not rare & set(i2w)
    for line, xi, yi in zip(lines, X, y):
        assert xi[0] == START and yi[-1] == END and xi[1:] == yi[:-1]
        words = [w if w not in rare else "UNKNOWN_TOKEN" for w in ref.tokenize(line)]
        assert [i2w[i] for i in yi[:-1]] == words
    assert sum(UNK in yi for yi in y) > 0
    # Every word kept is at least as frequent as every word dropped.
    counts = {}
    for line in lines:
        for w in ref.tokenize(line):
            counts[w] = counts.get(w, 0) + 1
    assert min(counts[w] for w in i2w[3:]) >= max(counts[w] for w in rare)
    assert [counts[w] for w in i2w[3:]] == sorted((counts[w] for w in i2w[3:]), reverse=True)


# ------------------------------------------------------------ RNN and forward

def test_rnn_init_draws_u_v_w_uniformly_in_order():
    np.random.seed(3)
    model = ref.RNN(11, 6)
    assert (model.word_dim, model.hidden_dim, model.bptt_truncate) == (11, 6, 4)
    np.random.seed(3)
    a, b = np.sqrt(1 / 11), np.sqrt(1 / 6)
    expected = {"U": np.random.uniform(-a, a, (6, 11)), "V": np.random.uniform(-b, b, (11, 6)),
                "W": np.random.uniform(-b, b, (6, 6))}
    for k in "UVW":
        assert np.array_equal(getattr(model, k), expected[k]), k
    assert np.abs(model.U).max() <= a and np.abs(model.V).max() <= b
    model = ref.RNN(30, bptt_truncate=2)
    assert model.U.shape == (100, 30) and model.W.shape == (100, 100) and model.bptt_truncate == 2


@pytest.mark.parametrize("word_dim, hidden_dim, T", [(7, 5, 6), (4, 6, 3), (6, 3, 1), (5, 5, 9)])
def test_forward_propagation(word_dim, hidden_dim, T):
    model = make_model(1, word_dim, hidden_dim, 4)
    x, _ = random_sentence(2, word_dim, T)
    snap, ids = snapshot(model), {k: id(getattr(model, k)) for k in "UVW"}
    o, s = model.forward_propagation(x)

    assert o.shape == (T, word_dim) and s.shape == (T + 1, hidden_dim)
    assert o.dtype == np.float64 and s.dtype == np.float64
    # The usual convention of this model: the extra last row is the zero initial state.
    assert np.array_equal(s[-1], np.zeros(hidden_dim)) and np.array_equal(s[T], s[-1])
    np.testing.assert_allclose(s[0], np.tanh(model.U[:, x[0]]), rtol=1e-14, atol=1e-15)
    for t, h in enumerate(independent_states(model.U, model.W, x)):
        np.testing.assert_allclose(s[t], h, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(o[t], np.exp(log_softmax(model.V @ h)), rtol=1e-12)
    np.testing.assert_allclose(o.sum(axis=1), 1.0, rtol=0, atol=1e-13)
    assert np.all(o > 0)
    assert_model_unchanged(model, snap, ids)


def test_predict_is_the_argmax():
    model = make_model(3, 9, 5, 4, scale=1.5)
    x, _ = random_sentence(4, 9, 12)
    p = model.predict(x)
    o, _ = model.forward_propagation(x)
    assert p.shape == (12,) and np.issubdtype(p.dtype, np.integer)
    assert np.array_equal(p, np.argmax(o, axis=1))
    assert len(set(p.tolist())) > 1


def test_losses():
    model = make_model(5, 8, 4, 4)
    sentences = [random_sentence(seed, 8, T) for seed, T in [(6, 5), (7, 1), (8, 9)]]
    X = [x for x, _ in sentences]
    Y = [y for _, y in sentences]
    total = model.calculate_total_loss(X, Y)
    expected = sum(sentence_loss(model.U, model.V, model.W, x, y) for x, y in sentences)
    assert type(total) is float
    assert total == pytest.approx(expected, rel=1e-12)
    mean = model.calculate_loss(X, Y)
    assert type(mean) is float
    assert mean == pytest.approx(expected / (5 + 1 + 9), rel=1e-12)
    # One sentence at a time adds up.
    parts = [model.calculate_total_loss([x], [y]) for x, y in sentences]
    assert total == pytest.approx(sum(parts), rel=1e-12)


def test_untrained_loss_is_about_log_vocabulary():
    np.random.seed(0)
    model = ref.RNN(VOCABULARY_SIZE, 20)
    X, y, _, _ = ref.load_corpus(CORPUS, VOCABULARY_SIZE)
    loss = model.calculate_loss(X[:200], y[:200])
    assert abs(loss - np.log(VOCABULARY_SIZE)) < 0.05


# ------------------------------------------------------------ bptt

# (word_dim, hidden_dim, T, bptt_truncate) with bptt_truncate >= T - 1: nothing is truncated.
EXACT = [(7, 5, 6, 10), (7, 5, 6, 5), (4, 6, 3, 4), (6, 3, 1, 0), (5, 4, 8, 7)]


@pytest.mark.parametrize("word_dim, hidden_dim, T, k", EXACT)
def test_bptt_gradient_check_without_truncation(word_dim, hidden_dim, T, k):
    model = make_model(10 + T, word_dim, hidden_dim, k)
    x, y = random_sentence(20 + T, word_dim, T)
    grads = model.bptt(x, y)
    assert isinstance(grads, tuple) and len(grads) == 3
    for name, ana in zip("UVW", grads):
        value = getattr(model, name)
        assert isinstance(ana, np.ndarray) and ana.dtype == np.float64
        assert ana.shape == value.shape, name
        num = numerical_gradient(
            lambda v: with_weight(model, name, v).calculate_total_loss([x], [y]), value)
        err = rel_error(num, ana)
        assert err < RTOL, f"dLd{name}: relative error {err:.3e}"


# (word_dim, hidden_dim, T, bptt_truncate) with T > bptt_truncate + 1: the truncation matters.
TRUNCATED = [(7, 5, 6, 1), (7, 5, 8, 2), (6, 4, 5, 0), (7, 5, 9, 4), (6, 4, 7, 5)]


@pytest.mark.parametrize("word_dim, hidden_dim, T, k", TRUNCATED)
def test_bptt_truncated_gradient(word_dim, hidden_dim, T, k):
    assert T > k + 1
    model = make_model(30 + T, word_dim, hidden_dim, k)
    x, y = random_sentence(40 + T, word_dim, T)
    grads = model.bptt(x, y)
    expected = truncated_gradients(model, x, y, k)
    for name, ana, num in zip("UVW", grads, expected):
        err = rel_error(num, ana)
        assert err < RTOL, f"dLd{name}: relative error {err:.3e}"

    # The cases tell the truncations apart: one step shorter or longer is far off, and so is
    # the exact gradient.
    others = [k + 1, T] + ([k - 1] if k > 0 else [])
    for other in others:
        wrong = truncated_gradients(model, x, y, other)
        errs = [rel_error(num, ana) for num, ana in zip(wrong, grads)]
        assert max(errs) > 1e-3, (other, errs)


def test_truncated_loss_is_the_loss():
    """The test's own surrogate is the loss itself (value and gradient) when nothing is cut."""
    model = make_model(50, 6, 4, 4)
    x, y = random_sentence(51, 6, 5)
    frozen = independent_states(model.U, model.W, x)
    for k in (4, 9):
        assert truncated_loss(model.U, model.V, model.W, x, y, k, frozen) == pytest.approx(
            model.calculate_total_loss([x], [y]), rel=1e-12)
    # And with a cut, the value is still the loss (only the gradient changes).
    assert truncated_loss(model.U, model.V, model.W, x, y, 1, frozen) == pytest.approx(
        model.calculate_total_loss([x], [y]), rel=1e-12)


def test_bptt_first_step_reads_the_zero_initial_state():
    """With one step, W only ever multiplies the zero state: its gradient is exactly zero."""
    model = make_model(52, 6, 4, 4)
    dU, dV, dW = model.bptt([3], [5])
    assert np.array_equal(dW, np.zeros((4, 4)))
    assert np.any(dU[:, 3] != 0) and np.array_equal(np.delete(dU, 3, axis=1), np.zeros((4, 5)))
    # Two steps: W multiplies the zero state at step 0 and s[0] at step 1, so dW is a vector
    # times s[0] (reading the final state s[1] at step 0 would add a second direction).
    dU, dV, dW = model.bptt([3, 1], [5, 0])
    o, s = model.forward_propagation([3, 1])
    assert np.any(dW != 0)
    np.testing.assert_allclose(dW, np.outer(dW @ s[0] / (s[0] @ s[0]), s[0]), rtol=0, atol=1e-14)


def test_bptt_modifies_nothing():
    model = make_model(53, 7, 5, 2)
    x, y = random_sentence(54, 7, 8)
    xc, yc = list(x), list(y)
    snap, ids = snapshot(model), {k: id(getattr(model, k)) for k in "UVW"}
    o_before, _ = model.forward_propagation(x)
    grads = model.bptt(x, y)
    assert x == xc and y == yc

    # What forward_propagation returns is not modified either (delta_o = o would): here it
    # returns arrays the test keeps, as a stand-in for it could.
    returned = []

    def recording_forward(x_):
        o, s = ref.forward_propagation(model, x_)
        returned.append((o, o.copy(), s, s.copy()))
        return o, s

    model.forward_propagation = recording_forward
    for g, h in zip(grads, model.bptt(x, y)):
        assert np.array_equal(g, h)
    del model.forward_propagation
    assert len(returned) == 1
    o, o_copy, s, s_copy = returned[0]
    assert np.array_equal(o, o_copy) and np.array_equal(s, s_copy)
    assert_model_unchanged(model, snap, ids)
    assert model.bptt_truncate == 2
    for g in grads:
        for k in "UVW":
            assert not np.shares_memory(g, getattr(model, k))
    o_after, _ = model.forward_propagation(x)
    assert np.array_equal(o_before, o_after)
    # A second call gives the same gradients: nothing is carried over.
    for g, h in zip(grads, model.bptt(x, y)):
        assert np.array_equal(g, h)


# ------------------------------------------------------------ sgd_step

@pytest.mark.parametrize("lr", [0.1, 0.0, 2.5])
def test_sgd_step_in_place(lr):
    model = make_model(60, 7, 5, 3)
    x, y = random_sentence(61, 7, 6)
    grads = model.bptt(x, y)
    snap, ids = snapshot(model), {k: id(getattr(model, k)) for k in "UVW"}
    assert model.sgd_step(x, y, lr) is None
    for k, g in zip("UVW", grads):
        assert id(getattr(model, k)) == ids[k], f"{k} was replaced, not updated in place"
        assert np.array_equal(getattr(model, k), snap[k] - lr * g), k


def test_sgd_step_calls_self_bptt():
    model = make_model(62, 5, 3, 4)
    rng = np.random.default_rng(63)
    scripted = tuple(rng.standard_normal(getattr(model, k).shape) for k in "UVW")
    calls = []
    model.bptt = lambda x, y: calls.append((x, y)) or scripted
    snap = snapshot(model)
    x, y = [1, 2], [2, 3]
    model.sgd_step(x, y, 0.5)
    assert calls == [(x, y)]
    for k, g in zip("UVW", scripted):
        assert np.array_equal(getattr(model, k), snap[k] - 0.5 * g)


# ------------------------------------------------------------ train_with_sgd

class Recorder:
    """A stand-in model: calculate_loss returns scripted values, sgd_step records its calls."""

    def __init__(self, losses):
        self.losses = list(losses)
        self.evaluations = []  # (sgd_step calls made before, X, y)
        self.steps = []        # (x, y, learning_rate)

    def calculate_loss(self, X, y):
        self.evaluations.append((len(self.steps), X, y))
        return self.losses.pop(0)

    def sgd_step(self, x, y, learning_rate):
        self.steps.append((x, y, learning_rate))


X_TOY = [[1, 2], [3], [4, 5, 6]]
Y_TOY = [[2, 7], [8], [5, 6, 9]]


def run_quietly(f, *args, **kwargs):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        result = f(*args, **kwargs)
    return result, buf.getvalue()


def test_train_with_sgd_schedule():
    model = Recorder([5.0, 4.0, 4.5, 4.5])
    losses, out = run_quietly(ref.train_with_sgd, model, X_TOY, Y_TOY, learning_rate=0.1,
                              nepoch=7, evaluate_loss_after=2)
    # Evaluations at the start of epochs 0, 2, 4, 6; none after the last epoch.
    assert losses == [(0, 5.0), (6, 4.0), (12, 4.5), (18, 4.5)]
    assert all(type(n) is int for n, _ in losses)
    assert [e[0] for e in model.evaluations] == [0, 6, 12, 18]
    assert all(e[1] is X_TOY and e[2] is Y_TOY for e in model.evaluations)
    # One step per sentence, in order, 7 epochs.
    assert len(model.steps) == 21
    for i, (x, y, _) in enumerate(model.steps):
        assert x is X_TOY[i % 3] and y is Y_TOY[i % 3]
    # 4.5 > 4.0 at epoch 4 halves the rate; 4.5 == 4.5 at epoch 6 does not.
    assert [lr for _, _, lr in model.steps] == [0.1] * 12 + [0.05] * 9
    assert out.splitlines() == [
        "Loss after num_examples_seen=0 epoch=0: 5.000000",
        "Loss after num_examples_seen=6 epoch=2: 4.000000",
        "Loss after num_examples_seen=12 epoch=4: 4.500000",
        "Setting learning rate to 0.050000",
        "Loss after num_examples_seen=18 epoch=6: 4.500000",
    ]


def test_train_with_sgd_halves_against_the_previous_evaluation():
    """Compared with the previous evaluation, not the best: 2.4 > 2.2 halves (2.0 was lower)."""
    model = Recorder([3.0, 2.0, 2.5, 2.2, 2.4, 2.6])
    losses, _ = run_quietly(ref.train_with_sgd, model, X_TOY[:1], Y_TOY[:1], learning_rate=0.8,
                            nepoch=6, evaluate_loss_after=1)
    assert losses == [(0, 3.0), (1, 2.0), (2, 2.5), (3, 2.2), (4, 2.4), (5, 2.6)]
    assert [lr for _, _, lr in model.steps] == [0.8, 0.8, 0.4, 0.4, 0.2, 0.1]


def test_train_with_sgd_defaults_and_no_epochs():
    model = Recorder([10.0 - i for i in range(20)])
    losses, out = run_quietly(ref.train_with_sgd, model, X_TOY[:1], Y_TOY[:1])
    assert [n for n, _ in losses] == list(range(0, 100, 5))
    assert len(model.steps) == 100 and {lr for _, _, lr in model.steps} == {0.005}
    assert "Setting" not in out

    model = Recorder([])
    assert run_quietly(ref.train_with_sgd, model, X_TOY, Y_TOY, nepoch=0)[0] == []
    assert model.steps == [] and model.evaluations == []


def test_train_with_sgd_is_the_loop_on_a_real_model():
    X, y, _, i2w = ref.load_corpus(CORPUS, VOCABULARY_SIZE)
    X, y = X[:25], y[:25]
    np.random.seed(70)
    model = ref.RNN(len(i2w), 8)
    np.random.seed(70)
    manual = ref.RNN(len(i2w), 8)

    losses, out = run_quietly(ref.train_with_sgd, model, X, y, learning_rate=0.05, nepoch=5,
                              evaluate_loss_after=2)
    expected, lr = [], 0.05
    for epoch in range(5):
        if epoch % 2 == 0:
            expected.append((25 * epoch, manual.calculate_loss(X, y)))
            if len(expected) > 1 and expected[-1][1] > expected[-2][1]:
                lr /= 2
        for xi, yi in zip(X, y):
            manual.sgd_step(xi, yi, lr)
    assert losses == expected
    for k in "UVW":
        assert np.array_equal(getattr(model, k), getattr(manual, k)), k
    assert out.count("Loss after") == 3
    assert losses[-1][1] < losses[0][1]


def test_training_learns_the_bundled_corpus():
    X, y, _, i2w = ref.load_corpus(CORPUS, VOCABULARY_SIZE)
    X, y = X[:300], y[:300]
    np.random.seed(10)
    model = ref.RNN(len(i2w), 16)
    losses, _ = run_quietly(ref.train_with_sgd, model, X, y, learning_rate=0.02, nepoch=4,
                            evaluate_loss_after=1)
    assert [n for n, _ in losses] == [0, 300, 600, 900]
    final = model.calculate_loss(X, y)
    uniform = np.log(VOCABULARY_SIZE)
    assert abs(losses[0][1] - uniform) < 0.05
    assert final < 0.7 * uniform, f"loss {final:.3f} vs uniform {uniform:.3f}"


# ------------------------------------------------------------ generate_sentence

WORDS = ["UNKNOWN_TOKEN", "SENTENCE_START", "SENTENCE_END", "the", "dog", "cat", "runs", "."]
W2I = {w: i for i, w in enumerate(WORDS)}


def independent_generate(model, seed, max_words=30):
    """The documented protocol written out separately, with the test's own forward pass."""
    rng = np.random.default_rng(seed)
    sentence = [START]
    while sentence[-1] != END and len(sentence) - 1 < max_words:
        h = independent_states(model.U, model.W, sentence)[-1]
        p = np.exp(log_softmax(model.V @ h))
        word = UNK
        while word == UNK:
            word = rng.choice(len(WORDS), p=p)
        sentence.append(word)
    return [WORDS[i] for i in sentence[1:] if i != END]


def test_generate_sentence_follows_the_protocol():
    model = make_model(80, len(WORDS), 6, 4, scale=1.0)
    model.V[END] += 0.8  # sentences end within a few words
    model.V[UNK] += 0.5  # and the unknown token is often drawn, then drawn again
    snap = snapshot(model)
    lengths = set()
    for seed in range(40):
        s = ref.generate_sentence(model, W2I, WORDS, seed)
        assert s == ref.generate_sentence(model, W2I, WORDS, seed), "same seed, different sentence"
        assert s == independent_generate(model, seed)
        assert all(type(w) is str and w in WORDS for w in s)
        assert "UNKNOWN_TOKEN" not in s and "SENTENCE_END" not in s
        lengths.add(len(s))
    assert len(lengths) > 3
    for k in "UVW":
        assert np.array_equal(getattr(model, k), snap[k])


@pytest.mark.parametrize("max_words", [30, 5, 1])
def test_generate_sentence_stops_at_max_words(max_words):
    model = make_model(81, len(WORDS), 4, 4)
    model.U[:] = 10.0  # every state is (almost) all ones
    model.V[END] = -60.0  # so END's logit is about -240: never the end
    kwargs = {} if max_words == 30 else {"max_words": max_words}
    for seed in range(3):
        s = ref.generate_sentence(model, W2I, WORDS, seed, **kwargs)
        assert len(s) == max_words and "SENTENCE_END" not in s and "UNKNOWN_TOKEN" not in s


def test_generate_sentence_first_word_matches_the_softmax_without_unknown():
    # Unit 0 is -1 after SENTENCE_START and +1 after any other word (W = 0), so END's logit
    # V[END, 0] s[0] is -30 at the first step and +30 at the second: every sentence is exactly
    # one word, drawn from the first step's softmax, with the unknown token (probability about
    # 0.4 there) drawn again. SENTENCE_START's logit is -15 at the first step.
    rng = np.random.default_rng(82)
    word_dim, hidden_dim = len(WORDS), 3
    model = ref.RNN(word_dim, hidden_dim)
    model.U = np.zeros((hidden_dim, word_dim))
    model.U[0] = 20.0
    model.U[0, START] = -20.0
    model.U[1:, START] = [0.7, -0.4]
    model.W = np.zeros((hidden_dim, hidden_dim))
    model.V = np.zeros((word_dim, hidden_dim))
    model.V[:, 1:] = 2 * rng.standard_normal((word_dim, 2))
    model.V[END, 0] = 30.0
    model.V[START, 0] = 15.0
    model.V[UNK, 0] = -2.0
    model.V[UNK, 1:] = [1.5, -1.0]
    p = ref.softmax(model.V @ np.tanh(model.U[:, START]))
    assert 0.3 < p[UNK] < 0.6
    expected = p.copy()
    expected[UNK] = 0.0
    expected /= expected.sum()

    n = 4000
    first = []
    for seed in range(n):
        s = ref.generate_sentence(model, W2I, WORDS, seed)
        assert len(s) == 1
        first.append(W2I[s[0]])
    freq = np.bincount(first, minlength=word_dim) / n
    assert freq[UNK] == 0 and freq[END] == 0
    support = expected > 0.005
    chi2 = n * np.sum((freq[support] - expected[support]) ** 2 / expected[support])
    assert chi2 < 25, f"chi-square {chi2:.1f} with {support.sum() - 1} degrees of freedom"
