"""Real nbgrader, end to end, in a temporary course directory.

generate_assignment -> three submissions -> autograde -> generate_feedback -> export, with
the real nbgrader commands (subprocesses) and a real Jupyter kernel. The scores nbgrader
records must be the scores the CLI (`grade_submission`) gives the same notebooks, and the
feedback students get must show what the hidden tests printed but not the hidden tests.

nbgrader runs once for the whole module (about half a minute).
"""
import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbgrader as nbgrader_package  # noqa: F401  (a missing install must fail, not skip)
import pytest

from rnn_checks import exercises
from autograder.grade import grade_submission
from tests.submissions import HERE, notebook, release_notebook, write

pytestmark = pytest.mark.slow  # nbgrader

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = "rnn_step_by_step"
BUGS = HERE / ASSIGNMENT / "bugs"
PARTLY_WRONG_BUGS = ["missing_waa_transpose", "softmax_wrong_axis", "lstm_concat_order"]
STUDENTS = {
    "correct": lambda: notebook(ASSIGNMENT),
    "partly_wrong": lambda: notebook(ASSIGNMENT, [BUGS / f"{bug}.py" for bug in PARTLY_WRONG_BUGS]),
    "untouched": lambda: release_notebook(ASSIGNMENT),
}
HIDDEN_TEXT = ["BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "from autograder.notebook import grade",
               f'grade("{ASSIGNMENT}"']
SPEC = exercises.load(ASSIGNMENT)


def environment():
    """nbgrader runs `alembic` from PATH; its kernel must import this checkout's autograder."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("RNN_KIT_COURSE", None)  # the kernel's grader finds solutions/ in this checkout
    return env


def nbgrader(course, *args):
    command = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"]
    done = subprocess.run(command, cwd=course, env=environment(), capture_output=True, text=True,
                          timeout=600)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({done.returncode}):\n"
                             f"{done.stdout[-3000:]}\n{done.stderr[-6000:]}")
    return done


def visible_text(page):
    """The text a student reads in an HTML page: tags removed, entities decoded.

    Code is syntax-highlighted span by span, so searching the raw HTML for source text
    would find nothing even where the source is shown.
    """
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def submitted_course(course, assignment=ASSIGNMENT, notebooks=None):
    """A course directory with `assignment` released and each student's notebook
    ({student: notebook}, default STUDENTS) in submitted/, as nbgrader's collect leaves it."""
    shutil.copytree(ROOT / "assignments", course / "assignments")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    nbgrader(course, "generate_assignment", assignment)
    notebooks = notebooks or {student: make() for student, make in STUDENTS.items()}
    for student, notebook_json in notebooks.items():
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        write(notebook_json, folder / f"{assignment}.ipynb")
    return course


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = submitted_course(tmp_path_factory.mktemp("course"))
    nbgrader(course, "autograde", ASSIGNMENT, "--create", "--force")
    nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
    nbgrader(course, "export", f"--to={course / 'grades.csv'}")
    return course


@pytest.fixture(scope="module")
def gradebook(course):
    """{student: (total score, max score, needs manual grade, {grade cell: score})}."""
    from nbgrader.api import Gradebook
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in STUDENTS:
            submission = gb.find_submission(ASSIGNMENT, student)
            (nb,) = submission.notebooks
            scores[student] = (submission.score, submission.max_score,
                               submission.needs_manual_grade,
                               {grade.name: grade.score for grade in nb.grades})
    return scores


