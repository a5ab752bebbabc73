"""Grading a class: `grade-all` over nbgrader's layout and a flat folder, with real worker
processes. Every score must equal the single-notebook CLI's; a poisoned submission costs
only itself; an interrupted run resumes without regrading."""
import csv
import json
import os
import pty
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET

import pytest

from autograder.frontends.batch.discovery import find_submissions
from tests.submissions import HERE, functions, notebook, write

pytestmark = pytest.mark.slow  # class runs

ASSIGNMENT = "rnn_step_by_step"
BUGS = HERE / ASSIGNMENT / "bugs"


def poisoned(code):
    """The correct notebook with `code` typed into the softmax cell."""
    nb = notebook(ASSIGNMENT)
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "softmax":
            cell["source"] = textwrap.dedent(code)
    return nb


POISON = {
    # hangs while its definitions load: every exercise of this submission, no other
    "hangs_at_load": "class Forever:\n    while True:\n        pass\n",
    "memory_hog": "def softmax(x):\n    return [0] * 10**9\n",
    "crashes": "import os, signal\ndef softmax(x):\n    os.kill(os.getpid(), signal.SIGSEGV)\n",
}


def nbgrader_class(root):
    """submitted/<student>/<assignment>/<assignment>.ipynb for a small, mixed class."""
    students = {
        "ada": notebook(ASSIGNMENT),
        "bob": notebook(ASSIGNMENT, [BUGS / "missing_waa_transpose.py"]),
        "cy": notebook(ASSIGNMENT, [BUGS / "softmax_wrong_axis.py",
                                    BUGS / "da_prev_not_carried.py"]),
        **{name: poisoned(code) for name, code in POISON.items()},
    }
    for student, nb in students.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        write(nb, folder / f"{ASSIGNMENT}.ipynb")
    (root / "submitted" / "empty" / ASSIGNMENT).mkdir(parents=True)  # nothing submitted
    return find_submissions(root, ASSIGNMENT)


def grade_all(submissions, output, *extra, jobs=2):
    return subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(submissions),
                           "--assignment", ASSIGNMENT, "--output", str(output), "--jobs",
                           str(jobs), "--timeout", "3", *extra],
                          capture_output=True, text=True, timeout=600)


def cli_score(path, tmp_path):
    output = tmp_path / f"cli-{path.parent.parent.name}.json"
    subprocess.run([sys.executable, "-m", "autograder", "grade", str(path), "--assignment",
                    ASSIGNMENT, "--output", str(output), "--timeout", "3"],
                   capture_output=True, timeout=600, check=True)
    return {t["name"]: t["score"] for t in json.loads(output.read_text())["tests"]}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    submissions = nbgrader_class(root)
    started = time.monotonic()
    done = grade_all(root, root / "grades")
    return root, submissions, done, time.monotonic() - started


def results(output, student):
    return json.loads((output / "results" / f"{student}.json").read_text())


def test_finds_nbgrader_and_flat_layouts(tmp_path):
    submissions = nbgrader_class(tmp_path)
    assert sorted(submissions) == sorted(["ada", "bob", "cy", "empty", *POISON])
    assert find_submissions(tmp_path / "submitted", ASSIGNMENT) == submissions
    assert not submissions["empty"].exists()
    flat = tmp_path / "flat"
    flat.mkdir()
    write(notebook(ASSIGNMENT), flat / "dee.ipynb")
    write(notebook(ASSIGNMENT), flat / "eve.ipynb")
    assert find_submissions(flat, ASSIGNMENT) == {"dee": flat / "dee.ipynb",
                                                  "eve": flat / "eve.ipynb"}


def test_every_score_equals_the_single_notebook_cli(graded, tmp_path):
    root, submissions, done, _ = graded
    assert done.returncode == 0, done.stderr
    for student in ("ada", "bob", "cy"):
        batch = {t["name"]: t["score"] for t in results(root / "grades", student)["tests"]}
        assert batch == cli_score(submissions[student], tmp_path), student
    assert results(root / "grades", "ada")["score"] == 100


