"""`python -m autograder gradescope`: the zip, unpacked into a fake /autograder tree and run
as Gradescope runs it (real processes throughout); every results.json is checked against
Gradescope's documented results format."""
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import jsonschema
import pytest

from rnn_checks.exercises import ASSIGNMENTS
from autograder.frontends.gradescope import build
from autograder.secret import hidden_seed
from tests.submissions import HERE, ROOT
from tests.red_team.test_secret import course_copy

# Gradescope's results.json, as documented in its autograder specifications.
FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
VISIBILITY = {"enum": ["visible", "hidden", "after_due_date", "after_published"]}
SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["score"],
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "output_format": FORMAT,
        "test_output_format": FORMAT,
        "test_name_format": FORMAT,
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "score": {"type": "number"},
                "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]},
                "name": {"type": "string"},
                "name_format": FORMAT,
                "number": {"type": "string"},
                "output": {"type": "string"},
                "output_format": FORMAT,
                "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": VISIBILITY,
                "extra_data": {"type": "object"},
            }}},
        "leaderboard": {"type": "array", "items": {"type": "object"}},
    },
}
jsonschema.Draft7Validator.check_schema(SCHEMA)


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    """{assignment: its zip}, built by the command line."""
    folder = tmp_path_factory.mktemp("zips")
    zips = {}
    for assignment in ASSIGNMENTS:
        zips[assignment] = folder / f"{assignment}.zip"
        done = subprocess.run([sys.executable, "-m", "autograder", "gradescope", assignment,
                               "--output", str(zips[assignment])],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    return zips


def install(package, root):
    """Lay `package` out as Gradescope does: unzipped (modes kept, as unzip does) into
    root/source, run_autograder copied to root, empty submission and results folders."""
    for folder in ("source", "submission", "results"):
        (root / folder).mkdir(parents=True)
    with zipfile.ZipFile(package) as archive:
        for info in archive.infolist():
            Path(archive.extract(info, root / "source")).chmod(info.external_attr >> 16 & 0o777)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    return root


def submit(root, example, assignment, name):
    target = root / "submission" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / assignment / example, target)


def run_autograder(root, **env):
    """Run root/run_autograder with the test's Python first on PATH; the validated results."""
    return run_autograder_logged(root, **env)[0]


