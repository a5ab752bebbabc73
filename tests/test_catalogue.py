"""The bug catalogue is caught, each bug costs only its own exercise, and correct code
written differently earns full marks. Every submission is graded through the real sandbox."""
import pytest

from autograder.grade import grade_submission
from tests.submissions import bug_files, broken_function, notebook, variant_files, write

ASSIGNMENTS = ("rnn_step_by_step", "dinosaurus_island")

# What the feedback must say for some bugs, so a student can find them.
EXPLANATIONS = {"rnn_step_by_step": {
    "missing_waa_transpose": ["da_prev: values differ", "da_prev: relative error",
                              "INCONSISTENT", "not the gradient of your own rnn_cell_forward"],
    "tanh_derivative_from_a_prev": ["values differ", "INCONSISTENT"],
    "da_prev_not_carried": ["dx: values differ", "time steps t = "],
    "forward_iteration_in_backward": ["values differ"],
    "softmax_unstable": ["not finite", "overflow"],
    "dba_wrong_axis": ["dba: expected shape (5, 1), got (1, 4)"],
    "returns_list_not_dict": ["expected a dict with keys"],
    "cache_wrong_order": ["cache[0]: values differ"],
    "mutates_upstream_gradient": ["changed its input da in place"],
    "yt_pred_from_a_prev": ["yt_pred: values differ"],
    "a_next_started_at_zeros": ["a: values differ"],
    "lstm_concat_order": ["a_next: values differ"],
    "lstm_memory_view_of_output": ["caches[0][0][3]: values differ"],
}, "dinosaurus_island": {
    "missing_waa_transpose": ["gradients['da_next']: values differ"],
    "sample_argmax": ["not drawn from the model's distribution"],
    "sample_uniform": ["not drawn from the model's distribution"],
    "sample_x_not_reset": ["not drawn from the model's distribution"],
    "sample_cap_40": ["expected 50 characters then the newline"],
    "sample_no_stop_at_newline": ["continues after a newline"],
    "clip_hard_coded": ["gradients['dWaa']: values differ"],
    "optimize_learning_rate_ignored": ["parameters (after the call)['Wax']: values differ"],
    "model_learning_rate_zero": ["did not learn enough"],
    "model_targets_misaligned": ["did not learn enough"],
    "rnn_backward_dy_not_shifted": ["gradient check against your own rnn_forward"],
}}


def grade(tmp_path, assignment, overrides=()):
    return grade_submission(write(notebook(assignment, overrides), tmp_path / "submission.ipynb"),
                            assignment)


def catalogue(files):
    return [pytest.param(assignment, path, id=f"{assignment}/{path.stem}")
            for assignment in ASSIGNMENTS for path in files(assignment)]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_correct_submission_earns_full_marks(tmp_path, assignment):
    report = grade(tmp_path, assignment)
    assert report.score == report.max_score == 100, report.table()
    assert all(test.passed for test in report.tests)


@pytest.mark.parametrize("assignment, bug", catalogue(bug_files))
def test_bug_is_caught_and_costs_only_its_exercise(assignment, bug, tmp_path):
    report = grade(tmp_path, assignment, [bug])
    broken = broken_function(bug)
    for name, (score, max_score, tests) in report.exercises().items():
        if name == broken:
            assert score < max_score, f"{bug.stem} earned full marks"
            feedback = "\n".join(t.output for t in tests if not t.passed)
            for phrase in EXPLANATIONS[assignment].get(bug.stem, []):
                assert phrase in feedback, f"{bug.stem}: {phrase!r} missing from:\n{feedback}"
        else:
            assert score == max_score, f"{bug.stem} cost {name} points:\n{report.table()}"


def test_mutation_alone_costs_only_the_inputs_test(tmp_path):
    report = grade(tmp_path, "rnn_step_by_step", [bug for bug in bug_files("rnn_step_by_step")
                                                  if bug.stem == "mutates_upstream_gradient"])
    failed = [test.name for test in report.tests if not test.passed]
    assert failed == ["rnn_backward: inputs unchanged"]


@pytest.mark.parametrize("assignment, variant", catalogue(variant_files))
def test_correct_variant_earns_full_marks(assignment, variant, tmp_path):
    report = grade(tmp_path, assignment, [variant])
    assert report.score == report.max_score, report.table()


def test_catalogue_covers_the_issues():
    """The bug classes the grader claims to catch all have a submission."""
    for assignment in ASSIGNMENTS:
        assert set(EXPLANATIONS[assignment]) <= {bug.stem for bug in bug_files(assignment)}
    stems = {bug.stem for assignment in ASSIGNMENTS for bug in bug_files(assignment)}
    assert {"a_next_reset_to_a0", "assign_instead_of_accumulate", "softmax_wrong_axis",
            "lstm_backward_da_not_added", "lstm_dc_prev_missing_a_path",
            "lstm_missing_transpose_square",
            "sample_uniform", "sample_x_never_updated", "sample_x_not_reset",
            "sample_hidden_state_not_carried", "clip_only_some", "clip_floor_zero",
            "clip_result_thrown_away", "optimize_no_clipping", "optimize_clip_wrong_value",
            "optimize_wrong_state_returned", "missing_waa_transpose"} <= stems
    variants = {v.stem for assignment in ASSIGNMENTS for v in variant_files(assignment)}
    assert {"matmul_operator", "np_dot", "einsum", "list_stack", "sample_default_rng",
            "sample_inverse_cdf", "clip_returned", "clip_in_place"} <= variants
