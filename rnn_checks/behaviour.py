"""Checks of behaviour, for exercises whose exact output is not the point.

- `SamplingCheck` (a sampler): structure, determinism, the length cap, and the distribution.
  The distribution test never replays one random stream, so every correct sampler passes
  (any seeding protocol, any way of drawing). For each sampled index k at each step, with
  the reference model's conditional distribution p given the student's own prefix, the
  randomised probability integral transform u = P(K < k) + V p[k] (V uniform) is uniform
  on [0, 1] exactly when k was drawn from p, independently of all earlier steps. So the
  first n values of the stream of u are i.i.d. uniform for a correct sampler, and the
  Dvoretzky-Kiefer-Wolfowitz inequality (Massart's constant) bounds a false failure of the
  Kolmogorov-Smirnov test: P(D_n > eps) <= 2 exp(-2 n eps^2) = alpha, for every n.
- `TrainingCheck` (a training loop): trains with the student's function on a small corpus and
  measures the loss of the returned parameters with the reference, against a threshold set
  from the reference's own training. It does not depend on the order of random calls.

In a student's notebook only what `public_expectation` stored at release time is known, so
the public sampling check tests the first character's distribution only.
"""
import contextlib
import io
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .compare import as_float, compare, describe_type, is_number, shown
from .diagnose import explain, explain_error, returned
from .protocol import normalise
from .standins import Scripted


@dataclass
class Verdict:
    label: str
    share: float     # of the exercise's points
    ok: bool
    lines: list
    # What the student's code did, for naming a mistake (Behaviour.observe), or None.
    observed: object = None


def indices(value):
    """A sample as a list of ints, or None if it is not a sequence of integers."""
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iu":
        value = value.tolist()
    if isinstance(value, (list, tuple)) and all(type(i) is int for i in value):
        return list(value)
    return None


