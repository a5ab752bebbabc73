"""The bug catalogue is caught, each bug costs only its own exercise, and correct code
written differently earns full marks. Every submission is graded through the real sandbox."""
import pytest

from autograder.grade import grade_submission
from tests.submissions import (bug_files, broken_function, declared_mistake, notebook,
                               variant_files, write)

ASSIGNMENTS = ("rnn_step_by_step", "dinosaurus_island", "rnn_language_model", "gradient_checking")

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
}, "rnn_language_model": {
    "forward_no_tanh": ["s: values differ"],
    "forward_no_recurrence": ["s: values differ"],
    "forward_softmax_of_hidden_state": ["o: values differ"],
    "forward_zero_state_not_initial": ["s: values differ"],
    "predict_returns_probabilities": ["got float64"],
    "predict_wrong_axis": ["expected shape (6,), got (8,)"],
    "loss_without_log": ["calculate_total_loss(...): expected"],
    "loss_per_sentence": ["calculate_loss(...): expected"],
    "loss_total_over_last_sentence_only": ["calculate_total_loss(...): expected"],
    "bptt_truncation_ignored": ["dLdW: values differ"],
    "bptt_truncation_one_step_long": ["dLdU: values differ"],
    "bptt_w_not_transposed": ["INCONSISTENT",
                              "not the gradient of your own calculate_total_loss"],
    "bptt_tanh_derivative_wrong_state": ["dLdW: (INCONSISTENT)"],
    "bptt_no_tanh_derivative_at_output": ["dLdU: (INCONSISTENT)"],
    "bptt_label_not_subtracted": ["dLdV: (INCONSISTENT)"],
    "bptt_final_state_for_initial": ["dLdW: (INCONSISTENT)"],
    "sgd_ascending": ["self (after the call).V: values differ"],
    "sgd_skips_w": ["self (after the call).W: values differ"],
    "sgd_learning_rate_ignored": ["self (after the call).U: values differ"],
    "train_lr_never_halved": ["the learning rate of step"],
    "train_lr_compared_with_first": ["higher than the PREVIOUS evaluation's"],
    "train_halves_on_equal_loss": ["not when equal"],
    "train_evaluated_every_epoch": ["model.calculate_loss is not called where expected"],
    "train_returns_nothing": ["expected a list, got None"],
    "train_counts_epochs_not_examples": ["num_examples_seen"],
    "train_lr_reset_each_epoch": ["keep it halved"],
}, "gradient_checking": {
    "one_sided_difference": ["eval_numerical_gradient(...): values differ"],
    "divides_by_h": ["it is the expected result times 2"],
    "x_not_restored": ["changed its input x in place; put every entry you probe back"],
    "restores_a_copy": ["your array is all zeros"],
    "probes_first_entry_only": ["values differ in 19 of 20 entries"],
    "rel_error_no_floor": ["expected 1.0, got nan"],
    "rel_error_relative_to_x": ["rel_error(...): expected 1.0, got"],
    "rel_error_mean": ["rel_error(...): expected 1.0, got"],
    "array_gradient_ignores_df": ["eval_numerical_gradient_array(...): values differ"],
    "array_gradient_one_sided": ["eval_numerical_gradient_array(...): values differ"],
    "grad_check_wrong_parameter": ["grad_check(...)['W']"],
    "grad_check_reuses_first_gradient": ["grad_check(...)['b']"],
    "grad_check_params_not_restored": ["changed its input params['W']"],
    "cell_forward_softmax_over_batch": ["o: values differ"],
    "cell_forward_missing_bias": ["h: values differ"],
    "cell_forward_h_prev_not_used": ["h: values differ"],
    "layer_forward_state_not_carried": ["H: values differ"],
    "rnn_loss_log_of_sum": ["rnn_loss(...): expected"],
    "rnn_loss_mean": ["rnn_loss(...): expected"],
    "cell_backward_w2_not_transposed": ["dh_prev: values differ", "INCONSISTENT",
                                        "not the gradient of your own rnn_cell_forward"],
    "cell_backward_dh_next_dropped": ["dW1: values differ"],
    "cell_backward_tanh_derivative_of_h_prev": ["dW1: values differ"],
    "cell_backward_dbh_not_summed": ["dbh: expected shape (4,), got (3, 4)"],
    "cell_backward_label_not_subtracted": ["dW3: values differ"],
    "layer_backward_dh_not_carried": ["dW1: values differ"],
    "layer_backward_forward_in_time": ["dW1: values differ"],
    "layer_backward_assign_instead_of_accumulate": ["dW1: values differ"],
}}


def grade(tmp_path, assignment, overrides=()):
    return grade_submission(write(notebook(assignment, overrides), tmp_path / "submission.ipynb"),
                            assignment)


def catalogue(files):
    """One case per file; beyond each assignment's first, a sweep the fast loop leaves out."""
    return [pytest.param(assignment, path, id=f"{assignment}/{path.stem}",
                         marks=[pytest.mark.slow] if number else [])
            for assignment in ASSIGNMENTS
            for number, path in enumerate(files(assignment))]


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
            # The mistake it makes is named, once (mistakes.py).
            named = [line for line in feedback.splitlines() if line.startswith("likely mistake: ")]
            assert len(named) <= 1, named
            if declared_mistake(bug):
                expected = f"likely mistake: {declared_mistake(bug)} — "
                assert named and named[0].startswith(expected), \
                    f"{bug.stem}: expected {declared_mistake(bug)}, got {named}"
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
    assert not any("likely mistake" in test.output for test in report.tests)


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
            "optimize_wrong_state_returned", "missing_waa_transpose",
            # rnn_language_model: the issue's list
            "forward_no_tanh", "forward_no_recurrence", "forward_softmax_of_hidden_state",
            "predict_returns_probabilities", "predict_wrong_axis", "loss_without_log",
            "loss_per_sentence", "bptt_truncation_ignored", "bptt_truncation_one_step_short",
            "bptt_truncation_one_step_long", "bptt_w_not_transposed",
            "bptt_tanh_derivative_wrong_state", "bptt_no_tanh_derivative_at_output",
            "bptt_label_not_subtracted", "bptt_final_state_for_initial", "sgd_ascending",
            "sgd_skips_w", "train_lr_never_halved", "train_lr_compared_with_first",
            "train_evaluated_every_epoch", "train_returns_nothing",
            # gradient_checking: the issue's list
            "one_sided_difference", "divides_by_h", "x_not_restored", "restores_a_copy",
            "probes_first_entry_only", "rel_error_no_floor", "rel_error_relative_to_x",
            "grad_check_wrong_parameter", "grad_check_reuses_first_gradient",
            "cell_backward_w2_not_transposed", "cell_backward_dh_next_dropped",
            "cell_backward_tanh_derivative_of_h_prev", "cell_backward_dbh_not_summed",
            "rnn_loss_log_of_sum", "cell_forward_softmax_over_batch"} <= stems
    variants = {v.stem for assignment in ASSIGNMENTS for v in variant_files(assignment)}
    assert {"matmul_operator", "np_dot", "einsum", "list_stack", "sample_default_rng",
            "sample_inverse_cdf", "clip_returned", "clip_in_place",
            "forward_one_hot_matmul", "bptt_ascending_outer_loop", "train_while_loop",
            "loss_vectorised", "bptt_delta_o_alias",
            "ndindex_loops", "vectorised_rel_error", "copy_and_restore", "einsum_backward",
            "grad_check_calls_eval_numerical_gradient"} <= variants
