"""Grading a whole class: `python -m autograder grade-all SUBMISSIONS --assignment NAME`.

Submissions are graded in parallel by long-lived worker processes (or Dask workers, see
cluster.py), each of which keeps the reference and its cases in memory (`grade.prepared`)
and forks students' processes from its zygote (sandbox/zygote.py). A worker grades one
submission at a time with the usual sandboxed engine and replies with the results; this
process writes that student's files as soon as they arrive, so an interrupted run loses
nothing and `--resume` skips what is already graded. A worker that dies or stops answering
(a grader bug, or a student's process that escaped a weak isolation mode and killed it)
costs that one submission: it is recorded with a reason, a fresh worker takes the next
one, and `--resume` tries that submission again.

Outputs, under the output folder, readable by their owner only:
    results/<student>.json    Gradescope's format, plus the submission's SHA-256
    feedback/<student>.md     the feedback, for the student (and .html)
    gradebook.sqlite          every total and exercise score (table `scores`)
    scores.csv                one row per student: the total and each exercise
    report.html               for the staff: the score histogram, each exercise's pass rate,
                              and the named mistakes with the students who made each
    grading.log               what the workers printed (tracebacks of grader failures)
<student> is the student ID where it is a plain file name, else a safe one (file_name).

Nothing about one submission stops the run: only regular files are read (never a symlink,
a FIFO or a device), and any failure while grading or recording a student becomes that
student's 0 with a sentence, logged for the staff.
"""
import csv
import hashlib
import io
import json
import os
import queue
import re
import resource
import select
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import traceback
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from rnn_checks import exercises
from ..pages import feedback
from rnn_checks.check import TestResult
from ..grade import GRADER_FAILED, STOPPED, failure_report, grade_submission
from ..read import NotebookError, read_regular
from ..report import Report, one_line, private_folder, readable, replace_atomically
from ..sandbox.isolation import Limits
from ..sandbox.zygote import students_peak_mb
from ..secret import course_secret

WORKER_SLACK = 60.0   # seconds a worker may take beyond its submission's time limits
TRACEBACK_CHARS = 20_000  # of a grader failure's traceback sent back by a worker: its end
SLOW = 5.0            # seconds after which the progress bar names the submission it waits on
PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}")
HASHED_NAME = re.compile(r".*--[0-9a-f]{16}")   # what file_name makes of any other ID


class Abandoned(Exception):
    """Raised by a worker when the run cannot go on (its cluster is gone): the submission
    it was grading is not recorded, and grade_all stops as if interrupted."""


def find_submissions(path, assignment):
    """{student: notebook path} from nbgrader's layout or a flat folder of notebooks.

    path: a course directory (holding submitted/), nbgrader's submitted/ folder
    (submitted/<student>/<assignment>/<notebook>.ipynb), a folder of notebooks (the
    student is the file name), or one notebook. A student folder without a notebook maps
    to a path that does not exist, which grades as 0 with that reason. A student folder or
    assignment folder that is a symlink maps to that symlink, which reading refuses: a
    student's notebook must be a file in the student's own folder, not a classmate's or
    the instructor's."""
    path = Path(path)
    if path.is_file():
        return {path.stem: path}
    if (path / "submitted").is_dir():
        path = path / "submitted"
    folders = sorted(p for p in path.glob(f"*/{assignment}") if p.is_dir())
    if folders:
        found = {}
        for folder in folders:
            notebooks = sorted(folder.glob("*.ipynb"))
            preferred = folder / f"{assignment}.ipynb"
            notebook = preferred if preferred.is_file() else \
                (notebooks[0] if notebooks else preferred)
            found[folder.parent.name] = linked_folder(folder) or notebook
        return found
    return {notebook.stem: notebook for notebook in sorted(path.glob("*.ipynb"))}


def linked_folder(folder):
    """submitted/<student> or its <assignment> folder `folder`, whichever is a symlink."""
    return next((path for path in (folder.parent, folder) if path.is_symlink()), None)


def sha256(path):
    """The notebook's SHA-256, or "unreadable": never follows a symlink, never reads a FIFO
    or a device, never more than the size limit."""
    try:
        return hashlib.sha256(read_regular(path)).hexdigest()
    except NotebookError:
        return "unreadable"