def not_indices(name, value, reveal=True):
    """What a sampler returned instead of a list of indices, in one sentence."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return (f"{returned(name, value, reveal)} that holds something other than integer "
                "indices; expected a list of indices")
    return f"{returned(name, value, reveal)} where a list of indices is expected"


def distributions(step, parameters, sample):
    """The model's distribution of each index of `sample` given the ones before it: from a
    zero state and a zero input, each index fed back one-hot (as a sampler draws)."""
    n_a, vocab_size = parameters["Waa"].shape[0], parameters["by"].shape[0]
    a, x = np.zeros((n_a, 1)), np.zeros((vocab_size, 1))
    for k in sample:
        a, p = step(parameters, a, x)
        yield p
        x = np.zeros((vocab_size, 1))
        x[k] = 1


class Behaviour:
    """Shared by the checks below: `aspects` are (label, share of the points) pairs;
    `observed_seeds`: seeds on which the reference's own function runs when a case is built,
    so that the calls it makes shape the stand-ins (standins.Bounded)."""
    aspects = ()
    observed_seeds = ()

    def verdict(self, label, ok, lines):
        return Verdict(label, dict(self.aspects)[label], ok, lines)

    def failed(self, *lines):
        return [self.verdict(label, False, list(lines)) for label, _ in self.aspects]

    def reproduces(self, function, case, observed):
        """Whether `function` (a named mistake's variant of the reference) does what the
        student's code did on `case` (`observed`, a verdict's): by default, exactly."""
        return not compare(self.observe(function, case.args), observed, "", 1e-9, 1e-12)


@dataclass(frozen=True)
class SamplingCheck(Behaviour):
    """sample(parameters, char_to_ix, seed) -> list of indices, ending with the newline."""
    step: str                       # reference function (parameters, a_prev, x) -> (a, p)
    capped_parameters: Callable     # (parameters) -> parameters whose names never end early
    newline: int = 0
    cap: int = 50                   # characters drawn before the newline is forced
    values: int = 3000              # n: PIT values in the KS test
    seeds: int = 300                # seeds per round, until n values are collected
    rounds: int = 12                # at most (a correct sampler gives >= 1 value per seed)
    # Seeds the grader passes are this far apart: a sampler that reseeds every step with
    # seed + step (as a well-known course's does) then never reuses another sample's stream.
    stride: int = 1000
    run: int = 0                    # another run draws independent seeds and V (for calibration)
    kept: int = 300                 # samples kept to name a mistake (mistakes.py)
    observed_seeds: tuple = (0, 1000, 2000, 3000, 4000)
    alpha: float = 1e-6             # false-failure probability bound for a correct sampler

    @property
    def aspects(self):
        return (("structure", .15), ("same seed, same names", .1), ("distribution", .6),
                (f"stops after {self.cap} characters", .15))

    def expectation(self, reference_functions, args):
        """What the notebook's public check needs: the first character's distribution."""
        parameters = args[0]
        n_a, vocab_size = parameters["Waa"].shape[0], parameters["by"].shape[0]
        _, p = reference_functions[self.step](parameters, np.zeros((n_a, 1)),
                                              np.zeros((vocab_size, 1)))
        return {"first": p.ravel()}

    def structure(self, sample, vocab_size, reveal=True):
        """What is wrong with one sample's structure (`indices` of what the sampler
        returned), or None; with the sample, if reveal."""
        if sample is None:  # returned None or another type, or raised
            return "is not a list of integer indices"
        start = f": {shown(sample[:60], 400)}" if reveal else ""
        if not sample or sample[-1] != self.newline:
            return f"does not end with the newline index {self.newline}{start}"
        if any(not 0 <= i < vocab_size for i in sample):
            return f"has indices outside 0..{vocab_size - 1}{start}"
        if self.newline in sample[:-1] and not self.course_ending(sample):
            return f"continues after a newline (only the last index may be one){start}"
        if len(sample) > self.cap + 1:
            drawn = f"has {len(sample) - 1} characters" if reveal else "has too many characters"
            return f"{drawn}; at most {self.cap} are drawn{start}"
        return None

    def course_ending(self, sample):
        """The well-known course's loop appends the newline after the cap even when the
        last drawn character already was one: its own behaviour, so accepted."""
        return len(sample) == self.cap + 1 and sample[-2:] == [self.newline] * 2

    def conditionals(self, parameters, functions, expectation):
        """A generator function: for a sample, the reference's distribution at each of its
        steps given the sample's own prefix (in the notebook: the first step only)."""
        step = functions.get(self.step)

        def conditional(sample):
            if step is None:  # in the notebook: only the first step is known
                yield expectation["first"]
                return
            for p in distributions(step, parameters, sample[:self.cap]):
                yield p.ravel()
        return conditional

    def grade(self, exercise, session, case, functions):
        parameters, char_to_ix = case.args[0], case.args[1]
        vocab_size = parameters["by"].shape[0]
        name = exercise.name
        first = session.call(name, [parameters, char_to_ix, 0], case.standins(exercise))
        if not first.ok:
            return self.failed(*explain_error(first.error, name, not case.hidden))
        verdicts = []
        conditional = self.conditionals(parameters, functions, case.expected)
        uniform = np.random.default_rng([20251123, self.run])  # fixed: grading is deterministic
        first_seed = 10_000 * self.run
        stream, seed, problems, kept = [], 0, [], []
        while len(stream) < self.values and seed < self.rounds * self.seeds:
            batch = session.call_many(name, [[(first_seed + s) * self.stride]
                                             for s in range(seed, seed + self.seeds)],
                                      case.standins(exercise), common=[parameters, char_to_ix])
            for sample in map(indices, batch):
                if len(kept) < self.kept:
                    kept.append(sample)
                problem = self.structure(sample, vocab_size, not case.hidden)
                if problem:
                    problems.append(problem)
                    continue
                if len(stream) >= self.values:
                    continue  # the test uses the first n values; the rest only need a valid shape
                for k, p in zip(sample, conditional(sample)):
                    cdf_below = float(p[:k].sum())
                    stream.append(cdf_below + uniform.random() * float(p[k]))
            seed += self.seeds
        drawn = indices(first.value)
        if drawn is None:
            structure = [not_indices(name, first.value, not case.hidden)]
        elif problems:
            structure = [f"{len(problems)} of {seed} samples are malformed; e.g. one {problems[0]}"]
        else:
            structure = [f"{seed} samples: indices in range, one newline at the end"]
        verdicts.append(self.verdict("structure", drawn is not None and not problems, structure))
        again = session.call(name, [parameters, char_to_ix, 0], case.standins(exercise))
        same = again.ok and drawn is not None and indices(again.value) == drawn
        verdicts.append(self.verdict("same seed, same names", same, [
            "the same seed gives the same names" if same else
            "no list of indices to compare (see the structure test)" if drawn is None else
            "two calls with seed 0 gave different names: seed your random generator with `seed`"]))
        verdicts.append(self.distribution_verdict(stream, functions.get(self.step) is None))
        capped = self.capped_parameters(parameters)
        lengths = [indices(v) for v in session.call_many(
            name, [[s * self.stride] for s in range(5)], case.standins(exercise),
            common=[capped, char_to_ix])]
        capped_ok = all(s is not None and len(s) == self.cap + 1 and self.newline not in s[:-1]
                        and s[-1] == self.newline for s in lengths)
        counts = "no list of indices" if None in lengths else \
            f"{[len(s) - 1 if s else None for s in lengths]} characters"
        verdicts.append(self.verdict(f"stops after {self.cap} characters", capped_ok, [
            f"with parameters that never choose the newline, names have {self.cap} characters "
            "then the newline" if capped_ok else
            f"with parameters that never choose the newline, expected {self.cap} characters "
            f"then the newline; got {counts}"]))
        verdicts[0].observed = {"samples": kept, "capped": lengths}
        return verdicts

    def observe(self, function, args):
        """The samples a sampler `function` draws, as grade keeps the student's."""
        parameters, char_to_ix = args[0], args[1]
        return {"samples": [indices(function(parameters, dict(char_to_ix), s * self.stride))
                            for s in range(self.kept)],
                "capped": [indices(function(self.capped_parameters(parameters),
                                            dict(char_to_ix), s * self.stride))
                           for s in range(5)]}

    def reproduces(self, function, case, observed):
        """Whether the student's samples are what the sampler `function` draws: `function`
        runs on each of them with its random draws answered by that sample's indices
        (_Replay). It must ask for exactly those draws and return the sample, and the
        probabilities it gave them must fit (the randomised PIT and the KS test of
        `distribution_verdict`); a sampler that draws nothing (argmax) must give them all."""
        parameters, char_to_ix = case.args[0], case.args[1]
        runs = [(parameters, sample) for sample in observed["samples"]] + \
            [(self.capped_parameters(parameters), sample) for sample in observed["capped"]]
        uniform = np.random.default_rng([20251123, 7])
        stream = []
        for given, sample in runs:
            if sample is None:
                return False
            replay = _Replay(sample)
            names, saved = function.__globals__, function.__globals__.get("np")
            names["np"] = replay.numpy()
            try:
                got = indices(function(given, dict(char_to_ix), 0))
            except Exception:
                return False
            finally:
                names["np"] = saved
            if got != sample or replay.impossible:
                return False
            stream += [below + uniform.random() * chance for below, chance in replay.draws]
        if len(stream) < 100:  # drew (almost) nothing: giving every sample was the test
            return not stream
        return self.distribution_verdict(stream, False).ok

    def distribution_verdict(self, stream, public):
        n = min(len(stream), self.values)
        if n < 100:
            return self.verdict("distribution", False,
                                ["too few well-formed samples to test the distribution"])
        values = np.sort(np.asarray(stream[:n]))
        ranks = np.arange(1, n + 1) / n
        statistic = float(max((ranks - values).max(), (values - (ranks - 1 / n)).max()))
        threshold = math.sqrt(math.log(2 / self.alpha) / (2 * n))
        ok = statistic <= threshold
        where = "the first character of each name" if public else "every character"
        lines = [f"are your characters drawn with the model's probabilities? Each drawn index "
                 f"is turned into a number that is uniform between 0 and 1 exactly when it was "
                 f"drawn with those probabilities (a randomised PIT), and {n} of them are "
                 f"compared with the uniform distribution ({where}; a Kolmogorov-Smirnov "
                 f"test): distance {statistic:.4f}, threshold {threshold:.4f}, which a correct "
                 f"sampler exceeds with probability below {self.alpha:g}"]
        if not ok:
            lines.append("the indices are not drawn from the model's distribution: draw each "
                         "index at random with the probabilities y (not argmax, not uniform), "
                         "feed it back as a fresh one-hot x, and carry the hidden state")
        return self.verdict("distribution", ok, lines)


