"""The students' copy of rnn_checks in an assignment folder.

nbgrader hands out assignments/NAME/ as release/NAME/, so the copy written there is what
students run their public checks with: the rnn_checks package with this assignment's spec
and public cases only (another assignment's are none of its business). It is generated, and
git-ignored in assignments/; `python -m autograder release` and nbgrader_config.py (on every
nbgrader command, so `nbgrader generate_assignment` as the instructors' guide says) write it.
"""
import shutil
from pathlib import Path

import rnn_checks
from rnn_checks.exercises import ASSIGNMENTS

PACKAGE = Path(rnn_checks.__file__).resolve().parent
NAME = PACKAGE.name  # the folder's name beside the notebook: `from rnn_checks.notebook import`


def checks_files(assignment):
    """{path in the assignment folder: bytes} of the students' copy for `assignment`."""
    def wanted(path):
        relative = path.relative_to(PACKAGE)
        if "__pycache__" in relative.parts or not path.is_file():
            return False
        if relative.parent.name == "exercises" and relative.name != "__init__.py":
            return relative.stem == assignment
        if relative.parent.name == "public":
            return relative.stem == assignment
        return path.suffix == ".py"
    return {f"{NAME}/{path.relative_to(PACKAGE).as_posix()}": path.read_bytes()
            for path in sorted(PACKAGE.rglob("*")) if wanted(path)}


def write_checks(folder, assignment):
    """Make `folder`/rnn_checks/ exactly the students' copy; True if anything changed."""
    folder = Path(folder)
    files = checks_files(assignment)
    present = {path.relative_to(folder).as_posix() for path in (folder / NAME).rglob("*")
               if path.is_file() and "__pycache__" not in path.parts}
    if present == set(files) and all((folder / p).read_bytes() == data
                                     for p, data in files.items()):
        return False
    shutil.rmtree(folder / NAME, ignore_errors=True)
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    return True


def write_course_checks(course):
    """The students' copy in every assignment folder of `course` the kit has a spec for."""
    for name in ASSIGNMENTS:
        if (Path(course) / "assignments" / name).is_dir():
            write_checks(Path(course) / "assignments" / name, name)
