"""The notebooks in a real Jupyter kernel (nbclient): what a student and an instructor see.

Each notebook runs once (module-scoped fixtures); the tests read the outputs it left:
- the solved source notebook: every public check passes, every hidden test returns the
  exercise's points (the value nbgrader reads as the cell's score);
- the release notebook with a correct submission: every public check passes;
- one bug: the public check of that exercise fails and says why, the others pass;
- the untouched release notebook: every check says the exercise is not implemented yet.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbclient
import nbformat
import pytest

from rnn_checks import exercises
from tests.submissions import HERE, notebook, release_notebook

pytestmark = pytest.mark.slow  # Jupyter kernels


ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = "rnn_step_by_step"
SOURCE = ROOT / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
SPEC = exercises.load(ASSIGNMENT)
NAMES = [exercise.name for exercise in SPEC.exercises]
BUG = HERE / ASSIGNMENT / "bugs" / "missing_waa_transpose.py"   # in rnn_cell_backward
BROKEN = "rnn_cell_backward"


def execute(nb, cwd, allow_errors):
    """Run every cell of `nb` (a notebook dict) in a fresh kernel; returns the executed node."""
    node = nbformat.reads(json.dumps(nb), as_version=4)   # joins list-of-lines sources
    env = dict(os.environ)
    # the kernel imports this checkout's autograder, and its grader finds solutions/ here
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("RNN_KIT_COURSE", None)
    client = nbclient.NotebookClient(node, timeout=300, allow_errors=allow_errors,
                                     kernel_name="python3",
                                     resources={"metadata": {"path": str(cwd)}})
    client.execute(env=env)
    return node


def cells(nb):
    """{grade_id: cell} of the nbgrader cells."""
    return {cell.metadata["nbgrader"]["grade_id"]: cell for cell in nb.cells
            if "grade_id" in cell.metadata.get("nbgrader", {})}


def printed(cell):
    return "".join(output.get("text", "") for output in cell.get("outputs", [])
                   if output.output_type == "stream")


def stderr(cell):
    return "".join(output.get("text", "") for output in cell.get("outputs", [])
                   if output.output_type == "stream" and output.name == "stderr")


def errors(cell):
    return [output for output in cell.get("outputs", []) if output.output_type == "error"]


def result(cell):
    (value,) = [output for output in cell.get("outputs", [])
                if output.output_type == "execute_result"]
    return float(value.data["text/plain"])


def assert_check_passed(cell, name):
    assert not errors(cell), f"check of {name} raised:\n{printed(cell)}"
    assert f"All public checks of {name} passed" in printed(cell), printed(cell)


@pytest.fixture(scope="module")
def source_run():
    """The instructor's notebook, as written, from its own folder; any error fails it."""
    return execute(json.loads(SOURCE.read_text()), SOURCE.parent, allow_errors=False)