@dataclass(frozen=True)
class TrainingCheck(Behaviour):
    """model(data_x, ix_to_char, char_to_ix, ...) -> (parameters, last_name), graded by the
    loss its parameters reach on data_x."""
    # The reference's loss over one name's training pair, (X, Y, a0, parameters) -> (loss,
    # cache): `name_loss` gives the same number (a test checks it) without building a pair.
    loss: str
    margin: float = 0.5             # pass below initial - margin * (initial - reference)
    step: str = "rnn_step_forward"  # reference function (parameters, a_prev, x) -> (a, p)
    aspects = (("training", 1.0),)

    @staticmethod
    def name_loss(step, parameters, name, char_to_ix):
        """How unlikely the model finds `name` as a sample: -log of the probability of each
        letter, and of the newline that ends it, given the ones before. This module is copied
        to students, and building the training pairs here would write out their answer."""
        drawn = [char_to_ix[c] for c in name] + [char_to_ix["\n"]]
        loss = 0.0
        for k, p in zip(drawn, distributions(step, parameters, drawn)):
            loss -= np.log(p[k, 0])
        return float(loss)

    def average_loss(self, functions, parameters, names, char_to_ix):
        step = functions[self.step]
        return sum(self.name_loss(step, parameters, name, char_to_ix)
                   for name in names) / len(names)

    def grade(self, exercise, session, case, functions):
        outcome = session.call(exercise.name, case.args, case.standins(exercise))
        reveal = not case.hidden
        if not outcome.ok:
            return self.failed(*explain_error(outcome.error, exercise.name, reveal))
        value = outcome.value
        expected = case.expected
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            return self.failed(f"{returned(exercise.name, value, reveal)} where (parameters, "
                               "last_name) is expected")
        if not isinstance(value[0], dict):
            return self.failed(f"your {exercise.name} returned {describe_type(value[0], reveal)} "
                               "as its parameters, where a dict of arrays is expected")
        parameters, shapes = value[0], expected["shapes"]
        wrong = [f"{key}: expected shape {tuple(shape)}, got "
                 f"{describe_type(parameters.get(key), reveal)}"
                 for key, shape in shapes.items()
                 if not isinstance(parameters.get(key), np.ndarray)
                 or parameters[key].shape != tuple(shape)]
        if wrong:
            return self.failed("the returned parameters: " + "; ".join(wrong))
        if self.step not in functions:  # in the notebook: the shapes are all we can check
            return [self.verdict("training", True, ["returned parameters of the right shapes "
                                                    "(the loss they reach is checked when graded)"])]
        names, char_to_ix = [n.strip() for n in case.args[0]], case.args[2]
        reached = self.average_loss(functions, parameters, names, char_to_ix)
        initial, reference = expected["initial"], expected["reference"]
        threshold = initial - self.margin * (initial - reference)
        ok = bool(np.isfinite(reached) and reached < threshold)
        lines = [f"average loss per name on the {len(names)} training names after "
                 f"{case.args[3]} iterations: {reached:.3f}; untrained {initial:.3f}, "
                 f"reference {reference:.3f}, pass below {threshold:.3f}"]
        if not ok:
            lines.append("the model did not learn enough: check that each target Y[t] is the "
                         "NEXT character (X shifted by one), and that optimize updates the "
                         "parameters with the learning rate")
        return [self.verdict("training", ok, lines)]

    def expectation(self, functions, args):
        """Computed once from the reference: untrained and trained losses, and shapes."""
        names, char_to_ix, n_a = [n.strip() for n in args[0]], args[2], args[4]
        trained, _ = functions["model"](*args)
        vocab_size = len(char_to_ix)
        untrained = functions["initialize_parameters"](n_a, vocab_size, vocab_size)
        return {"shapes": {key: list(value.shape) for key, value in trained.items()},
                "initial": self.average_loss(functions, untrained, names, char_to_ix),
                "reference": self.average_loss(functions, trained, names, char_to_ix)}


