"""A student has only the release folder nbgrader hands out, and what the README tells a
student to install (NumPy, matplotlib, Jupyter).

The folder is copied alone into an empty directory, a virtual environment gets exactly the
README's packages, and the notebook runs in a real kernel of that environment: every public
check runs from the folder's own copy of the checks, none of the instructors' tools is
there, and nothing in the folder holds more of the reference than the public cases."""
import json
import shutil
import subprocess
import sys

import nbclient
import nbformat
import pytest

from rnn_checks import exercises
from tests.submissions import ROOT, notebook
from tests.flows.test_notebook_kernel import cells, errors, printed, stderr

pytestmark = pytest.mark.slow  # a new environment and Jupyter kernels



def student_packages():
    """What the README tells a student to install (the line under <!-- student:install -->)."""
    readme = (ROOT / "README.md").read_text().splitlines()
    line = next(readme[i] for i in range(readme.index("<!-- student:install -->"), len(readme))
                if readme[i].startswith("python3"))
    return line.split("pip install", 1)[1].split()


@pytest.fixture(scope="module")
def student_python(tmp_path_factory):
    """A kernel of a fresh environment with only the student's packages."""
    root = tmp_path_factory.mktemp("student-env")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", *student_packages()], check=True,
                   timeout=900)
    spec = root / "kernels" / "student"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "student", "language": "python"}))
    return python, root


def run_alone(assignment, nb, student_python, folder, monkeypatch):
    """The release folder alone in `folder`, with `nb` as its notebook, run in the
    student's kernel (from nowhere near this repository)."""
    python, root = student_python
    shutil.copytree(ROOT / "release" / assignment, folder)
    monkeypatch.setenv("JUPYTER_PATH", str(root))
    node = nbformat.reads(json.dumps(nb), as_version=4)
    client = nbclient.NotebookClient(node, timeout=600, allow_errors=True, kernel_name="student",
                                     resources={"metadata": {"path": str(folder)}})
    client.execute(env={"PATH": "/usr/bin:/bin", "HOME": str(folder), "MPLBACKEND": "Agg"})
    return node


@pytest.mark.parametrize("assignment", exercises.ASSIGNMENTS)
def test_the_release_folder_alone_runs_every_public_check(assignment, student_python, tmp_path,
                                                          monkeypatch):
    python, _ = student_python
    for absent in ("autograder", "rnn_checks", "nbgrader"):  # only the copy beside the notebook
        assert subprocess.run([str(python), "-c", f"import {absent}"], cwd=tmp_path,
                              capture_output=True).returncode != 0, absent
    ran = run_alone(assignment, notebook(assignment), student_python, tmp_path / "correct",
                    monkeypatch)
    names = [exercise.name for exercise in exercises.load(assignment).exercises]
    for cell in ran.cells:
        assert not errors(cell), cell.source
    for name in names:
        assert f"All public checks of {name} passed" in printed(cells(ran)[f"check_{name}"])
        assert not stderr(cells(ran)[f"test_{name}"])
    if assignment == "dinosaurus_island":
        assert "has learned to spell" in printed(cells(ran)["train_demo"])
    if assignment == "rnn_language_model":
        assert "has learned to write" in printed(cells(ran)["train_demo"])
        assert "(ok)" in printed(cells(ran)["gradient_check_demo"])
        assert "WRONG" not in printed(cells(ran)["gradient_check_demo"])


def test_a_bug_in_the_release_folder_alone_is_explained(student_python, tmp_path, monkeypatch):
    bug = ROOT / "tests" / "submissions" / "rnn_step_by_step" / "bugs" / "missing_waa_transpose.py"
    ran = run_alone("rnn_step_by_step", notebook("rnn_step_by_step", [bug]), student_python,
                    tmp_path / "buggy", monkeypatch)
    check = cells(ran)["check_rnn_cell_backward"]
    assert "da_prev: values differ" in printed(check) and not errors(check)
    assert "does not pass its public check yet" in stderr(check)


@pytest.mark.parametrize("assignment", exercises.ASSIGNMENTS)
def test_the_release_folder_holds_the_engine_and_public_cases_only(assignment):
    """Its copy of the checks is the kit's student-side package rnn_checks, byte for byte,
    with this assignment's spec and public cases only: no solutions, no hidden case, no
    module of the grader's. (test_release checks that the notebook's code holds no solution.)"""
    folder = ROOT / "release" / assignment / "rnn_checks"
    found = {p.relative_to(folder).as_posix() for p in folder.rglob("*")
             if p.is_file() and "__pycache__" not in p.parts}
    package = ROOT / "rnn_checks"
    modules = {p.relative_to(package).as_posix() for p in package.rglob("*.py")
               if "__pycache__" not in p.parts and p.parent.name != "exercises"}
    assert found == {*modules, "exercises/__init__.py", f"exercises/{assignment}.py",
                     f"public/{assignment}.json"}
    for module in found:
        assert (folder / module).read_bytes() == (package / module).read_bytes()
