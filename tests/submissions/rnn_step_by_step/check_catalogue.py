"""Stand-alone check of the rnn_step_by_step submission catalogue.

Run:  python tests/submissions/rnn_step_by_step/check_catalogue.py

* correct.py must have the allowed form (defs + optional `import numpy as np`), match an
  independent forward implementation, and pass a finite-difference gradient check for the
  four backward functions.
* every variants/*.py, overlaid on correct.py, must give the same outputs as correct.py
  (to 1e-12) for every graded function it defines, on every dimension set, without
  modifying its inputs.
* every bugs/*.py, overlaid on correct.py, must be caught: on at least one dimension set its
  function raises, returns something different, or modifies one of its inputs.

Prints one line per file; exits 1 if anything fails.
"""
import ast
import copy
import sys
import traceback
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
GRADED = [
    "softmax", "rnn_cell_forward", "rnn_forward", "rnn_cell_backward", "rnn_backward",
    "lstm_cell_forward", "lstm_forward", "lstm_cell_backward", "lstm_backward",
]
RTOL = ATOL = 1e-12

DIMSETS = [
    dict(name="general", n_x=3, n_a=5, n_y=2, m=10, T_x=4),
    dict(name="n_a==n_x", n_x=4, n_a=4, n_y=4, m=3, T_x=3),
    dict(name="m==1", n_x=2, n_a=3, n_y=5, m=1, T_x=5),
    dict(name="T_x==1", n_x=3, n_a=2, n_y=3, m=4, T_x=1),
]


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# --------------------------------------------------------------------------- loading
def check_form(path, kind):
    """Return a list of problems with the file's top-level structure."""
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
        elif (isinstance(node, ast.Import) and len(node.names) == 1
              and node.names[0].name == "numpy" and node.names[0].asname == "np"):
            pass
        else:
            problems.append(f"disallowed top-level statement at line {node.lineno}: "
                            f"{type(node).__name__}")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) or (
                isinstance(node, ast.Import) and any(a.name != "numpy" for a in node.names)):
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
    ns = {"np": np, "sigmoid": sigmoid, "__name__": "__submission__"}
    for p in paths:
        exec(compile(p.read_text(), str(p), "exec"), ns)
    return ns


# --------------------------------------------------------------------------- inputs
def make_params(rng, d, lstm):
    n_x, n_a, n_y = d["n_x"], d["n_a"], d["n_y"]
    r = lambda *s: 0.7 * rng.standard_normal(s)
    if not lstm:
        return {"Wax": r(n_a, n_x), "Waa": r(n_a, n_a), "Wya": r(n_y, n_a),
                "ba": r(n_a, 1), "by": r(n_y, 1)}
    p = {}
    for g in "fico":
        p["W" + g] = r(n_a, n_a + n_x)
        p["b" + g] = r(n_a, 1)
    p["Wy"] = r(n_y, n_a)
    p["by"] = r(n_y, 1)
    return p


def cases(fname, d, seed, ref):
    """Yield (label, args) inputs for graded function `fname` on dimension set d."""
    rng = np.random.default_rng(seed)
    n_x, n_a, n_y, m, T_x = d["n_x"], d["n_a"], d["n_y"], d["m"], d["T_x"]
    R = lambda *s: rng.standard_normal(s)
    if fname == "softmax":
        yield "logits~N(0,9)", (3 * R(n_y, m),)
        yield "logits~1000", (1000 + 5 * R(n_y, m),)
        yield "logits~-1000", (-1000 + 5 * R(n_y, m),)
        yield "logits~1000,n=n_a", (1000 + 5 * R(n_a, m),)
        return
    lstm = fname.startswith("lstm")
    p = make_params(rng, d, lstm)
    xt, a_prev, c_prev = R(n_x, m), R(n_a, m), R(n_a, m)
    x, a0 = R(n_x, m, T_x), R(n_a, m)
    if fname == "rnn_cell_forward":
        yield "", (xt, a_prev, p)
    elif fname == "rnn_forward":
        yield "", (x, a0, p)
    elif fname == "rnn_cell_backward":
        _, _, cache = ref["rnn_cell_forward"](xt, a_prev, p)
        yield "", (R(n_a, m), cache)
    elif fname == "rnn_backward":
        _, _, caches = ref["rnn_forward"](x, a0, p)
        yield "", (R(n_a, m, T_x), caches)
    elif fname == "lstm_cell_forward":
        yield "", (xt, a_prev, c_prev, p)
    elif fname == "lstm_forward":
        yield "", (x, a0, p)
    elif fname == "lstm_cell_backward":
        *_, cache = ref["lstm_cell_forward"](xt, a_prev, c_prev, p)
        yield "", (R(n_a, m), R(n_a, m), cache)
    elif fname == "lstm_backward":
        *_, caches = ref["lstm_forward"](x, a0, p)
        yield "", (R(n_a, m, T_x), caches)
    else:
        raise KeyError(fname)


