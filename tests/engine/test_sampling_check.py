"""The sampling check is calibrated: a correct sampler fails it with probability below its
stated bound, however it draws, and the statistic behaves as the KS theory says."""
import dataclasses
import math

import numpy as np
import pytest

from rnn_checks import exercises
from rnn_checks.notebook import KernelSession
from autograder.reference import SolutionReference
from tests.submissions import HERE, functions

ASSIGNMENT = exercises.load("dinosaurus_island")
SAMPLE = ASSIGNMENT.exercise("sample")
REFERENCE = SolutionReference(ASSIGNMENT)
CASE = REFERENCE.cases(SAMPLE)[0]
RUNS = 150


def sampler_namespace(variant=None):
    """A namespace holding a sampler: the reference's, or a student's from a variant file."""
    namespace = {"np": np, **REFERENCE.functions()}
    if variant:  # a file of definitions only: its sampler and any helpers
        exec((HERE / "dinosaurus_island" / "variants" / f"{variant}.py").read_text(), namespace)
    return namespace


def distances(namespace, runs):
    """(KS distance, n) of the distribution test in independent runs of the check."""
    session = KernelSession(namespace)
    found = []
    for run in range(1, runs + 1):
        check = dataclasses.replace(SAMPLE.behaviour, run=run)
        verdict = {v.label: v for v in check.grade(SAMPLE, session, CASE, REFERENCE.functions())}
        line = verdict["distribution"].lines[0]
        found.append((float(line.split("distance ")[1].split(",")[0]),
                      int(line.split(" of them")[0].split()[-1]), verdict["distribution"].ok))
    return found


@pytest.mark.slow  # many runs of a sampler: a statistical sweep
def test_false_failure_rate_of_a_correct_sampler():
    """Over many independent runs, no run fails the 1e-6 test, and the statistic sqrt(n) D
    exceeds the Kolmogorov distribution's 5% point in about 5% of the runs, as it must if the
    PIT values are i.i.d. uniform (the assumption the false-failure bound rests on)."""
    results = distances(sampler_namespace(), RUNS)
    assert all(ok for _, _, ok in results)
    scaled = [math.sqrt(n) * d for d, n, _ in results]
    beyond_5_percent = sum(s > 1.358 for s in scaled) / RUNS
    # Binomial(150, 0.05): mean 7.5, standard deviation 2.7; the run is deterministic.
    assert 0.005 < beyond_5_percent < 0.12, beyond_5_percent
    threshold = math.sqrt(math.log(2 / SAMPLE.behaviour.alpha) / (2 * results[0][1]))
    assert max(d for d, _, _ in results) < threshold * 0.75


@pytest.mark.slow  # many runs of a sampler: a statistical sweep
@pytest.mark.parametrize("variant", ["sample_default_rng", "sample_inverse_cdf"])
def test_other_correct_samplers_pass_every_run(variant):
    assert all(ok for _, _, ok in distances(sampler_namespace(variant), 20))


@pytest.mark.slow  # many runs of a sampler: a statistical sweep
def test_course_seeding_protocol_passes_every_run():
    """np.random.seed(seed + counter) at each step: samples must not share random streams."""
    namespace = sampler_namespace()
    exec(functions((HERE / "dinosaurus_island" / "correct.py").read_text())["sample"], namespace)
    assert all(ok for _, _, ok in distances(namespace, 20))


def test_the_course_loop_may_end_with_two_newlines():
    """The well-known course's loop appends the newline after 50 characters even when the
    50th drawn character already was one. That is its own behaviour: such a sample is well
    formed, in the notebook's public check and when graded (one function serves both)."""
    namespace = sampler_namespace("sample_course_exact")
    parameters = {key: np.zeros_like(value) for key, value in CASE.args[0].items()}
    # every step: the newline with probability 0.03, so about 1 name in 150 ends so
    parameters["by"][:, 0] = np.log(0.97 / 26)
    parameters["by"][0] = np.log(0.03)
    samples = [namespace["sample"](parameters, CASE.args[1], seed * 1000) for seed in range(1500)]
    quirky = [s for s in samples if len(s) == 51 and s[-2:] == [0, 0]]
    assert quirky, "no sample hit the course's ending: choose other parameters"
    assert [SAMPLE.behaviour.structure(s, 27) for s in samples] == [None] * len(samples)