def test_a_poisoned_submission_costs_only_itself(graded):
    root, _, done, elapsed = graded
    for student in POISON:
        data = results(root / "grades", student)
        scores = {t["name"].split(":")[0]: 0 for t in data["tests"]}
        for test in data["tests"]:
            scores[test["name"].split(":")[0]] += test["score"]
        if student == "hangs_at_load":
            assert data["score"] == 0
            assert "did not load" in json.dumps(data)
        else:  # only softmax is lost
            assert scores.pop("softmax") == 0 and data["score"] == 95, student
    empty = results(root / "grades", "empty")
    assert empty["score"] == 0 and "rnn_step_by_step.ipynb" in empty["output"]
    # the hang costs one load timeout per worker, not one per exercise
    assert elapsed < 120


def test_outputs_csv_gradebook_feedback_and_summary(graded):
    root, submissions, done, _ = graded
    output = root / "grades"
    rows = {row["student"]: row for row in csv.DictReader(open(output / "scores.csv"))}
    assert sorted(rows) == sorted(submissions)
    for student, row in rows.items():
        assert float(row["total"]) == pytest.approx(results(output, student)["score"])
    with sqlite3.connect(output / "gradebook.sqlite") as db:
        totals = dict(db.execute("SELECT student, score FROM scores WHERE exercise = ''"))
    assert totals == {s: pytest.approx(results(output, s)["score"]) for s in submissions}
    feedback = (output / "feedback" / "bob.md").read_text()
    assert "rnn_cell_backward" in feedback and "values differ" in feedback
    assert "<pre>" in (output / "feedback" / "bob.html").read_text()
    assert f"{len(submissions)} submissions ({len(submissions)} graded now" in done.stdout
    assert "score histogram" in done.stdout and "exercises most often failed" in done.stdout


def test_the_summary_counts_students_and_leaves_out_what_says_nothing(graded):
    root, submissions, done, _ = graded
    summary = done.stdout.split("most common failure messages:\n", 1)[1].splitlines()
    messages = [re.fullmatch(r"  (.+): (\d+) of (\d+)", line) for line in summary
                if line.startswith("  ")]
    assert messages and all(messages), summary
    assert all(int(count) <= int(total) == len(submissions) for _, count, total in
               (match.groups() for match in messages))
    assert "not credited" not in done.stdout


def test_resume_grades_only_new_or_changed_submissions(graded, tmp_path):
    root, submissions, _, _ = graded
    course, output = tmp_path / "course", tmp_path / "grades"
    shutil.copytree(root / "submitted", course / "submitted")
    shutil.copytree(root / "grades", output)
    # bob fixes his bug; a new student arrives
    (course / "submitted" / "zed" / ASSIGNMENT).mkdir(parents=True)
    for student in ("bob", "zed"):
        write(notebook(ASSIGNMENT),
              course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    before = (output / "results" / "ada.json").stat().st_mtime_ns
    done = grade_all(course, output, "--resume")
    assert done.returncode == 0, done.stderr
    assert f"{len(submissions) + 1} submissions (2 graded now" in done.stdout
    assert (output / "results" / "ada.json").stat().st_mtime_ns == before
    assert results(output, "bob")["score"] == 100 and results(output, "zed")["score"] == 100


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path):
    flat = tmp_path / "class"
    flat.mkdir()
    for number in range(8):
        write(notebook(ASSIGNMENT), flat / f"s{number}.ipynb")
    output = tmp_path / "grades"
    command = [sys.executable, "-m", "autograder", "grade-all", str(flat), "--assignment",
               ASSIGNMENT, "--output", str(output), "--jobs", "1"]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    deadline = time.monotonic() + 120
    while not list((output / "results").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)  # workers and all: nothing gets to clean up
    run.wait()
    kept = {p.name: p.stat().st_mtime_ns for p in (output / "results").glob("*.json")}
    assert 1 <= len(kept) < 8
    done = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"8 submissions ({8 - len(kept)} graded now" in done.stdout
    assert {p.name: p.stat().st_mtime_ns for p in (output / "results").glob("*.json")
            if p.name in kept} == kept
    assert all(results(output, f"s{n}")["score"] == 100 for n in range(8))


