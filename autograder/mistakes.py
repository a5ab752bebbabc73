"""Named mistakes: which known wrong procedure reproduces a student's wrong output.

A catalogue per assignment (`solutions/mistakes/<assignment>.py`, beside the references and
never shipped to students) lists mistakes, each a small edit of one reference function's
source: `Mistake("missing_transpose", "rnn_cell_backward", [("Waa.T", "Waa")], hint)`. When a
student's result is wrong, the grader runs each variant of that exercise's reference (and
each pair of them, since mistakes compose) on the same inputs, in the grading process, and
names the one whose result equals the student's within the exercise's tolerance on every
failing case. The hint says where to look, never the fix.
"""
import ast
import contextlib
import copy
import functools
import io
import importlib.util
import inspect
import itertools
import textwrap
import warnings
from dataclasses import dataclass

from rnn_checks import standins
from rnn_checks.session import Raised
from rnn_checks import protocol


@dataclass(frozen=True)
class Mistake:
    id: str          # stable: it names the mistake in feedback and in the class report
    function: str    # the reference function it changes (the exercise's)
    edits: tuple     # (old, new) text replacements in that function's source, each found once
    hint: str        # for the student: what to look at, not the fix

    def __post_init__(self):  # hashable, whether written as lists or tuples
        object.__setattr__(self, "edits", tuple(tuple(edit) for edit in self.edits))


class CatalogueError(Exception):
    """A mistake's edit does not apply to the reference (the reference changed)."""


def load(course, assignment_name):
    """The assignment's catalogue ([Mistake]), or [] where it has none."""
    path = course / "solutions" / "mistakes" / f"{assignment_name}.py"
    if not path.is_file():
        return []
    spec = importlib.util.spec_from_file_location(f"mistakes_{assignment_name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.MISTAKES)


def function_source(module, name):
    """The source of the top-level function `name` of the reference module, dedented."""
    source = inspect.getsource(module)
    node = next(n for n in ast.parse(source).body
                if isinstance(n, ast.FunctionDef) and n.name == name)
    return textwrap.dedent("\n".join(source.splitlines()[node.lineno - 1:node.end_lineno])) + "\n"


def variant(module, function, edits):
    """The reference `function` with `edits` applied, defined in a copy of the reference
    module's namespace (so it calls the other reference functions)."""
    source = function_source(module, function)
    for old, new in edits:
        if source.count(old) != 1:
            raise CatalogueError(f"{function}: {old!r} occurs {source.count(old)} times, not once")
        source = source.replace(old, new)
    namespace = dict(vars(module))
    exec(compile(source, f"<mistake in {function}>", "exec"), namespace)
    return namespace[function]


class Matcher:
    """The variants of one exercise's reference: single mistakes first, then pairs."""

    def __init__(self, reference, mistakes, exercise):
        self.reference, self.exercise = reference, exercise
        own = [m for m in mistakes if m.function == exercise.name]
        self.candidates = [(m,) for m in own] + [
            pair for pair in itertools.combinations(own, 2) if pair[0].id != pair[1].id
            and not set(e[0] for e in pair[0].edits) & set(e[0] for e in pair[1].edits)]

    @functools.lru_cache(maxsize=None)
    def function(self, candidate):
        edits = [edit for mistake in candidate for edit in mistake.edits]
        try:
            return variant(self.reference.module, self.exercise.name, edits)
        except CatalogueError:
            return None  # two edits that overlap: that pair does not exist

    def run(self, function, case):
        """(result, arguments after) of a variant on a case, as values, or what it raised
        (a mistake may well raise on some inputs). The functions it uses answer
        as they did for the student's code: the case's stand-ins, or where they refuse, the
        reference (standing in for the student's own, presumably right, function)."""
        work = protocol.materialise(copy.deepcopy(list(case.args)), self.reference.classes())
        names = function.__globals__  # the variant's own copy of the module's namespace
        saved = {name: names[name] for name in self.exercise.uses}
        names.update({name: standins.in_process(standin, name, saved[name], [])
                      for name, standin in case.standins(self.exercise).items()})
        try:
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # nan from 0/0 is what some mistakes give
                result = function(*work)
        except Exception as error:
            return Raised(type(error).__name__, str(error))
        finally:
            names.update(saved)
        return protocol.normalise(result), protocol.normalise(work)

    def name(self, failures, reproduces):
        """The first candidate that reproduces every failure, or None.

        failures: [(case, what the student's code gave)]; reproduces(variant function, case,
        student's) -> whether the variant gives what the student's code gave there."""
        for candidate in self.candidates:
            function = self.function(candidate)
            if function is not None and all(reproduces(function, case, student)
                                             for case, student in failures):
                return candidate
        return None
