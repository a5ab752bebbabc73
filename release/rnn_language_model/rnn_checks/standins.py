"""Stand-ins: what a graded function gets when it calls another graded function.

When a student's rnn_forward calls rnn_cell_forward, the call is answered with the
reference's behaviour, so that a wrong cell never costs points in the forward pass. The
answers must never make the grader an oracle for the expected output of another exercise,
so a stand-in answers only what the reference itself is asked on the case being graded:

- `Replay` (exercises graded by value): the reference's own calls on this case, recorded
  when the case was built. A call is answered when its arguments equal one of them (within
  the exercise's tolerance, in any order, positional or keyword alike). Anything else is
  refused with a sentence the student can act on.
- `Bounded` (exercises graded by behaviour, which call their dependencies freely: `model`
  runs `optimize` thousands of times): the reference runs in the grading process, but only
  on arguments shaped like its own calls on this case. An argument that the reference passed
  unchanged in every call (the sampler's parameters) must be passed equal; arrays must have
  the shapes, and lists at most the lengths, it used. No graded case has those shapes or
  values (a test checks it), so the answers are of no use for any other exercise, and the
  work done on the student's behalf is bounded.

Either way, the callee's in-place changes are written back into the caller's objects, and
where the reference returns one of its arguments (or puts it into a cache), the caller gets
its own object back, so aliasing behaves as it would in one process.
"""
import copy
import hashlib
import inspect
import json
import random
import time
from dataclasses import dataclass

import numpy as np

from .compare import compare
from .diagnose import explain
from . import protocol
from .protocol import normalise

EXACT = (1e-12, 1e-300)  # rtol, atol for arguments that must be passed unchanged


class Refused(Exception):
    """A stand-in will not answer this call; the message is for the student."""


@dataclass
class Answer:
    result: object
    args_after: list      # per positional argument: its state after the call, or None
    kwargs_after: dict    # likewise per keyword argument
    aliases: list         # [result path, ["args", i, ...] or ["kwargs", name, ...]]

    def reply(self):
        """What crosses to the caller's process (protocol.apply_answer takes it)."""
        return {"result": self.result, "args": self.args_after, "kwargs": self.kwargs_after}


def in_process(standin, name, own, refusals):
    """The stand-in as a function for code in this very process (a notebook's kernel), as
    the sandbox's: a call it refuses is added to `refusals` and goes to `own`, the
    student's own function (or raises ValueError where there is none)."""
    def stand_in(*args, **kwargs):
        try:  # on copies as they would cross the process boundary, as in the sandbox
            answer = standin.answer(*normalise([list(args), kwargs]))
        except Refused as refusal:
            refusals.append(str(refusal))
            if own is None:
                raise ValueError(f"{name} (answered by the grader): "
                                 f"{str(refusal).splitlines()[0]}") from None
            return own(*args, **kwargs)
        return protocol.apply_answer(args, kwargs, copy.deepcopy(answer.reply()), answer.aliases)
    stand_in.__name__ = name
    return stand_in


def signature_data(function):
    """A function's parameters as stored in a case: [[name], or [name, default]]."""
    return [[p.name] if p.default is p.empty else [p.name, p.default]
            for p in inspect.signature(function).parameters.values()]


def signature_of(data):
    return inspect.Signature([inspect.Parameter(item[0], inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                **({"default": item[1]} if len(item) > 1 else {}))
                              for item in data])


def bind(signature, name, args, kwargs):
    """{parameter: value} for a call, defaults applied; Refused as Python would refuse it."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as error:
        raise Refused(f"{name}() {error}") from None
    bound.apply_defaults()
    return dict(bound.arguments)


def _objects(value, path, found):
    """id -> path of every container and array inside the arguments."""
    if isinstance(value, (np.ndarray, list, dict, tuple)):
        found.setdefault(id(value), path)
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _objects(item, path + [i], found)
    elif isinstance(value, dict):
        for key, item in value.items():
            _objects(item, path + [key], found)
    return found


def aliases(result, arguments):
    """[result path, argument path] for each part of `result` that IS (not equals) an
    argument or a part of one."""
    found = _objects(arguments, [], {})
    pairs = []

    def walk(value, path):
        if id(value) in found and isinstance(value, (np.ndarray, list, dict)):
            pairs.append([path, found[id(value)]])
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                walk(item, path + [i])
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, path + [key])
    walk(result, [])
    return pairs


def recorder(function, calls):
    """`function`, recording each call into `calls` as [arguments before, result, arguments
    after (None if unchanged), aliases], each part as it would cross the process boundary."""
    signature = inspect.signature(function)

    def recorded(*args, **kwargs):
        arguments = bind(signature, function.__name__, args, kwargs)
        before = normalise(arguments)
        result = function(**arguments)  # changes `arguments` in place, as a call would
        after = normalise(arguments)
        changed = bool(compare(before, after, "", 0.0, 0.0))
        calls.append([before, normalise(result), after if changed else None,
                      aliases(result, arguments)])
        return result
    return recorded


def _answer(signature, args, kwargs, record):
    """The Answer for the caller's split of `arguments` into positional and keyword ones."""
    _, result, after, pairs = record
    names = list(signature.parameters)
    positional = names[:len(args)]
    where = {name: ["args", i] for i, name in enumerate(positional)}
    where.update({name: ["kwargs", name] for name in kwargs})
    return Answer(result,
                  [after[name] if after else None for name in positional],
                  {name: after[name] if after else None for name in kwargs},
                  [[path, where[name] + inner] for path, (name, *inner) in pairs if name in where])


class Replay:
    """Answers exactly the calls the reference made on this case.

    caller: the exercise being graded; reveal: whether the refusal may show values (the
    public case, whose inputs the student has)."""

    def __init__(self, name, signature, calls, caller, reveal):
        self.name, self.signature, self.calls = name, signature, calls
        self.caller, self.reveal = caller, reveal
        self.asked = 0  # calls so far: the k-th call is most likely meant as the k-th record

    def answer(self, args, kwargs):
        called = bind(self.signature, self.name, args, kwargs)
        position, self.asked = self.asked, self.asked + 1
        tolerance = self.caller.rtol, self.caller.atol
        # The record at this call's position first (a loop over time steps asks for them in
        # order), then the others: each differing argument rules a record out.
        order = self.calls[position:position + 1] + self.calls[:position] + \
            self.calls[position + 1:]
        for record in order:
            if not any(compare(record[0][name], called[name], name, *tolerance)
                       for name in called):
                return _answer(self.signature, args, kwargs, record)
        if not self.calls:
            raise Refused(f"a correct {self.caller.name} does not call {self.name} here, so "
                          f"your own {self.name} answered that call")
        found = [[d for name in called
                  for d in compare(record[0][name], called[name], name, *tolerance)]
                 for record in self.calls]
        # Fewest differing arguments; of those, the record at this call's position.
        closest = found[min(range(len(found)), key=lambda n: (len(found[n]), abs(n - position)))]
        raise Refused("\n".join(
            [f"{self.caller.name} called {self.name} with arguments that a correct "
             f"{self.caller.name} never passes here, so your own {self.name} answered that call "
             "(the grader answers only the calls a correct solution makes). The closest of "
             "them differs:"] +
            [f"  {line}" for line in explain(closest, self.caller.rtol, self.caller.atol,
                                             reveal=self.reveal)]))


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
        return _answer(self.signature, args, kwargs, record)


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