def test_a_submission_that_kills_its_grader_costs_only_itself(tmp_path, monkeypatch):
    """Where no namespaces protect the grader (process mode), a student's code can reach the
    worker grading it; the batch records that submission and carries on."""
    monkeypatch.setenv("RNN_KIT_ISOLATION", "process")
    flat = tmp_path / "class"
    flat.mkdir()
    write(notebook(ASSIGNMENT), flat / "good.ipynb")
    write(poisoned("""
        import os, signal
        def softmax(x):
            pid = os.getpid()
            while b"autograder.frontends.batch" not in open(f"/proc/{pid}/cmdline", "rb").read():
                pid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
            os.kill(pid, signal.SIGKILL)  # the worker, however many processes lie between
        """), flat / "killer.ipynb")
    write(notebook(ASSIGNMENT), flat / "later.ipynb")
    done = grade_all(flat, tmp_path / "grades", jobs=1)
    assert done.returncode == 0, done.stderr
    killer = results(tmp_path / "grades", "killer")
    assert killer["score"] == 0 and "grading stopped unexpectedly" in killer["output"]
    assert results(tmp_path / "grades", "good")["score"] == 100
    assert results(tmp_path / "grades", "later")["score"] == 100
    # Not the student's fault, so --resume tries that one again (and only that one).
    again = grade_all(flat, tmp_path / "grades", "--resume", jobs=1)
    assert again.returncode == 0 and "3 submissions (1 graded now" in again.stdout


def test_grade_given_a_folder_grades_the_class_with_junit_and_min_score(tmp_path):
    flat = tmp_path / "class"
    flat.mkdir()
    write(notebook(ASSIGNMENT), flat / "dee.ipynb")
    write(notebook(ASSIGNMENT, [BUGS / "missing_waa_transpose.py"]), flat / "eve.ipynb")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(flat), "--assignment",
                           ASSIGNMENT, "--output", str(tmp_path / "out"), "--junit",
                           str(tmp_path / "junit.xml"), "--min-score", "100"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stderr  # eve is below 100, after every file is written
    eve = results(tmp_path / "out", "eve")
    assert results(tmp_path / "out", "dee")["score"] == 100 and 0 < eve["score"] < 100
    assert f"1 of 2 students below the minimum score 100 (--min-score): eve ({eve['score']:g})" \
        in done.stdout
    suites = {suite.get("name"): suite for suite in ET.parse(tmp_path / "junit.xml").getroot()}
    assert sorted(suites) == ["dee", "eve"]
    assert suites["dee"].get("failures") == "0"
    failed = [case.get("classname") for case in suites["eve"].iter("testcase")
              if case.find("failure") is not None]
    assert int(suites["eve"].get("failures")) == len(failed) == \
        sum(test["status"] == "failed" for test in eve["tests"])
    assert set(failed) == {"eve.rnn_step_by_step.rnn_cell_backward"}  # the student's own


def test_a_terminal_gets_a_progress_bar_that_names_a_slow_submission(tmp_path):
    flat = tmp_path / "class"
    flat.mkdir()
    for name in ("dee", "eve"):
        write(notebook(ASSIGNMENT), flat / f"{name}.ipynb")
    softmax = functions((HERE / ASSIGNMENT / "correct.py").read_text())["softmax"]
    write(poisoned(f"import time\nclass Pause:\n    time.sleep(8)\n{softmax}"),
          flat / "slow.ipynb")  # loads for 8 s, then earns full marks
    controller, terminal = pty.openpty()
    run = subprocess.Popen([sys.executable, "-m", "autograder", "grade-all", str(flat),
                            "--assignment", ASSIGNMENT, "--output", str(tmp_path / "out")],
                           stdout=subprocess.DEVNULL, stderr=terminal)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    assert run.wait(timeout=300) == 0
    bar = shown.decode(errors="replace")
    assert "3/3" in bar and re.search("submission/s|s/submission", bar)  # done/total and rate
    assert re.search(r"grading slow for \d+ s", bar)  # the one it waits on, once it is slow
    assert results(tmp_path / "out", "slow")["score"] == 100
