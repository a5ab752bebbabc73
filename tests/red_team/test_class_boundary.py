"""The class run at its boundary: hostile and odd files, names and messages in a submission,
graded with real processes (the CLI, `grade-all`, `python -m autograder nbgrader` with real
nbgrader). Each must cost only its own student, be refused with a clear sentence, never be
followed, and never reach the staff's reports as anything but text."""
import csv
import hashlib
import html.parser
import json
import os
import re
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys

import mistune
import pytest

from tests.submissions import ROOT, notebook, write

pytestmark = pytest.mark.slow  # class runs and nbgrader

ASSIGNMENT = "rnn_step_by_step"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
SOURCE = ROOT / "assignments" / ASSIGNMENT / NOTEBOOK   # the instructor's, with solutions
LONG_ID = "s" * 250                                      # a file name of 255 characters
ESCAPE_ID = "\x1b]0;owned\x07mal\x9b2Jlory\nFAKE: 100 of 100"  # no "/": a folder name
FORMULA_ID = '=HYPERLINK("evil.example","click")'
# named after the file name a hash-suffixed ID gets, to take over that student's files
COLLIDER_ID = f"rf--{hashlib.sha256(b'-rf').hexdigest()[:16]}"
FORGED = "# rnn_step_by_step: 100 / 100"
INJECTION = f"\x9b2J\n```\n{FORGED}\n```\n<script>alert('feedback')</script>"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # all but \t and \n


def cap_memory():
    """A reader of /dev/zero fails in its own process instead of exhausting the machine."""
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, resource.getrlimit(resource.RLIMIT_AS)[1]))


def autograder(*args, timeout=300, env=None):
    """`python -m autograder ARGS`, a real process group, killed whole if it overruns."""
    process = subprocess.Popen([sys.executable, "-m", "autograder", *map(str, args)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env,
                               start_new_session=True, preexec_fn=cap_memory)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"{args[0]} did not finish within {timeout} s")
    return subprocess.CompletedProcess(args, process.returncode,
                                       out.decode("utf-8", "surrogateescape"),
                                       err.decode("utf-8", "surrogateescape"))


def injecting():
    """A notebook whose softmax raises an exception whose message tries to close the
    feedback's code block, forge a full-marks heading and run a script."""
    nb = notebook(ASSIGNMENT)
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "softmax":
            cell["source"] = f"def softmax(x):\n    raise ValueError({INJECTION!r})\n"
    return nb


def private(folder):
    """The paths under folder that other users could read (files not 0600, folders not 0700)."""
    return [f"{path}: {stat.filemode(path.lstat().st_mode)}"
            for path in [folder, *folder.rglob("*")]
            if stat.S_IMODE(path.lstat().st_mode) != (0o700 if path.is_dir() else 0o600)]


# ------------------------------------------------------------------ one notebook: the CLI

def odd_file(kind, path, tmp_path):
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        if os.geteuid() != 0:
            pytest.skip("making a device node needs root")
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # what /dev/null is
    else:
        target = {"link to a notebook": write(notebook(ASSIGNMENT), tmp_path / "real.ipynb"),
                  "link to /dev/zero": "/dev/zero", "link to /proc/self/mem": "/proc/self/mem"}
        os.symlink(target[kind], path)


