"""The reference's side of a training run is computed once per worker: a stand-in keeps the
answers of the reference's own calls on a case (bounded.Answers), by the exact bytes of the
call, never one that drew random numbers, within a budget.

Red team: kept answers are shared by every student a worker grades, so they must tell no
student anything: not which calls an earlier student made (a writer's calls would be a
channel to a later reader), and not, by their speed, which calls the reference itself makes
(a student could time candidate calls and keep the one answered fastest)."""
import json
import time

import numpy as np
import pytest

from autograder.grade import grade_submission
from rnn_checks import protocol
from rnn_checks.bounded import Answers, Bounded, Observation, observer
from tests.submissions import HERE

SECONDS = 0.02  # what `slow_double` takes: far above any timer's noise


def wire(answer):
    """What crosses to the student's process for an answer, as comparable bytes."""
    buffers = []
    return json.dumps(protocol.encode(answer.reply(), buffers)), buffers


def bounded(function, *reference_calls, hidden=True):
    """The stand-in for `function` as a case builds it: the reference's own calls observed
    (their answers kept), then the stand-in made from what was observed."""
    observation = Observation([])
    observed = observer(function, observation)
    for call in reference_calls:
        observed(**call)
    return Bounded(function.__name__, function, observation, hidden)


def test_the_references_call_is_answered_from_what_was_kept():
    calls = []

    def step(w, rate):
        calls.append(1)
        w -= rate * np.sin(w)
        return float((w ** 2).sum())

    stand_in = bounded(step, {"w": np.linspace(0, 1, 3), "rate": 0.1})
    calls.clear()
    kept = stand_in.answer([np.linspace(0, 1, 3), 0.1], {})
    assert calls == []  # the reference's own call: not run again
    other = stand_in.answer([np.linspace(0, 1, 3), 0.2], {})
    assert len(calls) == 1 and wire(kept) != wire(other)
    fresh = bounded(step, {"w": np.ones(3), "rate": 0.1}).answer([np.linspace(0, 1, 3), 0.1], {})
    assert wire(fresh) == wire(kept)  # the same bytes as an answer computed afresh


def test_an_answer_that_drew_random_numbers_is_never_kept():
    def noisy(w):
        return w + np.random.normal(size=w.shape)

    stand_in = bounded(noisy, {"w": np.zeros(2)})
    answers = [wire(stand_in.answer([np.zeros(2)], {})) for _ in range(2)]
    assert answers[0] != answers[1] and stand_in.answers.stored == {}


def test_the_budget_is_shared_and_never_exceeded(monkeypatch):
    monkeypatch.setattr(Answers, "BUDGET", Answers.used + 3000)
    # each answer holds ~1.6 kB of arrays, plus 1 kB counted
    stand_in = bounded(lambda w: w * 2, *[{"w": np.arange(100.0) + shift} for shift in range(5)])
    assert len(stand_in.answers.stored) == 1


def slow_double(x):
    """A reference function that takes SECONDS, and counts its calls."""
    slow_double.calls += 1
    time.sleep(SECONDS)
    return x * 2


slow_double.calls = 0


def answer_seconds(stand_in, x):
    started = time.perf_counter()
    answer = stand_in.answer([x], {})
    np.testing.assert_allclose(answer.result, 2 * x)
    return time.perf_counter() - started


def test_a_kept_answer_on_a_hidden_case_is_as_slow_as_a_fresh_one():
    """The reference's own call is answered from what was kept (the function is not run),
    yet no sooner than the reference took: its speed does not tell it was kept. On the
    public case, whose inputs and results the student has, there is nothing to hide."""
    hidden = bounded(slow_double, {"x": np.ones(3)})
    public = bounded(slow_double, {"x": np.ones(3)}, hidden=False)
    slow_double.calls = 0
    assert answer_seconds(hidden, np.ones(3)) >= 0.9 * SECONDS
    assert answer_seconds(public, np.ones(3)) < 0.5 * SECONDS
    assert slow_double.calls == 0


def test_a_students_calls_are_never_kept():
    """A call no reference made is computed each time it is asked, so an earlier student's
    calls leave nothing that a later student could find, by content or by time."""
    stand_in = bounded(slow_double, {"x": np.ones(3)})
    slow_double.calls = 0
    for _ in range(3):
        np.testing.assert_allclose(stand_in.answer([np.full(3, 5.0)], {}).result, 10.0)
    assert slow_double.calls == 3 and len(stand_in.answers.stored) == 1


@pytest.mark.slow  # two whole training runs
def test_every_call_of_a_correct_training_run_is_answered_from_what_was_kept(monkeypatch):
    """What keeping is for: every optimize call of a correct model is one the reference made,
    so none is computed again, for the first student as for the next (dinosaurus_island)."""
    asked = {"kept": 0, "computed": 0}
    get = Answers.get

    def counted(self, key):
        found = get(self, key)
        asked["kept" if found is not None else "computed"] += 1
        return found

    monkeypatch.setattr(Answers, "get", counted)
    path = HERE / "dinosaurus_island" / "correct.ipynb"
    first = grade_submission(path, "dinosaurus_island", reuse=True)
    second = grade_submission(path, "dinosaurus_island", reuse=True)
    assert [t.output for t in first.tests] == [t.output for t in second.tests]
    assert first.score == second.score == 100
    assert asked["computed"] == 0 and asked["kept"] >= 3000