class _Replay:
    """numpy's random draws for a sampler that a named mistake changed: each draw returns the
    student's next index, and records the probability below it and its own (for the PIT)."""

    def __init__(self, sample):
        self.queue, self.draws, self.impossible = list(sample), [], False

    def choice(self, a, size=None, replace=True, p=None):
        n = a if isinstance(a, (int, np.integer)) else len(a)
        p = np.full(n, 1.0 / n) if p is None else np.asarray(p, dtype=float).ravel()
        if not self.queue or size is not None:
            raise IndexError("more draws than the student's sample has")
        k = self.queue.pop(0)
        if not 0 <= k < n or p[k] <= 0:
            self.impossible = True
            return 0
        self.draws.append((float(p[:k].sum()), float(p[k])))
        return k

    def numpy(self):
        """A stand-in for the numpy module: numpy, with these draws for its random ones."""
        replay = self

        class Random:
            def __getattr__(self, name):
                return getattr(np.random, name)
            choice = staticmethod(replay.choice)
            seed = staticmethod(lambda *args, **kwargs: None)
            default_rng = staticmethod(lambda *args, **kwargs: replay)
            RandomState = staticmethod(lambda *args, **kwargs: replay)

        class Numpy:
            random = Random()

            def __getattr__(self, name):
                return getattr(np, name)
        return Numpy()


