"""Stand-alone check of the dinosaurus_island submission catalogue.

Run:  python tests/submissions/dinosaurus_island/check_catalogue.py

* correct.py must have the allowed form (defs + `import numpy as np` / `import copy`), agree
  with independent implementations (step forward, forward loss, clip, update, optimize), pass
  a finite-difference check of rnn_backward against the loss of rnn_forward, sample from the
  exact distribution of the model (first three characters, enumerated), and train (model).
* every variants/*.py, overlaid on correct.py, must give the same results as correct.py for
  every graded function it defines (to 1e-12; `sample` is random, so: well-formed lists, same
  seed -> same list, same sampling frequencies), and a short `model` run with the overlay must
  train to the same parameters.
* every bugs/*.py, overlaid on correct.py, must be caught: it raises, returns something
  different, modifies an input it must leave alone, samples badly formed lists, differs in its
  sampling frequencies, or (for `model`) trains clearly worse.

Inputs the notebook may change: rnn_step_backward may update the gradients dict it is given,
clip may clip the given arrays in place; update_parameters and optimize must update
`parameters` in place (its state after the call is compared too).

Prints one line per file; exits 1 if anything fails.
"""
import ast
import contextlib
import copy
import io
import math
import sys
import traceback
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
GRADED = [
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "update_parameters", "clip", "sample", "optimize", "model",
]
RTOL = ATOL = 1e-12
PARAM_KEYS = ["Wax", "Waa", "Wya", "b", "by"]
GRAD_KEYS = ["dWax", "dWaa", "dWya", "db", "dby"]

CHARS = "\n" + "abcdefghijklmnopqrstuvwxyz"
CHAR_TO_IX = {ch: i for i, ch in enumerate(CHARS)}
IX_TO_CHAR = {i: ch for i, ch in enumerate(CHARS)}
NEWLINE = CHAR_TO_IX["\n"]

NAMES = [
    "Aachenosaurus", "Abelisaurus", "Abrictosaurus", "Acrocanthosaurus", "Adasaurus",
    "Aegyptosaurus", "Agilisaurus", "Albertosaurus", "Allosaurus", "Alvarezsaurus",
    "Amargasaurus", "Ankylosaurus", "Apatosaurus", "Archaeopteryx", "Argentinosaurus",
    "Baryonyx", "Brachiosaurus", "Camarasaurus", "Carnotaurus", "Ceratosaurus",
    "Coelophysis", "Compsognathus", "Deinonychus", "Dilophosaurus", "Diplodocus",
    "Edmontosaurus", "Gallimimus", "Giganotosaurus", "Iguanodon", "Maiasaura",
    "Megalosaurus", "Microraptor", "Oviraptor", "Pachycephalosaurus", "Parasaurolophus",
    "Spinosaurus", "Stegosaurus", "Triceratops", "Tyrannosaurus", "Velociraptor",
]
DATA_X = [name.lower() for name in NAMES]


# --------------------------------------------------------------------------- provided by the notebook
def softmax(x):
    e_x = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e_x / e_x.sum(axis=0, keepdims=True)


def smooth(loss, cur_loss):
    return loss * 0.999 + cur_loss * 0.001


def get_initial_loss(vocab_size, seq_length):
    return -np.log(1.0 / vocab_size) * seq_length


def initialize_parameters(n_a, n_x, n_y):
    np.random.seed(1)
    Wax = np.random.randn(n_a, n_x) * 0.01
    Waa = np.random.randn(n_a, n_a) * 0.01
    Wya = np.random.randn(n_y, n_a) * 0.01
    b = np.zeros((n_a, 1))
    by = np.zeros((n_y, 1))
    return {"Wax": Wax, "Waa": Waa, "Wya": Wya, "b": b, "by": by}


def print_sample(sample_ix, ix_to_char):
    txt = "".join(ix_to_char[ix] for ix in sample_ix).strip("\n")
    txt = txt[:1].upper() + txt[1:]
    print(txt)
    return txt


PROVIDED = {"np": np, "softmax": softmax, "smooth": smooth, "get_initial_loss": get_initial_loss,
            "initialize_parameters": initialize_parameters, "print_sample": print_sample}