# --------------------------------------------------------------------------- comparison
def diff(got, want, path="out", rtol=RTOL, atol=ATOL):
    """None if got matches want, else a short description of the first difference."""
    if isinstance(want, np.ndarray) or isinstance(want, np.generic):
        if not isinstance(got, (np.ndarray, np.generic)):
            return f"{path}: expected ndarray, got {type(got).__name__}"
        got, want = np.asarray(got), np.asarray(want)
        if got.shape != want.shape:
            return f"{path}: shape {got.shape} != {want.shape}"
        if not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=False) \
                or np.isnan(got).any() != np.isnan(want).any():
            with np.errstate(all="ignore"):
                err = np.nanmax(np.abs(got - want)) if np.isfinite(got).all() else "non-finite"
            return f"{path}: values differ (max abs err {err})"
        return None
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f"{path}: expected dict, got {type(got).__name__}"
        if set(got) != set(want):
            return f"{path}: keys {sorted(got)} != {sorted(want)}"
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


def run_one(fn, args):
    """Call fn on a private copy of args; return (output, exception, mutation message)."""
    mine = copy.deepcopy(args)
    snapshot = copy.deepcopy(args)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            out = fn(*mine)
        except Exception as e:  # noqa: BLE001 - any exception is a result here
            return None, e, None
    mutated = diff(mine, snapshot, "args", rtol=0, atol=0)
    return out, None, mutated


def compare_function(ns, ref, fname):
    """Yield (dimset/label, problem-or-None) for every test input of fname."""
    for k, d in enumerate(DIMSETS):
        for label, args in cases(fname, d, 1000 + 17 * k + GRADED.index(fname), ref):
            where = d["name"] + (f"/{label}" if label else "")
            want, werr, _ = run_one(ref[fname], args)
            if werr is not None:
                raise RuntimeError(f"correct.py {fname} raised on {where}: {werr!r}")
            got, err, mutated = run_one(ns[fname], args)
            if err is not None:
                yield where, f"raised {type(err).__name__}: {err}"
            elif mutated:
                yield where, f"modified its input ({mutated})"
            else:
                yield where, diff(got, want)


# --------------------------------------------------------------------------- independent reference
def ind_softmax(z):
    out = np.empty_like(z)
    for j in range(z.shape[1]):
        col = z[:, j] - z[:, j].max()
        out[:, j] = np.exp(col) / np.exp(col).sum()
    return out


def ind_rnn(x, a0, p):
    """Independent RNN forward: returns a (n_a,m,T), y (n_y,m,T)."""
    a, ys, h = [], [], a0
    for t in range(x.shape[2]):
        h = np.tanh(np.matmul(p["Waa"], h) + np.matmul(p["Wax"], x[:, :, t]) + p["ba"])
        a.append(h)
        ys.append(ind_softmax(np.matmul(p["Wya"], h) + p["by"]))
    return np.stack(a, -1), np.stack(ys, -1)


