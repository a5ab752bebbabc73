"""nbgrader's hidden test cell: `grade(assignment, exercise)` prints the feedback and
returns the points, which nbgrader reads as partial credit.

It runs in the notebook's own kernel (rnn_checks.notebook.KernelSession), with the cases
computed from the reference solutions. Unlike the CLI, the student's code and the grader
share one interpreter here, so this path is only as trustworthy as the submissions
(`python -m autograder nbgrader` grades in the sandbox instead; see docs/instructors.md).
"""
from rnn_checks import exercises
from rnn_checks.check import check_exercise
from rnn_checks.notebook import KernelSession, caller_namespace, feedback_text

from .reference import SolutionReference


def grade(assignment_name, exercise_name, namespace=None):
    """nbgrader's hidden test: print the feedback, return the points earned."""
    assignment = exercises.load(assignment_name)
    exercise = assignment.exercise(exercise_name)
    namespace = namespace if namespace is not None else caller_namespace()
    reference = SolutionReference(assignment)
    session = KernelSession(namespace)
    tests = check_exercise(assignment, exercise, session, reference.cases(exercise),
                           functions=reference.functions(), matcher=reference.matcher(exercise))
    print(feedback_text(tests), end="")
    return round(sum(test.score for test in tests), 6)
