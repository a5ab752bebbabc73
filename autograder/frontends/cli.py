"""Grade RNN notebooks and run an nbgrader course with the isolated engine.

Exit codes: 0 done; 1 a score below --min-score, or the grader failed on a submission (its
results say so); 2 bad input (one line on stderr says what), or an internal error.
"""
import argparse
import importlib.metadata
import math
import os
import re
import sys
import traceback
from contextlib import suppress
from pathlib import Path

from rnn_checks import exercises
from ..report import one_line
from ..sandbox.exposure import FLAG, Exposed
from ..secret import SecretError
from .commands import (assignment_of, cluster_keys_command, demo_command, grade_all_command,
                       grade_command, gradescope_command, nbgrader_command, release_command)
from .errors import BadInput

ASSIGNMENTS = ", ".join(exercises.ASSIGNMENTS)


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not the whole usage: --help has that
        self.exit(2, f"rnn-kit: {message} (see {self.prog} --help)\n")


class Version(argparse.Action):
    """--version, looked up only when asked: grading starts without reading package data."""

    def __call__(self, parser, *_):
        print(f"rnn-kit {version()}")
        parser.exit()


def version():
    """The installed version, else the checkout's pyproject.toml (a Gradescope zip has
    neither, and still answers)."""
    try:
        return importlib.metadata.version("rnn-kit")
    except importlib.metadata.PackageNotFoundError:
        with suppress(OSError, AttributeError):
            text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
            return re.search(r'^version\s*=\s*"([^"]+)"', text, re.M).group(1)
    return "(version unknown)"