def run_autograder_logged(root, **env):
    """run_autograder's validated results, and what it printed (stdout + stderr)."""
    environment = dict(os.environ, AUTOGRADER_ROOT=str(root), **env,
                       PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    environment.pop("RNN_KIT_COURSE", None)
    done = subprocess.run([str(root / "run_autograder")], cwd=root, env=environment,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    return results, done.stdout + done.stderr


def cli_results(notebook, assignment, output):
    """What `python -m autograder grade` gives for the same notebook, run from the checkout."""
    subprocess.run([sys.executable, "-m", "autograder", "grade", str(notebook), "--assignment",
                    assignment, "--output", str(output)], cwd=ROOT, check=True,
                   capture_output=True, timeout=300)
    return json.loads(Path(output).read_text())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_zip_holds_what_grading_needs_and_nothing_else(assignment, packages, tmp_path):
    archive = zipfile.ZipFile(packages[assignment])
    names = archive.namelist()
    assert names == sorted(names)
    assert {"setup.sh", "run_autograder", "requirements.txt", "autograder/__main__.py",
            f"solutions/{assignment}.py", f"release/{assignment}/{assignment}.ipynb"} <= set(names)
    # The reference, and its named mistakes: nothing of another assignment.
    assert [n for n in names if n.startswith("solutions/")] == sorted([
        f"solutions/{assignment}.py", f"solutions/mistakes/{assignment}.py"])
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/")) or "__pycache__" in n
                or n.endswith(".pyc")]
    for other in set(ASSIGNMENTS) - {assignment}:
        assert not [n for n in names if f"{other}/" in n or n.endswith(f"{other}.json")]
    modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert modes["setup.sh"] == modes["run_autograder"] == 0o100755
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    requirements = archive.read("requirements.txt").decode().split()
    assert {"numpy", "ipython"} <= {r.split(">")[0].split("=")[0] for r in requirements}
    for script in ("setup.sh", "run_autograder"):
        checked = subprocess.run(["bash", "-n"], input=archive.read(script), capture_output=True)
        assert checked.returncode == 0, checked.stderr
    # Deterministic: building again gives the same bytes.
    assert build(assignment, tmp_path / "again.zip").read_bytes() == \
        packages[assignment].read_bytes()


# Grading dinosaurus_island includes a training run: a sweep the fast loop leaves out.
GRADED = [pytest.param(name, marks=[pytest.mark.slow] if name == "dinosaurus_island" else [])
          for name in ASSIGNMENTS]


@pytest.mark.parametrize("assignment", GRADED)
def test_correct_notebook_scores_full_marks(assignment, packages, tmp_path):
    """The notebook named after the assignment wins, wherever it is, over a notebook that
    sorts first and over Jupyter's hidden checkpoint copy."""
    root = install(packages[assignment], tmp_path / "autograder")
    submit(root, "correct.ipynb", assignment, f"work/{assignment}.ipynb")
    submit(root, "typical_bugs.ipynb", assignment, "a_draft.ipynb")
    submit(root, "typical_bugs.ipynb", assignment, f".ipynb_checkpoints/{assignment}.ipynb")
    results = run_autograder(root)
    assert results["score"] == 100
    assert results["extra_data"]["submission"] == f"{assignment}.ipynb"
    # The course is closed to other users, so no student uid can read solutions/.
    for path in [root / "source", *(root / "source").rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


@pytest.mark.slow  # grades every assignment twice
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_notebook_under_another_name_is_graded_as_the_cli_grades_it(assignment, packages,
                                                                      tmp_path):
    root = install(packages[assignment], tmp_path / "autograder")
    submit(root, "typical_bugs.ipynb", assignment, "my notebook (final).ipynb")
    results = run_autograder(root)
    expected = cli_results(HERE / assignment / "typical_bugs.ipynb", assignment,
                           tmp_path / "cli.json")
    assert 0 < results["score"] < 100
    assert results["score"] == expected["score"]
    assert [(t["name"], t["score"]) for t in results["tests"]] == \
        [(t["name"], t["score"]) for t in expected["tests"]]


@pytest.mark.parametrize("assignment", GRADED)
def test_empty_submission_scores_zero_and_says_the_notebook_is_missing(assignment, packages,
                                                                       tmp_path):
    root = install(packages[assignment], tmp_path / "autograder")
    results = run_autograder(root)
    assert results["score"] == 0 and results["tests"]
    assert f"cannot open {assignment}.ipynb: no such file" in results["output"].lower()
    assert all(t["status"] == "failed" for t in results["tests"])


def test_broken_autograder_still_writes_results(packages, tmp_path):
    """Without its reference solutions the grader crashes; the student is told it is not
    their fault."""
    root = install(packages["rnn_step_by_step"], tmp_path / "autograder")
    submit(root, "correct.ipynb", "rnn_step_by_step", "rnn_step_by_step.ipynb")
    (root / "source" / "solutions" / "rnn_step_by_step.py").unlink()
    results = run_autograder(root)
    assert results["score"] == 0
    assert "grading failed" in results["output"].lower()
    assert "contact the course staff" in results["output"]


def test_a_submitted_path_prints_no_control_characters(packages, tmp_path):
    """run_autograder prints the notebook's path for the staff: a folder named with a
    terminal escape and a newline must be shown quoted, not sent to their terminal."""
    root = install(packages["rnn_step_by_step"], tmp_path / "autograder")
    folder = "\x1b]0;owned\x07\x1b[2J\nscore: 100"
    submit(root, "correct.ipynb", "rnn_step_by_step", f"{folder}/rnn_step_by_step.ipynb")
    results, printed = run_autograder_logged(root)
    assert results["score"] == 100
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", printed), repr(printed)
    assert not [line for line in printed.splitlines() if line.startswith("score: 100")]


def sees_numpy(python):
    return subprocess.run([python, "-c", "import numpy"], capture_output=True).returncode == 0


@pytest.mark.skipif(os.geteuid() != 0 or not sees_numpy("/usr/bin/python3"),
                    reason="needs root and /usr/bin/python3 with NumPy (an interpreter other "
                    "users can run)")
def test_unprivileged_user_mode_cannot_read_the_course(packages):
    """As on Gradescope (root, no bubblewrap): the course is readable by others when
    unpacked, and run_autograder closes it before students' code runs."""
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o755)  # only run_autograder's chmod keeps the student uid out
        root = install(packages["rnn_step_by_step"], Path(folder) / "autograder")
        submit(root, "correct.ipynb", "rnn_step_by_step", "rnn_step_by_step.ipynb")
        results = run_autograder(root, RNN_KIT_ISOLATION="user",
                                 RNN_KIT_SANDBOX_PYTHON="/usr/bin/python3")
    assert results["extra_data"]["isolation"] == "unprivileged user"
    assert results["score"] == 100


def test_the_zip_carries_the_course_secret_made_for_it(tmp_path, monkeypatch):
    """Gradescope grades with the hidden cases the course grades with elsewhere: a course
    without a secret gets its random one at the build, the zip carries it (never a public
    one) to its owner only, and the engine unpacked from it draws the same hidden cases."""
    course = course_copy(tmp_path / "course", "rnn_step_by_step")
    monkeypatch.setenv("RNN_KIT_COURSE", str(course))
    monkeypatch.delenv("RNN_KIT_SECRET", raising=False)
    archive = zipfile.ZipFile(build("rnn_step_by_step", tmp_path / "secret.zip"))
    secret = (course / ".rnn-kit-secret").read_text().strip()
    assert re.fullmatch("[0-9a-f]{64}", secret)
    assert archive.read(".rnn-kit-secret").decode() == secret + "\n"
    assert archive.getinfo(".rnn-kit-secret").external_attr >> 16 == 0o100600
    archive.extractall(tmp_path / "source")
    probe = ("from autograder.secret import course_secret, hidden_seed; "
             "print(course_secret(), hidden_seed('softmax', 1))")
    env = dict(os.environ, RNN_KIT_COURSE=str(tmp_path / "source"))
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path / "source", env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == [secret, str(hidden_seed("softmax", 1))], done.stderr
