"""What the checks of behaviour share: the verdict of one aspect, the base class, and the
model's distribution at each step of a sample."""
from dataclasses import dataclass

import numpy as np

from ..compare import compare


@dataclass
class Verdict:
    label: str
    share: float     # of the exercise's points
    ok: bool
    lines: list
    # What the student's code did, for naming a mistake (Behaviour.observe), or None.
    observed: object = None


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
    """Shared by the checks of this package: `aspects` are (label, share of the points) pairs;
    `observed_seeds`: seeds on which the reference's own function runs when a case is built,
    so that the calls it makes shape the stand-ins (bounded.Bounded)."""
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
