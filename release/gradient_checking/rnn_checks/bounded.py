"""Stand-ins for exercises graded by behaviour, which call their dependencies freely (`model`
runs `optimize` thousands of times), so no record of the reference's calls can answer them.

- `Bounded`: the reference runs in the grading process, but only on arguments shaped like
  its own calls on this case (seen by `observer` into an `Observation` when the case was
  built). An argument that the reference passed unchanged in every call (the sampler's
  parameters) must be passed equal; arrays must have the shapes, and lists at most the
  lengths, it used. No graded case has those shapes or values (a test checks it), so the
  answers are of no use for any other exercise, and the work done on the student's behalf
  is bounded. `Answers` keeps the reference's own answers, so a correct model's training
  run is computed once per worker.
- `Scripted`: answers from a script, computing nothing: the model a training loop is given.

The shared part of every stand-in (Refused, Answer, binding a call, aliases) is standins.py.
"""
import hashlib
import inspect
import json
import random
import time

import numpy as np

from .compare import compare
from . import protocol
from .protocol import normalise
from .standins import EXACT, Answer, Refused, aliases, answer_from, bind, signature_of


class Observation:
    """What the reference's own calls of one function on a case had in common: for each
    parameter, the case input it always equalled (if any), and the shapes and lengths seen."""

    def __init__(self, case_inputs):
        self.case_inputs = [normalise(value) for value in case_inputs if holds_arrays(value)
                            or isinstance(value, dict)]
        self.pinned, self.limits = {}, {}
        self.answers = Answers()  # the reference's own answers on this case

    def add(self, arguments):
        # Read in place, not copied: this runs on every call of a training run.
        for name, value in arguments.items():
            same = [i for i in self.pinned.get(name, range(len(self.case_inputs)))
                    if not compare(self.case_inputs[i], value, "", 0.0, 0.0)]
            self.pinned[name] = same
            self.limits[name] = merge(self.limits.get(name), limit_of(value))


def observer(function, observation):
    """`function`, adding each call's arguments to `observation`, and its answer (as it
    would cross the process boundary) with the seconds it took, where it drew no random
    numbers."""
    signature = inspect.signature(function)

    def observed(*args, **kwargs):
        arguments = bind(signature, function.__name__, args, kwargs)
        observation.add(arguments)
        key = Answers.key(normalise(arguments))  # before the call changes them
        before, started = random_state(), time.perf_counter()
        result = function(**arguments)
        seconds = time.perf_counter() - started
        if random_state() == before:
            observation.answers.put(key, [seconds, normalise(result), normalise(arguments),
                                          aliases(result, arguments)])
        return result
    return observed


class Bounded:
    """Runs the reference, on arguments shaped like its own calls on this case; an argument
    that the reference always took straight from the case's inputs must be that input."""

    def __init__(self, name, function, observation, hidden=True):
        self.name, self.function, self.hidden = name, function, hidden
        self.signature = inspect.signature(function)
        self.fixed = {parameter: observation.case_inputs[found[0]]
                      for parameter, found in observation.pinned.items() if found}
        self.limits = {parameter: limit for parameter, limit in observation.limits.items()
                       if parameter not in self.fixed}
        self.observed = bool(observation.limits)
        self.answers = observation.answers

    def answer(self, args, kwargs):
        if not self.observed:
            raise Refused(f"a correct solution does not call {self.name} here, so your own "
                          f"{self.name} answered that call")
        # The grader's own decoded copies: read and changed in place, never copied again.
        called = bind(self.signature, self.name, args, kwargs)
        for parameter, value in self.fixed.items():
            if compare(value, called.get(parameter), "", *EXACT):
                raise Refused(f"the grader answers {self.name} here only for the {parameter} "
                              f"this exercise was given, so your own {self.name} answered a "
                              "call with another one")
        for parameter, limit in self.limits.items():
            problem = fits(limit, called.get(parameter))
            if problem:
                raise Refused(f"the grader answers {self.name} here only for arguments shaped "
                              f"like a correct solution's ({parameter} {problem}), so your own "
                              f"{self.name} answered a call")
        record = self.answers.get(Answers.key(called))
        started = time.perf_counter()
        if record is None:
            result = self.function(**called)
            # All of `called` goes back (an unchanged value is written back as it was), which
            # costs less than finding what changed, on every call of a training run.
            record = [None, result, called, aliases(result, called)]
        elif self.hidden:  # as late as the reference took: no timing which calls it made
            time.sleep(max(0.0, record[0] - (time.perf_counter() - started)))
        return answer_from(self.signature, args, kwargs, record)


