"""One source of truth: solutions/ -> source notebook -> public cases -> nbgrader release."""
import ast
import json
import subprocess
import sys

from autograder import exercises
from autograder.release import function_parts
from tests.submissions import ROOT, release_notebook

ASSIGNMENT = "rnn_step_by_step"


def test_source_notebook_public_cases_and_release_are_in_step():
    """Fails when solutions/, the specs or the notebook changed without `release`."""
    result = subprocess.run([sys.executable, "-m", "autograder", "release", ASSIGNMENT, "--check"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


def solution_lines():
    source = (ROOT / "solutions" / f"{ASSIGNMENT}.py").read_text()
    names = [e.name for e in exercises.load(ASSIGNMENT).exercises]
    lines = {line.strip() for name in names for line in function_parts(source, name)[1].splitlines()}
    # Lines a stub or a comment could share by chance prove nothing.
    return {line for line in lines if len(line) > 12 and not line.startswith("#")}


def test_release_has_no_solution_code_and_no_hidden_tests():
    nb = release_notebook(ASSIGNMENT)
    sources = {cell["cell_type"]: [] for cell in nb["cells"]}
    for cell in nb["cells"]:
        sources[cell["cell_type"]].append("".join(cell["source"]))
    code, text = "\n".join(sources["code"]), "\n".join(sum(sources.values(), []))
    # The markdown states some results on purpose (the cache layouts); code cells must not.
    leaked = [line for line in solution_lines() if line in code]
    assert not leaked, leaked
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "from autograder.notebook import grade",
                   f'grade("{ASSIGNMENT}"'):
        assert secret not in text


def test_release_keeps_the_contract():
    """One cell per graded function, grade_id = its name, with the student's region."""
    nb = release_notebook(ASSIGNMENT)
    by_id = {cell["metadata"]["nbgrader"]["grade_id"]: cell for cell in nb["cells"]
             if "nbgrader" in cell["metadata"]}
    for exercise in exercises.load(ASSIGNMENT).exercises:
        cell = by_id[exercise.name]
        assert cell["metadata"]["nbgrader"]["solution"] is True
        source = "".join(cell["source"])
        assert f"def {exercise.name}(" in source
        assert "### START CODE HERE ###" in source and "raise NotImplementedError()" in source
        ast.parse(source)
        test = by_id[f"test_{exercise.name}"]["metadata"]["nbgrader"]
        assert test["grade"] is True and test["points"] == exercise.points


def test_public_data_holds_only_public_cases():
    data = json.loads((ROOT / "autograder" / "public" / f"{ASSIGNMENT}.json").read_text())
    assert set(data) == {e.name for e in exercises.load(ASSIGNMENT).exercises}
    assert all('"hidden case' not in json.dumps(entry) for entry in data.values())


def test_bundled_examples_are_current():
    from tests.submissions import HERE, examples
    for name, nb in examples().items():
        assert json.loads((HERE / ASSIGNMENT / name).read_text()) == nb, \
            f"{name} is stale: run python -c 'from tests.submissions import write_examples; write_examples()'"
