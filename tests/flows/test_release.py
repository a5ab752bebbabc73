"""One source of truth: solutions/ -> source notebook -> public cases -> nbgrader release."""
import ast
import json
import subprocess
import sys

from rnn_checks import exercises
from autograder.frontends.release import function_parts
import pytest

from tests.submissions import ROOT, release_notebook

ASSIGNMENTS = pytest.mark.parametrize("assignment", exercises.ASSIGNMENTS)


@pytest.mark.slow
@ASSIGNMENTS
def test_source_notebook_public_cases_and_release_are_in_step(assignment):
    """Fails when solutions/, the specs or the notebook changed without `release`."""
    result = subprocess.run([sys.executable, "-m", "autograder", "release", assignment, "--check"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


def solution_lines(assignment):
    """Lines of the graded functions' solutions that the notebook does not give away anyway
    (in the provided helpers or other cells)."""
    source = (ROOT / "solutions" / f"{assignment}.py").read_text()
    names = [e.name for e in exercises.load(assignment).exercises]
    lines = {line.strip() for name in names
             for line in function_parts(source, name)[1].splitlines()}
    notebook = json.loads((ROOT / "assignments" / assignment / f"{assignment}.ipynb").read_text())
    given = {line.strip() for cell in notebook["cells"]
             if cell["cell_type"] == "code" and not cell["metadata"]["nbgrader"].get("solution")
             for line in "".join(cell["source"]).splitlines()}
    # Lines a stub or a comment could share by chance prove nothing.
    return {line for line in lines - given if len(line) > 12 and not line.startswith("#")}


@ASSIGNMENTS
def test_release_has_no_solution_code_and_no_hidden_tests(assignment):
    nb = release_notebook(assignment)
    sources = {cell["cell_type"]: [] for cell in nb["cells"]}
    for cell in nb["cells"]:
        sources[cell["cell_type"]].append("".join(cell["source"]))
    code, text = "\n".join(sources["code"]), "\n".join(sum(sources.values(), []))
    # The markdown states some results on purpose (the cache layouts); code cells must not.
    leaked = [line for line in solution_lines(assignment) if line in code]
    assert not leaked, leaked
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "from autograder.notebook import grade",
                   f'grade("{assignment}"'):
        assert secret not in text


@ASSIGNMENTS
def test_release_keeps_the_contract(assignment):
    """One cell per graded function, grade_id = its name, with the student's region."""
    nb = release_notebook(assignment)
    by_id = {cell["metadata"]["nbgrader"]["grade_id"]: cell for cell in nb["cells"]
             if "nbgrader" in cell["metadata"]}
    for exercise in exercises.load(assignment).exercises:
        cell = by_id[exercise.name]
        assert cell["metadata"]["nbgrader"]["solution"] is True
        source = "".join(cell["source"])
        assert f"def {exercise.name}(" in source
        assert "### START CODE HERE ###" in source and "raise NotImplementedError()" in source
        ast.parse(source)
        test = by_id[f"test_{exercise.name}"]["metadata"]["nbgrader"]
        assert test["grade"] is True and test["points"] == exercise.points


@ASSIGNMENTS
def test_public_data_holds_only_public_cases(assignment):
    data = json.loads((ROOT / "rnn_checks" / "public" / f"{assignment}.json").read_text())
    assert set(data) == {e.name for e in exercises.load(assignment).exercises}
    assert all('"hidden case' not in json.dumps(entry) for entry in data.values())


def test_release_ships_the_dataset():
    names = (ROOT / "release" / "dinosaurus_island" / "data" / "dinos.txt").read_text().splitlines()
    assert len(names) >= 1000 and len(set(names)) == len(names)
    assert all(name.isalpha() and name.islower() and name.isascii() for name in names)


def test_bundled_examples_are_current():
    from tests.submissions import HERE, examples
    for path, nb in examples().items():
        assert json.loads((HERE / path).read_text()) == nb, \
            f"{path} is stale: run python -c 'from tests.submissions import write_examples; " \
            "write_examples()'"


def nudged(entry, factor):
    """A public case with its first stored float multiplied by `factor`."""
    import base64
    import numpy as np
    buffers = [bytearray(base64.b64decode(b)) for b in entry["buffers"]]
    index = next(i for i, b in enumerate(buffers) if len(b) >= 8)
    value = np.frombuffer(bytes(buffers[index][:8]), "<f8")[0]
    buffers[index][:8] = np.array([value * factor], "<f8").tobytes()
    return dict(entry, buffers=[base64.b64encode(bytes(b)).decode() for b in buffers])


def test_public_cases_compare_with_a_tolerance(tmp_path):
    """Another CPU may compute the last bit differently (AVX-512 did, in the LSTM): that is
    no drift, and regenerating keeps the committed text; a real change is drift."""
    from autograder.frontends.release import public_text, same_public_case
    path = ROOT / "rnn_checks" / "public" / "rnn_step_by_step.json"
    committed = json.loads(path.read_text())
    entry = committed["lstm_cell_backward"]
    assert same_public_case(entry, nudged(entry, 1 + 2e-16))
    assert not same_public_case(entry, nudged(entry, 1 + 1e-6))
    other_cpu = dict(committed, lstm_cell_backward=nudged(entry, 1 + 2e-16))
    (tmp_path / "public.json").write_text(json.dumps(other_cpu))
    kept = json.loads(public_text("rnn_step_by_step", tmp_path / "public.json"))
    assert kept["lstm_cell_backward"] == other_cpu["lstm_cell_backward"]
    changed = dict(committed, lstm_cell_backward=nudged(entry, 1.001))
    (tmp_path / "public.json").write_text(json.dumps(changed))
    rewritten = json.loads(public_text("rnn_step_by_step", tmp_path / "public.json"))
    # computed anew on this CPU: the committed values up to the last bits, not the changed ones
    assert same_public_case(rewritten["lstm_cell_backward"], committed["lstm_cell_backward"])
    assert not same_public_case(rewritten["lstm_cell_backward"], changed["lstm_cell_backward"])
