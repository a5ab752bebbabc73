"""`TrainingCheck` (a training loop): trains with the student's function on a small corpus
and measures the loss of the returned parameters with the reference, against a threshold set
from the reference's own training. It does not depend on the order of random calls."""
from dataclasses import dataclass

import numpy as np

from ..compare import describe_type
from ..diagnose import explain_error, returned
from .base import Behaviour, distributions


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
            return [self.verdict("training", True, [
                "returned parameters of the right shapes (the loss they reach is checked when "
                "graded)"])]
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
