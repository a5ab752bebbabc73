"""`python -m autograder release NAME`: one command keeps every copy of an assignment in step.

1. The generated cells of the source notebook (assignments/NAME/NAME.ipynb) are rewritten:
   the setup cell and each solution cell from solutions/NAME.py, the public check and
   hidden test cells from the exercise spec. Markdown and other cells are left as written.
2. The public case of every exercise is written to rnn_checks/public/NAME.json.
3. The students' copy of rnn_checks is written into assignments/NAME/ (checks_copy.py), and
   nbgrader generate_assignment writes release/NAME/ from that folder.
With --check nothing is written: it fails if any of the three differs from what it would
write (a test runs this, so the copies cannot drift).
"""
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from rnn_checks import exercises
from rnn_checks.compare import compare
from rnn_checks.cases import PUBLIC, load_value

from ..checks_copy import NAME as CHECKS
from ..checks_copy import write_checks
from ..course import course_directory
from ..reference import SolutionReference, public_data

# The public cases are floating-point results: another CPU (AVX-512, another BLAS) may
# differ in the last bits. Those are the same values; anything beyond is a real change.
DRIFT = (1e-10, 1e-13)  # rtol, atol


def same_public_case(old, new):
    try:
        return not compare(load_value(old), load_value(new), "", *DRIFT)
    except Exception:  # an old file of another format: not the same
        return False


def public_text(name, public_path):
    """The public cases' file: the committed entry of every exercise whose values are the
    same within DRIFT (so regenerating on another machine rewrites nothing), else the new."""
    new = public_data(SolutionReference(exercises.load(name)))
    try:
        old = json.loads(public_path.read_text())
    except (OSError, ValueError):
        old = {}
    return dump({exercise: old[exercise]
                 if exercise in old and same_public_case(old[exercise], data) else data
                 for exercise, data in new.items()})


def function_parts(source, name):
    """(signature and docstring, body) of the top-level function `name` in `source`."""
    lines = source.splitlines()
    node = next(n for n in ast.parse(source).body
                if isinstance(n, ast.FunctionDef) and n.name == name)
    docstring_end = node.body[0].end_lineno
    header = "\n".join(lines[node.lineno - 1:docstring_end])
    body = "\n".join(lines[docstring_end:node.end_lineno]).strip("\n")
    return header, body


def attach_lines(source, name):
    """The statements that attach function `name` to a class (`RNN.bptt = bptt`): part of
    its cell, after the student's region."""
    return [ast.get_source_segment(source, node) for node in ast.parse(source).body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name)
            and node.value.id == name and all(isinstance(t, ast.Attribute) for t in node.targets)]


def solution_cell(source, name):
    header, body = function_parts(source, name)
    attached = "".join(f"\n\n{line}\n" for line in attach_lines(source, name))
    return (f"{header}\n    ### START CODE HERE ###\n    ### BEGIN SOLUTION\n{body}\n"
            f"    ### END SOLUTION\n    ### END CODE HERE ###\n{attached}")


def defined_name(node):
    """The name a top-level statement defines (a function, a class, a constant), or None."""
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
            isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    return None


def generated_cells(assignment, solutions_source):
    """{grade_id: (source, nbgrader metadata)} for every generated cell."""
    lines = solutions_source.splitlines()
    provided = [node for node in ast.parse(solutions_source).body
                if defined_name(node) in assignment.provided]
    # Constants stay together on consecutive lines; functions and classes are set apart.
    helpers = ""
    for node in provided:
        text = "\n".join(lines[node.lineno - 1:node.end_lineno])
        helpers += ("\n" if isinstance(node, ast.Assign) else "\n\n\n") + text
    helpers = helpers.strip("\n")
    locked = {"grade": False, "solution": False, "locked": True}
    cells = {"setup": (f"{assignment.setup_imports}\n\n\n{helpers}\n\n\n# The public checks "
                       f"under each exercise ({CHECKS}/ is beside this notebook).\n"
                       f"from {CHECKS}.notebook import check, validate\n", locked)}
    for exercise in assignment.exercises:
        name = exercise.name
        cells[name] = (solution_cell(solutions_source, name),
                       {"grade": False, "solution": True, "locked": False})
        cells[f"check_{name}"] = (f'check("{assignment.name}", "{name}")\n', locked)
        cells[f"test_{name}"] = (
            f"# Validate runs the public check of {name} here; its hidden tests run when your "
            f"notebook is graded.\nvalidate(\"{assignment.name}\", \"{name}\")\n"
            "### BEGIN HIDDEN TESTS\nfrom autograder.notebook import grade\n"
            f'grade("{assignment.name}", "{name}")\n### END HIDDEN TESTS\n',
            {"grade": True, "solution": False, "locked": True, "points": exercise.points})
    return cells


def updated_source_notebook(assignment, notebook):
    """The source notebook with its generated cells rewritten; raises if one is missing."""
    source = (course_directory() / "solutions" / f"{assignment.name}.py").read_text()
    cells = generated_cells(assignment, source)
    present = set()
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in cells:
            text, metadata = cells[grade_id]
            cell["source"] = text
            cell["metadata"]["nbgrader"] = dict(metadata, grade_id=grade_id, schema_version=3)
            cell["outputs"], cell["execution_count"] = [], None
            present.add(grade_id)
    missing = [grade_id for grade_id in cells if grade_id not in present]
    if missing:
        raise SystemExit(f"the source notebook lacks the cells {missing}; add code cells with "
                         "these nbgrader grade_ids")
    return notebook


def dump(data):
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def run_nbgrader(course, name):
    """nbgrader generate_assignment in `course`, with a throw-away gradebook."""
    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs `alembic` from the venv
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force",
                        f"--CourseDirectory.db_url=sqlite:///{scratch}/gradebook.db",
                        "--log-level=WARN"], cwd=course, env=env, check=True)


def release(name, check=False):
    assignment = exercises.load(name)
    course = course_directory()
    notebook_path = course / "assignments" / name / f"{name}.ipynb"
    notebook = updated_source_notebook(assignment, json.loads(notebook_path.read_text()))
    public_path = PUBLIC / f"{name}.json"
    public = public_text(name, public_path)
    folder = course / "assignments" / name
    stale = []
    if check:
        stale += [str(p) for p, text in ((notebook_path, dump(notebook)), (public_path, public))
                  if not p.is_file() or p.read_text() != text]
        with tempfile.TemporaryDirectory() as scratch:
            shutil.copytree(course / "assignments", Path(scratch) / "assignments",
                            ignore=shutil.ignore_patterns(CHECKS))  # generated: written anew
            shutil.copy(course / "nbgrader_config.py", scratch)
            write_checks(Path(scratch) / "assignments" / name, name)
            run_nbgrader(scratch, name)
            built_release = Path(scratch) / "release" / name
            for built in sorted(built_release.rglob("*")):
                committed = course / "release" / name / built.relative_to(built_release)
                if built.is_file() and (not committed.is_file() or
                                        committed.read_bytes() != built.read_bytes()):
                    stale.append(str(committed))
        if stale:
            raise SystemExit("out of date (run `python -m autograder release "
                             f"{name}` and commit): {', '.join(stale)}")
        print(f"{name}: source notebook, public cases and release are up to date")
        return
    notebook_path.write_text(dump(notebook))
    PUBLIC.mkdir(exist_ok=True)
    public_path.write_text(public)
    write_checks(folder, name)
    run_nbgrader(course, name)
    print(f"{name}: wrote {notebook_path.relative_to(course)}, {public_path.relative_to(course)} "
          f"and release/{name}/")
