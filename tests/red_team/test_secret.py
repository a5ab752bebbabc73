"""The course's secret: a random one of each course's own, made at its first use, private,
kept across runs, agreed on by racing processes, and never in what students get."""
import json
import multiprocessing
import os
import re
import shutil
import stat
import subprocess
import sys

from rnn_checks import exercises
from autograder.frontends.gradescope import course_files
from autograder.checks_copy import checks_files
from autograder.secret import SECRET_FILE, hidden_seed
from tests.submissions import ROOT, notebook, write

ASSIGNMENT = "rnn_step_by_step"
CREATED = "created the course secret"


def course_copy(folder, assignment=ASSIGNMENT):
    """A new course directory (for RNN_KIT_COURSE) holding what grading `assignment` needs,
    as the Gradescope zip does (the engine itself is the installed one), and no secret."""
    for name, path in course_files(assignment).items():
        if not name.startswith("autograder/"):
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, folder / name)
    return folder


def environment(course):
    env = dict(os.environ, RNN_KIT_COURSE=str(course))
    env.pop("RNN_KIT_SECRET", None)
    return env


def grade(course, submission, output):
    return subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission),
                           "--assignment", ASSIGNMENT, "--output", str(output)],
                          env=environment(course), capture_output=True, text=True, timeout=300)


def test_a_new_course_gets_a_private_random_secret_at_its_first_grading(tmp_path):
    course = course_copy(tmp_path / "course")
    submission = write(notebook(ASSIGNMENT), tmp_path / "submission.ipynb")
    first = grade(course, submission, tmp_path / "first.json")
    assert first.returncode == 0, first.stderr
    path = course / SECRET_FILE
    secret = path.read_text()
    assert re.fullmatch("[0-9a-f]{64}\n", secret)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    said = [line for line in first.stderr.splitlines() if CREATED in line]
    assert len(said) == 1 and str(path) in said[0] and "regrading" in said[0], first.stderr
    # kept: the next run reads it, and says nothing
    again = grade(course, submission, tmp_path / "again.json")
    assert again.returncode == 0 and CREATED not in again.stderr, again.stderr
    assert path.read_text() == secret
    scores = [json.loads((tmp_path / f"{run}.json").read_text())["score"]
              for run in ("first", "again")]
    assert scores == [100, 100]


def first_use(course, start, secrets):
    """A grading process's first use of a new course's secret (after `start`)."""
    from autograder.secret import course_secret
    os.environ["RNN_KIT_COURSE"] = str(course)
    start.wait()
    secrets.put(course_secret())


def test_concurrent_first_uses_agree(tmp_path, monkeypatch, capfd):
    monkeypatch.delenv("RNN_KIT_SECRET", raising=False)
    context = multiprocessing.get_context("fork")
    start, found = context.Event(), context.Queue()
    processes = [context.Process(target=first_use, args=(tmp_path, start, found))
                 for _ in range(8)]
    for process in processes:
        process.start()
    start.set()
    secrets = [found.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert len(set(secrets)) == 1 and secrets[0] == (tmp_path / SECRET_FILE).read_text().strip()
    assert capfd.readouterr().err.count(CREATED) == 1
    assert sorted(os.listdir(tmp_path)) == [SECRET_FILE]  # no temporary file left


def test_hidden_seeds_differ_between_two_courses(tmp_path, monkeypatch):
    monkeypatch.delenv("RNN_KIT_SECRET", raising=False)
    spec = exercises.load(ASSIGNMENT)
    cases = []
    for course in ("one", "another"):
        (tmp_path / course).mkdir()
        monkeypatch.setenv("RNN_KIT_COURSE", str(tmp_path / course))
        cases.append(list(spec.cases("softmax", hidden_seed)))
    first, second = cases
    assert first[0] == second[0] == spec.public_case()  # the public case is everyone's
    assert len(first) > 1 and all(a[2] != b[2] for a, b in zip(first[1:], second[1:]))


def test_a_course_that_cannot_hold_a_secret_is_refused_in_one_line(tmp_path):
    """/sys is written by nobody, root included: the refusal says how to make a secret."""
    submission = write(notebook(ASSIGNMENT), tmp_path / "submission.ipynb")
    done = grade("/sys", submission, tmp_path / "results.json")
    lines = done.stderr.splitlines()
    assert done.returncode == 2 and len(lines) == 1 and "Traceback" not in done.stderr, lines
    assert lines[0].startswith("rnn-kit: cannot create the course secret /sys/.rnn-kit-secret")
    assert "secrets.token_hex(32)" in lines[0] and "chmod 600" in lines[0]
    assert not (tmp_path / "results.json").exists()


def test_what_students_get_holds_no_secret_logic():
    """The students' copy of the checks (release's module list) neither holds nor finds
    the secret: no module of it reads $RNN_KIT_SECRET or .rnn-kit-secret, makes a secret or
    derives a seed from one."""
    released = checks_files(ASSIGNMENT)
    assert not [name for name in released if "secret" in name]
    for name, content in released.items():
        text = content.decode()
        for logic in ("RNN_KIT_SECRET", SECRET_FILE, "course_secret", "token_hex",
                      "hidden_seed(", "/{exercise}/{number}"):
            assert logic not in text, (name, logic)
    assert (ROOT / ".gitignore").read_text().splitlines().count(SECRET_FILE) == 1