class Answers:
    """The reference's own answers on one case, by the exact bytes of the call, kept while
    every stand-in's together stay within BUDGET bytes, and then no more. A correct model
    repeats the reference's calls step for step, so the reference's side of its training
    run is computed once per worker, not once per student.

    Only the reference's calls are kept, never a student's: what is kept is the same for
    every student, so it tells no student anything about another. On a hidden case a kept
    answer is given no sooner than the reference took to compute it, so its speed does not
    tell a student which calls the reference makes there either; on the public case, whose
    inputs and expected results the student has anyway, it is given at once."""
    BUDGET = 128 << 20
    used = 0  # by all of this process

    def __init__(self):
        self.stored = {}

    @staticmethod
    def key(called):
        buffers = []
        header = json.dumps(protocol.encode(called, buffers), sort_keys=True).encode()
        digest = hashlib.blake2b(header, digest_size=32)
        for buffer in buffers:
            digest.update(len(buffer).to_bytes(8, "little"))
            digest.update(buffer)
        return digest.digest()

    def get(self, key):
        return self.stored.get(key)

    def put(self, key, record):
        size = array_bytes(record[1:3]) + 1000
        if Answers.used + size <= self.BUDGET:
            self.stored[key] = record
            Answers.used += size


def array_bytes(value):
    """The bytes of the arrays `value` holds (what keeping it costs)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, dict):
        return sum(array_bytes(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return sum(array_bytes(item) for item in value)
    return 0


def random_state():
    """Where NumPy's and Python's global random generators are: an answer that moved them
    drew random numbers, and another call would get others."""
    _, key, position, has_gauss, gauss = np.random.get_state()
    return int(key[0]), position, has_gauss, gauss, random.getstate()


def holds_arrays(value):
    if isinstance(value, np.ndarray):
        return True
    if isinstance(value, dict):
        return any(holds_arrays(v) for v in value.values())
    return isinstance(value, (list, tuple)) and any(holds_arrays(v) for v in value)


def limit_of(value):
    """The shape of a value, as `fits` checks it."""
    if isinstance(value, np.ndarray):
        return ("array", {value.shape})
    if isinstance(value, dict):
        return ("dict", {key: limit_of(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return ("sequence", len(value))
    if isinstance(value, str):
        return ("str", len(value))
    return ("number", None)


def merge(limit, other):
    """The smallest limit that both `limit` (or None) and `other` fit."""
    if limit is None:
        return other
    if limit[0] != other[0]:
        raise ValueError(f"the reference passed an argument of two kinds: {limit[0]}, {other[0]}")
    kind, detail = limit
    if kind == "array":
        return kind, detail | other[1]
    if kind == "dict":
        return kind, {key: merge(detail.get(key), value) for key, value in other[1].items()}
    if kind in ("sequence", "str"):
        return kind, max(detail, other[1])
    return limit


def fits(limit, value):
    """None if `value` is within `limit`, else what is wrong."""
    kind, detail = limit
    if kind == "array":
        if not isinstance(value, np.ndarray) or value.shape not in detail:
            return f"must be an array of shape {' or '.join(map(str, sorted(detail)))}"
    elif kind == "dict":
        if not isinstance(value, dict) or set(value) != set(detail):
            return f"must be a dict with keys {sorted(map(str, detail))}"
        for key, inner in detail.items():
            problem = fits(inner, value[key])
            if problem:
                return f"[{key!r}] {problem}"
    elif kind == "sequence":
        if not isinstance(value, (list, tuple)) or len(value) > detail or not all(
                item is None or type(item) is int for item in value):
            return f"must be a list of at most {detail} indices"
    elif kind == "str":
        if not isinstance(value, str) or len(value) > detail:
            return f"must be a string of at most {detail} characters"
    elif value is not None and not isinstance(value, (int, float)):
        return "must be a number"
    return None


class Scripted:
    """A stand-in that answers from a script, not from the reference: the model object a
    training loop is given. `answers` (for `calculate_loss`: the losses it reports, in
    order) or None (`sgd_step`: it changes nothing and returns None). Every call is logged
    into `log`, shared by the model's stand-ins, as [name, index of the training sentence
    passed (-1 for none), the other arguments]; the whole training set passed is index
    "all". It computes nothing, so it can tell the student's code nothing about any other
    exercise, and hidden cases script other losses."""

    def __init__(self, name, parameters, log, data, answers=None):
        self.name, self.log, self.data = name, log, data
        self.signature = signature_of([[parameter] for parameter in parameters])
        self.answers = None if answers is None else list(answers)

    def sentence(self, x, y):
        X, Y = self.data
        if not compare(X, x, "", *EXACT) and not compare(Y, y, "", *EXACT):
            return "all"
        return next((i for i, pair in enumerate(zip(X, Y))
                     if not compare(list(pair), [x, y], "", *EXACT)), -1)

    def answer(self, args, kwargs):
        called = bind(self.signature, self.name, args, kwargs)
        names = list(self.signature.parameters)
        others = [called[name] for name in names[3:]]  # after self, x, y
        self.log.append([self.name, self.sentence(called[names[1]], called[names[2]]), others])
        if self.answers is None:
            return Answer(None, [None] * len(args), {name: None for name in kwargs}, [])
        if not self.answers:
            raise Refused(f"{self.name} was called more often than a correct solution calls it")
        return Answer(self.answers.pop(0), [None] * len(args), {name: None for name in kwargs},
                      [])
