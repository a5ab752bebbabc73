"""Reference cases computed in the grading process from solutions/ (never shipped to
students): the inputs of every case and the expected outputs, and the public case file that
`release` writes for the students' checks (rnn_checks.cases)."""
import contextlib
import copy
import functools
import importlib.util
import io

import numpy as np

from rnn_checks import protocol, standins
from rnn_checks.bounded import Bounded, Observation, observer
from rnn_checks.cases import Case, dump_value
from rnn_checks.exercises import DataLines

from . import mistakes
from .course import course_directory
from .secret import hidden_seed


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

    def data_lines(self, data):
        folder = course_directory() / "assignments" / self.assignment.name / "data"
        return (folder / data.file).read_text().splitlines(keepends=True)

    def matcher(self, exercise):
        """The named mistakes of `exercise` (mistakes.py), built once per exercise."""
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
        observations = {name: Observation(args) for name in exercise.uses}
        with self.replaced({name: functools.partial(observer, observation=observations[name])
                            for name in exercise.uses}):
            with contextlib.redirect_stdout(io.StringIO()):  # a reference model prints
                expectation = exercise.behaviour.expectation(self.functions(),
                                                             copy.deepcopy(args))
                for seed in exercise.behaviour.observed_seeds:
                    getattr(self.module, exercise.name)(*copy.deepcopy(args), seed)
        return expectation, {name: Bounded(name, getattr(self.module, name), observation, hidden)
                             for name, observation in observations.items()}

    def case(self, exercise, label, dims, seed):
        rng = np.random.default_rng(seed)
        named = {name: self.data_lines(value) if isinstance(value, DataLines) else value
                 for name, value in exercise.inputs(rng, dims).items()}
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
            args, arg_names = list(named.values()), list(named)
            forward_inputs = upstream = None
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
        return [self.case(exercise, *case)
                for case in self.assignment.cases(exercise.name, hidden_seed)]


def public_data(reference):
    """{exercise: its public case}, as written to rnn_checks/public/<assignment>.json."""
    data = {}
    for exercise in reference.assignment.exercises:
        case = reference.case(exercise, *reference.assignment.public_case())
        if exercise.inputs_after != "updated":
            case.args_after = None  # only an in-place update needs them: keep the file small
        case.bounded = None  # reference code: never in a student's hands
        data[exercise.name] = dump_value(case.__dict__)
    return data