# --------------------------------------------------------------------------- loading
def check_form(path, kind):
    """Return (problems with the file's top-level structure, graded functions it defines)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    problems = []
    body = list(tree.body)
    doc = ast.get_docstring(tree)
    if kind in ("variant", "bug"):
        if doc is None:
            problems.append("missing module docstring")
        else:
            body = body[1:]
            if kind == "variant" and len(doc.strip().splitlines()) != 1:
                problems.append("variant docstring should be one line")
    defs = []
    for node in body:
        if isinstance(node, ast.FunctionDef):
            defs.append(node.name)
            if ast.get_docstring(node) is None:
                problems.append(f"{node.name} has no docstring")
        elif isinstance(node, ast.Import) and len(node.names) == 1 and (
                (node.names[0].name == "numpy" and node.names[0].asname == "np")
                or (node.names[0].name == "copy" and node.names[0].asname is None)):
            pass
        else:
            problems.append(f"disallowed top-level statement at line {node.lineno}: "
                            f"{type(node).__name__}")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) or (
                isinstance(node, ast.Import) and any(a.name not in ("numpy", "copy")
                                                     for a in node.names)):
            problems.append(f"disallowed import at line {node.lineno}")
    graded = [d for d in defs if d in GRADED]
    if kind == "correct" and sorted(graded) != sorted(GRADED):
        problems.append(f"missing graded functions: {sorted(set(GRADED) - set(graded))}")
    if kind == "variant" and not graded:
        problems.append("defines no graded function")
    if kind == "bug" and (len(defs) != 1 or len(graded) != 1):
        problems.append(f"bug file must define exactly one graded function, got {defs}")
    if len(set(defs)) != len(defs):
        problems.append("function defined twice")
    return problems, graded


def namespace(*paths):
    """Exec correct.py, then each overlay, into one fresh notebook-like namespace."""
    ns = dict(PROVIDED, __name__="__submission__")
    for p in paths:
        exec(compile(p.read_text(), str(p), "exec"), ns)
    return ns


# --------------------------------------------------------------------------- inputs
DIMSETS = [
    dict(name="n_a=50,len=8", n_a=50, V=27, T=8, scale=0.6),
    dict(name="n_a=5,len=1", n_a=5, V=27, T=1, scale=0.8),
    dict(name="n_a=27,len=20,big weights", n_a=27, V=27, T=20, scale=1.5),
    dict(name="n_a=1,len=5", n_a=1, V=27, T=5, scale=1.0),
    dict(name="vocab=6,n_a=4,len=6", n_a=4, V=6, T=6, scale=1.0),
]


def make_params(rng, n_a, V, scale):
    r = lambda *s: scale * rng.standard_normal(s)
    return {"Wax": r(n_a, V), "Waa": r(n_a, n_a), "Wya": r(V, n_a), "b": r(n_a, 1), "by": r(V, 1)}


def make_sequence(rng, V, T):
    X = [None] + [int(i) for i in rng.integers(1, V, size=T - 1)]
    Y = X[1:] + [NEWLINE]
    return X, Y


def onehot(i, V):
    v = np.zeros((V, 1))
    v[i] = 1
    return v


def cases(fname, d, seed, ref):
    """Yield (label, args) inputs for graded function `fname` on dimension set d."""
    rng = np.random.default_rng(seed)
    n_a, V, T = d["n_a"], d["V"], d["T"]
    R = lambda *s: rng.standard_normal(s)
    p = make_params(rng, n_a, V, d["scale"])
    X, Y = make_sequence(rng, V, T)
    a0 = np.tanh(R(n_a, 1))
    vocab = () if V == 27 else (V,)
    grads = {k: 8 * R(*p[k[1:]].shape) for k in GRAD_KEYS}
    grads["da_next"] = 8 * R(n_a, 1)
    if fname == "rnn_step_forward":
        yield "one-hot x", (p, a0, onehot(int(rng.integers(V)), V))
        yield "zero x", (p, a0, np.zeros((V, 1)))
    elif fname == "rnn_step_backward":
        a_prev, a = np.tanh(R(n_a, 1)), np.tanh(R(n_a, 1))
        dy = softmax(R(V, 1))
        dy[int(rng.integers(V))] -= 1
        yield "", (dy, grads, p, onehot(int(rng.integers(V)), V), a, a_prev)
    elif fname == "rnn_forward":
        yield "", (X, Y, a0, p) + vocab
    elif fname == "rnn_backward":
        _, cache = ref["rnn_forward"](X, Y, a0, p, V)
        yield "", (X, Y, p, cache)
    elif fname == "update_parameters":
        yield "lr=0.01", (p, grads, 0.01)
        yield "lr=0.37", (p, grads, 0.37)
    elif fname == "clip":
        yield "maxValue=5", (grads, 5)
        yield "maxValue=1.3", (grads, 1.3)
    elif fname == "optimize":
        if V != 27:  # optimize calls rnn_forward with the default vocab_size
            return
        yield "default lr", (X, Y, a0, p)
        yield "lr=0.07", (X, Y, a0, p, 0.07)
    else:
        raise KeyError(fname)


# Which arguments a function may change: "state" arguments are compared after the call
# (the update is part of the result), "free" ones may change in any way; all others must
# be left alone.
MUTATION = {
    "rnn_step_backward": dict(free=[1]),
    "clip": dict(free=[0]),
    "update_parameters": dict(state=[0]),
    "optimize": dict(state=[3]),
}


# --------------------------------------------------------------------------- comparison
def diff(got, want, path="out", rtol=RTOL, atol=ATOL):
    """None if got matches want, else a short description of the first difference."""
    if isinstance(want, np.ndarray) and want.ndim > 0:
        if not isinstance(got, np.ndarray):
            return f"{path}: expected ndarray, got {type(got).__name__}"
        if got.shape != want.shape:
            return f"{path}: shape {got.shape} != {want.shape}"
        if not np.allclose(got, want, rtol=rtol, atol=atol) \
                or np.isnan(got).any() != np.isnan(want).any():
            with np.errstate(all="ignore"):
                err = np.nanmax(np.abs(got - want)) if np.isfinite(got).all() else "non-finite"
            return f"{path}: values differ (max abs err {err})"
        return None
    if isinstance(want, (float, np.floating)) or (isinstance(want, np.ndarray) and want.ndim == 0):
        if not isinstance(got, (int, float, np.number, np.ndarray)) or np.ndim(got) != 0:
            return f"{path}: expected a number, got {type(got).__name__}"
        if not np.isclose(float(got), float(want), rtol=rtol, atol=atol):
            return f"{path}: {float(got)!r} != {float(want)!r}"
        return None
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f"{path}: expected dict, got {type(got).__name__}"
        if set(got) != set(want):
            return f"{path}: keys {sorted(got, key=str)} != {sorted(want, key=str)}"
        for k in want:
            r = diff(got[k], want[k], f"{path}[{k!r}]", rtol, atol)
            if r:
                return r
        return None
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)):
            return f"{path}: expected sequence, got {type(got).__name__}"
        if len(got) != len(want):
            return f"{path}: length {len(got)} != {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            r = diff(g, w, f"{path}[{i}]", rtol, atol)
            if r:
                return r
        return None
    if got != want:
        return f"{path}: {got!r} != {want!r}"
    return None


def quiet_call(fn, *args, **kwargs):
    with warnings.catch_warnings(), np.errstate(all="ignore"), \
            contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def run_one(fname, fn, args):
    """Call fn on a private copy of args; return (result, exception, mutation message)."""
    mine = copy.deepcopy(args)
    snapshot = copy.deepcopy(args)
    try:
        out = quiet_call(fn, *mine)
    except Exception as e:  # noqa: BLE001 - any exception is a result here
        return None, e, None
    rule = MUTATION.get(fname, {})
    state = [i for i in rule.get("state", []) if i < len(args)]
    untouched = [i for i in range(len(args)) if i not in state and i not in rule.get("free", [])]
    mutated = diff([mine[i] for i in untouched], [snapshot[i] for i in untouched], "args",
                   rtol=0, atol=0)
    if state:
        out = {"returned": out, "after the call": [mine[i] for i in state]}
    return out, None, mutated


def compare_function(ns, ref, fname):
    """Yield (dimset/label, problem-or-None) for every test input of deterministic fname."""
    for k, d in enumerate(DIMSETS):
        for label, args in cases(fname, d, 1000 + 17 * k + GRADED.index(fname), ref):
            where = d["name"] + (f"/{label}" if label else "")
            want, werr, _ = run_one(fname, ref[fname], args)
            if werr is not None:
                raise RuntimeError(f"correct.py {fname} raised on {where}: {werr!r}")
            got, err, mutated = run_one(fname, ns[fname], args)
            if err is not None:
                yield where, f"raised {type(err).__name__}: {err}"
            elif mutated:
                yield where, f"modified its input ({mutated})"
            else:
                yield where, diff(got, want)


# --------------------------------------------------------------------------- independent reference
def ind_step(p, a_prev, x):
    h = np.tanh(np.matmul(p["Wax"], x) + np.matmul(p["Waa"], a_prev) + p["b"])
    z = np.matmul(p["Wya"], h) + p["by"]
    e = np.exp(z - z.max())
    return h, e / e.sum()


def ind_forward(X, Y, a0, p, V):
    """Independent forward over one name: (loss, {t: a}, {t: y_hat})."""
    h, loss, A, P = a0, 0.0, {}, {}
    for t, (xi, yi) in enumerate(zip(X, Y)):
        x = np.zeros((V, 1)) if xi is None else onehot(xi, V)
        h, prob = ind_step(p, h, x)
        A[t], P[t] = h, prob
        loss -= math.log(prob[yi, 0])
    return loss, A, P


def numgrad(f, arr, eps=1e-6):
    g = np.zeros_like(arr)
    it = np.nditer(arr, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = arr[i]
        arr[i] = old + eps
        lp = f()
        arr[i] = old - eps
        lm = f()
        arr[i] = old
        g[i] = (lp - lm) / (2 * eps)
    return g


def grad_close(analytic, numeric):
    if np.shape(analytic) != numeric.shape:
        return f"shape {np.shape(analytic)} != {numeric.shape}"
    err = np.max(np.abs(analytic - numeric)) / max(1.0, np.max(np.abs(numeric)))
    # 1e-6: with 20 steps the loss is curved enough that central differences (eps 1e-6)
    # are only good to a few 1e-7; a wrong gradient is off by 1e-2 or more
    return None if err < 1e-6 else f"relative error {err:.2e}"


def check_correct_independently(ref):
    """Independent implementations and finite differences for correct.py."""
    problems = []
    clipping_exercised = False
    for k, d in enumerate(DIMSETS):
        rng = np.random.default_rng(7 + k)
        n_a, V, T, tag = d["n_a"], d["V"], d["T"], d["name"]
        p = make_params(rng, n_a, V, d["scale"])
        X, Y = make_sequence(rng, V, T)
        a0 = np.tanh(rng.standard_normal((n_a, 1)))

        x = onehot(3, V)
        if diff(ref["rnn_step_forward"](p, a0, x), ind_step(p, a0, x), rtol=1e-10, atol=1e-12):
            problems.append(f"{tag}: rnn_step_forward != independent step")

        loss, (y_hat, a, xs) = ref["rnn_forward"](X, Y, a0, p, V)
        iloss, iA, iP = ind_forward(X, Y, a0, p, V)
        if diff((loss, y_hat, {t: a[t] for t in range(T)}), (iloss, iP, iA), rtol=1e-10, atol=1e-12):
            problems.append(f"{tag}: rnn_forward != independent forward")
        if diff(a[-1], a0, rtol=0, atol=0):
            problems.append(f"{tag}: rnn_forward cache a[-1] != a0")
        g, _ = ref["rnn_backward"](X, Y, p, (y_hat, a, xs))

        # rnn_backward against finite differences of rnn_forward's loss (weights of scale
        # at most 1: with bigger weights the loss is too curved for central differences)
        fp = {kk: v * min(1.0, 1.0 / d["scale"]) for kk, v in p.items()}
        fa0 = np.copy(a0)
        _, fcache = ref["rnn_forward"](X, Y, fa0, fp, V)
        fg, _ = ref["rnn_backward"](X, Y, fp, fcache)
        L = lambda: ref["rnn_forward"](X, Y, fa0, fp, V)[0]
        for key in PARAM_KEYS:
            r = grad_close(fg["d" + key], numgrad(L, fp[key]))
            if r:
                problems.append(f"{tag}: rnn_backward d{key}: {r}")
        r = grad_close(fg["da_next"], numgrad(L, fa0))
        if r:
            problems.append(f"{tag}: rnn_backward da_next (dL/da0): {r}")

        # clip and update_parameters against one-liners
        big = {kk: 8 * rng.standard_normal(v.shape) for kk, v in g.items()}
        out = ref["clip"](copy.deepcopy(big), 2.5)
        if diff(out, {kk: np.minimum(np.maximum(big[kk], -2.5), 2.5) for kk in GRAD_KEYS}, rtol=0, atol=0):
            problems.append(f"{tag}: clip != independent clip")
        q = copy.deepcopy(p)
        ret = ref["update_parameters"](q, big, 0.3)
        want = {kk: p[kk] - 0.3 * big["d" + kk] for kk in PARAM_KEYS}
        if diff(q, want) or ret is not q:
            problems.append(f"{tag}: update_parameters is not an in-place descent step")

        # optimize: loss and last state from the independent forward, gradients clipped at 5
        if V == 27:
            q = copy.deepcopy(p)
            loss_o, grads_o, a_last = ref["optimize"](X, Y, a0, q, 0.05)
            clipped = {kk: np.clip(g[kk], -5, 5) for kk in GRAD_KEYS}
            clipping_exercised |= any(np.abs(g[kk]).max() > 10 for kk in GRAD_KEYS)
            want_p = {kk: p[kk] - 0.05 * clipped["d" + kk] for kk in PARAM_KEYS}
            if diff((loss_o, grads_o, a_last, q), (iloss, clipped, iA[T - 1], want_p), rtol=1e-10, atol=1e-12):
                problems.append(f"{tag}: optimize != independent forward/backward/clip/update")
    if not clipping_exercised:
        problems.append("no optimize input has gradients above 10: clipping bugs would go unseen")
    return problems


# --------------------------------------------------------------------------- sample
def sample_params():
    """Named parameter sets for sample: (params, number of seeds, what is compared).

    Every set checks the form of each list and that a seed always gives the same list;
    "frequencies" compares the first three characters and the lengths with correct.py and
    the first three characters with the exact distribution; "lengths" compares the lengths
    only (the newline is never drawn there, so every correct list has 50 + 1 indices).
    """
    rng = np.random.default_rng(2024)
    n_a, V = 8, 27
    sharp = {"Wax": 2.5 * rng.standard_normal((n_a, V)), "Waa": 1.2 * rng.standard_normal((n_a, n_a)),
             "Wya": 2.0 * rng.standard_normal((V, n_a)), "b": 1.0 * rng.standard_normal((n_a, 1)),
             "by": 1.0 * rng.standard_normal((V, 1))}
    sharp["by"][NEWLINE] -= 1.5
    endless = make_params(rng, 5, V, 1.0)
    endless["by"][NEWLINE] = -60.0  # a newline is never drawn: every name hits the cap
    course = initialize_parameters(50, V, V)
    course["by"] = 0.5 * rng.standard_normal((V, 1))
    return {"input-dependent": (sharp, 5000, "frequencies"),
            "newline never drawn": (endless, 300, "lengths"),
            "course init": (course, 300, "form")}


def exact_marginals(p, K=3):
    """Exact distribution of the first K sampled characters (index V = 'list already ended')."""
    V, n_a = p["Wya"].shape
    dists = [np.zeros(V + 1) for _ in range(K)]

    def rec(depth, x, a, mass):
        a_new, prob = ind_step(p, a, x)
        dists[depth][:V] += mass * prob[:, 0]
        for deeper in range(depth + 1, K):
            dists[deeper][V] += mass * prob[NEWLINE, 0]
        if depth + 1 < K:
            for i in range(V):
                if i != NEWLINE:
                    rec(depth + 1, onehot(i, V), a_new, mass * prob[i, 0])
    rec(0, np.zeros((V, 1)), np.zeros((n_a, 1)), 1.0)
    return dists


def structure_problem(s, V=27):
    if not isinstance(s, list):
        return f"returned {type(s).__name__}, expected a list"
    if not s:
        return "returned an empty list"
    if not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in s):
        return "list holds non-integers"
    if not all(0 <= i < V for i in s):
        return "index out of range"
    if s[-1] != NEWLINE:
        return f"does not end with the newline index (ends with {s[-1]})"
    if NEWLINE in s[:-1]:
        return f"newline index in the middle of the list (position {s.index(NEWLINE)})"
    if len(s) > 51:
        return f"{len(s)} indices (more than 50 characters + newline)"
    return None


def sample_stats(fn, p, n):
    """(problem-or-None, stats) where stats = histograms of positions 0..2 and of the length."""
    V = p["by"].shape[0]
    pos = [np.zeros(V + 1) for _ in range(3)]
    lengths = np.zeros(53)
    for seed in range(n):
        s = quiet_call(fn, copy.deepcopy(p), dict(CHAR_TO_IX), seed)
        prob = structure_problem(s, V)
        if prob:
            return f"seed {seed}: {prob}", None
        if seed < 20:
            np.random.rand(3)  # disturb the global RNG: the seed alone must decide the list
            again = quiet_call(fn, copy.deepcopy(p), dict(CHAR_TO_IX), seed)
            if list(again) != list(s):
                return f"seed {seed}: same seed gave a different list", None
        for k in range(3):
            pos[k][s[k] if k < len(s) else V] += 1
        lengths[min(len(s), 52)] += 1
    return None, {"positions": [h / n for h in pos], "length": lengths / n}


def tv(a, b):
    return 0.5 * float(np.abs(np.asarray(a) - np.asarray(b)).sum())


# Total-variation tolerances for 5,000 draws. The sampling noise is about 0.02-0.03 against the
# exact distribution and about 0.04 between two samplers; the sample bugs are at 0.15 or more.
TV_EXACT = 0.05
TV_CORRECT = 0.08


def compare_sample(ns, ref_stats, exact):
    """Problems of ns['sample'] against correct.py's frequencies and the exact distribution."""
    problems = []
    for name, (p, n, compared) in sample_params().items():
        snapshot = copy.deepcopy(p)
        try:
            prob, stats = sample_stats(ns["sample"], p, n)
        except Exception as e:  # noqa: BLE001
            return [f"[{name}] raised {type(e).__name__}: {e}"]
        if diff(p, snapshot, rtol=0, atol=0):
            return [f"[{name}] modified parameters"]
        if prob:
            return [f"[{name}] {prob}"]
        want = ref_stats[name]
        if compared == "lengths" and diff(stats["length"], want["length"], rtol=0, atol=0):
            got = sorted({i for i, f in enumerate(stats["length"]) if f})
            problems.append(f"[{name}] lists of length {got}, correct.py: always 51")
        if compared == "frequencies":
            d_len = tv(stats["length"], want["length"])
            d_ref = max(tv(a, b) for a, b in zip(stats["positions"], want["positions"]))
            d_exact = max(tv(a, b) for a, b in zip(stats["positions"], exact[name]))
            if d_ref > TV_CORRECT or d_exact > TV_EXACT:
                problems.append(f"[{name}] first-3-character frequencies differ "
                                f"(TV {d_ref:.2f} vs correct.py, {d_exact:.2f} vs exact)")
            if d_len > TV_CORRECT:
                problems.append(f"[{name}] length distribution differs (TV {d_len:.2f})")
    return problems


