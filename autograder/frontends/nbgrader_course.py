"""`python -m autograder nbgrader ASSIGNMENT`: nbgrader's autograde, with the isolated engine.

`nbgrader autograde` runs a submission and its hidden tests in one kernel, where hostile
code can interfere. This command grades nbgrader's `submitted/` folder with the sandboxed
engine instead. It writes what nbgrader's own autograde would have written:
- `autograded/<student>/<assignment>/`: the submission, its hidden test cells restored and
  holding the feedback and points the in-kernel hidden test would print;
- each test cell's score, in nbgrader's gradebook.
So formgrader, `nbgrader export` and `nbgrader generate_feedback` work as usual.

Only the student's own regular files reach `autograded/` (no symlink is followed, no FIFO
read), and every notebook there is made inert first (`inert`, in nbgrader_html.py):
formgrader shows autograded notebooks to the staff, and `generate_feedback` turns them into
HTML pages, where a student's saved output or HTML in a markdown cell would run. Its
outputs are cleared, as nbgrader's autograde does, and what the student wrote in markdown
reaches the page only as text and harmless HTML, cleaned by nh3.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

from rnn_checks import exercises
from .errors import BadInput
from .batch.discovery import find_submissions, linked_folder
from .batch.scheduler import grade_all
from .nbgrader_html import inert, safe_output
from rnn_checks.notebook import feedback_text
from ..read import NotebookError, load_json, read_regular
from ..report import one_line, private_folder, replace_atomically
from ..sandbox.exposure import refuse_readable


def test_cells(source_notebook):
    """{grade_id: cell} of the source notebook's graded test cells (hidden parts included)."""
    notebook = json.loads(Path(source_notebook).read_text())
    return {cell["metadata"]["nbgrader"]["grade_id"]: cell for cell in notebook["cells"]
            if cell["metadata"].get("nbgrader", {}).get("grade")}


def cleared(data, name):
    """A notebook's JSON with every cell's outputs and execution count cleared (nbgrader's
    ClearOutput) and the rest made inert (`inert`), or None if `data` is not a notebook."""
    try:
        notebook = load_json(data, name)
    except NotebookError:
        return None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return None
    for cell in notebook["cells"]:
        if isinstance(cell, dict) and ("outputs" in cell or cell.get("cell_type") == "code"):
            cell.update(outputs=[], execution_count=None)
    return inert(notebook)


def copy_regular_files(source, target):
    """Copy the regular files below `source` to `target` (folders 0700, files 0600), each
    notebook cleared (an unreadable one is left out). Symlinks, FIFOs, devices and files
    over the size limit are skipped: nothing outside the folder is read, nothing blocks."""
    private_folder(target)
    for entry in os.scandir(source):
        if entry.is_dir(follow_symlinks=False):
            copy_regular_files(entry.path, target / entry.name)
        elif entry.is_file(follow_symlinks=False):
            try:
                data = read_regular(entry.path)  # checks again, on the open file
            except NotebookError:
                continue
            if entry.name.endswith(".ipynb"):
                notebook = cleared(data, entry.name)
                if notebook is None:
                    continue
                data = json.dumps(notebook, indent=1).encode()
            replace_atomically(target / entry.name, data)


def autograded_notebook(submitted, sources, report):
    """The submitted notebook, cleared and inert, with each test cell as nbgrader's autograde
    leaves it; None if it cannot be read (its report already says why it scored 0)."""
    try:
        notebook = cleared(read_regular(submitted), Path(submitted).name)
    except NotebookError:
        return None
    if notebook is None:
        return None
    exercises = report.exercises()
    for cell in notebook["cells"]:
        meta = cell.get("metadata") if isinstance(cell, dict) else None
        meta = meta.get("nbgrader") if isinstance(meta, dict) else None
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if not isinstance(grade_id, str) or grade_id not in sources or \
                grade_id[len("test_"):] not in exercises:
            continue
        score, _, tests = exercises[grade_id[len("test_"):]]
        source = sources[grade_id]
        cell.update(source=source["source"], execution_count=1,
                    metadata=dict(cell["metadata"], nbgrader=source["metadata"]["nbgrader"]))
        cell["outputs"] = [safe_output(output) for output in (  # text only, kept as it is
            {"output_type": "stream", "name": "stdout", "text": feedback_text(tests)},
            {"output_type": "execute_result", "execution_count": 1, "metadata": {},
             "data": {"text/plain": repr(round(score, 6))}})]
    return notebook


def timestamp(folder, student):
    """nbgrader's timestamp.txt in a submission folder, parsed; None if there is none or it
    is not a time (said on stderr: the submission is recorded without one)."""
    from nbgrader.utils import parse_utc
    try:
        text = read_regular(folder / "timestamp.txt", 1 << 10).decode("utf-8", "replace").strip()
    except NotebookError:
        return None
    try:
        return parse_utc(text)
    except Exception:  # dateutil raises several kinds
        print(f"{one_line(student)}: timestamp.txt is not a time; recorded without a timestamp",
              file=sys.stderr)
        return None


