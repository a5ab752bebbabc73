"""nbgrader configuration: this repository is the course directory."""
import json
import logging
import warnings
from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades
from sqlalchemy.exc import SAWarning
from traitlets import List

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "rnn-kit"
c.CourseDirectory.source_directory = "assignments"
c.CourseDirectory.release_directory = "release"

# release/ is committed, so without this generate_assignment skips it ("Skipping existing
# assignment") and never registers the assignment in gradebook.db, and autograde then fails.
# Regenerating writes byte for byte the committed release (a test checks it).
c.GenerateAssignment.force = True

# A stub must be a statement: a comment-only stub leaves an empty function body.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}


class FeedbackClearHiddenTests(ClearHiddenTests):
    # nbconvert's HTML exporter configures display_data_priority for every preprocessor, and
    # ClearHiddenTests does not declare it configurable, so it warns. It renders nothing; this
    # declares the trait as nbgrader's own GetGrades does.
    display_data_priority = List().tag(config=True)


# Feedback would otherwise show the hidden test cells' source to students.
c.GenerateFeedback.preprocessors = [GetGrades, FeedbackClearHiddenTests, CSSHTMLHeaderPreprocessor]

# nbgrader 0.9 builds a submission's rows before adding them to the session; SQLAlchemy 2
# warns about that on autoflush, and nbgrader adds and commits them right after.
warnings.filterwarnings("ignore", r"Object of type <Submitted\w+> not in session", SAWarning)


def released_checksums():
    """{(grade_id, checksum)} of every locked cell of the released notebooks."""
    found = set()
    for path in Path(__file__).parent.glob("release/*/*.ipynb"):  # the course directory's
        for cell in json.loads(path.read_text()).get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("locked") and "checksum" in meta:
                found.add((meta["grade_id"], meta["checksum"]))
    return found


class UntouchedTestCells(logging.Filter):
    """Drops autograde's checksum warning for a test cell exactly as released.

    The gradebook keeps each test cell with its hidden tests and the student gets it without,
    so their checksums always differ; autograde restores the cell either way. A cell the
    student did change still warns."""
    message = "Attribute '%s' for cell %s has changed! (should be: %s, got: %s)"  # nbgrader's
    released = released_checksums()

    def filter(self, record):
        return not (record.msg == self.message and record.args[0] == "checksum"
                    and (record.args[1], record.args[3]) in self.released)


autograde_log = logging.getLogger("AutogradeApp")  # the logger nbgrader's autograde writes to
# nbgrader reads this file more than once per command: one filter is enough
if not any(type(f).__name__ == "UntouchedTestCells" for f in autograde_log.filters):
    autograde_log.addFilter(UntouchedTestCells())


# The students' copy of the checks (rnn_checks/) in each assignment folder is generated, not
# committed: written here, so `nbgrader generate_assignment` releases an up-to-date copy.
from autograder.checks_copy import write_course_checks  # noqa: E402

write_course_checks(Path(__file__).parent)
