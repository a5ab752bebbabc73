"""`ScheduleCheck` (a learning-rate schedule): a training loop graded by what it asks of a
scripted model (bounded.Scripted), whatever the numerics."""
import contextlib
import io
from dataclasses import dataclass

import numpy as np

from ..bounded import Scripted
from ..compare import as_float, compare, is_number, shown
from ..diagnose import explain, explain_error, returned
from ..protocol import normalise
from .base import Behaviour


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
    (bounded.Scripted). Its `calculate_loss` reports the case's scripted losses and its
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