def ind_lstm(x, a0, p, c0=None):
    """Independent LSTM forward: returns a, y, c each (.., m, T)."""
    n_a = a0.shape[0]
    h, c = a0, (np.zeros_like(a0) if c0 is None else c0)
    A, Y, C = [], [], []
    for t in range(x.shape[2]):
        pre = lambda g: p["W" + g][:, :n_a] @ h + p["W" + g][:, n_a:] @ x[:, :, t] + p["b" + g]
        f, i, o = sigmoid(pre("f")), sigmoid(pre("i")), sigmoid(pre("o"))
        c = f * c + i * np.tanh(pre("c"))
        h = o * np.tanh(c)
        A.append(h), C.append(c), Y.append(ind_softmax(p["Wy"] @ h + p["by"]))
    return np.stack(A, -1), np.stack(Y, -1), np.stack(C, -1)


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
    return None if err < 1e-7 else f"relative error {err:.2e}"


def check_correct_independently(ref):
    """Forward vs independent implementation + finite differences for the backward passes."""
    problems = []
    fd_dims = [DIMSETS[0], DIMSETS[1], DIMSETS[2], DIMSETS[3]]
    for k, d in enumerate(fd_dims):
        rng = np.random.default_rng(7 + k)
        n_x, n_a, n_y, m, T_x = d["n_x"], d["n_a"], d["n_y"], d["m"], d["T_x"]
        R = lambda *s: rng.standard_normal(s)
        tag = d["name"]

        # forward agreement with the independent implementation
        z = 1000 + 5 * R(n_y, m)
        if diff(ref["softmax"](z), ind_softmax(z), rtol=1e-12, atol=1e-14):
            problems.append(f"{tag}: softmax != independent softmax")
        pr, pl = make_params(rng, d, False), make_params(rng, d, True)
        x, a0 = R(n_x, m, T_x), R(n_a, m)
        a, y, _ = ref["rnn_forward"](x, a0, pr)
        ia, iy = ind_rnn(x, a0, pr)
        if diff((a, y), (ia, iy), rtol=1e-10, atol=1e-12):
            problems.append(f"{tag}: rnn_forward != independent forward")
        a, y, c, _ = ref["lstm_forward"](x, a0, pl)
        if diff((a, y, c), ind_lstm(x, a0, pl), rtol=1e-10, atol=1e-12):
            problems.append(f"{tag}: lstm_forward != independent forward")

        # rnn_cell_backward: L = sum(da_next * a_next)
        xt, ap, cp, dan, dcn = R(n_x, m), R(n_a, m), R(n_a, m), R(n_a, m), R(n_a, m)
        _, _, cache = ref["rnn_cell_forward"](xt, ap, pr)
        g = ref["rnn_cell_backward"](dan, cache)
        if set(g) != {"dxt", "da_prev", "dWax", "dWaa", "dba"}:
            problems.append(f"{tag}: rnn_cell_backward keys {sorted(g)}")
        L = lambda: np.sum(dan * ind_rnn(xt[:, :, None], ap, pr)[0][:, :, 0])
        for key, arr in [("dxt", xt), ("da_prev", ap), ("dWax", pr["Wax"]),
                         ("dWaa", pr["Waa"]), ("dba", pr["ba"])]:
            r = grad_close(g[key], numgrad(L, arr))
            if r:
                problems.append(f"{tag}: rnn_cell_backward {key}: {r}")

        # rnn_backward: L = sum(da * a)
        da = R(n_a, m, T_x)
        _, _, caches = ref["rnn_forward"](x, a0, pr)
        g = ref["rnn_backward"](da, caches)
        if set(g) != {"dx", "da0", "dWax", "dWaa", "dba"}:
            problems.append(f"{tag}: rnn_backward keys {sorted(g)}")
        L = lambda: np.sum(da * ind_rnn(x, a0, pr)[0])
        for key, arr in [("dx", x), ("da0", a0), ("dWax", pr["Wax"]),
                         ("dWaa", pr["Waa"]), ("dba", pr["ba"])]:
            r = grad_close(g[key], numgrad(L, arr))
            if r:
                problems.append(f"{tag}: rnn_backward {key}: {r}")

        # lstm_cell_backward: L = sum(da_next * a_next) + sum(dc_next * c_next)
        *_, cache = ref["lstm_cell_forward"](xt, ap, cp, pl)
        g = ref["lstm_cell_backward"](dan, dcn, cache)
        keys = {"dxt", "da_prev", "dc_prev"} | {p + g_ for p in ("dW", "db") for g_ in "fico"}
        if set(g) != keys:
            problems.append(f"{tag}: lstm_cell_backward keys {sorted(g)}")

        def L():
            a1, _, c1 = ind_lstm(xt[:, :, None], ap, pl, cp)
            return np.sum(dan * a1[:, :, 0]) + np.sum(dcn * c1[:, :, 0])
        targets = [("dxt", xt), ("da_prev", ap), ("dc_prev", cp)]
        targets += [("d" + k, pl[k]) for k in pl if k[1] in "fico"]
        for key, arr in targets:
            r = grad_close(g[key], numgrad(L, arr))
            if r:
                problems.append(f"{tag}: lstm_cell_backward {key}: {r}")

        # lstm_backward: L = sum(da * a)
        *_, caches = ref["lstm_forward"](x, a0, pl)
        g = ref["lstm_backward"](da, caches)
        keys = {"dx", "da0"} | {p + g_ for p in ("dW", "db") for g_ in "fico"}
        if set(g) != keys:
            problems.append(f"{tag}: lstm_backward keys {sorted(g)}")
        L = lambda: np.sum(da * ind_lstm(x, a0, pl)[0])
        targets = [("dx", x), ("da0", a0)] + [("d" + k, pl[k]) for k in pl if k[1] in "fico"]
        for key, arr in targets:
            r = grad_close(g[key], numgrad(L, arr))
            if r:
                problems.append(f"{tag}: lstm_backward {key}: {r}")
    return problems


