"""Which submissions a class has, and the names of each student's files: nbgrader's
submitted/ layout or a flat folder of notebooks, read without following a student's
symlink to a classmate's work."""
import hashlib
import re
from pathlib import Path

from ...read import NotebookError, read_regular

PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}")
HASHED_NAME = re.compile(r".*--[0-9a-f]{16}")   # what file_name makes of any other ID


def find_submissions(path, assignment):
    """{student: notebook path} from nbgrader's layout or a flat folder of notebooks.

    path: a course directory (holding submitted/), nbgrader's submitted/ folder
    (submitted/<student>/<assignment>/<notebook>.ipynb), a folder of notebooks (the
    student is the file name), or one notebook. A student folder without a notebook maps
    to a path that does not exist, which grades as 0 with that reason. A student folder or
    assignment folder that is a symlink maps to that symlink, which reading refuses: a
    student's notebook must be a file in the student's own folder, not a classmate's or
    the instructor's."""
    path = Path(path)
    if path.is_file():
        return {path.stem: path}
    if (path / "submitted").is_dir():
        path = path / "submitted"
    folders = sorted(p for p in path.glob(f"*/{assignment}") if p.is_dir())
    if folders:
        found = {}
        for folder in folders:
            notebooks = sorted(folder.glob("*.ipynb"))
            preferred = folder / f"{assignment}.ipynb"
            notebook = preferred if preferred.is_file() else \
                (notebooks[0] if notebooks else preferred)
            found[folder.parent.name] = linked_folder(folder) or notebook
        return found
    return {notebook.stem: notebook for notebook in sorted(path.glob("*.ipynb"))}


def linked_folder(folder):
    """submitted/<student> or its <assignment> folder `folder`, whichever is a symlink."""
    return next((path for path in (folder.parent, folder) if path.is_symlink()), None)


def sha256(path):
    """The notebook's SHA-256, or "unreadable": never follows a symlink, never reads a FIFO
    or a device, never more than the size limit."""
    try:
        return hashlib.sha256(read_regular(path)).hexdigest()
    except NotebookError:
        return "unreadable"


def file_name(student):
    """The name of a student's files: the ID if it is a plain file name, else its letters,
    digits and ._- (up to 100) and a hash of the whole ID. A plain ID never ends like a
    hashed one, so two IDs never share files."""
    if PLAIN_NAME.fullmatch(student) and not HASHED_NAME.fullmatch(student):
        return student
    kept = re.sub(r"[^A-Za-z0-9._-]", "", student).lstrip(".-")[:100] or "student"
    return f"{kept}--{hashlib.sha256(student.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"
