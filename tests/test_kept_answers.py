"""Red team for the reference answers a worker keeps (standins.Answers): a training run's
`optimize` calls are answered from the reference's own run, computed once per worker, and
shared by every student that worker grades. Kept answers must tell no student anything:
not which calls an earlier student made (a writer's calls would be a channel to a later
reader), and not, by their speed, which calls the reference itself makes (a student could
time its candidate calls and keep the one answered fastest)."""
import time

import numpy as np

from autograder import standins
from autograder.grade import grade_submission
from tests.submissions import notebook, write

SECONDS = 0.02  # what the function below takes: far above any timer's noise


def slow_double(x, scale=2.0):
    """A reference function that takes SECONDS, and counts its calls."""
    slow_double.calls += 1
    time.sleep(SECONDS)
    return x * scale


slow_double.calls = 0


def bounded(*reference_calls):
    """The stand-in for slow_double, as a case builds it: the reference's own calls
    observed (and their answers kept), then the stand-in made from what was observed."""
    observation = standins.Observation([])
    observed = standins.observer(slow_double, observation)
    for x in reference_calls:
        observed(x)
    slow_double.calls = 0
    return standins.Bounded("slow_double", slow_double, observation)


def timed(standin, x):
    started = time.perf_counter()
    answer = standin.answer([x], {})
    return time.perf_counter() - started, answer


def test_a_kept_answer_is_as_slow_as_a_fresh_one():
    """The reference's own call is answered from what was kept (the function is not run),
    yet no sooner than the reference took: its speed does not tell it was kept."""
    standin = bounded(np.ones(3))
    seconds, answer = timed(standin, np.ones(3))
    assert slow_double.calls == 0  # kept: not computed again
    np.testing.assert_allclose(answer.result, 2 * np.ones(3))
    assert seconds >= 0.9 * SECONDS


def test_a_students_calls_are_never_kept():
    """A call no reference made is computed each time it is asked, so an earlier student's
    calls leave nothing that a later student could find, by content or by time."""
    standin = bounded(np.ones(3))
    for _ in range(3):
        _, answer = timed(standin, np.full(3, 5.0))
        np.testing.assert_allclose(answer.result, np.full(3, 10.0))
    assert slow_double.calls == 3


def test_a_correct_training_run_is_answered_from_the_kept_answers(monkeypatch):
    """What keeping is for: every optimize call of a correct model is a call the reference
    made, so none is computed again for any student (dinosaurus_island, end to end)."""
    found = {"kept": 0, "computed": 0}
    get = standins.Answers.get

    def counted(self, key):
        record = get(self, key)
        found["kept" if record is not None else "computed"] += 1
        return record
    monkeypatch.setattr(standins.Answers, "get", counted)
    path = write(notebook("dinosaurus_island"), "/tmp/rnn-kit-kept-answers.ipynb")
    try:
        report = grade_submission(path, "dinosaurus_island", jobs=1, reuse=True)
    finally:
        path.unlink()
    assert report.score == report.max_score
    assert found["kept"] > 1000 and found["computed"] == 0