@pytest.fixture(scope="module")
def student_folder(tmp_path_factory):
    """The release folder, as nbgrader hands it out (the checks' copy beside the notebook)."""
    folder = tmp_path_factory.mktemp("student")
    shutil.copytree(ROOT / "release" / ASSIGNMENT, folder, dirs_exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def correct_run(student_folder):
    return execute(notebook(ASSIGNMENT), student_folder, allow_errors=False)


@pytest.fixture(scope="module")
def bug_run(student_folder):
    return execute(notebook(ASSIGNMENT, [BUG]), student_folder, allow_errors=True)


@pytest.fixture(scope="module")
def untouched_run(student_folder):
    return execute(release_notebook(ASSIGNMENT), student_folder, allow_errors=True)


# ------------------------------------------------------------------ solved source notebook

def test_source_notebook_has_no_errors(source_run):
    for cell in source_run.cells:
        assert not errors(cell), cell.source


@pytest.mark.parametrize("name", NAMES)
def test_source_public_check_passes(source_run, name):
    assert_check_passed(cells(source_run)[f"check_{name}"], name)


@pytest.mark.parametrize("name", NAMES)
def test_source_hidden_test_returns_the_points(source_run, name):
    cell = cells(source_run)[f"test_{name}"]
    points = cell.metadata["nbgrader"]["points"]
    assert cell.metadata["nbgrader"]["grade"] is True
    assert points == SPEC.exercise(name).points
    assert result(cell) == pytest.approx(points, abs=1e-6), printed(cell)
    assert "failed" not in printed(cell)


def test_source_points_add_up_to_100(source_run):
    assert sum(result(cells(source_run)[f"test_{name}"]) for name in NAMES) == pytest.approx(100)


# ------------------------------------------------------------- release + correct submission

@pytest.mark.parametrize("name", NAMES)
def test_correct_submission_public_check_passes(correct_run, name):
    assert_check_passed(cells(correct_run)[f"check_{name}"], name)


def test_correct_submission_test_cells_are_silent(correct_run):
    """In the released notebook the test cells hold no hidden tests, only the validation of
    the public check, which says nothing when it passes."""
    for name in NAMES:
        cell = cells(correct_run)[f"test_{name}"]
        assert "grade(" not in cell.source
        assert cell.outputs == [], name


# --------------------------------------------------------------------------- one bug

def test_bug_fails_its_own_public_check(bug_run):
    """It says why, raises nothing (Run All goes on), and says so on stderr, in the check
    and in the test cell below it, which is what nbgrader's Validate reads."""
    cell = cells(bug_run)[f"check_{BROKEN}"]
    assert not errors(cell)
    assert f"{BROKEN} does not pass its public check yet" in stderr(cell)
    text = printed(cell)
    assert "public case" in text and "failed" in text
    assert "da_prev: values differ" in text
    assert "expected" in text and "got" in text
    assert f"All public checks of {BROKEN} passed" not in text
    assert "not credited" not in text and "Traceback" not in text
    validated = stderr(cells(bug_run)[f"test_{BROKEN}"])
    assert f"{BROKEN} does not pass its public check yet" in validated


def test_a_check_that_used_expected_helpers_says_so(bug_run):
    """rnn_backward passes with the expected rnn_cell_backward; the student's own is wrong."""
    text = printed(cells(bug_run)["check_rnn_backward"])
    assert "All public checks of rnn_backward passed" in text
    assert f"Your own {BROKEN} does not pass its check yet" in text


@pytest.mark.parametrize("name", [n for n in NAMES if n != BROKEN])
def test_bug_leaves_every_other_check_passing(bug_run, name):
    """Also the checks of exercises that call the broken function: like the grader, the
    check gives them the reference's answers (replayed from the public case)."""
    assert_check_passed(cells(bug_run)[f"check_{name}"], name)


# ------------------------------------------------------------------ untouched release

def test_untouched_setup_runs(untouched_run):
    assert not errors(cells(untouched_run)["setup"])


@pytest.mark.parametrize("name", NAMES)
def test_untouched_check_says_not_implemented(untouched_run, name):
    cell = cells(untouched_run)[f"check_{name}"]
    assert not errors(cell)
    assert f"{name} is not implemented yet" in printed(cell), printed(cell)
    assert f"{name} does not pass its public check yet" in stderr(cell)


# ------------------------------------------------------------------ nbgrader validate

def validate(nb, folder):
    """`nbgrader validate` of `nb` in a copy of the release folder: its printed verdict."""
    folder.mkdir()
    shutil.copytree(ROOT / "release" / ASSIGNMENT, folder, dirs_exist_ok=True)
    path = folder / f"{ASSIGNMENT}.ipynb"
    path.write_text(json.dumps(nb))
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(path)], cwd=folder,
                          capture_output=True, text=True, timeout=600, env=env)
    return done.stdout + done.stderr


def test_validate_fails_for_each_failing_exercise_and_passes_a_correct_notebook(tmp_path):
    untouched = validate(release_notebook(ASSIGNMENT), tmp_path / "untouched")
    assert "VALIDATION FAILED" in untouched
    assert all(f"{name} does not pass its public check yet" in untouched for name in NAMES)
    buggy = validate(notebook(ASSIGNMENT, [BUG]), tmp_path / "buggy")
    assert "VALIDATION FAILED" in buggy and f"{BROKEN} does not pass" in buggy
    assert [name for name in NAMES if f"{name} does not pass" in buggy] == [BROKEN]
    correct = validate(notebook(ASSIGNMENT), tmp_path / "correct")
    assert "Success! Your notebook passes all the tests." in correct, correct
