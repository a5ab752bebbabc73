"""The bug catalogue is caught, each bug costs only its own exercise, and correct code
written differently earns full marks. Every submission is graded through the real sandbox."""
import pytest

from autograder.grade import grade_submission
from tests.submissions import bug_files, broken_function, notebook, variant_files, write

ASSIGNMENT = "rnn_step_by_step"

# What the feedback must say for some bugs, so a student can find them.
EXPLANATIONS = {
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
}


def grade(tmp_path, overrides=()):
    return grade_submission(write(notebook(ASSIGNMENT, overrides), tmp_path / "submission.ipynb"),
                            ASSIGNMENT)


def test_correct_submission_earns_full_marks(tmp_path):
    report = grade(tmp_path)
    assert report.score == report.max_score == 100, report.table()
    assert all(test.passed for test in report.tests)


@pytest.mark.parametrize("bug", bug_files(ASSIGNMENT), ids=lambda path: path.stem)
def test_bug_is_caught_and_costs_only_its_exercise(bug, tmp_path):
    report = grade(tmp_path, [bug])
    broken = broken_function(bug)
    for name, (score, max_score, tests) in report.exercises().items():
        if name == broken:
            assert score < max_score, f"{bug.stem} earned full marks"
            feedback = "\n".join(t.output for t in tests if not t.passed)
            for phrase in EXPLANATIONS.get(bug.stem, []):
                assert phrase in feedback, f"{bug.stem}: {phrase!r} missing from:\n{feedback}"
        else:
            assert score == max_score, f"{bug.stem} cost {name} points:\n{report.table()}"


def test_mutation_alone_costs_only_the_inputs_test(tmp_path):
    report = grade(tmp_path, [bug for bug in bug_files(ASSIGNMENT)
                              if bug.stem == "mutates_upstream_gradient"])
    failed = [test.name for test in report.tests if not test.passed]
    assert failed == ["rnn_backward: inputs unchanged"]


@pytest.mark.parametrize("variant", variant_files(ASSIGNMENT), ids=lambda path: path.stem)
def test_correct_variant_earns_full_marks(variant, tmp_path):
    report = grade(tmp_path, [variant])
    assert report.score == report.max_score, report.table()


def test_catalogue_covers_the_issue(tmp_path):
    """The bug classes the grader claims to catch all have a submission."""
    stems = {bug.stem for bug in bug_files(ASSIGNMENT)}
    assert set(EXPLANATIONS) <= stems
    assert {"a_next_reset_to_a0", "assign_instead_of_accumulate", "softmax_wrong_axis",
            "lstm_backward_da_not_added", "lstm_dc_prev_missing_a_path",
            "lstm_missing_transpose_square"} <= stems
    assert {"matmul_operator", "np_dot", "einsum", "list_stack"} <= \
        {variant.stem for variant in variant_files(ASSIGNMENT)}
