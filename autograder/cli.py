"""Command line: `python -m autograder grade|release|demo ...`."""
import argparse
import sys
from pathlib import Path

from . import exercises


def grade_command(args):
    import time
    from .grade import grade_submission
    from .report import points
    from .sandbox.runner import Limits
    if Path(args.submission).is_dir():  # a class: the same as grade-all
        args.submissions, args.resume = args.submission, False
        return grade_all_command(args)
    args.output = args.output or "results.json"
    started = time.monotonic()
    failure = None
    try:
        report = grade_submission(args.submission, args.assignment,
                                  Limits(seconds=args.timeout), args.jobs)
    except Exception as error:  # the grader's fault: the student still gets results saying so
        from .batch import GRADER_FAILED, failure_report
        failure = type(error).__name__
        report = failure_report(exercises.load(args.assignment), GRADER_FAILED.format(failure))
    try:
        report.write(args.output)
        if args.junit:
            report.write_junit(args.junit, time.monotonic() - started)
    except OSError as error:
        sys.exit(f"cannot write the results: {error.filename}: {error.strerror}")
    if hasattr(sys.stdout, "reconfigure"):  # a path may hold a lone surrogate
        sys.stdout.reconfigure(errors="backslashreplace")
    print(report.table(Path(args.submission).name))  # one_line'd: no escapes reach a terminal
    print(f"results written to {args.output}" + (f" and {args.junit}" if args.junit else ""))
    if failure:
        sys.exit(f"grading failed because of an error in the grader ({failure}); the results "
                 "give the student 0 and say to contact the course staff")
    if args.min_score is not None and report.score < args.min_score:
        print(f"score {points(report.score)} is below the minimum score {points(args.min_score)} "
              f"(--min-score): exit code 1")
        sys.exit(1)


def grade_all_command(args):
    from .batch import find_submissions, grade_all
    submissions = find_submissions(args.submissions, args.assignment)
    if not submissions:
        sys.exit(f"no submissions found in {args.submissions} (expected submitted/<student>/"
                 f"{args.assignment}/*.ipynb or a folder of .ipynb files)")
    output = args.output or str(Path("grades") / args.assignment)
    try:
        grade_all(submissions, args.assignment, output, args.jobs, args.resume, args.timeout)
    except KeyboardInterrupt:
        sys.exit(f"\ninterrupted: what was graded is kept in {output}; run the same command "
                 "with --resume to grade the rest")
    print(f"results, feedback, scores.csv and gradebook.sqlite in {output}")


def release_command(args):
    from .release import release
    release(args.assignment, check=args.check)


def nbgrader_command(args):
    from .nbgrader_course import grade_course
    grade_course(args.course, args.assignment, args.student, args.jobs, args.resume)


def gradescope_command(args):
    from .gradescope import build
    path = build(args.assignment, args.output)
    print(f"{path}: Gradescope autograder for {args.assignment} ({path.stat().st_size:,} bytes)")


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
    grade = commands.add_parser("grade", help="grade one notebook; writes Gradescope results.json "
                                "(given a folder: as grade-all)")
    grade.add_argument("submission")
    grade.add_argument("--assignment", required=True, choices=exercises.ASSIGNMENTS)
    grade.add_argument("--output", default=None,
                       help="results file (default results.json; for a folder, grades/ASSIGNMENT)")
    grade.add_argument("--timeout", type=float, default=20.0,
                       help="seconds per exercise for the student's code (default 20)")
    grade.add_argument("--jobs", type=int, default=None, help="exercises graded in parallel")
    grade.add_argument("--junit", metavar="FILE",
                       help="also write a JUnit XML report of the same tests (for any CI)")
    grade.add_argument("--min-score", type=float, default=None, metavar="X",
                       help="exit with code 1 if the score is below X (after writing the files)")
    grade.set_defaults(run=grade_command)
    batch = commands.add_parser("grade-all", help="grade a class in parallel: nbgrader's "
                                "submitted/ layout or a folder of notebooks")
    batch.add_argument("submissions", help="course dir, submitted/ folder or folder of notebooks")
    batch.add_argument("--assignment", required=True, choices=exercises.ASSIGNMENTS)
    batch.add_argument("--output", default=None, help="output folder (default grades/ASSIGNMENT)")
    batch.add_argument("--jobs", type=int, default=None,
                       help="submissions graded in parallel (default: the number of cores)")
    batch.add_argument("--resume", action="store_true",
                       help="skip submissions whose results are already written and unchanged")
    batch.add_argument("--timeout", type=float, default=20.0,
                       help="seconds per exercise for the student's code (default 20)")
    batch.set_defaults(run=grade_all_command)
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
    course.add_argument("--jobs", type=int, default=None,
                        help="submissions graded in parallel (default: the number of cores)")
    course.add_argument("--resume", action="store_true",
                        help="skip submissions already graded and unchanged")
    course.set_defaults(run=nbgrader_command)
    gradescope = commands.add_parser("gradescope", help="build the Gradescope autograder zip "
                                     "(setup.sh, run_autograder, engine) for one assignment")
    gradescope.add_argument("assignment", choices=exercises.ASSIGNMENTS)
    gradescope.add_argument("--output", default="autograder.zip")
    gradescope.set_defaults(run=gradescope_command)
    demo = commands.add_parser("demo", help="grade the bundled example submissions")
    demo.add_argument("--output", default="demo-results")
    demo.set_defaults(run=demo_command)
    args = parser.parse_args(argv)
    args.run(args)
    sys.exit(0)
