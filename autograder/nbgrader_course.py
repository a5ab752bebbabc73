"""`python -m autograder nbgrader ASSIGNMENT`: nbgrader's autograde, with the isolated engine.

`nbgrader autograde` runs a submission and its hidden tests in one kernel, where hostile
code can interfere. This command grades nbgrader's `submitted/` folder with the sandboxed
engine instead. It writes what nbgrader's own autograde would have written:
- `autograded/<student>/<assignment>/`: the submission, its hidden test cells restored and
  holding the feedback and points the in-kernel hidden test would print;
- each test cell's score, in nbgrader's gradebook.
So formgrader, `nbgrader export` and `nbgrader generate_feedback` work as usual.
"""
import json
import shutil
from pathlib import Path

from .batch import find_submissions, grade_all
from .notebook import feedback_text


def test_cells(source_notebook):
    """{grade_id: cell} of the source notebook's graded test cells (hidden parts included)."""
    notebook = json.loads(Path(source_notebook).read_text())
    return {cell["metadata"]["nbgrader"]["grade_id"]: cell for cell in notebook["cells"]
            if cell["metadata"].get("nbgrader", {}).get("grade")}


def autograded_notebook(submitted, sources, report):
    """The submitted notebook with each test cell as nbgrader's autograde leaves it (an
    unreadable notebook is left as it is: its report already says why it scored 0)."""
    try:
        notebook = json.loads(Path(submitted).read_text())
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return None
    exercises = report.exercises()
    for cell in notebook["cells"]:
        if not isinstance(cell, dict) or not isinstance(cell.get("metadata"), dict):
            continue
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id not in sources or grade_id[len("test_"):] not in exercises:
            continue
        score, _, tests = exercises[grade_id[len("test_"):]]
        cell.update(source=sources[grade_id]["source"], execution_count=1,
                    metadata=dict(cell["metadata"], nbgrader=sources[grade_id]["metadata"]["nbgrader"]))
        cell["outputs"] = [
            {"output_type": "stream", "name": "stdout", "text": feedback_text(tests)},
            {"output_type": "execute_result", "execution_count": 1, "metadata": {},
             "data": {"text/plain": repr(round(score, 6))}}]
    return notebook


def record(gradebook, assignment, notebook_name, student, report, timestamp=None):
    """Each exercise's points as the auto score of its test cell in nbgrader's gradebook."""
    gradebook.update_or_create_student(student)
    try:
        gradebook.find_submission(assignment, student)
    except Exception:  # nbgrader's MissingEntry: a first grading
        gradebook.add_submission(assignment, student, **({"timestamp": timestamp} if timestamp else {}))
    for name, (score, _, _) in report.exercises().items():
        grade = gradebook.find_grade(f"test_{name}", notebook_name, assignment, student)
        grade.auto_score = score
        # as nbgrader's own autograde: review only what a grader already changed by hand
        grade.needs_manual_grade = grade.manual_score is not None
    gradebook.db.commit()


def grade_course(course, assignment, students=None, jobs=None, resume=False):
    """Grade every (or the named) student's submission in parallel; returns {student: Report}.

    The engine's own outputs (results, feedback, scores.csv) go to grades/<assignment>/ in
    the course directory, so `--resume` skips what is already graded."""
    from nbgrader.api import Gradebook
    course = Path(course)
    sources = test_cells(course / "assignments" / assignment / f"{assignment}.ipynb")
    submissions = {student: path for student, path in
                   find_submissions(course / "submitted", assignment).items()
                   if not students or student in students}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        gradebook.find_assignment(assignment)  # fails clearly before generate_assignment

        def autograded(student, report):
            folder = course / "submitted" / student / assignment
            submitted = submissions[student]
            target = course / "autograded" / student / assignment
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(folder, target)
            notebook = autograded_notebook(submitted, sources, report) if submitted.is_file() else None
            if notebook is not None:
                (target / f"{assignment}.ipynb").write_text(json.dumps(notebook, indent=1))
            stamp = folder / "timestamp.txt"
            record(gradebook, assignment, assignment, student, report,
                   stamp.read_text().strip() if stamp.is_file() else None)

        return grade_all(submissions, assignment, course / "grades" / assignment, jobs, resume,
                         on_graded=autograded)
