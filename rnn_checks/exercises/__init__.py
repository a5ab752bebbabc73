"""Declarative exercise specs: what each graded function is called with and what is compared.

An assignment module (e.g. `rnn_step_by_step.py` beside this file) defines `ASSIGNMENT`.
Adding an exercise means adding an `Exercise` entry and its reference function in
`solutions/`; the check engine, the notebook checks and the CLI all read these specs.
"""
import importlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import protocol


@dataclass(frozen=True)
class Dims:
    """Dimensions of one case: inputs n_x, hidden n_a, outputs n_y, batch m, time T_x."""
    n_x: int
    n_a: int
    n_y: int
    m: int
    T_x: int

    def __str__(self):
        return f"n_x={self.n_x}, n_a={self.n_a}, n_y={self.n_y}, m={self.m}, T_x={self.T_x}"


@dataclass(frozen=True)
class GradientCheck:
    """A backward function returns the gradients of a loss computed by `forward`.

    args:     the backward's arguments, each an upstream gradient (a key of `upstream`), a
              forward output (a key of `outputs`), a named input, or else the forward's
              cache output (position `cache`);
    upstream: upstream argument -> position of the forward output it is the gradient of;
              the loss is then sum(upstream * output) over them, plus `objective`;
    objective: (forward outputs, named inputs) -> a loss the backward also differentiates
              (a softmax's cross-entropy), added to the upstream terms;
    loss:     without either, the position of the forward's scalar loss output;
    wrt:      gradient key -> forward input it differentiates ("xt", "parameters.Wax",
              "self.U" for an attribute of the model object).
    """
    forward: str
    args: tuple
    wrt: dict
    cache: int | None = None
    upstream: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    objective: Callable | None = None
    loss: int | None = None     # None without upstream: the forward returns the loss itself
    within: str | None = None   # the returned part that holds the gradients, if not all of it
    # The forward's arguments from the named inputs, where they are not simply all of them
    # (a loss over a list of sentences, for a backward over one sentence).
    forward_args: Callable | None = None
    # Whether the backward is the exact gradient on a case's named inputs (a truncated
    # backpropagation is only where the truncation reaches the first step).
    exact: Callable | None = None

    def arguments(self, named):
        return self.forward_args(named) if self.forward_args else list(named.values())

    def applies(self, named):
        return self.exact is None or self.exact(named)


@dataclass(frozen=True)
class DataLines:
    """An input that is the lines (newlines kept) of a file in the assignment's data/ folder.
    The grader, which has the course directory, reads it when it computes a case; students'
    checks only read the public case."""
    file: str


@dataclass(frozen=True)
class Exercise:
    name: str
    points: float
    inputs: Callable        # (rng, Dims) -> {argument name: value}; for a backward: the forward's
    outputs: tuple = ()     # names of the returned tuple's items; one name: a single value
    uses: tuple = ()        # graded functions it calls: these get the reference behaviour
    gradient: GradientCheck | None = None
    # What must become of the arguments: "unchanged" (a test of its own), "updated" in place
    # exactly as the reference does (part of every case: e.g. update_parameters), or "free"
    # when both are correct.
    inputs_after: str = "unchanged"
    behaviour: object = None    # a check of behaviour instead of values (rnn_checks.behaviour)
    returns: bool = True        # False: what it returns is not graded (an in-place update)
    hidden_cases: int | None = None  # how many of the assignment's hidden cases to use
    rtol: float = 1e-6
    atol: float = 1e-9
    time_axis: int | None = None    # the axis of time steps in its array outputs, if any
    # What to do when it changed an input it must leave as it was.
    inputs_advice: str = ("work on new arrays (e.g. x = x + y, or .copy()) so the caller's "
                          "data stays intact")

    @property
    def caches(self):
        """Outputs that carry values to a backward pass. They are graded by value: a number
        where the reference has an array holding that number everywhere is the same to any
        computation (NumPy broadcasts it), so it is accepted."""
        return tuple(name for name in self.outputs if name.startswith("cache"))


@dataclass(frozen=True)
class Assignment:
    name: str
    exercises: tuple
    public: Dims                       # the case students see in the notebook
    hidden: tuple                      # further cases used for grading only
    provided: tuple = ()               # reference helpers given to students in the setup cell
    classes: tuple = ()                # classes whose objects are arguments (protocol.Instance)
    setup_imports: str = "import numpy as np"

    def exercise(self, name):
        return next(e for e in self.exercises if e.name == name)

    def public_case(self):
        """(label, dims, seed) of the public case: the same in every course (students have
        its inputs anyway)."""
        return "public case", self.public, 1

    def cases(self, exercise, seed):
        """(label, dims, seed) for the public case, then the hidden cases. seed(exercise,
        number) gives a hidden case's seed: the host's (autograder.secret.hidden_seed) comes
        from the course's secret, which this module, released to students, never holds."""
        yield self.public_case()
        limit = self.exercise(exercise).hidden_cases
        for number, dims in enumerate(self.hidden[:limit], start=1):
            yield f"hidden case {number}", dims, seed(exercise, number)

    @property
    def max_score(self):
        return sum(e.points for e in self.exercises)


def load(name):
    """The Assignment spec called `name`; raises KeyError with the known names."""
    if name not in ASSIGNMENTS:
        raise KeyError(f"unknown assignment {name!r}; known: {', '.join(ASSIGNMENTS)}")
    assignment = importlib.import_module(f"{__name__}.{name}").ASSIGNMENT
    protocol.register_classes(assignment.classes)
    return assignment


def normal(rng, *shape, scale=1.0):
    return rng.standard_normal(shape) * scale


ASSIGNMENTS = ("rnn_step_by_step", "dinosaurus_island", "rnn_language_model",
               "gradient_checking")
__all__ = ["Assignment", "DataLines", "Dims", "Exercise", "GradientCheck", "load", "normal", "np"]
