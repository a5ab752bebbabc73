"""No graded line of a solution ships to students.

The modules `release` copies into every student's folder (rnn_checks/) are read by the
students; a check that builds its data with the very line an exercise asks for would hand
out the answer. The training check measures a loss without building training pairs, and
gives the reference's loss of each pair all the same."""
import ast

import numpy as np
import pytest

from rnn_checks import exercises
from rnn_checks.exercises.dinosaurus_island import CHAR_TO_IX, VOCAB_SIZE
from autograder.checks_copy import checks_files
from autograder.reference import SolutionReference
from tests.submissions import ROOT

# Set-up lines that any code of these shapes has: they give nothing away.
GENERIC = {'vocab_size = parameters["by"].shape[0]', "x = np.zeros((vocab_size, 1))",
           "rng = np.random.default_rng(seed)", "gradients = {"}


def solution_lines(name):
    """(function, line) for each statement line of the graded functions of a solution."""
    source = (ROOT / "solutions" / f"{name}.py").read_text()
    graded = {exercise.name for exercise in exercises.load(name).exercises}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name in graded:
            body = node.body[1:] if isinstance(node.body[0], ast.Expr) else node.body
            for line in source.splitlines()[body[0].lineno - 1:node.end_lineno]:
                text = line.strip()
                if len(text) >= 12 and not text.startswith("#") and text not in GENERIC:
                    yield node.name, text


@pytest.mark.parametrize("name", exercises.ASSIGNMENTS)
def test_no_graded_line_of_a_solution_ships_to_students(name):
    shipped = {module: text.decode() for module, text in checks_files(name).items()}
    found = [(function, line, module) for function, line in solution_lines(name)
             for module, text in shipped.items() if line in text]
    assert not found


def training_pair(name):
    """The pair the training loop builds for a name (in a test: never shipped)."""
    X = [None] + [CHAR_TO_IX[c] for c in name]
    return X, X[1:] + [CHAR_TO_IX["\n"]]


def test_the_training_loss_is_the_references_loss_of_each_pair_to_the_bit():
    assignment = exercises.load("dinosaurus_island")
    functions = SolutionReference(assignment).functions()
    check = assignment.exercise("model").behaviour
    names = [line.strip() for line in (ROOT / "assignments" / "dinosaurus_island" / "data" /
                                       "small.txt").read_text().splitlines()]
    rng = np.random.default_rng(5)
    for n_a in (3, 20):
        parameters = functions["initialize_parameters"](n_a, VOCAB_SIZE, VOCAB_SIZE)
        parameters = {key: value + rng.standard_normal(value.shape)
                      for key, value in parameters.items()}
        expected = sum(float(functions[check.loss](*training_pair(name), np.zeros((n_a, 1)),
                                                   parameters)[0]) for name in names)
        assert check.average_loss(functions, parameters, names, CHAR_TO_IX) == \
            expected / len(names)


def test_the_released_behaviour_package_builds_no_training_pair():
    paths = sorted((ROOT / "rnn_checks" / "behaviour").rglob("*.py"))
    assert paths
    for path in paths:
        source = path.read_text()
        assert "X[1:]" not in source and "Y =" not in source, path.name
