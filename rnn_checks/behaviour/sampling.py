"""`SamplingCheck` (a sampler): structure, determinism, the length cap, and the distribution.

The distribution test never replays one random stream, so every correct sampler passes (any
seeding protocol, any way of drawing). For each sampled index k at each step, with the
reference model's conditional distribution p given the student's own prefix, the randomised
probability integral transform u = P(K < k) + V p[k] (V uniform) is uniform on [0, 1]
exactly when k was drawn from p, independently of all earlier steps. So the first n values
of the stream of u are i.i.d. uniform for a correct sampler, and the
Dvoretzky-Kiefer-Wolfowitz inequality (Massart's constant) bounds a false failure of the
Kolmogorov-Smirnov test: P(D_n > eps) <= 2 exp(-2 n eps^2) = alpha, for every n.

In a student's notebook only what `public_expectation` stored at release time is known, so
the public sampling check tests the first character's distribution only.
"""
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..compare import shown
from ..diagnose import explain_error, returned
from .base import Behaviour, distributions


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
