"""The solved dinosaurus_island source notebook runs top to bottom in a real kernel: every
public check passes, every hidden test returns its points, and the training demo prints
invented names and plots the smoothed loss."""
import json

import pytest

from rnn_checks import exercises
from tests.flows.test_notebook_kernel import (ROOT, assert_check_passed, cells, errors, execute,
                                        printed, result)

pytestmark = pytest.mark.slow  # a Jupyter kernel

ASSIGNMENT = "dinosaurus_island"
SOURCE = ROOT / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
NAMES = [exercise.name for exercise in exercises.load(ASSIGNMENT).exercises]


@pytest.fixture(scope="module")
def source_run():
    return execute(json.loads(SOURCE.read_text()), SOURCE.parent, allow_errors=False)


def test_no_errors_and_every_check_passes(source_run):
    for cell in source_run.cells:
        assert not errors(cell), cell.source
    for name in NAMES:
        assert_check_passed(cells(source_run)[f"check_{name}"], name)


def test_hidden_tests_return_full_points(source_run):
    spec = exercises.load(ASSIGNMENT)
    for name in NAMES:
        cell = cells(source_run)[f"test_{name}"]
        assert result(cell) == pytest.approx(spec.exercise(name).points), printed(cell)


def test_training_demo_prints_names_and_plots_the_loss(source_run):
    demo = cells(source_run)["train_demo"]
    text = printed(demo)
    assert text.count("Iteration: ") == 12  # iterations 0, 2000, ..., 22000
    assert "your network has learned to spell like a paleontologist" in text
    assert any(output.output_type == "display_data" and "image/png" in output.data
               for output in demo.outputs)
