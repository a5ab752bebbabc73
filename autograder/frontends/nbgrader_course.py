"""`python -m autograder nbgrader ASSIGNMENT`: nbgrader's autograde, with the isolated engine.

`nbgrader autograde` runs a submission and its hidden tests in one kernel, where hostile
code can interfere. This command grades nbgrader's `submitted/` folder with the sandboxed
engine instead. It writes what nbgrader's own autograde would have written:
- `autograded/<student>/<assignment>/`: the submission, its hidden test cells restored and
  holding the feedback and points the in-kernel hidden test would print;
- each test cell's score, in nbgrader's gradebook.
So formgrader, `nbgrader export` and `nbgrader generate_feedback` work as usual.

Only the student's own regular files reach `autograded/` (no symlink is followed, no FIFO
read), and every notebook there is made inert first (`inert`): formgrader shows autograded
notebooks to the staff, and `generate_feedback` turns them into HTML pages, where a
student's saved output or HTML in a markdown cell would run. Its outputs are cleared, as
nbgrader's autograde does, and what the student wrote in markdown reaches the page only as
text and harmless HTML, cleaned by nh3.
"""
import base64
import functools
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
from .batch import find_submissions, grade_all, linked_folder
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


# ------------------------------------------------ what reaches autograded/ is inert
#
# nbconvert (generate_feedback, formgrader) renders a markdown cell with raw HTML passed
# through and link URLs unchecked, and writes outputs' HTML, JavaScript and SVG into the
# page. So staff would run whatever a student typed. nh3 (ammonia, an allowlist over a real
# HTML5 parser) removes that, but it cleans HTML, not markdown: on markdown source it would
# escape `<`, `>` and `&`, so that `$a < b$`, a `<` in a code span and a `> quote` would be
# shown as `&lt;` or lose their meaning. Hence a markdown cell is either kept as written,
# where nbconvert's renderer lets nothing of it through as HTML (`passes_html`), or replaced
# by its HTML as that renderer writes it, cleaned by nh3 (`rendered_safely`): the same page
# to the reader, with the active parts removed.

RASTER = ("image/png", "image/jpeg", "image/gif")   # never SVG, which can hold scripts
GRADE_ID = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def joined(value):
    """A notebook string (a string or a list of lines), as one string; '' if it is neither."""
    if isinstance(value, list):
        return "".join(part for part in value if isinstance(part, str))
    return value if isinstance(value, str) else ""


def url_filter(tag, attribute, value):
    """nh3's attribute filter: a data: URL only as an image's source, and only of a raster
    image. Judged as browsers read a URL: without the spaces, tabs, newlines and control
    characters they drop, whatever its case."""
    squeezed = "".join(char for char in value if char > " ").lower()
    if not squeezed.startswith("data:"):
        return value
    raster = squeezed.startswith(tuple(f"data:{kind};base64," for kind in RASTER))
    return value if raster and (tag, attribute) == ("img", "src") else None


@functools.lru_cache(maxsize=None)
def clean_html():
    """nh3.clean with ammonia's allowlist (no script, style, iframe, object, embed, form or
    SVG, no event handler, no id to clobber the page's), URLs of http(s), mailto and raster
    data: only, plus what nbconvert's markdown renderer writes: a table column's alignment
    (the text-align property only) and pygments' short class names in highlighted code."""
    import nh3
    from pygments.token import STANDARD_TYPES
    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    for tag in ("th", "td"):
        attributes[tag] = attributes.get(tag, set()) | {"style"}
    classes = {"span": set(STANDARD_TYPES.values()) - {""}, "div": {"highlight"}}
    return functools.partial(nh3.clean, attributes=attributes, attribute_filter=url_filter,
                             url_schemes={"http", "https", "mailto", "data"},
                             filter_style_properties={"text-align"}, allowed_classes=classes)


