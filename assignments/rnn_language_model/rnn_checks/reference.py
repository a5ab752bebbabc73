"""Reference cases: the inputs of every case and the expected outputs.

In the grading process they come from `solutions/` (never shipped to students). In a
student's notebook only the public case is available, from the file `release` writes into
`autograder/public/`, so the notebook's checks need no reference code.
"""
import base64
import contextlib
import copy
import functools
import io
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import standins
from .sandbox import protocol

PACKAGE = Path(__file__).resolve().parent
PUBLIC = PACKAGE / "public"


def course_directory():
    """The course directory holding solutions/: $RNN_KIT_COURSE or this checkout."""
    return Path(os.environ.get("RNN_KIT_COURSE", PACKAGE.parent))


@dataclass
class Case:
    label: str                 # "public case", "hidden case 2"
    dims: str
    arg_names: list
    args: list
    expected: object
    forward_inputs: dict | None = None   # for a backward: the forward's named inputs
    upstream: dict | None = None         # for a backward: upstream argument -> gradient
    args_after: list | None = None       # the arguments after the reference's call
    # The reference's own calls of the functions this exercise uses, made on this case:
    # {name: {"signature": standins.signature_data, "calls": [standins.run's records]}}
    replies: dict | None = None
    bounded: dict | None = None          # behaviour-graded: {name: standins.Bounded}

    @property
    def hidden(self):
        """Feedback on a hidden case reveals none of its values (diagnose.py)."""
        return self.label != "public case"

    def standins(self, exercise):
        """{name: stand-in} for each function the exercise uses (see standins.py): Replay of
        exactly the calls the reference made on this case, or for a behaviour-graded
        exercise, Bounded."""
        if self.bounded is not None:
            return self.bounded
        return {name: standins.Replay(name, standins.signature_of(data["signature"]),
                                      data["calls"], exercise, not self.hidden)
                for name, data in (self.replies or {}).items()}


EXPECTATIONS = {}