class _ScriptedModel:
    """The grader's side of the scripted model: the reference's training loop calls its
    methods, which are the same stand-ins the student's process calls."""

    def __init__(self, standins):
        self._standins = standins

    def __getattr__(self, name):
        standin = self._standins[name]
        return lambda *args, **kwargs: standin.answer([self, *args], kwargs).result


def same_rate(rate, want):
    """Whether a learning rate the student's code passed is the expected one: a number (not
    a bool, an array or a string) within rounding of it."""
    return is_number(rate) and bool(np.isclose(as_float(rate), want, rtol=1e-9, atol=0))


@dataclass(frozen=True)
class ScheduleCheck(Behaviour):
    """train_with_sgd(model, X_train, y_train, learning_rate, nepoch, evaluate_loss_after) ->
    [(num_examples_seen, loss)], graded by what it asks of the model: the model is scripted
    (standins.Scripted). Its `calculate_loss` reports the case's scripted losses and its
    `sgd_step` only records the sentence and the learning rate, so the evaluation schedule,
    the halving rule, the order of the steps and the returned list are checked exactly,
    whatever the numerics. The script is the case's last input, never passed to the student."""
    loss: str                      # the model's method that evaluates the loss on the data
    step: str                      # the model's method that takes one step on a sentence
    SCRIPT = "scripted_losses"

    aspects = (("evaluations", .25), ("learning rates", .35), ("sentences in order", .15),
               ("returned list", .25))

    def standins(self, args, losses, log):
        data = (args[1], args[2])
        return {self.loss: Scripted(self.loss, ("self", "x", "y"), log, data, losses),
                self.step: Scripted(self.step, ("self", "x", "y", "learning_rate"), log, data)}

    @staticmethod
    def summary(log, loss_name):
        """(steps made before each evaluation, the data each evaluation was given, the
        learning rate of each step, the sentence of each step)."""
        evaluations, data, rates, sentences = [], [], [], []
        for name, sentence, others in log:
            if name == loss_name:
                evaluations.append(len(rates))
                data.append(sentence)
            else:
                rates.append(others[0] if others else None)
                sentences.append(sentence)
        return evaluations, data, rates, sentences

    def observe(self, function, args):
        """What a training loop `function` does with the scripted model of a case."""
        log = []
        with contextlib.redirect_stdout(io.StringIO()):  # the reference prints its losses
            result = function(_ScriptedModel(self.standins(args[:-1], args[-1], log)),
                              *args[1:-1])
        return {"log": normalise(log), "result": normalise(result)}

    def expectation(self, functions, args):
        return self.observe(functions["train_with_sgd"], args)

    def grade(self, exercise, session, case, functions):
        args, losses, log = case.args[:-1], case.args[-1], []
        reveal = not case.hidden
        outcome = session.call(exercise.name, args, self.standins(args, losses, log))
        if not outcome.ok:
            return self.failed(*explain_error(outcome.error, exercise.name, reveal))
        expected = self.summary(case.expected["log"], self.loss)
        got = self.summary(normalise(log), self.loss)
        pair = (lambda value: f": expected {value[0]}, got {shown(value[1])}") if reveal else \
            (lambda value: "")
        verdicts = []
        ok = got[:2] == expected[:2]
        verdicts.append(self.verdict("evaluations", ok, [
            f"model.{self.loss}(X_train, y_train) is called at the start of every "
            "evaluate_loss_after-th epoch, epoch 0 included" if ok else
            f"model.{self.loss} is not called where expected (at the start of every "
            f"evaluate_loss_after-th epoch, on the whole training set, once)"
            + pair(("steps made before each call " + str(expected[0]), got[0]))]))
        rates_ok = (len(got[2]) == len(expected[2]) and all(
            same_rate(rate, want) for rate, want in zip(got[2], expected[2])))
        first = next((i for i, (rate, want) in enumerate(zip(got[2], expected[2]))
                      if not same_rate(rate, want)), min(len(got[2]), len(expected[2])))
        verdicts.append(self.verdict("learning rates", rates_ok, [
            "every step uses the expected learning rate (halved after each evaluation whose "
            "loss is higher than the previous evaluation's)" if rates_ok else
            f"the learning rate of step {first} (counting from 0) is not the expected one"
            + (pair((expected[2][first], got[2][first]))
               if first < min(len(got[2]), len(expected[2])) else
               f"; {len(got[2])} steps were taken, {len(expected[2])} expected")
            + ": halve it when a loss is higher than the PREVIOUS evaluation's (not the "
            "first's, not when equal), and keep it halved"]))
        order_ok = got[3] == expected[3]
        verdicts.append(self.verdict("sentences in order", order_ok, [
            "one sgd_step per training sentence, in order, every epoch" if order_ok else
            "the steps do not take the training sentences one at a time, in order, every "
            f"epoch (model.{self.step}(X_train[i], y_train[i], learning_rate))"]))
        differences = compare(case.expected["result"], outcome.value, "returned", 1e-9, 1e-12)
        verdicts.append(self.verdict("returned list", not differences, [
            "returns the (num_examples_seen, loss) of every evaluation" if not differences else
            "expected a list of (num_examples_seen, loss), one per evaluation, with the number "
            "of sgd_step calls made before it and the loss model.calculate_loss returned"]
            + ([f"  {line}" for line in explain(differences, 1e-9, 1e-12, reveal=reveal)]
               if differences else [])
            + ([f"  {returned(exercise.name, None)}"] if outcome.value is None else [])))
        verdicts[0].observed = {"log": normalise(log), "result": outcome.value}
        return verdicts