def render(source, attachments=None):
    """Markdown as nbconvert's HTML exporter renders it for generate_feedback and
    formgrader (the same renderer, without the headings' anchor links)."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
    renderer = IPythonRenderer(escape=False, attachments=attachments or {},
                               exclude_anchor_links=True)
    return MarkdownWithMath(renderer=renderer).render(source)


@functools.lru_cache(maxsize=None)
def markdown_tree():
    """nbconvert's markdown parser (mistune with its math and plugins), giving the syntax
    tree instead of HTML."""
    import mistune
    from nbconvert.filters.markdown_mistune import (MarkdownWithMath, MathBlockParser,
                                                    MathInlineParser, import_plugin)
    return mistune.Markdown(None, MathBlockParser(), MathInlineParser(hard_wrap=False),
                            [import_plugin(name) for name in MarkdownWithMath.DEFAULT_PLUGINS])


def passes_html(source):
    """Whether nbconvert's renderer may let something of `source` through as HTML: raw HTML
    (any `<`), a link or image (their URLs go out unchecked, javascript: too) or a mermaid
    block (written out unescaped). Without them it writes only its own tags around escaped
    text. What cannot be parsed counts as yes."""
    if "<" in source:
        return True
    try:
        tokens = list(markdown_tree()(source))
        while tokens:
            token = tokens.pop()
            info = str((token.get("attrs") or {}).get("info") or "")
            if token["type"] in ("block_html", "inline_html", "link", "image") or \
                    (token["type"] == "block_code" and "mermaid" in info):
                return True
            tokens += token.get("children") or []
    except Exception:  # another mistune's tree: render it safely instead
        return True
    return False


def rendered_safely(source, attachments):
    """The cell's HTML as nbconvert renders it, cleaned by nh3, as one line in a <div>: a
    markdown HTML block, which markdown renderers pass through as it is (checked here with
    nbconvert's), so nothing in it is read as markdown again. Its newlines are written
    &#10;, the same character to a browser, so that no blank line ends the block."""
    html = clean_html()(render(source, attachments))
    block = "<div>" + html.replace("\r", "&#13;").replace("\n", "&#10;") + "</div>"
    if render(block).strip() != block:
        raise ValueError("nbconvert does not pass the cleaned HTML through")
    return block


def safe_markdown(source, attachments=None):
    """A student's markdown cell as it may reach the staff: kept where nothing of it can
    become HTML, else its cleaned HTML; its text in a code block where even that fails."""
    from ..pages.feedback import code_block
    if not passes_html(source):
        return source
    try:
        return rendered_safely(source, attachments)
    except Exception:  # a missing attachment, a renderer that does not pass it through
        return "\n".join(["*(This cell is shown as text: it could not be rendered safely.)*",
                          "", *code_block(source)])


def raster(value):
    """A base64 image, or None if it is not strictly base64 (nbconvert writes it into an
    attribute)."""
    value = joined(value)
    try:
        base64.b64decode("".join(value.split()), validate=True)
    except ValueError:
        return None
    return value


def safe_output(output):
    """An output as the staff may see it, or None: text, tracebacks and raster images kept,
    HTML cleaned by nh3. Every other type (JavaScript, SVG, markdown, LaTeX, widgets, ...)
    is dropped, and so is all output metadata: nbconvert writes an image's width and height
    into its tag unquoted."""
    kind = output.get("output_type") if isinstance(output, dict) else None
    if kind == "stream":
        return {"output_type": kind, "text": joined(output.get("text")),
                "name": "stderr" if output.get("name") == "stderr" else "stdout"}
    if kind == "error":
        return {"output_type": kind, "ename": joined(output.get("ename")),
                "evalue": joined(output.get("evalue")),
                "traceback": [joined(line) for line in output.get("traceback") or []
                              if isinstance(line, str)]}
    if kind not in ("display_data", "execute_result"):
        return None
    data = output.get("data") if isinstance(output.get("data"), dict) else {}
    kept = {"text/plain": joined(data.get("text/plain"))} if "text/plain" in data else {}
    if "text/html" in data:
        kept["text/html"] = clean_html()(joined(data["text/html"]))
    kept.update({image: raster(data[image]) for image in RASTER if image in data})
    kept = {mime: value for mime, value in kept.items() if value is not None}
    if not kept:
        return None
    count = output.get("execution_count")
    return {"output_type": kind, "data": kept, "metadata": {},
            **({"execution_count": count if type(count) is int else None}
               if kind == "execute_result" else {})}


def inert_cell(cell):
    """One cell made inert in place: markdown (`safe_markdown`), raw HTML cleaned, outputs
    (`safe_output`), attachments dropped (a markdown cell's images are in its HTML), and
    nbgrader metadata whose grade_id nbgrader itself would refuse, which its templates write
    into the page unescaped."""
    kind, source = cell.get("cell_type"), joined(cell.get("source"))
    attachments = cell.pop("attachments", None)
    if kind == "markdown":
        cell["source"] = safe_markdown(source, attachments if isinstance(attachments, dict)
                                       else None)
    elif kind == "raw" and "<" in source:
        cell["source"] = clean_html()(source)
    if isinstance(cell.get("outputs"), list):
        cell["outputs"] = [kept for kept in map(safe_output, cell["outputs"]) if kept]
    meta = cell.get("metadata")
    grading = meta.get("nbgrader") if isinstance(meta, dict) else None
    if grading is not None and not (isinstance(grading, dict) and
                                    set(str(grading.get("grade_id", ""))) <= GRADE_ID):
        del meta["nbgrader"]


def inert(notebook):
    """The notebook (changed in place) with nothing a browser would run: each cell made inert
    (`inert_cell`), and of the notebook's metadata only the kernel and language, without the
    widget state nbconvert would hand to the widgets' JavaScript."""
    metadata = notebook.get("metadata") if isinstance(notebook.get("metadata"), dict) else {}
    notebook["metadata"] = {key: metadata[key] for key in ("kernelspec", "language_info")
                            if isinstance(metadata.get(key), dict)}
    for cell in notebook["cells"]:
        if isinstance(cell, dict):
            inert_cell(cell)
    return notebook


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
