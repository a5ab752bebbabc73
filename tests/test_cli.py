"""`python -m autograder grade`: the contract CI and Gradescope rely on, run as a real process."""
import json
import subprocess
import sys

import pytest

from tests.submissions import HERE, ROOT, release_notebook, write

EXAMPLES = HERE / "rnn_step_by_step"


def run_cli(submission, output, *extra):
    return run_cli_for(submission, output, "rnn_step_by_step", *extra)


def run_cli_for(submission, output, assignment, *extra):
    result = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission),
                             "--assignment", assignment, "--output", str(output), *extra],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(output.read_text()), result.stdout


def assert_gradescope_format(results):
    assert isinstance(results["score"], (int, float))
    assert isinstance(results["tests"], list) and results["tests"]
    exercises = {"softmax", "rnn_cell_forward", "rnn_forward", "rnn_cell_backward", "rnn_backward",
                 "lstm_cell_forward", "lstm_forward", "lstm_cell_backward", "lstm_backward"}
    for test in results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output"}
        assert test["name"].split(":")[0] in exercises
        assert test["status"] in ("passed", "failed")
        assert 0 <= test["score"] <= test["max_score"]
        assert (test["status"] == "passed") == (test["score"] == test["max_score"])
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))
    assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(100)


def test_correct_example(tmp_path):
    results, table = run_cli(EXAMPLES / "correct.ipynb", tmp_path / "results.json")
    assert_gradescope_format(results)
    assert results["score"] == 100
    assert "rnn_cell_backward" in table and "100 / 100" in table


def test_typical_bugs_example(tmp_path):
    results, table = run_cli(EXAMPLES / "typical_bugs.ipynb", tmp_path / "results.json")
    assert_gradescope_format(results)
    failed = {t["name"].split(":")[0] for t in results["tests"] if t["status"] == "failed"}
    assert failed == {"softmax", "rnn_cell_forward", "rnn_cell_backward", "rnn_backward",
                      "lstm_cell_backward"}
    named = [t for t in results["tests"] if t["name"] == "rnn_cell_backward: values, hidden case 2"]
    assert named and "da_prev: values differ" in named[0]["output"]


def test_untouched_release_notebook_scores_zero(tmp_path):
    submission = write(release_notebook("rnn_step_by_step"), tmp_path / "untouched.ipynb")
    results, _ = run_cli(submission, tmp_path / "results.json")
    assert_gradescope_format(results)
    assert results["score"] == 0
    assert "not implemented yet" in results["tests"][0]["output"]


@pytest.mark.parametrize("content, reason", [
    (b"this is not json", "not valid notebook JSON"),
    (b'{"cells": 3}', "not a Jupyter notebook"),
    (b'{"nbformat": 3, "cells": []}', "nbformat 3"),
    (b'\xff\xfe{"cells": []}', "not UTF-8"),
])
def test_unreadable_notebook_still_gets_results(tmp_path, content, reason):
    submission = tmp_path / "broken.ipynb"
    submission.write_bytes(content)
    results, _ = run_cli(submission, tmp_path / "out" / "results.json")
    assert_gradescope_format(results)
    assert results["score"] == 0
    assert reason in results["output"]


def test_missing_file_still_gets_results(tmp_path):
    results, _ = run_cli(tmp_path / "nothing.ipynb", tmp_path / "results.json")
    assert results["score"] == 0 and "cannot open" in results["output"]


def test_dinosaurus_examples(tmp_path):
    folder = HERE.parent / "submissions" / "dinosaurus_island"
    results, _ = run_cli_for(folder / "correct.ipynb", tmp_path / "correct.json", "dinosaurus_island")
    assert results["score"] == 100
    results, _ = run_cli_for(folder / "typical_bugs.ipynb", tmp_path / "bugs.json",
                             "dinosaurus_island")
    failed = {t["name"].split(":")[0] for t in results["tests"] if t["status"] == "failed"}
    assert failed == {"sample", "clip", "optimize", "rnn_backward"}


def test_notebook_of_another_assignment_scores_zero_with_a_reason(tmp_path):
    submission = HERE.parent / "submissions" / "dinosaurus_island" / "correct.ipynb"
    results, _ = run_cli(submission, tmp_path / "results.json")
    assert results["score"] == 0
    assert "no cell with grade_id 'rnn_cell_forward'" in json.dumps(results)


def test_empty_notebook_scores_zero_with_a_reason(tmp_path):
    submission = tmp_path / "empty.ipynb"
    submission.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                      "nbformat_minor": 5}))
    results, _ = run_cli(submission, tmp_path / "results.json")
    assert results["score"] == 0
    assert "no cell with grade_id 'softmax'" in json.dumps(results)


def test_duplicated_cell_grades_the_last_definition(tmp_path):
    from tests.submissions import notebook
    nb = notebook("rnn_step_by_step")
    (cell,) = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "softmax"]
    broken = dict(cell, source="def softmax(x):\n    return x\n")
    nb["cells"].insert(nb["cells"].index(cell), broken)  # a stale copy above the good one
    results, _ = run_cli(write(nb, tmp_path / "dup.ipynb"), tmp_path / "results.json")
    assert results["score"] == 100
    nb["cells"].insert(nb["cells"].index(cell) + 1, dict(broken))  # now the stale one is last
    results, _ = run_cli(write(nb, tmp_path / "dup.ipynb"), tmp_path / "results.json")
    softmax = [t for t in results["tests"] if t["name"].startswith("softmax")]
    assert all(t["score"] == 0 for t in softmax)
    assert "3 cells with grade_id 'softmax'; the last definition of softmax was graded" in \
        softmax[0]["output"]


def test_a_100_megabyte_notebook_is_still_graded(tmp_path):
    from tests.submissions import notebook
    nb = notebook("rnn_step_by_step")
    nb["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout",
                                  "text": "x" * (100 << 20)}]
    nb["cells"][0]["cell_type"] = "code"
    nb["cells"][0]["execution_count"] = 1
    submission = write(nb, tmp_path / "big.ipynb")
    assert submission.stat().st_size > 100 << 20
    results, _ = run_cli(submission, tmp_path / "results.json")
    assert results["score"] == 100


@pytest.mark.parametrize("assignment", ["rnn_step_by_step", "dinosaurus_island"])
def test_a_missing_notebook_scores_zero_in_every_exercise(tmp_path, assignment):
    """Exercises graded by behaviour too: each is failed with the reason, never a crash."""
    output = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "no.ipynb"),
                           "--assignment", assignment, "--output", str(output)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads(output.read_text())
    assert results["score"] == 0 and "no.ipynb" in results["output"]
    exercises = {test["name"].split(":")[0] for test in results["tests"]}
    assert {"sample", "model"} <= exercises or assignment == "rnn_step_by_step"