@pytest.fixture(scope="module")
def cli_reports(course):
    """The CLI's report for each notebook exactly as it was submitted to nbgrader."""
    return {student: grade_submission(
        course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", ASSIGNMENT)
        for student in STUDENTS}


@pytest.fixture(scope="module")
def feedback(course):
    return {student: visible_text((course / "feedback" / student / ASSIGNMENT /
                                   f"{ASSIGNMENT}.html").read_text())
            for student in STUDENTS}


def test_release_matches_the_committed_release(course):
    """The temporary course released the same notebook the repository ships."""
    built = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    released = ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert built.read_bytes() == released.read_bytes()


def test_every_submission_was_autograded(course, gradebook):
    for student in STUDENTS:
        assert (course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
        total, max_score, manual, cells = gradebook[student]
        assert max_score == SPEC.max_score == 100
        assert not manual, f"{student}: nbgrader wants a manual grade (a test cell errored?)"
        assert set(cells) == {f"test_{e.name}" for e in SPEC.exercises}


@pytest.mark.parametrize("student", list(STUDENTS))
def test_nbgrader_total_equals_cli(student, gradebook, cli_reports):
    total, max_score, _, _ = gradebook[student]
    report = cli_reports[student]
    assert total == pytest.approx(report.score, abs=1e-6), report.table(student)
    assert max_score == pytest.approx(report.max_score, abs=1e-6)


@pytest.mark.parametrize("student", list(STUDENTS))
def test_nbgrader_cell_scores_equal_cli_exercises(student, gradebook, cli_reports):
    cells = gradebook[student][3]
    table = cli_reports[student].exercises()
    assert set(table) == {e.name for e in SPEC.exercises}
    for exercise in SPEC.exercises:
        score, max_score, _ = table[exercise.name]
        assert max_score == pytest.approx(exercise.points, abs=1e-6)
        assert cells[f"test_{exercise.name}"] == pytest.approx(score, abs=1e-6), exercise.name


def test_scores_order_the_students(gradebook, cli_reports):
    assert gradebook["correct"][0] == pytest.approx(100, abs=1e-6)
    assert gradebook["untouched"][0] == pytest.approx(0, abs=1e-6)
    assert 0 < gradebook["partly_wrong"][0] < 100
    # each bug costs its own exercise, and only that one
    broken = {"rnn_cell_backward", "softmax", "lstm_cell_forward"}
    for exercise in SPEC.exercises:
        score = gradebook["partly_wrong"][3][f"test_{exercise.name}"]
        if exercise.name in broken:
            assert score < exercise.points - 1e-6, exercise.name
        else:
            assert score == pytest.approx(exercise.points, abs=1e-6), exercise.name


def test_exported_csv_has_the_gradebook_totals(course, gradebook):
    with open(course / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)
                if row["assignment"] == ASSIGNMENT}
    assert set(rows) == set(STUDENTS)
    for student, row in rows.items():
        assert float(row["score"]) == pytest.approx(gradebook[student][0], abs=1e-6)
        assert float(row["max_score"]) == pytest.approx(100, abs=1e-6)


def test_autograded_notebooks_still_hold_the_hidden_tests(course):
    """The control for the feedback test: the text it looks for is really there before."""
    for student in STUDENTS:
        nb = json.loads((course / "autograded" / student / ASSIGNMENT /
                         f"{ASSIGNMENT}.ipynb").read_text())
        sources = "".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                          for c in nb["cells"])
        for text in HIDDEN_TEXT:
            assert text in sources, (student, text)


@pytest.mark.parametrize("student", list(STUDENTS))
def test_feedback_hides_the_hidden_tests(student, feedback):
    text = feedback[student]
    # the visible cells are shown (so the search below looks at real source text)
    assert f'check("{ASSIGNMENT}", "softmax")' in text
    assert "public check of softmax here; its hidden tests run when your notebook is graded" in text
    for hidden in HIDDEN_TEXT:
        assert hidden not in text, f"{student}'s feedback shows hidden test text {hidden!r}"


def test_feedback_shows_what_the_hidden_tests_printed(feedback):
    wrong = feedback["partly_wrong"]
    assert "values differ" in wrong
    assert "da_prev: values differ" in wrong          # missing_waa_transpose
    assert "softmax(...): values differ" in wrong     # softmax_wrong_axis
    assert "a_next: values differ" in wrong           # lstm_concat_order
    assert "so your rnn_cell_backward is not the gradient of your own" in wrong
    untouched = feedback["untouched"]
    assert "rnn_cell_backward is not implemented yet (it raises NotImplementedError)" in untouched
    correct = feedback["correct"]
    assert "values differ" not in correct and "failed" not in correct