def load_solutions(assignment_name):
    path = course_directory() / "solutions" / f"{assignment_name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"reference solutions not found at {path}; set RNN_KIT_COURSE "
                                "to the course directory")
    spec = importlib.util.spec_from_file_location(f"reference_{assignment_name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class SolutionReference:
    """Cases and reference functions computed from solutions/ in the grading process."""

    def __init__(self, assignment):
        self.assignment = assignment
        self.module = load_solutions(assignment.name)

    def matcher(self, exercise):
        """The named mistakes of `exercise` (mistakes.py), built once per exercise."""
        from . import mistakes  # late: only the grading process names mistakes
        if not hasattr(self, "_matchers"):
            catalogue = mistakes.load(course_directory(), self.assignment.name)
            self._matchers = {e.name: mistakes.Matcher(self, catalogue, e)
                              for e in self.assignment.exercises}
        return self._matchers[exercise.name]

    def classes(self):
        """{name: the reference's class} for the classes the assignment names (e.g. RNN)."""
        return {name: getattr(self.module, name) for name in self.assignment.classes}

    def call(self, name, args):
        """The reference's `name` on `args` (a list, changed in place), with each object's
        attributes (protocol.Instance) made an object of the reference's class."""
        objects = protocol.materialise(args, self.classes())
        result = getattr(self.module, name)(*objects)
        args[:] = objects
        return result

    def functions(self, names=None):
        """Reference functions by name (all of them without `names`)."""
        functions = {name: value for name, value in vars(self.module).items() if callable(value)}
        return functions if names is None else {name: functions[name] for name in names}

    @contextlib.contextmanager
    def replaced(self, wrappers):
        """The module's functions wrapped (name -> wrapper(function)) while inside, also as
        methods of the assignment's classes (`RNN.bptt = bptt`)."""
        originals = {name: getattr(self.module, name) for name in wrappers}
        methods = [(cls, name) for cls in self.classes().values() for name in wrappers
                   if vars(cls).get(name) is originals[name]]
        try:
            for name, wrap in wrappers.items():
                setattr(self.module, name, wrap(originals[name]))
            for cls, name in methods:
                setattr(cls, name, getattr(self.module, name))
            yield
        finally:
            for name, function in originals.items():
                setattr(self.module, name, function)
            for cls, name in methods:
                setattr(cls, name, originals[name])

    def expected(self, exercise, args):
        """(result, arguments after the call, and the calls it made to the functions it
        uses, as Case.replies) of the reference."""
        calls = {name: [] for name in exercise.uses}
        with self.replaced({name: functools.partial(standins.recorder, calls=calls[name])
                            for name in exercise.uses}):
            work = copy.deepcopy(args)
            result = self.call(exercise.name, work)
        replies = {name: {"signature": standins.signature_data(getattr(self.module, name)),
                          "calls": calls[name]} for name in exercise.uses}
        return protocol.normalise(result), protocol.normalise(work), replies

    def behaviour_standins(self, exercise, args, hidden):
        """{name: Bounded} for the functions a behaviour-graded exercise uses, shaped by the
        reference's own calls on the case: its expectation (a training run), and its own
        function run on a few seeds where the case's last argument is one. hidden: the case
        is a hidden one."""
        observations = {name: standins.Observation(args) for name in exercise.uses}
        with self.replaced({name: functools.partial(standins.observer,
                                                    observation=observations[name])
                            for name in exercise.uses}):
            with contextlib.redirect_stdout(io.StringIO()):  # a reference model prints
                expectation = exercise.behaviour.expectation(self.functions(),
                                                             copy.deepcopy(args))
                for seed in exercise.behaviour.observed_seeds:
                    getattr(self.module, exercise.name)(*copy.deepcopy(args), seed)
        return expectation, {name: standins.Bounded(name, getattr(self.module, name), observation,
                                                    hidden)
                             for name, observation in observations.items()}

    def case(self, exercise, label, dims, seed):
        rng = np.random.default_rng(seed)
        named = exercise.inputs(rng, dims)
        check = exercise.gradient
        if exercise.behaviour:
            args = list(named.values())
            key = (self.assignment.name, exercise.name, label)
            if key not in EXPECTATIONS:  # e.g. a reference training run: once per process
                EXPECTATIONS[key] = self.behaviour_standins(exercise, args,
                                                            label != "public case")
            expectation, bounded = EXPECTATIONS[key]
            return Case(label, str(dims), list(named), args, expectation, bounded=bounded)
        if check is None:
            args, arg_names, forward_inputs, upstream = list(named.values()), list(named), None, None
        else:
            # The forward's outputs give the backward its cache and the upstream gradients' shapes.
            needs_forward = check.upstream or check.outputs or any(name not in named
                                                                   for name in check.args)
            outputs = self.call(check.forward, copy.deepcopy(check.arguments(named))) \
                if needs_forward else None
            upstream = {name: rng.standard_normal(np.shape(outputs[i]))
                        for name, i in check.upstream.items()}
            args = [upstream[name] if name in upstream else
                    outputs[check.outputs[name]] if name in check.outputs else
                    copy.deepcopy(named[name]) if name in named else outputs[check.cache]
                    for name in check.args]
            arg_names, forward_inputs = list(check.args), named
        expected, args_after, replies = self.expected(exercise, args)
        return Case(label, str(dims), arg_names, args, expected, forward_inputs, upstream,
                    args_after, replies)

    def cases(self, exercise):
        """Every case of `exercise`, the hidden ones drawn from the course's secret."""
        from .secret import hidden_seed  # late: host only, never in the students' copy
        return [self.case(exercise, *case)
                for case in self.assignment.cases(exercise.name, hidden_seed)]


def dump_value(value):
    buffers = []
    node = protocol.encode(value, buffers)
    return {"value": node, "buffers": [base64.b64encode(b).decode() for b in buffers]}


def load_value(data):
    return protocol.decode(data["value"], [base64.b64decode(b) for b in data["buffers"]])


def public_data(reference):
    """{exercise: its public case}, as written to autograder/public/<assignment>.json."""
    data = {}
    for exercise in reference.assignment.exercises:
        case = reference.case(exercise, *reference.assignment.public_case())
        if exercise.inputs_after != "updated":
            case.args_after = None  # only an in-place update needs them: keep the file small
        case.bounded = None  # reference code: never in a student's hands
        data[exercise.name] = dump_value(case.__dict__)
    return data


class PublicReference:
    """The public case of each exercise, read from the data file.

    It holds no reference code. For the functions an exercise uses, it replays the answers
    the reference gave while computing the public case (Case.standins).
    """

    def __init__(self, assignment):
        self.assignment = assignment
        path = PUBLIC / f"{assignment.name}.json"
        self.data = json.loads(path.read_text())

    def cases(self, exercise):
        return [Case(**load_value(self.data[exercise.name]))]
