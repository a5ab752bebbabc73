"""Command line: `python -m autograder grade|release|demo ...`."""
import argparse
import sys
from pathlib import Path

from . import exercises


def grade_command(args):
    from .grade import grade_submission
    from .sandbox.runner import Limits
    report = grade_submission(args.submission, args.assignment, Limits(seconds=args.timeout),
                              args.jobs)
    report.write(args.output)
    print(report.table(Path(args.submission).name))
    print(f"results written to {args.output}")


def release_command(args):
    from .release import release
    release(args.assignment, check=args.check)


def nbgrader_command(args):
    from .nbgrader_course import grade_course
    grade_course(args.course, args.assignment, args.student)


def demo_command(args):
    """Grade the bundled example submissions and print a table for each."""
    from .grade import grade_submission
    from .reference import course_directory
    for assignment in exercises.ASSIGNMENTS:
        folder = course_directory() / "tests" / "submissions" / assignment
        for example in ("correct.ipynb", "typical_bugs.ipynb"):
            report = grade_submission(folder / example, assignment)
            output = Path(args.output) / assignment / example.replace(".ipynb", ".json")
            report.write(output)
            print(report.table(f"{assignment}/{example}"))
            print(f"  results: {output}\n")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade one notebook; writes Gradescope results.json")
    grade.add_argument("submission")
    grade.add_argument("--assignment", required=True, choices=exercises.ASSIGNMENTS)
    grade.add_argument("--output", default="results.json")
    grade.add_argument("--timeout", type=float, default=20.0,
                       help="seconds per exercise for the student's code (default 20)")
    grade.add_argument("--jobs", type=int, default=None, help="exercises graded in parallel")
    grade.set_defaults(run=grade_command)
    release = commands.add_parser("release", help="regenerate an assignment from solutions/ "
                                  "and release it with nbgrader")
    release.add_argument("assignment", choices=exercises.ASSIGNMENTS)
    release.add_argument("--check", action="store_true", help="only verify everything is in step")
    release.set_defaults(run=release_command)
    course = commands.add_parser("nbgrader", help="grade nbgrader's submitted/ folder with the "
                                 "isolated engine and record the scores in its gradebook")
    course.add_argument("assignment", choices=exercises.ASSIGNMENTS)
    course.add_argument("--course", default=".", help="the nbgrader course directory (default .)")
    course.add_argument("--student", action="append", help="only this student (repeatable)")
    course.set_defaults(run=nbgrader_command)
    demo = commands.add_parser("demo", help="grade the bundled example submissions")
    demo.add_argument("--output", default="demo-results")
    demo.set_defaults(run=demo_command)
    args = parser.parse_args(argv)
    args.run(args)
    sys.exit(0)