# --------------------------------------------------------------------------- main
def main():
    failures = 0
    correct = HERE / "correct.py"

    def report(ok, name, msg):
        nonlocal failures
        failures += not ok
        print(f"{'PASS' if ok else 'FAIL'}  {name:<48} {msg}")

    form, _ = check_form(correct, "correct")
    try:
        ref = namespace(correct)
        problems = form + check_correct_independently(ref)
        for fname in GRADED:  # correct.py must not mutate its inputs either
            for where, p in compare_function(namespace(correct), ref, fname):
                if p:
                    problems.append(f"{fname} [{where}]: {p}")
    except Exception:
        report(False, "correct.py", traceback.format_exc())
        sys.exit(1)
    report(not problems, "correct.py",
           "; ".join(problems) if problems else
           "form ok, matches independent forward, finite-difference check ok (4 backward fns)")

    for path in sorted((HERE / "variants").glob("*.py")):
        name = f"variants/{path.name}"
        form, graded = check_form(path, "variant")
        problems = list(form)
        try:
            ns = namespace(correct, path)
            for fname in graded:
                for where, p in compare_function(ns, ref, fname):
                    if p:
                        problems.append(f"{fname} [{where}]: {p}")
        except Exception as e:  # noqa: BLE001
            problems.append(f"crashed: {e!r}")
        report(not problems, name, "; ".join(problems[:3]) if problems
               else f"same outputs as correct.py: {', '.join(graded)}")

    for path in sorted((HERE / "bugs").glob("*.py")):
        name = f"bugs/{path.name}"
        form, graded = check_form(path, "bug")
        if form:
            report(False, name, "; ".join(form))
            continue
        fname = graded[0]
        try:
            ns = namespace(correct, path)
            caught = [(w, p) for w, p in compare_function(ns, ref, fname) if p]
        except Exception as e:  # noqa: BLE001
            report(False, name, f"checker crashed: {e!r}")
            continue
        if caught:
            w, p = caught[0]
            report(True, name, f"{fname} caught on {len(caught)} input(s), e.g. [{w}] {p}"[:160])
        else:
            report(False, name, f"{fname}: NOT caught, identical to correct.py on every input")

    print(f"\n{'ALL OK' if not failures else f'{failures} FAILURE(S)'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