def record(gradebook, assignment, notebook_name, student, report, timestamp=None):
    """Each exercise's points as the auto score of its test cell in nbgrader's gradebook."""
    try:
        gradebook.update_or_create_student(student)
        try:
            gradebook.find_submission(assignment, student)
        except Exception:  # nbgrader's MissingEntry: a first grading
            gradebook.add_submission(assignment, student,
                                     **({"timestamp": timestamp} if timestamp else {}))
        for name, (score, _, _) in report.exercises().items():
            grade = gradebook.find_grade(f"test_{name}", notebook_name, assignment, student)
            grade.auto_score = score
            # as nbgrader's own autograde: review only what a grader already changed by hand
            grade.needs_manual_grade = grade.manual_score is not None
        gradebook.db.commit()
    except Exception:
        gradebook.db.rollback()  # the next student's grades must not fail with this one's
        raise


def register(course, assignment, db_url):
    """Register the assignment in the gradebook as `nbgrader generate_assignment` does, when
    it is missing or incomplete (the instructor skipped that step, or it skipped the
    committed release/). It runs nbgrader's own generate_assignment, into a scratch release
    folder: release/ is left alone."""
    from nbgrader.api import Gradebook, MissingEntry
    exercise_names = [e.name for e in exercises.load(assignment).exercises]

    def registered():
        with Gradebook(db_url) as gradebook:
            try:
                for name in exercise_names:
                    gradebook.find_grade_cell(f"test_{name}", assignment, assignment)
            except MissingEntry:
                return False
        return True

    if registered():
        return
    print(f"{assignment} is not in the gradebook yet: running nbgrader generate_assignment")
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force",
             f"--CourseDirectory.root={course}", f"--CourseDirectory.db_url={db_url}",
             f"--CourseDirectory.release_directory={scratch}/release", "--log-level=ERROR"],
            cwd=course, capture_output=True, text=True)
    errors = [line for line in done.stderr.splitlines() if "ERROR]" in line]
    if done.returncode != 0 or not registered():
        reason = errors[0].split("]", 1)[1].strip() if errors else f"exit code {done.returncode}"
        raise BadInput(f"could not register {assignment} in the gradebook with nbgrader "
                       f"generate_assignment: {one_line(reason)}")


def grade_course(course, assignment, students=None, jobs=None, resume=False,
                 allow_readable=False):
    """Grade every (or the named) student's submission in parallel; returns {student: Report}.

    The engine's own outputs (results, feedback, scores.csv) go to grades/<assignment>/ in
    the course directory, so `--resume` skips what is already graded. What stops the whole
    run (no course, no submissions, no usable gradebook) is a BadInput: one line, exit 2.
    Students' code that could read the course is refused (exposure.Exposed) unless
    `allow_readable`."""
    from nbgrader.api import Gradebook
    from sqlalchemy import text
    from sqlalchemy.exc import SAWarning, SQLAlchemyError
    # nbgrader 0.9 builds a submission's rows before adding them to the session (then adds
    # and commits them); SQLAlchemy 2 warns about that, harmlessly
    warnings.filterwarnings("ignore", r"Object of type <Submitted\w+> not in session", SAWarning)
    # nbgrader runs `alembic` from PATH to create a gradebook: use this environment's
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    course = Path(course).resolve()
    source = course / "assignments" / assignment / f"{assignment}.ipynb"
    if not source.is_file():
        raise BadInput(f"{one_line(source)} not found: --course must name the nbgrader course "
                       "directory")
    sources = test_cells(source)
    submissions = {student: path for student, path in
                   find_submissions(course / "submitted", assignment).items()
                   if not students or student in students}
    if not submissions:
        raise BadInput(one_line(f"no submissions in {course / 'submitted'}/*/{assignment}/" +
                                (f" for {', '.join(students)}" if students else "")))
    refuse_readable([course, course / "submitted"], allow_readable)  # outputs are in course
    database = course / "gradebook.db"
    try:
        for folder in (course / "autograded", course / "grades" / assignment):
            private_folder(folder)  # fail here, not as a 0 for every student
        register(course, assignment, f"sqlite:///{database}")
        gradebook = Gradebook(f"sqlite:///{database}")
        # a write, undone: a read-only gradebook fails here, not once per student
        gradebook.db.execute(text("UPDATE assignment SET name = name WHERE 0"))
        gradebook.db.rollback()
    except SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        raise BadInput(one_line(f"cannot write nbgrader's gradebook {database}: {reason}")) \
            from None
    except OSError as error:
        raise BadInput(one_line(f"cannot write {error.filename or course}: "
                                f"{error.strerror or error}")) from None

    with gradebook:
        def autograded(student, report):
            folder = course / "submitted" / student / assignment
            target = course / "autograded" / student / assignment
            shutil.rmtree(target, ignore_errors=True)
            own = folder.is_dir() and linked_folder(folder) is None  # never a classmate's
            if own:
                copy_regular_files(folder, target)
            notebook = autograded_notebook(submissions[student], sources, report)
            if notebook is not None:
                replace_atomically(target / f"{assignment}.ipynb",
                                   json.dumps(notebook, indent=1).encode())
            record(gradebook, assignment, assignment, student, report,
                   timestamp(folder, student) if own else None)

        return grade_all(submissions, assignment, course / "grades" / assignment, jobs, resume,
                         on_graded=autograded)