def positive(kind, what):
    """An argparse type: a finite number of `kind` above 0, or a one-line error."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or value <= 0:
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return value
    return parse


SECONDS = positive(float, "a number of seconds above 0")
COUNT = positive(int, "a whole number of at least 1")


def add_assignment(parser):
    """The assignment, given the same way in every command: positionally or --assignment."""
    parser.add_argument("assignment", nargs="?", choices=exercises.ASSIGNMENTS,
                        metavar="ASSIGNMENT", help=f"the assignment: {ASSIGNMENTS}")
    parser.add_argument("--assignment", dest="assignment_option", choices=exercises.ASSIGNMENTS,
                        metavar="ASSIGNMENT", help="the same, as an option")


def add_grading_options(parser, jobs):
    parser.add_argument("--timeout", type=SECONDS, default=20.0, metavar="SECONDS",
                        help="seconds per exercise for the student's code (default 20)")
    parser.add_argument("--jobs", type=COUNT, default=None, metavar="N", help=jobs)
    parser.add_argument("--junit", metavar="FILE",
                        help="also write a JUnit XML report of the same tests (for any CI); "
                        "for a class, one <testsuite> per student")
    parser.add_argument("--min-score", type=float, default=None, metavar="X",
                        help="exit with code 1 if the score (for a class: any student's) is "
                        "below X, after writing every file")


def add_allow_readable(parser):
    parser.add_argument(FLAG, action="store_true",
                        help="grade even if students' code, run as an unprivileged user "
                        "without bubblewrap, could read the course, the class or the outputs "
                        "(and so copy classmates' work); without it such grading is refused")


def add_scheduler(parser):
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="grade the class on a Dask cluster: the address of a running "
                        "Dask scheduler, e.g. tls://10.0.0.5:8786; each submission becomes a "
                        "task, and every output is still written here (see README, "
                        "\"Grading on a cluster\"; needs the cluster extra)")
    parser.add_argument("--cluster-keys", default=None, metavar="DIR",
                        help="the certificates made by `cluster-keys` (default: "
                        ".rnn-kit-cluster in the course directory)")
    parser.add_argument("--unsafe-plain-tcp", action="store_true",
                        help="allow a scheduler address without TLS (tcp://): anyone who "
                        "reaches its port, a student's process included, can run code on the "
                        "workers; only on a network no student can reach")


def build_parser(prog=None):
    """The command line. prog: what the user typed (default: the script's name)."""
    prog = prog or Path(sys.argv[0]).name
    parser = Parser(prog=prog, description=__doc__,
                    formatter_class=argparse.RawDescriptionHelpFormatter,
                    epilog=f"example:\n  {prog} grade SUBMISSION.ipynb rnn_step_by_step "
                    "--output results.json")
    parser.add_argument("--version", action=Version, nargs=0, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     help="what to do; COMMAND --help describes it")

    def command(name, run, summary, example):
        sub = commands.add_parser(name, help=summary, description=summary,
                                  formatter_class=argparse.RawDescriptionHelpFormatter,
                                  epilog=f"example:\n  {prog} {name} {example}")
        sub.set_defaults(run=run, usage=sub)
        return sub

    grade = command("grade", grade_command, "grade one notebook and write Gradescope's "
                    "results.json (given a folder: as grade-all)",
                    "SUBMISSION.ipynb rnn_step_by_step --output results.json --junit junit.xml")
    grade.add_argument("submission", metavar="SUBMISSION",
                       help="the notebook (.ipynb), or a class's folder")
    add_assignment(grade)
    grade.add_argument("--output", default=None, metavar="FILE",
                       help="results file (default results.json; for a folder, the output "
                       "folder, default grades/ASSIGNMENT)")
    add_grading_options(grade, "exercises graded in parallel (default: the number of cores; "
                        "for a folder, submissions)")
    add_scheduler(grade)
    add_allow_readable(grade)

    batch = command("grade-all", grade_all_command, "grade a class in parallel: nbgrader's "
                    "submitted/ layout or a folder of notebooks",
                    "submitted/ rnn_step_by_step --output grades/rnn_step_by_step --resume")
    batch.add_argument("submissions", metavar="FOLDER",
                       help="course dir, submitted/ folder or folder of notebooks")
    add_assignment(batch)
    batch.add_argument("--output", default=None, metavar="FOLDER",
                       help="output folder (default grades/ASSIGNMENT)")
    batch.add_argument("--resume", action="store_true",
                       help="skip submissions whose results are already written and unchanged")
    add_grading_options(batch, "submissions graded in parallel (default: the number of cores; "
                        "with --scheduler, every worker thread at the start, and more wait in "
                        "its queue for workers that join later)")
    add_scheduler(batch)
    add_allow_readable(batch)

    release = command("release", release_command, "regenerate an assignment from solutions/ "
                      "and release it with nbgrader", "rnn_step_by_step --check")
    add_assignment(release)
    release.add_argument("--check", action="store_true", help="only verify everything is in step")

    course = command("nbgrader", nbgrader_command, "grade nbgrader's submitted/ folder with the "
                     "isolated engine and record the scores in its gradebook",
                     "rnn_step_by_step --course . --student ada --student bob")
    add_assignment(course)
    course.add_argument("--course", default=".", metavar="DIR",
                        help="the nbgrader course directory (default .)")
    course.add_argument("--student", action="append", metavar="ID",
                        help="only this student (repeatable)")
    course.add_argument("--jobs", type=COUNT, default=None, metavar="N",
                        help="submissions graded in parallel (default: the number of cores)")
    course.add_argument("--resume", action="store_true",
                        help="skip submissions already graded and unchanged")
    add_allow_readable(course)

    gradescope = command("gradescope", gradescope_command, "build the Gradescope autograder zip "
                         "(setup.sh, run_autograder, engine) for one assignment",
                         "rnn_step_by_step --output rnn_step_by_step.zip")
    add_assignment(gradescope)
    gradescope.add_argument("--output", default="autograder.zip", metavar="FILE",
                            help="the zip to write (default autograder.zip)")

    keys = command("cluster-keys", cluster_keys_command, "make the TLS certificates of a "
                   "Dask cluster for grade-all --scheduler (a CA of the course's own, and "
                   "certificates it signs)", ".rnn-kit-cluster")
    keys.add_argument("folder", nargs="?", default=None, metavar="DIR",
                      help="where to write them, a new folder (default: .rnn-kit-cluster in "
                      "the course directory)")

    demo = command("demo", demo_command, "grade the bundled example submissions",
                   "--output demo-results")
    demo.add_argument("--output", default="demo-results", metavar="FOLDER",
                      help="folder for their results (default demo-results)")
    add_allow_readable(demo)
    return parser


def resolve_assignment(args):
    """args.assignment from either spelling; for a notebook, from its cells if not given."""
    if "assignment_option" not in args:
        return
    given = {args.assignment, args.assignment_option} - {None}
    if len(given) > 1:
        args.usage.error(f"two assignments given, {args.assignment} and --assignment "
                         f"{args.assignment_option}; give one")
    notebook = getattr(args, "submission", None)
    args.assignment = given.pop() if given else \
        (assignment_of(notebook) if notebook and Path(notebook).is_file() else None)
    if args.assignment is None:
        args.usage.error(f"no assignment given: name one of {ASSIGNMENTS} "
                         "(as ASSIGNMENT or --assignment ASSIGNMENT)")


def main(argv=None, prog=None):
    args = build_parser(prog).parse_args(argv)
    try:
        resolve_assignment(args)
        args.run(args)
    except (BadInput, Exposed, SecretError) as error:
        print(f"rnn-kit: {one_line(error)}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("rnn-kit: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as error:  # a bug of ours: one line for the user, the rest on request
        if os.environ.get("RNN_KIT_DEBUG") == "1":
            traceback.print_exc()
        print(f"rnn-kit: internal error: {type(error).__name__}: {one_line(error)} (please "
              "report it; RNN_KIT_DEBUG=1 shows the traceback)", file=sys.stderr)
        sys.exit(2)
    sys.exit(0)
