"""What each command of the command line does (cli.py reads the arguments): grade one
notebook or a class, make a cluster's keys, release an assignment, grade an nbgrader course,
build Gradescope's zip, and the demo. What cannot be done is a BadInput: one line, exit 2.
"""
import functools
import os
import sys
import time
from contextlib import suppress
from pathlib import Path

from rnn_checks import exercises
from ..report import one_line, points, replace_atomically
from ..sandbox.exposure import refuse_readable
from ..secret import course_secret
from .errors import BadInput, ClusterError


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
    from .batch.discovery import find_submissions
    from .batch.outputs import class_junit
    from .batch.scheduler import grade_all
    from .batch.workers import Abandoned
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
    from .cluster import Cluster
    try:
        return Cluster(args.scheduler, args.assignment, args.timeout, most=args.jobs,
                       keys=args.cluster_keys, unsafe_plain_tcp=args.unsafe_plain_tcp)
    except ClusterError as error:
        raise BadInput(str(error)) from None


def cluster_keys_command(args):
    """Make the course's CA and the certificates of its Dask cluster, and say which goes
    where."""
    from .cluster_keys import CA_KEY, CLUSTER_FILES, DRIVER_FILES, KEY_DAYS, default_keys, \
        make_keys
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
