"""Step 1: read a notebook file into cells, with a precise message for anything malformed.

Plain `json` plus our own structural checks: a grader must explain bad input, and
nbformat's schema validation costs more start-up time than the whole grading run.
"""
import errno
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

MAX_NOTEBOOK_BYTES = 256 << 20  # far beyond any real notebook; large outputs are still graded


class NotebookError(Exception):
    """The file cannot be graded as a notebook; the message is written for the student."""


@dataclass(frozen=True)
class Cell:
    index: int              # 0-based position in the notebook
    cell_type: str
    source: str
    grade_id: str | None    # nbgrader metadata, when present
    locked: bool = False
    solution: bool = False
    grade: bool = False

    @property
    def label(self):
        return self.grade_id or f"cell {self.index + 1}"


# O_NOFOLLOW: a symlink is refused, not followed (to a classmate's notebook, the instructor's
# source, /dev/zero or /proc/self/mem); O_NONBLOCK: opening a FIFO does not wait for a writer.
OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
NOT_A_FILE = {stat.S_IFIFO: "is a named pipe (FIFO), not a file",
              stat.S_IFCHR: "is a device, not a file", stat.S_IFBLK: "is a device, not a file",
              stat.S_IFDIR: "is a folder, not a notebook file",
              stat.S_IFSOCK: "is a socket, not a file"}


def read_regular(path, cap=MAX_NOTEBOOK_BYTES):
    """The content of `path` if it is a regular file of at most `cap` bytes; otherwise
    NotebookError with one sentence saying why. Every check is on the open file itself
    (fstat), and the size before reading, so nothing can be swapped in between, and no
    more than cap + 1 bytes are ever read."""
    name = Path(path).name
    try:
        fd = os.open(path, OPEN_FLAGS)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise NotebookError(f"{name} is a symbolic link; submit the notebook file "
                                "itself") from None
        if error.errno == errno.ENXIO:  # a socket cannot be opened
            raise NotebookError(f"{name} {NOT_A_FILE[stat.S_IFSOCK]}") from None
        raise NotebookError(f"cannot open {name}: {error.strerror}") from None
    info = os.fstat(fd)
    problem = None
    if not stat.S_ISREG(info.st_mode):
        problem = f"{name} {NOT_A_FILE.get(stat.S_IFMT(info.st_mode), 'is not a regular file')}"
    elif info.st_size > cap:
        problem = (f"{name} is {info.st_size / 2**20:.0f} MB; files over {cap >> 20} MB are "
                   "not graded (clear large outputs with Kernel > Restart & Clear Output and "
                   "save)")
    if problem:
        os.close(fd)
        raise NotebookError(problem)
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(info.st_size + 1)  # one byte more tells a file that grew
        except OSError as error:
            raise NotebookError(f"cannot read {name}: {error.strerror}") from None
        except MemoryError:
            raise NotebookError(f"{name} is too large to read into memory") from None
    if len(data) > info.st_size:
        raise NotebookError(f"{name} changed while it was being read; submit it again")
    return data


def load_json(data, name):
    """The JSON value of a notebook's bytes, or NotebookError saying why it has none."""
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise NotebookError(f"{name} is not UTF-8 text (invalid byte at position "
                            f"{error.start}); is it really a .ipynb notebook?") from None
    except ValueError as error:
        raise NotebookError(f"{name} is not valid notebook JSON ({error}); was it "
                            "edited outside Jupyter or truncated?") from None
    except RecursionError:
        raise NotebookError(f"{name} is JSON nested too deeply to be a notebook") from None
    except MemoryError:
        raise NotebookError(f"{name} is too large to read into memory") from None


def read_notebook(path):
    path = Path(path)
    return cells_of(load_json(read_regular(path), path.name), path.name)


def notebook_cells(data, path):
    """The cells of a notebook's bytes `data` (sent rather than read), named by `path`."""
    name = Path(path).name
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise NotebookError(f"{name} is {len(data) / 2**20:.0f} MB; files over "
                            f"{MAX_NOTEBOOK_BYTES >> 20} MB are not graded")
    return cells_of(load_json(data, name), name)


def cells_of(notebook, name="the notebook"):
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError(f"{name} is JSON but not a Jupyter notebook (no list of cells)")
    if notebook.get("nbformat") != 4:
        raise NotebookError(f"{name} has nbformat {notebook.get('nbformat')!r}; only version 4 "
                            "notebooks are graded (open and save it in a current Jupyter)")
    cells = []
    for index, raw in enumerate(notebook["cells"]):
        if not isinstance(raw, dict) or not isinstance(raw.get("cell_type"), str):
            raise NotebookError(f"cell {index + 1} of {name} is malformed")
        source = raw.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise NotebookError(f"cell {index + 1} of {name} has a malformed source")
        metadata = raw.get("metadata")
        meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
        meta = meta if isinstance(meta, dict) else {}
        grade_id = meta.get("grade_id") if isinstance(meta.get("grade_id"), str) else None
        cells.append(Cell(index, raw["cell_type"], source, grade_id, meta.get("locked") is True,
                          meta.get("solution") is True, meta.get("grade") is True))
    return cells