def file_name(student):
    """The name of a student's files: the ID if it is a plain file name, else its letters,
    digits and ._- (up to 100) and a hash of the whole ID. A plain ID never ends like a
    hashed one, so two IDs never share files."""
    if PLAIN_NAME.fullmatch(student) and not HASHED_NAME.fullmatch(student):
        return student
    kept = re.sub(r"[^A-Za-z0-9._-]", "", student).lstrip(".-")[:100] or "student"
    return f"{kept}--{hashlib.sha256(student.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"


def report_from_json(data):
    """A Report rebuilt from results.json (its tests are what feedback and gradebooks need)."""
    extra = dict(data.get("extra_data", {}))
    return Report(extra.pop("assignment", ""), extra.pop("max_score", 0.0),
                  [TestResult(t["name"], t["score"], t["max_score"], t.get("output", ""))
                   for t in data.get("tests", [])], data.get("output", ""), extra)


class Outputs:
    """The output folder: per-student files, written as each submission is graded."""

    def __init__(self, folder):
        self.folder = Path(folder)
        private_folder(self.folder)

    def results(self, student):
        return self.folder / "results" / f"{file_name(student)}.json"

    def graded(self, student, digest):
        """The stored results for this exact submission, or None (also where grading it
        failed for a reason not the student's: --resume tries it again)."""
        try:
            data = json.loads(self.results(student).read_text())
        except (OSError, ValueError):
            return None
        retry = str(data.get("output", "")).startswith((STOPPED[:40], GRADER_FAILED[:40]))
        same = data.get("extra_data", {}).get("submission_sha256") == digest
        return data if same and not retry else None

    def write(self, student, report):
        report.write(self.results(student))
        name = file_name(student)
        replace_atomically(self.folder / "feedback" / f"{name}.md",
                           feedback.markdown(report, student).encode())
        replace_atomically(self.folder / "feedback" / f"{name}.html",
                           feedback.html(report, student).encode())

    def log(self):
        """grading.log, opened for appending (created readable by its owner only)."""
        return open(self.folder / "grading.log", "a",
                    opener=lambda path, flags: os.open(path, flags, 0o600))


def grade_one(task, assignment_name, seconds):
    """Worker side: grade one submission (its exercises one after another: the workers are
    the parallelism) and return the reply for the driver: the results (Gradescope's
    format), the seconds it took and the worker's peak memory. Never raises.

    task: {"student", "path"}, and "notebook" (its bytes) where the worker cannot read the
    driver's files (a cluster); the path then only names the notebook in messages. A grader
    failure's traceback is in the reply ("traceback", its last TRACEBACK_CHARS), for the
    driver's grading.log: a Dask worker's own log is on another machine."""
    started, failure = time.monotonic(), None
    try:
        report = grade_submission(task["path"], assignment_name, Limits(seconds=seconds), 1,
                                  content=task.get("notebook"), reuse=True)
    except Exception as error:  # a grader bug must not cost the class: log it, score it 0
        failure = traceback.format_exc()[-TRACEBACK_CHARS:]
        report = failure_report(exercises.load(assignment_name),
                                GRADER_FAILED.format(type(error).__name__))
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"student": task["student"], "seconds": time.monotonic() - started,
            "worker_peak_mb": usage / 1024, "students_peak_mb": students_peak_mb(),
            "results": report.to_gradescope(),
            "pictures": [test.pictures for test in report.tests],  # for the feedback page
            **({"traceback": failure} if failure else {})}


def record(outputs, student, report, digest):
    report.extra.update(student=student, submission_sha256=digest)
    outputs.write(student, report)


def worker_main(assignment_name, seconds):
    """`python -m autograder.frontends.batch ASSIGNMENT SECONDS`: grade the tasks read from
    stdin (one JSON line each) and answer each with one JSON line (grade_one's reply)."""
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # anything printed while grading goes to the log, not into the replies
    for line in sys.stdin:
        replies.write(json.dumps(grade_one(json.loads(line), assignment_name, seconds)) + "\n")
        replies.flush()


