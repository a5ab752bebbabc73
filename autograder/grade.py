"""The grading pipeline for one submission:

    read notebook -> extract definitions -> run in sandbox -> compare -> diagnose -> report

The submission's definitions load in a student process, and each exercise runs in a fork
of it (a few lanes of them in parallel), with reference behaviour for the functions it
depends on; the reference itself stays in this process.
"""
import functools
import os
import queue
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rnn_checks import exercises
from rnn_checks.check import check_exercise
from .extract import submission_program
from .read import NotebookError, notebook_cells, read_notebook
from .course import course_directory
from .reference import SolutionReference
from .report import Report
from .sandbox.isolation import Limits, isolation
from .sandbox.session import SandboxFailure, SandboxSession

GRADER_FAILED = ("grading failed because of an error in the grader ({}), not in your "
                 "submission; please contact the course staff")
STOPPED = ("grading stopped unexpectedly on this submission (the grading process was killed "
           "or did not answer); please tell the course staff")


def release_notebook(assignment_name):
    return course_directory() / "release" / assignment_name / f"{assignment_name}.ipynb"


def notebook_notes(assignment, cells, program):
    """Per exercise: what about the notebook itself explains a failure."""
    notes = {}
    for exercise in assignment.exercises:
        name, lines = exercise.name, []
        own = [cell for cell in cells if cell.grade_id == name]
        if not own:
            lines.append(f"your notebook has no cell with grade_id '{name}' (deleted or "
                         f"re-created?); a definition of {name} elsewhere is still graded")
        elif len(own) > 1:
            lines.append(f"your notebook has {len(own)} cells with grade_id '{name}'; the last "
                         f"definition of {name} was graded")
        if any(cell.cell_type != "code" for cell in own):
            lines.append(f"the cell for {name} is not a code cell; change it back to code")
        if name in program.problems:
            lines.append(f"the cell '{name}' has a {program.problems[name]}, so none of it ran")
        notes[name] = lines
    return notes


def failure_report(assignment, message):
    """Every test scored 0, and why; with no tests if even that fails (the grader itself is
    broken, e.g. its reference solutions are missing)."""
    try:
        return zero_report(assignment, message)
    except Exception:
        return Report(assignment.name, assignment.max_score, [], message,
                      {"isolation": "none: nothing was run"})


def zero_report(assignment, message):
    """The report for a submission that could not be read: every test scored 0 and why."""
    session = DeadSession(message)
    cases = prepared(assignment.name, course_directory())[3]
    tests = [test for exercise in assignment.exercises
             for test in check_exercise(assignment, exercise, session, cases[exercise.name])]
    return Report(assignment.name, assignment.max_score, tests, message,
                  {"isolation": "none: nothing was run"})


@functools.lru_cache(maxsize=None)
def prepared(assignment_name, course):
    """What grading needs besides the submission, built once per process and course: the
    spec, the release notebook's cells, the reference and every exercise's cases. Nothing
    in it is changed by grading, so a batch worker shares it across submissions."""
    assignment = exercises.load(assignment_name)
    reference = SolutionReference(assignment)
    cases = {exercise.name: reference.cases(exercise) for exercise in assignment.exercises}
    return assignment, read_notebook(release_notebook(assignment_name)), reference, cases


def grade_submission(path, assignment_name, limits=None, jobs=None, content=None,
                     reuse=False):
    """Grade one notebook; returns a Report (never raises for a bad submission).

    content: the notebook's bytes, if not read from `path` (which then only names it).
    reuse: fork the student's processes from this thread's zygote (one lane), as a worker
    grading one submission after another does; otherwise each starts afresh."""
    assignment, release_cells, reference, all_cases = prepared(assignment_name,
                                                               course_directory())
    try:
        cells = read_notebook(path) if content is None else notebook_cells(content, path)
    except NotebookError as error:
        return zero_report(assignment, f"your notebook could not be graded: {error}")
    program = submission_program(release_cells, cells)
    notes = notebook_notes(assignment, cells, program)
    limits = limits or Limits()

    todo = queue.SimpleQueue()
    for exercise in assignment.exercises:
        todo.put(exercise)

    def grade_lane():
        """{exercise: (tests, load errors)} for exercises taken from `todo`, each in a fork of
        one student process; a new process after a failure. Definitions that fail to load
        fail the same way each time, so they fail this lane's remaining exercises at once."""
        session, dead, done = None, None, {}
        while True:
            try:
                exercise = todo.get_nowait()
            except queue.Empty:
                break
            cases, notes_here = all_cases[exercise.name], notes[exercise.name]
            if dead is None and (session is None or session.failure):
                if session is not None:
                    session.close()
                try:
                    session = SandboxSession(program.statements, limits, reuse)
                except SandboxFailure as failure:
                    dead = DeadSession(f"your notebook's definitions did not load: {failure}")
            if dead is not None:
                done[exercise.name] = check_exercise(assignment, exercise, dead, cases,
                                                     notes_here), []
                continue
            own_errors = [f"defining cell '{e['cell']}' (line {e['line']}) raised {e['type']}: "
                          f"{e['message']}" for e in session.load_errors
                          if e["cell"] == exercise.name]
            with session.exercise():
                done[exercise.name] = check_exercise(
                    assignment, exercise, session, cases, notes_here + own_errors,
                    reference.functions(), reference.matcher(exercise)), session.load_errors
        if session is not None:
            session.close()
        return done

    lanes = 1 if reuse else min(jobs or os.cpu_count() or 2, len(assignment.exercises))
    if lanes == 1:  # in this thread, whose zygote is the one to reuse
        done = grade_lane()
    else:
        with ThreadPoolExecutor(lanes) as pool:
            done = {}
            for lane in [pool.submit(grade_lane) for _ in range(lanes)]:
                done.update(lane.result())
    results = [done[exercise.name] for exercise in assignment.exercises]
    tests = [test for exercise_tests, _ in results for test in exercise_tests]
    load_errors = []  # every process loads the same definitions: report each error once
    for _, errors in results:
        load_errors += [error for error in errors if error not in load_errors]
    output = [f"cell '{cell}': {problem}; its definitions were not graded"
              for cell, problem in program.problems.items()]
    output += [f"cell '{e['cell']}' line {e['line']}: {e['type']}: {e['message']} (while "
               "defining; the rest of the notebook was still graded)" for e in load_errors]
    return Report(assignment.name, assignment.max_score, tests, "\n".join(output),
                  {"isolation": str(isolation()), "submission": Path(path).name})


class DeadSession:
    """Stands in for a student's process that could not start: every call fails."""

    def __init__(self, reason):
        self.reason = reason

    def call(self, *args, **kwargs):
        raise SandboxFailure(self.reason)

    call_many = call
