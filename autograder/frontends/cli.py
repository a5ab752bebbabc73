"""Grade RNN notebooks and run an nbgrader course with the isolated engine.

Exit codes: 0 done; 1 a score below --min-score, or the grader failed on a submission (its
results say so); 2 bad input (one line on stderr says what), or an internal error.
"""
import argparse
import functools
import importlib.metadata
import math
import os
import re
import sys
import time
import traceback
from contextlib import suppress
from pathlib import Path

from rnn_checks import exercises
from ..report import one_line, points, replace_atomically
from ..sandbox.exposure import FLAG, Exposed, refuse_readable
from ..secret import SecretError, course_secret
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


def check_writable(path, folder=False):
    """BadInput unless `path` can be written as a file (folder=True: as a folder of
    outputs). Checked before grading: nothing is graded in vain, no partial file is left."""
    path = Path(path)
    if path.exists() and path.is_dir() != folder:
        raise BadInput(f"cannot write {path}: it is a "
                       + ("file, not a folder" if folder else "folder, not a file"))
    existing = path.parent
    while not existing.exists():  # the folders that writing will create
        existing = existing.parent
    if not existing.is_dir():
        raise BadInput(f"cannot write {path}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise BadInput(f"cannot write {path}: no permission to write in {existing}")


def write_file(path, write):
    """write(path), or BadInput saying why it failed, with no partial file left behind."""
    try:
        write(path)
    except OSError as error:
        with suppress(OSError):
            Path(f"{path}.partial").unlink(missing_ok=True)  # report.replace_atomically's
        raise BadInput(f"cannot write {path}: {error.strerror}") from None


@functools.lru_cache(maxsize=None)  # asked when inferring, and again before grading
def assignment_of(path):
    """The assignment a notebook belongs to, judged by its cells' nbgrader grade_ids: the
    one with the largest share of its exercises there, if at least half; else None (not
    readable, no nbgrader metadata left, or no clear winner)."""
    from ..read import NotebookError, read_notebook
    try:
        ids = {cell.grade_id for cell in read_notebook(path)}
    except NotebookError:
        return None
    shares = {}
    for name in exercises.ASSIGNMENTS:
        names = [exercise.name for exercise in exercises.load(name).exercises]
        shares[name] = sum(name in ids for name in names) / len(names)
    best = sorted(shares, key=shares.get, reverse=True)
    clear = len(best) == 1 or shares[best[0]] > shares[best[1]]
    return best[0] if clear and shares[best[0]] >= 0.5 else None


def grade_command(args):
    from ..grade import GRADER_FAILED, failure_report, grade_submission
    from ..sandbox.isolation import Limits
    if Path(args.submission).is_dir():  # a class: the same as grade-all
        args.submissions, args.resume = args.submission, False
        return grade_all_command(args)
    if args.scheduler:
        raise BadInput("--scheduler grades a class: give a folder of submissions, or grade "
                       "this one notebook without it")
    if args.submission.endswith(("/", os.sep)):  # a folder was meant
        raise BadInput(f"no such folder: {args.submission}")
    args.output = args.output or "results.json"
    for path in filter(None, (args.output, args.junit)):
        check_writable(path)
    refuse_readable([Path(args.submission).parent, Path(args.output).parent],
                    args.allow_readable_course)
    course_secret()  # made now if the course has none (saying so), not mid-grading
    started = time.monotonic()
    exists = os.path.lexists(args.submission)
    other = assignment_of(args.submission) if exists else None
    wrong = other not in (None, args.assignment)
    # Either way it is still graded, 0 with the reason: Gradescope and CI need the files.
    problem = (f"no such file: {args.submission}" if not exists else
               f"{args.submission} is a {other} notebook, not {args.assignment}" if wrong else None)
    failure = None
    try:
        if wrong:  # not run: every test would fail with a misleading reason
            report = failure_report(exercises.load(args.assignment), "your notebook could not "
                                    f"be graded: {Path(args.submission).name} is a {other} "
                                    f"notebook, not {args.assignment}")
        else:
            report = grade_submission(args.submission, args.assignment,
                                      Limits(seconds=args.timeout), args.jobs)
    except Exception as error:  # the grader's fault: the student still gets results saying so
        failure = type(error).__name__
        report = failure_report(exercises.load(args.assignment), GRADER_FAILED.format(failure))
    write_file(args.output, report.write)
    if args.junit:
        write_file(args.junit, lambda path: report.write_junit(path, time.monotonic() - started))
    if problem:
        raise BadInput(f"{problem} (the results in {args.output} give it 0 points)")
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
    from .batch import Abandoned, class_junit, find_submissions, grade_all
    if not os.path.exists(args.submissions):
        raise BadInput(f"no such folder: {args.submissions}")
    submissions = find_submissions(args.submissions, args.assignment)
    if not submissions:
        raise BadInput(f"no submissions found in {args.submissions} (expected submitted/"
                       f"<student>/{args.assignment}/*.ipynb or a folder of .ipynb files)")
    output = args.output or str(Path("grades") / args.assignment)
    check_writable(output, folder=True)
    if args.junit:
        check_writable(args.junit)
    refuse_readable([args.submissions, output], args.allow_readable_course)
    graders = cluster(args) if args.scheduler else None
    try:
        reports = grade_all(submissions, args.assignment, output, args.jobs, args.resume,
                            args.timeout, graders=graders)
    except Abandoned as why:
        raise BadInput(f"{why}: what was graded is kept in {output}; run the same command "
                       "with --resume to grade the rest") from None
    except KeyboardInterrupt:
        sys.exit(f"\ninterrupted: what was graded is kept in {output}; run the same command "
                 "with --resume to grade the rest")
    finally:
        if graders is not None:
            graders.close()
    if args.junit:
        write_file(args.junit, lambda path: replace_atomically(
            path, class_junit(args.assignment, reports) + b"\n"))
    print(f"results, feedback, scores.csv and gradebook.sqlite in {output}"
          + (f"; JUnit XML in {args.junit}" if args.junit else ""))
    if args.min_score is not None:
        below = sorted(student for student, report in reports.items()
                       if report.score < args.min_score)
        if below:
            print(f"{len(below)} of {len(reports)} students below the minimum score "
                  f"{points(args.min_score)} (--min-score): "
                  + ", ".join(f"{one_line(s)} ({points(reports[s].score)})" for s in below)
                  + "; exit code 1")
            sys.exit(1)


def cluster(args):
    """The Dask cluster at --scheduler, connected, with a worker; or BadInput saying why not.
    --jobs, if given, is how many submissions are in flight at once."""
    from .cluster import Cluster, ClusterError
    try:
        return Cluster(args.scheduler, args.assignment, args.timeout, most=args.jobs,
                       keys=args.cluster_keys, unsafe_plain_tcp=args.unsafe_plain_tcp)
    except ClusterError as error:
        raise BadInput(str(error)) from None


def cluster_keys_command(args):
    """Make the course's CA and the certificates of its Dask cluster, and say which goes
    where."""
    from .cluster import CA_KEY, CLUSTER_FILES, DRIVER_FILES, KEY_DAYS, ClusterError, \
        default_keys, make_keys
    folder = args.folder or default_keys()
    try:
        make_keys(folder)
    except ClusterError as error:
        raise BadInput(str(error)) from None
    except OSError as error:
        raise BadInput(f"cannot write cluster keys in {folder}: {error.strerror}") from None
    print(f"cluster keys in {folder}, valid for {KEY_DAYS} days:\n"
          f"  {', '.join(CLUSTER_FILES)}: for the scheduler and every worker (--tls-ca-file, "
          "--tls-cert, --tls-key)\n"
          f"  {', '.join(DRIVER_FILES[1:])}: for grade-all --scheduler tls://... here\n"
          f"  {CA_KEY}: signs certificates; no grading machine needs it")


def release_command(args):
    from .release import release
    if not args.check:
        course_secret()  # a new course gets its secret here (--check writes nothing)
    release(args.assignment, check=args.check)


def nbgrader_command(args):
    course = Path(args.course)
    # Checked here, before nbgrader is imported, so that a typo costs one clear line.
    if not (course / "nbgrader_config.py").is_file() or not (course / "assignments").is_dir():
        raise BadInput(f"{args.course} is not an nbgrader course (it needs nbgrader_config.py "
                       "and an assignments/ folder)")
    unknown = [student for student in args.student or []
               if not os.path.lexists(course / "submitted" / student)]
    if unknown:
        raise BadInput(f"no submission from student {', '.join(unknown)} in "
                       f"{course / 'submitted'}")
    from .nbgrader_course import grade_course
    grade_course(args.course, args.assignment, args.student, args.jobs, args.resume,
                 args.allow_readable_course)


def gradescope_command(args):
    from .gradescope import build
    check_writable(args.output)
    path = build(args.assignment, args.output)
    print(f"{path}: Gradescope autograder for {args.assignment} ({path.stat().st_size:,} bytes)")


def demo_command(args):
    """Grade the bundled example submissions and print a table for each."""
    from ..grade import grade_submission
    from ..course import course_directory
    check_writable(args.output, folder=True)
    refuse_readable([course_directory() / "tests" / "submissions", args.output],
                    args.allow_readable_course)
    course_secret()
    for assignment in exercises.ASSIGNMENTS:
        folder = course_directory() / "tests" / "submissions" / assignment
        for example in ("correct.ipynb", "typical_bugs.ipynb"):
            report = grade_submission(folder / example, assignment)
            output = Path(args.output) / assignment / example.replace(".ipynb", ".json")
            report.write(output)
            print(report.table(f"{assignment}/{example}"))
            print(f"  results: {output}\n")


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
