"""Stand-ins: what a graded function gets when it calls another graded function.

When a student's rnn_forward calls rnn_cell_forward, the call is answered with the
reference's behaviour, so that a wrong cell never costs points in the forward pass. The
answers must never make the grader an oracle for the expected output of another exercise,
so a stand-in answers only what the reference itself is asked on the case being graded:

- `Replay` (exercises graded by value, this module): the reference's own calls on this case,
  recorded when the case was built. A call is answered when its arguments equal one of them
  (within the exercise's tolerance, in any order, positional or keyword alike). Anything
  else is refused with a sentence the student can act on.
- `Bounded` (exercises graded by behaviour, bounded.py): the reference runs in the grading
  process, but only on arguments shaped like its own calls on this case.

Either way, the callee's in-place changes are written back into the caller's objects, and
where the reference returns one of its arguments (or puts it into a cache), the caller gets
its own object back, so aliasing behaves as it would in one process. This module holds what
every stand-in shares (Refused, Answer, binding a call, aliases) and Replay.
"""
import copy
import inspect
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


def answer_from(signature, args, kwargs, record):
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
                return answer_from(self.signature, args, kwargs, record)
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
