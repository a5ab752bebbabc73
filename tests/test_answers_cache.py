"""The reference's side of a training run is computed once per worker: a stand-in keeps its
answers by the exact bytes of the call, never one that drew random numbers, within a budget."""
import json

import numpy as np

from autograder.grade import grade_submission
from autograder.sandbox import protocol
from autograder.standins import Answers, Bounded, Observation
from tests.submissions import HERE


def wire(answer):
    """What crosses to the student's process for an answer, as comparable bytes."""
    buffers = []
    return json.dumps(protocol.encode(answer.reply(), buffers)), buffers


def bounded(function, example):
    observation = Observation([])
    observation.add(example)
    return Bounded(function.__name__, function, observation)


def test_a_repeated_call_is_answered_from_the_cache_and_equals_a_fresh_answer():
    calls = []

    def step(w, rate):
        calls.append(1)
        w -= rate * np.sin(w)
        return float((w ** 2).sum())

    stand_in = bounded(step, {"w": np.ones(3), "rate": 0.1})
    first = stand_in.answer([np.linspace(0, 1, 3), 0.1], {})
    again = stand_in.answer([np.linspace(0, 1, 3), 0.1], {})
    other = stand_in.answer([np.linspace(0, 1, 3), 0.2], {})
    assert len(calls) == 2  # the repeated call did not run the reference
    assert wire(first) == wire(again) and wire(first) != wire(other)
    fresh = bounded(step, {"w": np.ones(3), "rate": 0.1}).answer([np.linspace(0, 1, 3), 0.1], {})
    assert wire(fresh) == wire(again)


def test_an_answer_that_drew_random_numbers_is_never_reused():
    def noisy(w):
        return w + np.random.normal(size=w.shape)

    stand_in = bounded(noisy, {"w": np.ones(2)})
    answers = [wire(stand_in.answer([np.zeros(2)], {})) for _ in range(2)]
    assert answers[0] != answers[1] and stand_in.answers.stored == {}


def test_the_budget_is_shared_and_never_exceeded(monkeypatch):
    monkeypatch.setattr(Answers, "BUDGET", Answers.used + 3000)
    stand_in = bounded(lambda w: w * 2, {"w": np.ones(100)})
    for shift in range(5):  # each answer holds ~1.6 kB of arrays, plus 1 kB counted
        stand_in.answer([np.arange(100.0) + shift], {})
    assert len(stand_in.answers.stored) == 1


def test_a_worker_grades_a_second_correct_model_from_the_cache(monkeypatch):
    asked = {"hit": 0, "miss": 0}
    get = Answers.get

    def counted(self, key):
        found = get(self, key)
        asked["hit" if found is not None else "miss"] += 1
        return found

    monkeypatch.setattr(Answers, "get", counted)
    path = HERE / "dinosaurus_island" / "correct.ipynb"
    first = grade_submission(path, "dinosaurus_island", reuse=True)
    cold = dict(asked)
    second = grade_submission(path, "dinosaurus_island", reuse=True)
    assert [t.output for t in first.tests] == [t.output for t in second.tests]
    assert first.score == second.score == 100
    assert asked["miss"] == cold["miss"] and asked["hit"] - cold["hit"] >= 1500