class Worker:
    """A worker process, restarted when it dies."""

    def __init__(self, assignment, seconds, log):
        self.command = [sys.executable, "-m", "autograder.frontends.batch", assignment,
                        str(seconds)]
        self.log = log
        self.process = None

    def start(self):
        self.process = subprocess.Popen(self.command, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.log, text=True,
                                        bufsize=1)

    def grade(self, task, deadline):
        """The worker's reply for task, or None if it died or overran the deadline."""
        if self.process is None or self.process.poll() is not None:
            self.start()
        try:
            self.process.stdin.write(json.dumps(task) + "\n")
            self.process.stdin.flush()
            wait = deadline - time.monotonic()
            if wait > 0 and select.select([self.process.stdout], [], [], wait)[0]:
                line = self.process.stdout.readline()
                if line:
                    return json.loads(line)
        except (OSError, ValueError):
            pass
        self.kill()
        return None

    def stop(self):
        """End the worker when the run is done: it finishes, so its zygote cleans up."""
        if self.process is not None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=10)
                self.process = None
            except (OSError, subprocess.TimeoutExpired):
                self.kill()

    def kill(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def grade_all(submissions, assignment_name, output, jobs=None, resume=False, seconds=20.0,
              on_graded=None, progress=True, graders=None):
    """Grade {student: notebook} in parallel; returns {student: Report}.

    graders: who grades, if not worker processes on this machine (`jobs` of them): an
    object with `lanes` (how many submissions it grades at once) and `worker()`, which
    gives one lane's worker (`grade(task, deadline)` -> grade_one's reply or None, and
    `stop()`), as cluster.Cluster does.

    on_graded(student, report), if given, runs in this thread as each result arrives, as the
    gradebooks are written: from one thread, in the order results come. Any step for one
    student that fails (grading, reading its results, recording, on_graded) makes that
    student's report a 0 saying so, logged in grading.log; the run always goes on to the
    next student, and scores.csv is always written."""
    assignment = exercises.load(assignment_name)
    course_secret()  # made here if the course has none (saying so once): every worker reads it
    outputs = Outputs(output)
    jobs = max(1, jobs or os.cpu_count() or 2)
    reports, tasks = {}, queue.Queue()
    finished = queue.Queue()  # (task, report, worker's peak MB): recorded by this thread
    # A submission's exercises run one after another inside a worker: the workers are the
    # parallelism, and a hang costs at most every exercise's time limit.
    limit = len(assignment.exercises) * seconds + WORKER_SLACK

    with outputs.log() as log:
        log_lock = threading.Lock()

        def note(task, where, trace):
            """A grader failure's traceback in grading.log, one thread at a time, each line
            without control characters (a student's values may be in it)."""
            lines = [one_line(line) for line in trace.splitlines()]
            with log_lock:
                log.write(f"grading {one_line(task['student'])} failed{where}:\n"
                          + "\n".join(lines) + "\n")
                log.flush()

        def failed(task, error):
            """Called in an except block: the student's 0, logged and written if it can be."""
            report = failure_report(assignment, GRADER_FAILED.format(type(error).__name__))
            try:
                note(task, "", traceback.format_exc())
                record(outputs, task["student"], report, task["sha256"])
            except Exception:  # the failure is still counted, in scores.csv and the summary
                pass
            return report

        for student, path in sorted(submissions.items()):
            task = {"student": student, "path": str(path), "sha256": sha256(path)}
            try:
                stored = outputs.graded(student, task["sha256"]) if resume else None
                if stored is not None:
                    reports[student] = report_from_json(stored)
                    record_in_gradebook(outputs.folder, assignment, student, reports[student])
                    continue
            except Exception:  # damaged stored results: grade it again
                reports.pop(student, None)
            tasks.put(task)
        todo = tasks.qsize()
        done = Progress(len(submissions), len(reports), progress)

        def graded(worker, task):
            """(report, worker's peak MB) for one task, its files written."""
            reply = worker.grade(task, time.monotonic() + limit)
            if reply is None:  # the worker died or hung: this submission only
                report, peak = failure_report(assignment, STOPPED), None
            else:
                report = report_from_json(reply["results"])
                peak = reply["worker_peak_mb"], reply.get("students_peak_mb", 0)
                if isinstance(reply.get("traceback"), str):
                    note(task, " on its worker", reply["traceback"][-TRACEBACK_CHARS:])
                for test, pictures in zip(report.tests, reply.get("pictures", [])):
                    test.pictures = pictures
            record(outputs, task["student"], report, task["sha256"])
            return report, peak

        def drive():
            worker = graders.worker() if graders else Worker(assignment_name, seconds, log)
            while True:
                try:
                    task = tasks.get_nowait()
                except queue.Empty:
                    break
                done.begin(task["student"])
                try:
                    finished.put((task, *graded(worker, task)))
                except Abandoned as why:
                    finished.put((None, why, None))
                    break
                except Exception as error:
                    finished.put((task, failed(task, error), None))
            worker.stop()

        lanes = graders.lanes if graders else jobs
        threads = [threading.Thread(target=drive, daemon=True) for _ in range(min(lanes, todo))]
        for thread in threads:
            thread.start()
        peaks = []
        try:
            for _ in range(todo):
                while True:  # waiting, the bar shows which submission takes long
                    try:
                        task, report, peak = finished.get(timeout=1)
                        break
                    except queue.Empty:
                        done.tick()
                if task is None:  # a worker abandoned the run (`report` says why)
                    raise report
                peaks += [peak] if peak else []
                for _attempt in range(2):  # the report, or else the zero report of its failure
                    try:
                        record_in_gradebook(outputs.folder, assignment, task["student"], report)
                        if on_graded:
                            on_graded(task["student"], report)
                        break
                    except Exception as error:
                        report = failed(task, error)
                reports[task["student"]] = report
                done.step(task["student"], report)
            for thread in threads:
                thread.join()
        finally:
            done.close()
            write_csv(outputs.folder / "scores.csv", assignment, reports)
            replace_atomically(outputs.folder / "report.html",
                               feedback.class_html(assignment, reports).encode())
    print(summary(assignment, reports, done.elapsed(), todo, peaks))
    return reports


class Progress:
    """A bar (done/total, rate, ETA, and the submission it waits on when one is slow) on a
    terminal; a line per submission otherwise."""

    def __init__(self, total, already, enabled):
        self.started, self.total, self.count = time.monotonic(), total, already
        self.running, self.lock = {}, threading.Lock()  # student: when its grading began
        self.bar = None
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm
            size = os.get_terminal_size(sys.stderr.fileno())  # 0 x 0 where it is unknown
            self.bar = tqdm(total=total, initial=already, unit="submission", file=sys.stderr,
                            ncols=min(size.columns or 80, 100), nrows=size.lines or 24)
        self.enabled = enabled

    def begin(self, student):
        """Called by the threads driving the workers."""
        with self.lock:
            self.running[student] = time.monotonic()

    def step(self, student, report):
        self.count += 1
        with self.lock:
            self.running.pop(student, None)
        if self.bar is not None:
            self.bar.update(1)
            self.tick()
        elif self.enabled:
            print(f"[{self.count}/{self.total}] {one_line(student)}: {report.score:g} / "
                  f"{report.max_score:g}", file=sys.stderr, flush=True)

    def tick(self):
        """Name the submission graded longest, once it is slow: a stalled bar says why."""
        if self.bar is None:
            return
        with self.lock:
            oldest = min(self.running.items(), key=lambda item: item[1], default=None)
        waited = time.monotonic() - oldest[1] if oldest else 0
        self.bar.set_postfix_str(f"grading {one_line(oldest[0])[:30]} for {waited:.0f} s"
                                 if waited >= SLOW else "")

    def elapsed(self):
        return time.monotonic() - self.started

    def close(self):
        if self.bar is not None:
            self.bar.close()


def record_in_gradebook(folder, assignment, student, report):
    """gradebook.sqlite: one row per student and exercise (exercise '' holds the total)."""
    rows = [("", report.score, report.max_score)] + \
        [(name, score, max_score) for name, (score, max_score, _) in report.exercises().items()]
    path = folder / "gradebook.sqlite"
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # sqlite would create it 0644
    db = sqlite3.connect(path)
    with db:  # one transaction: a student's scores are all there or none are
        db.execute("CREATE TABLE IF NOT EXISTS scores (assignment TEXT, student TEXT, "
                   "exercise TEXT, score REAL, max_score REAL, "
                   "PRIMARY KEY (assignment, student, exercise))")
        db.executemany("INSERT OR REPLACE INTO scores VALUES (?, ?, ?, ?, ?)",
                       [(assignment.name, student, *row) for row in rows])
    db.close()


def spreadsheet_cell(value):
    """A CSV cell a spreadsheet shows as text: one line, and never a formula (OWASP: a cell
    starting with = + - @ tab or CR gets a leading single quote)."""
    value = one_line(value)
    return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


def write_csv(path, assignment, reports):
    names = [exercise.name for exercise in assignment.exercises]
    table = io.StringIO(newline="")
    writer = csv.writer(table)
    writer.writerow(["student", "total", *names])
    for student, report in sorted(reports.items()):
        scores = report.exercises()
        writer.writerow([spreadsheet_cell(cell) for cell in [
            student, f"{report.score:g}",
            *[f"{scores[name][0]:g}" if name in scores else "" for name in names]]])
    replace_atomically(path, table.getvalue().encode())


def summary(assignment, reports, elapsed, graded, peaks):
    """The end-of-run account: histogram, the exercises most often failed, common messages."""
    totals = [report.score / report.max_score * 100 for report in reports.values()]
    lines = [f"{assignment.name}: {len(reports)} submissions ({graded} graded now in "
             f"{elapsed:.1f} s" + (f", {graded / elapsed * 60:.0f} per minute" if graded else "")
             + (f", worker peak memory {max(p[0] for p in peaks):.0f} MB, a student's process "
                f"up to {max(p[1] for p in peaks):.0f} MB" if peaks else "") + ")"]
    if not totals:
        return lines[0]
    lines.append(f"mean {statistics.mean(totals):.1f}%, median {statistics.median(totals):.1f}%")
    lines.append("score histogram:")
    bins = Counter(min(int(total // 10), 9) for total in totals)
    for low in range(10):
        label = f"{low * 10:3d}-{low * 10 + 10 if low < 9 else 100:<3d}%"
        lines.append(f"  {label} {'#' * bins[low]} {bins[low] or ''}".rstrip())
    failed, messages = Counter(), Counter()  # students, not tests: hidden cases repeat
    for report in reports.values():
        for name, (score, max_score, _) in report.exercises().items():
            if score < max_score - 1e-9:
                failed[name] += 1
        messages.update({failure_message(test) for test in report.tests if not test.passed}
                        - {None})
    if failed:
        lines.append("exercises most often failed:")
        lines += [f"  {name}: {count} of {len(reports)}" for name, count in failed.most_common(5)]
        lines.append("most common failure messages:")
        lines += [f"  {message[:100]}: {count} of {len(reports)}"
                  for message, count in messages.most_common(5)]
    return "\n".join(lines)


def failure_message(test):
    """What a failed test says went wrong, its numbers masked (they differ between students
    while the message recurs); None where it says nothing about the mistake."""
    lines = test.output.splitlines()
    line = one_line((lines[1:2] or lines[:1] or ["(no message)"])[0].strip())
    return None if line.startswith("not credited") else re.sub(r"\d+(\.\d+)?", "N", line)


def class_junit(assignment_name, reports):
    """One JUnit XML document for a class: each student's Report.to_junit <testsuite>, named
    after the student, whose name also leads each test case's classname (CI tools tell
    test cases apart by classname and name)."""
    root = ET.Element("testsuites", name=assignment_name)
    counts = Counter()
    for student, report in sorted(reports.items()):
        suite = ET.fromstring(report.to_junit()).find("testsuite")
        suite.set("name", readable(student))
        for case in suite.iter("testcase"):
            case.set("classname", f"{readable(student)}.{case.get('classname')}")
        counts.update({key: int(suite.get(key)) for key in ("tests", "failures")})
        root.append(suite)
    root.attrib.update(tests=str(counts["tests"]), failures=str(counts["failures"]),
                       errors="0", skipped="0")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


if __name__ == "__main__":
    worker_main(sys.argv[1], float(sys.argv[2]))
