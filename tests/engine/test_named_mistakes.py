"""The catalogue of named mistakes (solutions/mistakes/): every mistake is a real change of
its reference, its hint gives no code away, and matching names only what reproduces the
student's output. (That each bug of the catalogue is named is in test_catalogue.py.)"""
import pytest

from rnn_checks import exercises
from autograder import mistakes
from rnn_checks.compare import compare
from autograder.reference import SolutionReference
from rnn_checks.session import Raised
from tests.submissions import ROOT

CATALOGUED = [name for name in exercises.ASSIGNMENTS
              if (ROOT / "solutions" / "mistakes" / f"{name}.py").is_file()]


def catalogue(name):
    return mistakes.load(ROOT, name)


def test_the_assignments_have_catalogues():
    assert set(CATALOGUED) == set(exercises.ASSIGNMENTS)


def test_the_catalogue_covers_the_mistakes_courses_see():
    ids = {mistake.id for name in CATALOGUED for mistake in catalogue(name)}
    assert set("""softmax_wrong_axis softmax_not_normalised softmax_overflow wrong_activation
        missing_bias output_from_previous_state cache_order no_recurrence wrong_initial_state
        off_by_one_in_time concat_order missing_transpose tanh_derivative_wrong_state
        tanh_derivative_twice bias_gradient_not_summed gradient_transposed gradient_not_carried
        upstream_gradient_dropped assign_instead_of_accumulate wrong_time_order
        missing_gradient_path label_not_subtracted loss_without_log targets_misaligned
        update_wrong_sign parameter_not_updated learning_rate_ignored clip_incomplete
        clip_wrong_bounds clip_not_applied sampling_argmax sampling_uniform
        sampling_input_not_updated sampling_state_not_carried sampling_no_stop sampling_wrong_cap
        wrong_state_returned truncation_ignored truncation_off_by_one learning_rate_not_halved
        learning_rate_compared_with_first loss_per_sentence one_sided_difference step_not_doubled
        input_not_restored rel_error_no_floor""".split()) <= ids


@pytest.mark.parametrize("name", CATALOGUED)
def test_every_mistake_changes_what_its_exercise_gives(name):
    """Each edit applies exactly once, and the variant gives another result than the
    reference on some case: a mistake that changes nothing could name a correct answer."""
    assignment = exercises.load(name)
    reference = SolutionReference(assignment)
    graded = {exercise.name: exercise for exercise in assignment.exercises}
    for mistake in catalogue(name):
        exercise = graded[mistake.function]
        matcher = reference.matcher(exercise)
        function = mistakes.variant(reference.module, mistake.function, mistake.edits)
        cases = reference.cases(exercise)
        if exercise.behaviour:  # it must not do what the reference does
            right = reference.functions()[exercise.name]
            assert not any(exercise.behaviour.reproduces(
                function, case, exercise.behaviour.observe(right, case.args))
                for case in cases[:1]), f"{mistake.id} does what the reference does"
            continue
        else:
            observed = [matcher.run(function, case) for case in cases]
            expected = [(case.expected, case.args_after) for case in cases]
        assert any(isinstance(got, Raised) or compare(want, got, "", exercise.rtol, exercise.atol)
                   for want, got in zip(expected, observed)), f"{mistake.id} changes nothing"


@pytest.mark.parametrize("name", CATALOGUED)
def test_a_hint_does_not_hand_over_the_fix(name):
    """A hint says where to look: it never holds the corrected line, nor the wrong one."""
    for mistake in catalogue(name):
        assert mistake.hint.strip() and "\n" not in mistake.hint
        for old, new in mistake.edits:
            for line in (old.strip(), new.strip()):
                assert len(line) < 12 or line not in mistake.hint, (mistake.id, line)


def test_an_edit_that_does_not_apply_is_an_error():
    reference = SolutionReference(exercises.load("rnn_language_model"))
    with pytest.raises(mistakes.CatalogueError, match="occurs 0 times"):
        mistakes.variant(reference.module, "bptt", [("no such text", "x")])


def test_mistakes_compose():
    """Two mistakes of one function are also tried together, unless their edits overlap."""
    reference = SolutionReference(exercises.load("rnn_language_model"))
    matcher = reference.matcher(reference.assignment.exercise("bptt"))
    pairs = [tuple(m.id for m in candidate) for candidate in matcher.candidates
             if len(candidate) == 2]
    assert ("missing_transpose", "label_not_subtracted") in pairs
    # Both change the truncation bound: they cannot be made together.
    assert ("truncation_ignored", "truncation_off_by_one") not in pairs


def test_two_mistakes_at_once_are_named_together():
    """A bptt with W not transposed and the label not subtracted is named by the pair, in
    the notebook's kernel as in the sandbox."""
    from rnn_checks.check import check_exercise
    from rnn_checks.notebook import KernelSession
    from tests.engine.test_language_model_grading import CORRECT, namespace
    source = CORRECT["bptt"].replace("self.W.T.dot(delta_t)", "self.W.dot(delta_t)").replace(
        "delta_o[np.arange(len(y)), y] -= 1.", "pass")
    assert source != CORRECT["bptt"]
    assignment = exercises.load("rnn_language_model")
    reference = SolutionReference(assignment)
    exercise = assignment.exercise("bptt")
    tests = check_exercise(assignment, exercise, KernelSession(namespace(bptt=source)),
                           reference.cases(exercise), matcher=reference.matcher(exercise))
    named = [line for test in tests for line in test.output.splitlines()
             if line.startswith("likely mistake")]
    assert len(named) == 1 and named[0].startswith(
        "likely mistake: missing_transpose + label_not_subtracted — "), named


def test_a_correct_answer_is_never_named():
    from rnn_checks.check import check_exercise
    from rnn_checks.notebook import KernelSession
    from tests.engine.test_language_model_grading import namespace
    assignment = exercises.load("rnn_language_model")
    reference = SolutionReference(assignment)
    names = namespace()
    for exercise in assignment.exercises:
        tests = check_exercise(assignment, exercise, KernelSession(names),
                               reference.cases(exercise), matcher=reference.matcher(exercise))
        assert all(test.passed and "likely mistake" not in test.output for test in tests)


@pytest.mark.parametrize("name", CATALOGUED)
def test_the_gradescope_zip_carries_the_catalogue(name):
    from autograder.frontends.gradescope import course_files
    assert f"solutions/mistakes/{name}.py" in course_files(name)