# --------------------------------------------------------------------------- model
def trained_loss(ns, iterations=1500, n_a=20):
    """Average next-character loss on the 40 training names after ns['model'] trained on them."""
    out = quiet_call(ns["model"], list(DATA_X), dict(IX_TO_CHAR), dict(CHAR_TO_IX),
                     num_iterations=iterations, n_a=n_a)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise TypeError(f"model returned {type(out).__name__}, expected (parameters, last_name)")
    params, last_name = out
    if not isinstance(last_name, str) or not isinstance(params, dict) or set(params) != set(PARAM_KEYS):
        raise TypeError("model must return (parameters dict, last name string)")
    total, chars = 0.0, 0
    for name in DATA_X:
        X = [None] + [CHAR_TO_IX[c] for c in name]
        Y = X[1:] + [NEWLINE]
        total += ind_forward(X, Y, np.zeros((n_a, 1)), params, 27)[0]
        chars += len(Y)
    return total / chars, params


MODEL_MARGIN = 0.15  # nats per character


# --------------------------------------------------------------------------- main
def main():
    failures = 0
    correct = HERE / "correct.py"

    def report(ok, name, msg):
        nonlocal failures
        failures += not ok
        print(f"{'PASS' if ok else 'FAIL'}  {name:<44} {msg}", flush=True)

    form, _ = check_form(correct, "correct")
    try:
        ref = namespace(correct)
        problems = form + check_correct_independently(ref)
        for fname in GRADED:  # correct.py must respect the mutation rules too
            if fname in ("sample", "model"):
                continue
            for where, p in compare_function(namespace(correct), ref, fname):
                if p:
                    problems.append(f"{fname} [{where}]: {p}")
        exact = {name: exact_marginals(p) for name, (p, _, _) in sample_params().items()}
        ref_stats = {}
        for name, (p, n, compared) in sample_params().items():
            prob, ref_stats[name] = sample_stats(ref["sample"], p, n)
            if prob:
                problems.append(f"sample [{name}]: {prob}")
                continue
            d = max(tv(a, b) for a, b in zip(ref_stats[name]["positions"], exact[name]))
            if compared == "frequencies" and d > TV_EXACT:
                problems.append(f"sample [{name}]: frequencies differ from the exact ones (TV {d:.2f})")
        if ref_stats["newline never drawn"]["length"][51] != 1:
            problems.append("sample: names without a newline do not all stop at 50 characters")
        ref_loss, _ = trained_loss(ref)
        uniform = math.log(27)
        if not ref_loss < uniform - 0.5:
            problems.append(f"model: trained loss {ref_loss:.3f} not well below log(27) = {uniform:.3f}")
        _, ref_short = trained_loss(ref, 300, 10)
    except Exception:
        report(False, "correct.py", traceback.format_exc())
        sys.exit(1)
    report(not problems, "correct.py",
           "; ".join(problems) if problems else
           f"form ok, matches independent code, finite differences ok, samples the exact "
           f"distribution, trains to {ref_loss:.3f} nats/char")

    for path in sorted((HERE / "variants").glob("*.py")):
        name = f"variants/{path.name}"
        form, graded = check_form(path, "variant")
        problems = list(form)
        try:
            ns = namespace(correct, path)
            for fname in graded:
                if fname == "sample":
                    problems += [f"sample {p}" for p in compare_sample(ns, ref_stats, exact)]
                elif fname == "model":
                    loss, _ = trained_loss(ns)
                    if loss > ref_loss + 1e-9:
                        problems.append(f"model trains worse: {loss:.3f} > {ref_loss:.3f}")
                else:
                    for where, p in compare_function(ns, ref, fname):
                        if p:
                            problems.append(f"{fname} [{where}]: {p}")
            _, params = trained_loss(ns, 300, 10)
            r = diff(params, ref_short, "model parameters", rtol=1e-10, atol=1e-12)
            if r:
                problems.append(f"300-iteration model run differs: {r}")
        except Exception as e:  # noqa: BLE001
            problems.append(f"crashed: {e!r}")
        report(not problems, name, "; ".join(problems[:3]) if problems
               else f"same results as correct.py: {', '.join(graded)}; model run identical")

    for path in sorted((HERE / "bugs").glob("*.py")):
        name = f"bugs/{path.name}"
        form, graded = check_form(path, "bug")
        if form:
            report(False, name, "; ".join(form))
            continue
        fname = graded[0]
        try:
            ns = namespace(correct, path)
            if fname == "sample":
                caught = [("", p) for p in compare_sample(ns, ref_stats, exact)]
            elif fname == "model":
                try:
                    loss, _ = trained_loss(ns)
                    caught = [] if loss <= ref_loss + MODEL_MARGIN else [
                        ("", f"trained loss {loss:.3f} nats/char vs {ref_loss:.3f} for correct.py")]
                except Exception as e:  # noqa: BLE001
                    caught = [("", f"raised {type(e).__name__}: {e}")]
            else:
                caught = [(w, p) for w, p in compare_function(ns, ref, fname) if p]
        except Exception as e:  # noqa: BLE001
            report(False, name, f"checker crashed: {e!r}")
            continue
        if caught:
            w, p = caught[0]
            where = f"[{w}] " if w else ""
            report(True, name, f"{fname} caught on {len(caught)} input(s), e.g. {where}{p}"[:170])
        else:
            report(False, name, f"{fname}: NOT caught, indistinguishable from correct.py")

    print(f"\n{'ALL OK' if not failures else f'{failures} FAILURE(S)'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
