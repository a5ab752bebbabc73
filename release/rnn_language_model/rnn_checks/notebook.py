"""The checks that run inside a student's notebook kernel.

- `check(assignment, exercise)`: the public check under each exercise. It uses the public
  case stored in public/, so students need no reference code. Students run it from a copy
  of this package in their assignment folder (rnn_checks/, written by `release`), so the
  release folder alone, with NumPy, is all they need.
- `validate(assignment, exercise)`: the visible part of each test cell, for nbgrader's
  Validate.

nbgrader's hidden test (`autograder.notebook.grade`) uses the same KernelSession. They use
the same specs and checks as the CLI, with the notebook's kernel as the session.
"""
import contextlib
import copy
import io
import os
import sys
import traceback
import warnings
from pathlib import Path

from . import exercises
from .check import check_exercise
from .cases import PublicReference
from .protocol import INSTANCE_CLASSES, materialise, normalise
from .session import Outcome
from .standins import in_process

PACKAGE = str(Path(__file__).resolve().parent)


def _student_frames(error):
    """Traceback lines from the student's own cells, not from the grader or libraries."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if not frame.filename.startswith(PACKAGE) and "site-packages" not in frame.filename]
    return [["", frame.lineno, frame.name, frame.line or ""] for frame in frames][-5:]


class KernelSession:
    """Calls functions of a notebook's namespace, with the same contract as SandboxSession."""

    def __init__(self, namespace):
        self.namespace = namespace

    def _run(self, function, args):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")  # warnings never cost points
            return function(*args), printed.getvalue()[:4000]

    def call(self, name, args, standins=None):
        refusals = []
        classes = {c: self.namespace.get(c) for c in INSTANCE_CLASSES
                   if isinstance(self.namespace.get(c), type)}
        substitutes = {ref: in_process(standin, ref, self.namespace.get(ref), refusals)
                       for ref, standin in (standins or {}).items()}
        saved = {ref: self.namespace.get(ref) for ref in substitutes}
        # As in the sandbox: the stand-ins also answer as methods (`self.bptt(x, y)`).
        methods = [(cls, ref, vars(cls).get(ref)) for cls in classes.values()
                   for ref in substitutes]
        self.namespace.update(substitutes)
        for cls, ref, _ in methods:
            setattr(cls, ref, in_process(standins[ref], ref, vars(cls).get(ref) or saved[ref],
                                         refusals))
        try:
            work = materialise(copy.deepcopy(list(args)), classes)
            function = self.namespace.get(name)
            if function is None:
                raise NameError(f"name '{name}' is not defined: run the cell that defines it")
            value, printed = self._run(function, work)
            return Outcome(True, normalise(value), normalise(work), printed=printed,
                           refusals=refusals)
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # SystemExit and friends cost this exercise only
            message = str(error)[:2000] + (" (if it is defined in another cell, run that cell "
                                           "first)" if isinstance(error, NameError) else "")
            return Outcome(False, error={"type": type(error).__name__, "message": message,
                                         "where": _student_frames(error)}, refusals=refusals)
        finally:
            for ref, value in saved.items():
                if value is None:
                    self.namespace.pop(ref, None)
                else:
                    self.namespace[ref] = value
            for cls, ref, own in methods:
                if own is None:
                    delattr(cls, ref)
                else:
                    setattr(cls, ref, own)

    def call_many(self, name, args_list, standins=None, common=()):
        results = []
        for args in args_list:
            outcome = self.call(name, list(common) + list(args), standins)
            results.append(outcome.value if outcome.ok else None)
        return results


def caller_namespace():
    """The globals of the caller's caller: the notebook cell that ran check(), validate()
    or grade()."""
    return sys._getframe(2).f_globals


# The last public check of each exercise: (its functions' code when it ran, passed), so that
# validating (the test cell under each check) and the notes on helpers need not run it again.
_checked = {}


def _dependencies(assignment, exercise):
    """The graded functions an exercise calls, directly or through one another."""
    found, todo = [], list(exercise.uses)
    while todo:
        name = todo.pop(0)
        if name not in found:
            found.append(name)
            todo += list(assignment.exercise(name).uses)
    return found


def _public_tests(assignment, exercise, namespace):
    """The public check's tests, and whether they all passed (remembered, see _checked)."""
    (case,) = PublicReference(assignment).cases(exercise)
    # The functions it uses answer as the reference did, as they do when the notebook is graded.
    tests = check_exercise(assignment, exercise, KernelSession(namespace), [case])
    passed = all(test.passed for test in tests)
    code = tuple(getattr(namespace.get(name), "__code__", None)
                 for name in [exercise.name, *_dependencies(assignment, exercise)])
    _checked[assignment.name, exercise.name] = code, passed
    return tests, passed


def _passes(assignment, exercise, namespace):
    """Whether the public check passes, from the last run if nothing changed since."""
    code = tuple(getattr(namespace.get(name), "__code__", None)
                 for name in [exercise.name, *_dependencies(assignment, exercise)])
    remembered = _checked.get((assignment.name, exercise.name))
    if remembered and remembered[0] == code:
        return remembered[1]
    with contextlib.redirect_stdout(io.StringIO()):
        return _public_tests(assignment, exercise, namespace)[1]


def check(assignment_name, exercise_name, namespace=None):
    """The public check of one exercise: prints what passed and why anything failed.

    It never raises, so Restart & Run All runs every check and the demos; a failure ends
    with one line on stderr, and the test cell below (validate) makes nbgrader's Validate
    fail for it."""
    assignment = exercises.load(assignment_name)
    exercise = assignment.exercise(exercise_name)
    namespace = namespace if namespace is not None else caller_namespace()
    tests, passed = _public_tests(assignment, exercise, namespace)
    for test in tests:
        if not test.output.startswith("not credited"):  # says nothing about a public check
            print(test.output)
    if not passed:
        print(f"{exercise_name} does not pass its public check yet (see above).", file=sys.stderr)
        return
    print(f"All public checks of {exercise_name} passed. Hidden cases with other dimensions "
          "run when your notebook is graded.")
    used = _dependencies(assignment, exercise)
    failing = [name for name in used if not _passes(assignment, assignment.exercise(name),
                                                    namespace)]
    if failing:
        print(f"Note: this check used the expected {', '.join(used)}, not yours. Your own "
              f"{', '.join(failing)} {'does' if len(failing) == 1 else 'do'} not pass "
              f"{'its' if len(failing) == 1 else 'their'} check yet, so with your functions "
              f"{exercise_name} still gives other results.")


def validate(assignment_name, exercise_name, namespace=None):
    """The visible part of each test cell: nbgrader's Validate reads a test cell that writes
    to stderr as failed, so this says whether the public check passes. It is silent while
    nbgrader autogrades (the hidden tests below it give the points)."""
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        return
    assignment = exercises.load(assignment_name)
    namespace = namespace if namespace is not None else caller_namespace()
    if not _passes(assignment, assignment.exercise(exercise_name), namespace):
        print(f"{exercise_name} does not pass its public check yet.", file=sys.stderr)


def feedback_text(tests):
    """What a hidden test cell shows: each test's points, and why a failed one failed."""
    lines = []
    for test in tests:
        lines.append(f"{test.name}: {test.score:g} / {test.max_score:g}")
        if not test.passed:
            lines.append("    " + test.output.replace("\n", "\n    "))
    return "\n".join(lines) + "\n"