@pytest.mark.parametrize("student", list(STUDENTS))
def test_feedback_lists_every_cli_test_result(student, feedback, cli_reports):
    """The hidden tests print one line per test; nbgrader's and the CLI's results agree."""
    for test in cli_reports[student].tests:
        line = f"{test.name}: {test.score:g} / {test.max_score:g}"
        assert line in feedback[student], line


# ------------------------------------------------------------ the other assignments

@pytest.fixture(scope="module", params=["dinosaurus_island", "rnn_language_model",
                                        "gradient_checking"])
def other_course(request, tmp_path_factory):
    """Real nbgrader on the bundled examples of the other assignments: sampling, training
    and methods of a model object graded in the kernel must give the scores the CLI gives."""
    name = request.param
    course = submitted_course(tmp_path_factory.mktemp(f"{name}-course"), name, {
        student: json.loads((HERE / name / f"{student}.ipynb").read_text())
        for student in ("correct", "typical_bugs")})
    nbgrader(course, "autograde", name, "--create", "--force")
    return name, course


@pytest.mark.parametrize("student", ["correct", "typical_bugs"])
def test_other_assignments_nbgrader_scores_equal_cli(other_course, student):
    from nbgrader.api import Gradebook
    name, course = other_course
    report = grade_submission(course / "submitted" / student / name / f"{name}.ipynb", name)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        submission = gb.find_submission(name, student)
        assert submission.score == pytest.approx(report.score, abs=1e-6), report.table(student)
        (nb,) = submission.notebooks
        cells = {grade.name: grade.score for grade in nb.grades}
    for exercise, (score, _, _) in report.exercises().items():
        assert cells[f"test_{exercise}"] == pytest.approx(score, abs=1e-6), exercise
    assert (report.score == 100) == (student == "correct")


# ------------------------------------------------------- the safe path: `autograder nbgrader`

@pytest.fixture(scope="module")
def safe_course(tmp_path_factory):
    """nbgrader's course workflow with `python -m autograder nbgrader` instead of autograde."""
    course = submitted_course(tmp_path_factory.mktemp("safe-course"))
    done = subprocess.run([sys.executable, "-m", "autograder", "nbgrader", ASSIGNMENT,
                           f"--course={course}"], cwd=course, env=environment(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
    nbgrader(course, "export", f"--to={course / 'grades.csv'}")
    return course


@pytest.mark.parametrize("student", list(STUDENTS))
def test_safe_path_records_the_isolated_scores_in_the_gradebook(safe_course, student, cli_reports):
    from nbgrader.api import Gradebook
    report = cli_reports[student]
    with Gradebook(f"sqlite:///{safe_course / 'gradebook.db'}") as gb:
        submission = gb.find_submission(ASSIGNMENT, student)
        assert submission.score == pytest.approx(report.score, abs=1e-6)
        assert not submission.needs_manual_grade
        (nb,) = submission.notebooks
        cells = {grade.name: grade.score for grade in nb.grades}
    for name, (score, _, _) in report.exercises().items():
        assert cells[f"test_{name}"] == pytest.approx(score, abs=1e-6)


def test_safe_path_export_and_feedback_work(safe_course, cli_reports):
    with open(safe_course / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert rows == pytest.approx({s: cli_reports[s].score for s in STUDENTS})
    wrong = visible_text((safe_course / "feedback" / "partly_wrong" / ASSIGNMENT /
                          f"{ASSIGNMENT}.html").read_text())
    assert "da_prev: values differ" in wrong
    for hidden in HIDDEN_TEXT:
        assert hidden not in wrong