@pytest.mark.parametrize("kind, sentence", [
    ("fifo", "is a named pipe (FIFO), not a file"),
    ("device", "is a device, not a file"),
    ("link to a notebook", "is a symbolic link; submit the notebook file itself"),
    ("link to /dev/zero", "is a symbolic link"),
    ("link to /proc/self/mem", "is a symbolic link"),
])
def test_cli_refuses_what_is_not_a_regular_file(kind, sentence, tmp_path):
    submission = tmp_path / NOTEBOOK
    odd_file(kind, submission, tmp_path)
    done = autograder("grade", submission, "--assignment", ASSIGNMENT, "--output",
                      tmp_path / "results.json", timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["score"] == 0
    assert f"{NOTEBOOK} {sentence}" in results["output"]


def test_cli_explains_a_notebook_nested_too_deeply(tmp_path):
    submission = tmp_path / NOTEBOOK
    submission.write_text('{"nbformat": 4, "cells": [], "metadata": ' + "[" * 100_000
                          + "]" * 100_000 + "}")
    done = autograder("grade", submission, "--assignment", ASSIGNMENT, "--output",
                      tmp_path / "results.json", timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["score"] == 0 and "nested too deeply" in results["output"]


def test_cli_writes_results_even_when_the_grader_fails(tmp_path):
    """A broken install (no reference solutions where RNN_KIT_COURSE points): the student
    still gets a results file that says the fault is the grader's, and no traceback."""
    submission = write(notebook(ASSIGNMENT), tmp_path / NOTEBOOK)
    (tmp_path / "course").mkdir()
    done = autograder("grade", submission, "--assignment", ASSIGNMENT, "--output",
                      tmp_path / "results.json", timeout=120,
                      env=dict(os.environ, RNN_KIT_COURSE=str(tmp_path / "course")))
    assert done.returncode != 0
    assert "Traceback" not in done.stdout + done.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["score"] == 0
    assert "grading failed" in results["output"] and "contact the course staff" in results["output"]


def test_cli_prints_no_control_characters_and_writes_private_files(tmp_path):
    submission = write(notebook(ASSIGNMENT), tmp_path / "\x1b[2J\x1b]0;owned\x07\x9bx.ipynb")
    output = tmp_path / "out"
    output.mkdir(mode=0o700)
    done = autograder("grade", submission, "--assignment", ASSIGNMENT, "--output",
                      output / "results.json", "--junit", output / "junit.xml", timeout=120)
    assert done.returncode == 0, done.stderr
    assert not CONTROL.search(done.stdout + done.stderr), repr(done.stdout)
    assert json.loads((output / "results.json").read_text())["score"] == 100
    assert not private(output)


def test_grade_all_finishes_when_the_grader_fails_on_everyone(tmp_path):
    flat = tmp_path / "class"
    flat.mkdir()
    for student in ("ada", "bob"):
        write(notebook(ASSIGNMENT), flat / f"{student}.ipynb")
    (tmp_path / "course").mkdir()
    done = autograder("grade-all", flat, "--assignment", ASSIGNMENT, "--output",
                      tmp_path / "grades", "--jobs", "2", timeout=240,
                      env=dict(os.environ, RNN_KIT_COURSE=str(tmp_path / "course")))
    rows = list(csv.DictReader(open(tmp_path / "grades" / "scores.csv")))
    assert [(row["student"], row["total"]) for row in rows] == [("ada", "0"), ("bob", "0")]
    for student in ("ada", "bob"):
        results = json.loads((tmp_path / "grades" / "results" / f"{student}.json").read_text())
        assert "grading failed" in results["output"] and "course staff" in results["output"]
    assert "Traceback" not in done.stdout + done.stderr


# ------------------------------------------------------------------ a class: grade-all

def class_course(root):
    """A course with the instructor's source notebook and a class with one of each: good,
    odd files, symlinks out of the student's own folder, odd student IDs, an injection."""
    (root / "assignments" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(SOURCE, root / "assignments" / ASSIGNMENT)
    submitted = root / "submitted"

    def folder(student):
        (submitted / student / ASSIGNMENT).mkdir(parents=True)
        return submitted / student / ASSIGNMENT

    for student in ("ada", LONG_ID, ESCAPE_ID, FORMULA_ID, "-rf", COLLIDER_ID):
        write(notebook(ASSIGNMENT), folder(student) / NOTEBOOK)
    write(injecting(), folder("inject") / NOTEBOOK)
    os.mkfifo(folder("fifo") / NOTEBOOK)
    (folder("folder") / NOTEBOOK).mkdir()
    os.symlink("/dev/zero", folder("zero") / NOTEBOOK)
    os.symlink("/proc/self/mem", folder("mem") / NOTEBOOK)
    os.symlink(root / "assignments" / ASSIGNMENT / NOTEBOOK, folder("copier") / NOTEBOOK)
    os.symlink(submitted / "ada" / ASSIGNMENT / NOTEBOOK, folder("trudy") / NOTEBOOK)
    os.symlink(submitted / "ada", submitted / "oscar")                    # a whole folder
    (submitted / "peggy").mkdir()
    os.symlink(submitted / "ada" / ASSIGNMENT, submitted / "peggy" / ASSIGNMENT)
    return root


GOOD = ["ada", LONG_ID, ESCAPE_ID, FORMULA_ID, "-rf", COLLIDER_ID]
STUDENTS = GOOD + ["inject", "fifo", "folder", "zero", "mem", "copier", "trudy", "oscar",
                   "peggy"]


@pytest.fixture(scope="module")
def class_run(tmp_path_factory):
    root = class_course(tmp_path_factory.mktemp("class"))
    done = autograder("grade-all", root, "--assignment", ASSIGNMENT, "--output",
                      root / "grades", "--jobs", "2", "--timeout", "5", timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    results = {}
    for path in (root / "grades" / "results").glob("*.json"):
        data = json.loads(path.read_text())
        results[data["extra_data"]["student"]] = dict(data, file=path.name)
    return root, done, results


def test_every_student_is_graded_and_the_good_ones_fully(class_run):
    _, _, results = class_run
    assert sorted(results) == sorted(STUDENTS)
    for student in GOOD:
        assert results[student]["score"] == 100, repr(student)


@pytest.mark.parametrize("student, sentence", [
    ("fifo", "is a named pipe (FIFO), not a file"),
    ("folder", "is a folder, not a notebook file"),
    ("zero", "is a symbolic link"),
    ("mem", "is a symbolic link"),
])
def test_odd_files_score_zero_with_a_sentence(class_run, student, sentence):
    _, _, results = class_run
    assert results[student]["score"] == 0
    assert f"{NOTEBOOK} {sentence}" in results[student]["output"]


@pytest.mark.parametrize("student, link", [
    ("copier", NOTEBOOK),      # the instructor's source notebook
    ("trudy", NOTEBOOK),       # a classmate's notebook
    ("oscar", "oscar"),        # a classmate's whole folder
    ("peggy", ASSIGNMENT),     # a classmate's assignment folder
])
def test_symlinks_out_of_the_students_folder_score_zero(class_run, student, link):
    _, _, results = class_run
    assert results[student]["score"] == 0
    assert f"{link} is a symbolic link" in results[student]["output"]


def test_student_ids_get_safe_distinct_file_names(class_run):
    root, _, results = class_run
    names = [data["file"] for data in results.values()]
    assert len(set(names)) == len(STUDENTS)
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,130}\.json", name), name
    assert results["ada"]["file"] == "ada.json"   # plain IDs keep their names
    for data in results.values():
        stem = data["file"][:-len(".json")]
        for suffix in (".md", ".html"):
            assert (root / "grades" / "feedback" / f"{stem}{suffix}").is_file()


def spreadsheet_text(value):
    """What scores.csv must hold for a student ID: no control characters, no formula."""
    value = CONTROL.sub("\ufffd", value).replace("\n", "\ufffd")
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def test_scores_csv_and_gradebook_hold_the_ids_as_text(class_run):
    root, _, results = class_run
    with open(root / "grades" / "scores.csv", newline="") as handle:
        rows = {row["student"]: row["total"] for row in csv.DictReader(handle)}
    assert rows == {spreadsheet_text(s): f"{results[s]['score']:g}" for s in STUDENTS}
    assert rows[f"'{FORMULA_ID}"] == "100" and rows["'-rf"] == "100"
    with sqlite3.connect(root / "grades" / "gradebook.sqlite") as db:
        totals = dict(db.execute("SELECT student, score FROM scores WHERE exercise = ''"))
    assert totals == {s: results[s]["score"] for s in STUDENTS}   # the real IDs


def test_nothing_printed_holds_a_control_character(class_run):
    _, done, _ = class_run
    printed = done.stdout + done.stderr
    assert not CONTROL.search(printed), [line for line in printed.splitlines()
                                         if CONTROL.search(line)]
    assert not [line for line in printed.splitlines() if line.startswith("FAKE")]
    assert "most common failure messages" in done.stdout


class Tags(html.parser.HTMLParser):
    def __init__(self, page):
        super().__init__()
        self.tags, self.text, self.open = [], {}, None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.open = tag

    def handle_endtag(self, tag):
        self.open = None

    def handle_data(self, data):
        self.text.setdefault(self.open, []).append(data)


def test_feedback_cannot_be_forged_by_an_error_message(class_run):
    root, _, results = class_run
    stem = results["inject"]["file"][:-len(".json")]
    assert results["inject"]["score"] == 95
    truth = "rnn_step_by_step: 95 / 100"
    markdown = (root / "grades" / "feedback" / f"{stem}.md").read_text()
    rendered = Tags(mistune.html(markdown))
    assert rendered.tags.count("h1") == 1 and rendered.text["h1"] == [truth]
    assert FORGED in markdown   # shown, as code
    page = (root / "grades" / "feedback" / f"{stem}.html").read_text()
    parsed = Tags(page)
    assert "script" not in parsed.tags and "<script" not in page
    assert parsed.tags.count("h1") == 1 and parsed.text["h1"] == [truth]
    assert "<script>alert('feedback')</script>" in "".join(parsed.text["pre"])  # as text


def test_class_outputs_are_private(class_run):
    root, _, _ = class_run
    assert not private(root / "grades")


# ------------------------------------------------------ the safe nbgrader path

SAVED_OUTPUTS = [
    {"output_type": "display_data", "metadata": {},
     "data": {"text/html": "<script>fetch('/api/contents')</script>",
              "application/javascript": "alert('formgrader')", "text/plain": "<IPython>"}},
    {"output_type": "stream", "name": "stdout", "text": "softmax: all checks passed\n"},
]


@pytest.fixture(scope="module")
def safe_class(tmp_path_factory):
    from tests.flows.test_nbgrader import environment, submitted_course
    with_outputs = notebook(ASSIGNMENT)
    for cell in with_outputs["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [dict(o) for o in SAVED_OUTPUTS], 7
    course = submitted_course(tmp_path_factory.mktemp("safe-class"), notebooks={
        "ada": notebook(ASSIGNMENT), "tim": notebook(ASSIGNMENT), "pipe": notebook(ASSIGNMENT),
        "shown": with_outputs, "copier": notebook(ASSIGNMENT)})
    submitted = course / "submitted"
    (submitted / "tim" / ASSIGNMENT / "timestamp.txt").write_text("next tuesday, probably\n")
    os.mkfifo(submitted / "pipe" / ASSIGNMENT / "notes.txt")
    os.symlink(ROOT / "solutions" / f"{ASSIGNMENT}.py",
               submitted / "pipe" / ASSIGNMENT / "solutions.py")
    (submitted / "copier" / ASSIGNMENT / NOTEBOOK).unlink()
    os.symlink(course / "assignments" / ASSIGNMENT / NOTEBOOK,
               submitted / "copier" / ASSIGNMENT / NOTEBOOK)
    done = autograder("nbgrader", ASSIGNMENT, f"--course={course}", timeout=400,
                      env=environment())
    return course, done


def test_safe_path_grades_every_student_of_an_odd_class(safe_class):
    from nbgrader.api import Gradebook
    course, done = safe_class
    assert done.returncode == 0, done.stderr[-3000:]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {s: gradebook.find_submission(ASSIGNMENT, s).score
                  for s in ("ada", "tim", "pipe", "shown", "copier")}
    assert scores == {"ada": 100, "tim": 100, "pipe": 100, "shown": 100, "copier": 0}


def test_safe_path_copies_only_the_students_regular_files(safe_class):
    course, _ = safe_class
    autograded = course / "autograded"
    assert sorted(p.name for p in (autograded / "pipe" / ASSIGNMENT).iterdir()) == [NOTEBOOK]
    for path in autograded.rglob("*"):
        assert path.is_dir() or stat.S_ISREG(path.lstat().st_mode), path
        assert path.is_dir() or "BEGIN SOLUTION" not in path.read_text(errors="replace"), path


def test_safe_path_clears_every_saved_output(safe_class):
    course, _ = safe_class
    path = course / "autograded" / "shown" / ASSIGNMENT / NOTEBOOK
    text = path.read_text()
    for saved in ("text/html", "application/javascript", "all checks passed", "<script"):
        assert saved not in text
    for cell in json.loads(text)["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if cell["cell_type"] == "code" and not meta.get("grade"):
            assert cell["outputs"] == [] and cell["execution_count"] is None, meta
        elif cell["cell_type"] == "code":  # the hidden test's feedback and points, only
            assert [o["output_type"] for o in cell["outputs"]] == ["stream", "execute_result"]


def test_safe_path_outputs_are_private(safe_class):
    course, _ = safe_class
    assert not private(course / "grades")
    for student in ("ada", "shown", "pipe"):
        assert not private(course / "autograded" / student)
