"""nbgrader configuration: this repository is the course directory."""
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "rnn-kit"
c.CourseDirectory.source_directory = "assignments"
c.CourseDirectory.release_directory = "release"

# A stub must be a statement: a comment-only stub leaves an empty function body.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Feedback would otherwise show the hidden test cells' source to students.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
