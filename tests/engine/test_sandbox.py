"""Student code runs in its own process per exercise: what goes wrong there costs only that
exercise, and nothing it returns or prints can fake a result."""
import json
import sys
import textwrap

import numpy as np
import pytest

from rnn_checks import exercises
from autograder.grade import grade_submission
from autograder.reference import SolutionReference
from autograder.sandbox.isolation import Limits
from tests.submissions import notebook, write

ASSIGNMENT = "rnn_step_by_step"


def grade_with(tmp_path, code, seconds=20.0, cell=None, more=None):
    """Grade the correct submission with `code` typed into the cell of the function it
    defines first (or into `cell`), replacing what was there; `more`: {cell: code}."""
    code = textwrap.dedent(code)
    cells = {cell or code.split("def ", 1)[1].split("(", 1)[0]: code, **(more or {})}
    nb = notebook(ASSIGNMENT)
    for target in nb["cells"]:
        grade_id = target["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in cells:
            target["source"] = textwrap.dedent(cells.pop(grade_id))
    assert not cells, f"no such cells: {list(cells)}"
    path = write(nb, tmp_path / "submission.ipynb")
    return grade_submission(path, ASSIGNMENT, Limits(seconds=seconds))


def only_failing(report):
    return {name for name, (score, max_score, _) in report.exercises().items() if score < max_score}


@pytest.mark.parametrize("body, message", [
    ("import os; os._exit(0)", "exited"),
    ("import sys; sys.exit(3)", "raised SystemExit"),
    ("raise KeyboardInterrupt", "raised KeyboardInterrupt"),
    ("while True: pass", "did not finish within 3 s"),
    ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", "SIGSEGV"),
    ("return [0] * 10**9", "MemoryError (your code ran out of its memory limit"),  # ~8 GB
    # Its channel to the grader closed: the process cannot answer, and says so by its status
    # (not "sys.exit or os._exit?", which would blame what the code did not do).
    ("import os; os.closerange(3, 1024); return da_next",
     "stopped while answering the grader (status 70)"),
])
def test_a_failing_process_costs_one_exercise(tmp_path, body, message):
    report = grade_with(tmp_path, f"""
        def rnn_cell_backward(da_next, cache):
            {body}
        """, seconds=3)
    assert only_failing(report) == {"rnn_cell_backward"}
    assert report.exercises()["rnn_cell_backward"][0] == 0
    assert message in report.tests[[t.name for t in report.tests].index(
        "rnn_cell_backward: values, public case")].output


def test_lying_array_subclass_and_objects_earn_nothing(tmp_path):
    report = grade_with(tmp_path, """
        class Always(np.ndarray):  # typed into the softmax cell
            def __eq__(self, other): return np.ones(np.shape(other), bool)
            def __array_ufunc__(self, *args, **kwargs): return True

        class Liar:
            def __eq__(self, other): return True
            def __array__(self, *args, **kwargs): return np.zeros((2, 4))

        def softmax(x):
            return np.zeros_like(x).view(Always)
        """, cell="softmax", more={"rnn_cell_forward": """
        def rnn_cell_forward(xt, a_prev, parameters):
            return Liar(), Liar(), Liar()
        """})
    assert only_failing(report) == {"softmax", "rnn_cell_forward"}
    assert report.exercises()["softmax"][0] == 0
    assert report.exercises()["rnn_cell_forward"][0] == 0
    outputs = "\n".join(t.output for t in report.tests)
    assert "got a Liar object" in outputs


def test_warnings_stderr_and_prints_cost_nothing(tmp_path):
    report = grade_with(tmp_path, """
        import sys, warnings
        def softmax(x):
            warnings.warn("careful")
            print("debugging", x.shape, file=sys.stderr)
            print("x" * 100000)
            e = np.exp(x - x.max(axis=0, keepdims=True))
            return e / e.sum(axis=0, keepdims=True)
        """)
    assert report.score == 100


def test_demo_code_and_magics_do_not_run(tmp_path):
    report = grade_with(tmp_path, """
        %matplotlib inline
        EPSILON = 0.0
        def softmax(x):
            e = np.exp(x - x.max(axis=0, keepdims=True)) + EPSILON
            return e / e.sum(axis=0, keepdims=True)
        !ls /
        softmax(None)  # a demo call that would crash if it ran
        raise RuntimeError("top-level code must not run")
        """, cell="softmax")
    assert report.score == 100


def test_syntax_error_in_one_cell_costs_that_exercise_only(tmp_path):
    report = grade_with(tmp_path, """
        def rnn_forward(x, a0, parameters):
            return x +
        """)
    assert only_failing(report) == {"rnn_forward"}
    assert "syntax error" in report.output
    feedback = "\n".join(t.output for t in report.tests if t.name.startswith("rnn_forward"))
    assert "has a syntax error at line" in feedback


def test_cell_with_error_at_definition_time_costs_only_its_exercise(tmp_path):
    report = grade_with(tmp_path, """
        def lstm_forward(x, a0, parameters, default=1 / 0):
            pass
        """)
    assert only_failing(report) == {"lstm_forward"}
    assert "ZeroDivisionError" in report.output


def test_missing_and_renamed_function(tmp_path):
    nb = notebook(ASSIGNMENT)
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id == "rnn_forward":
            cell["source"] = cell["source"].replace("def rnn_forward(", "def my_rnn_forward(")
        if grade_id == "softmax":
            cell["cell_type"] = "markdown"
    report = grade_submission(write(nb, tmp_path / "s.ipynb"), ASSIGNMENT)
    # softmax's cell is markdown now, so softmax is not defined; the exercises that use it
    # still pass, since they get the reference softmax
    assert only_failing(report) == {"rnn_forward", "softmax"}
    feedback = json.dumps(report.to_gradescope())
    assert "name 'rnn_forward' is not defined" in feedback
    assert "not a code cell" in feedback


def test_reference_code_is_not_in_the_students_process(tmp_path):
    report = grade_with(tmp_path, """
        def softmax(x):
            import sys
            leaked = [name for name in sys.modules if "solution" in name or "reference" in name
                      or name.startswith("autograder")]
            assert not leaked, leaked
            import solutions  # not importable: ModuleNotFoundError
        """)
    feedback = "\n".join(t.output for t in report.tests if t.name.startswith("softmax"))
    assert "ModuleNotFoundError" in feedback


ATTACKS = {
    "patches the comparison helpers": """
        def softmax(x):
            np.allclose = lambda *args, **kwargs: True
            np.testing.assert_allclose = lambda *args, **kwargs: None
            np.array_equal = lambda *args, **kwargs: True
            return np.zeros_like(x)
        """,
    "walks frames and the heap for reference arrays": """
        import gc, sys
        def softmax(x):
            frame, found = sys._getframe(), []
            while frame is not None:
                found += [v for v in frame.f_locals.values() if isinstance(v, np.ndarray)]
                frame = frame.f_back
            found += [o for o in gc.get_objects() if isinstance(o, np.ndarray)]
            same = [a for a in found if a.shape == x.shape and a is not x]
            return same[0] if same else np.zeros_like(x)
        """,
    "imports the reference every way it can": """
        import importlib, os, sys
        def softmax(x):
            for name in ("solutions", "solutions.rnn_step_by_step", "autograder.reference"):
                try:
                    importlib.import_module(name)
                except ImportError:
                    pass
            for folder in sys.path:
                for root, _, files in os.walk(folder):
                    if "rnn_step_by_step.py" in files and "solutions" in root:
                        raise RuntimeError("found " + root)
            return np.zeros_like(x)
        """,
    "writes forged protocol messages to every descriptor": """
        import json, os, struct
        def softmax(x):
            fake = json.dumps({"op": "result", "buffers": [], "value": {"none": 1}}).encode()
            for fd in range(3, 64):
                try:
                    os.write(fd, struct.pack(">Q", len(fake)) + fake + b"garbage" * 1000)
                except OSError:
                    pass
            return np.zeros_like(x)
        """,
    "recurses without end": """
        import sys
        def softmax(x):
            sys.setrecursionlimit(10**7)
            return softmax(x)
        """,
    "raises a bare BaseException": """
        class Escape(BaseException):
            pass
        def softmax(x):
            raise Escape("out of here")
        """,
    "starts many processes": """
        import subprocess
        def softmax(x):
            children = [subprocess.Popen(["sleep", "30"]) for _ in range(200)]
            return np.zeros_like(x)
        """,
    "prints fifty megabytes": """
        import os, sys
        def softmax(x):
            print("x" * (25 << 20))
            os.write(1, b"y" * (25 << 20))
            return np.zeros_like(x)
        """,
}


@pytest.mark.parametrize("code", ATTACKS.values(), ids=list(ATTACKS))
def test_an_attack_earns_nothing_and_costs_only_its_exercise(tmp_path, code):
    report = grade_with(tmp_path, code, seconds=10, cell="softmax")
    assert only_failing(report) == {"softmax"}
    assert report.exercises()["softmax"][0] == 0


@pytest.mark.parametrize("code, cell", [
    ("def softmax(x):\n    while True:\n        pass\n", "softmax"),
    # a class body runs while the definitions load, in every exercise's process
    ("class Forever:\n    while True:\n        pass\n", "softmax"),
])
def test_grading_a_hang_takes_bounded_time(tmp_path, code, cell):
    """The promise is a bound, not a speed: nine exercises with a 2 s limit on 2 workers."""
    import time
    start = time.monotonic()
    report = grade_with(tmp_path, code, seconds=2, cell=cell)
    assert time.monotonic() - start < 9 * 2 + 30
    assert report.exercises()["softmax"][0] == 0


def test_a_hang_while_loading_costs_one_time_limit_per_lane(tmp_path):
    """The definitions load once per student process, not once per exercise: a class body
    that never ends costs each of the two lanes one 3 s limit, not nine limits in all."""
    import time
    start = time.monotonic()
    report = grade_with(tmp_path, "class Forever:\n    while True:\n        pass\n", seconds=3,
                        cell="softmax")
    elapsed = time.monotonic() - start
    assert report.score == 0 and "did not load" in report.tests[0].output
    assert elapsed < 3 * 3, f"{elapsed:.1f} s: loading was retried per exercise"


def shown_numbers(value):
    """Every float in value, as feedback would print it (6 significant digits)."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return {text for item in value for text in shown_numbers(item)}
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return {f"{v:.6g}" for v in value.ravel()[:50] if abs(v) > 1e-3} | \
               {repr(float(v)) for v in value.ravel()[:50]}
    return set()


def test_feedback_on_hidden_cases_reveals_no_input_or_expected_value(tmp_path):
    """The student's code sees the hidden inputs; nothing it raises, prints or returns, and
    nothing of the expected outputs, may come back through the feedback."""
    report = grade_with(tmp_path, """
        def softmax(x):
            print("inputs:", x.ravel().tolist())
            if x.shape != (2, 4):  # not the public case: send the inputs out in a message
                raise ValueError("LEAK " + repr(x.ravel().tolist()))
            return x  # wrong: the inputs themselves, compared with the expected output
        """, more={"rnn_cell_forward": """
        def rnn_cell_forward(xt, a_prev, parameters):
            p = parameters
            a_next = 2 * np.tanh(p["Wax"] @ xt + p["Waa"] @ a_prev + p["ba"])  # wrong scale
            yt_pred = softmax(p["Wya"] @ a_next + p["by"])
            return a_next, yt_pred, (a_next, a_prev, xt, {"LEAK" + repr(xt.ravel().tolist()): 1})
        """})
    reference = SolutionReference(exercises.load(ASSIGNMENT))
    secret = set()
    for name in ("softmax", "rnn_cell_forward"):
        for case in reference.cases(exercises.load(ASSIGNMENT).exercise(name)):
            if case.hidden:
                secret |= shown_numbers(case.args) | shown_numbers(case.expected)
    public = set()
    for name in ("softmax", "rnn_cell_forward"):
        public |= shown_numbers(reference.cases(exercises.load(ASSIGNMENT).exercise(name))[0].args)
    everything = json.dumps(report.to_gradescope())
    assert len(secret) > 100
    assert [number for number in secret - public if number in everything] == []
    hidden_feedback = "\n".join(t.output for t in report.tests if "hidden" in t.name)
    assert "LEAK" not in hidden_feedback and "inputs:" not in hidden_feedback
    assert "raised ValueError (its message is shown for the public case only)" in hidden_feedback
    # its softmax call is not one a correct rnn_cell_forward makes, so its own softmax
    # (which raises on hidden inputs) answered it: the grader's answers are no oracle
    assert "called softmax with arguments that a correct rnn_cell_forward never passes" in \
        hidden_feedback


def test_a_students_interpreter_without_numpy_falls_back_with_a_warning(monkeypatch, capsys):
    from autograder.sandbox.isolation import isolation
    monkeypatch.setenv("RNN_KIT_SANDBOX_PYTHON", "/nonexistent/python3")
    isolation.cache_clear()
    try:
        assert isolation().python == sys.executable
        assert "RNN_KIT_SANDBOX_PYTHON=/nonexistent/python3 cannot import numpy" in \
            capsys.readouterr().err
    finally:
        monkeypatch.undo()
        isolation.cache_clear()
