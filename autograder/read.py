"""Step 1: read a notebook file into cells, with a precise message for anything malformed.

Plain `json` plus our own structural checks: a grader must explain bad input, and
nbformat's schema validation costs more start-up time than the whole grading run.
"""
import json
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


def read_notebook(path):
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise NotebookError(f"cannot open {path.name}: {error.strerror}") from None
    if not path.is_file():
        raise NotebookError(f"{path.name} is not a file")
    if size > MAX_NOTEBOOK_BYTES:
        raise NotebookError(f"{path.name} is {size / 2**20:.0f} MB; notebooks over "
                            f"{MAX_NOTEBOOK_BYTES >> 20} MB are not graded (clear large outputs "
                            "with Kernel > Restart & Clear Output and save)")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookError(f"{path.name} is not UTF-8 text (invalid byte at position "
                            f"{error.start}); is it really a .ipynb notebook?") from None
    try:
        notebook = json.loads(text)
    except ValueError as error:
        raise NotebookError(f"{path.name} is not valid notebook JSON ({error}); was it "
                            "edited outside Jupyter or truncated?") from None
    return cells_of(notebook, path.name)


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
