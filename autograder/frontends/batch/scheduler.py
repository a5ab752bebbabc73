"""The scheduler of a class run (`grade_all`): the submissions not yet graded are queued,
one thread per lane hands them to its worker one at a time (`ClassRun`), and this thread
records each result as it arrives, showing the progress (`Progress`)."""
import os
import queue
import sys
import threading
import time
import traceback

from rnn_checks import exercises
from ...pages import feedback
from ...grade import GRADER_FAILED, STOPPED, failure_report
from ...report import one_line, replace_atomically
from ...secret import course_secret
from .discovery import sha256
from .outputs import Outputs, record, record_in_gradebook, report_from_json, summary, write_csv
from .workers import TRACEBACK_CHARS, WORKER_SLACK, Abandoned, Worker

SLOW = 5.0            # seconds after which the progress bar names the submission it waits on


class ClassRun:
    """What the threads of one grade_all run share: the tasks left, grading.log, and the
    results that come back, which grade_all's thread records. Each lane's thread `drive`s
    one worker (new_worker(): `grade(task, deadline)` and `stop()`)."""

    def __init__(self, assignment, outputs, log, tasks, progress, limit, new_worker):
        self.assignment, self.outputs, self.log = assignment, outputs, log
        self.tasks, self.progress, self.limit = tasks, progress, limit
        self.new_worker = new_worker
        self.finished = queue.Queue()  # (task, report, worker's peak MB): recorded by grade_all
        self.log_lock = threading.Lock()

    def note(self, task, where, trace):
        """A grader failure's traceback in grading.log, one thread at a time, each line
        without control characters (a student's values may be in it)."""
        lines = [one_line(line) for line in trace.splitlines()]
        with self.log_lock:
            self.log.write(f"grading {one_line(task['student'])} failed{where}:\n"
                           + "\n".join(lines) + "\n")
            self.log.flush()

    def failed(self, task, error):
        """Called in an except block: the student's 0, logged and written if it can be."""
        report = failure_report(self.assignment, GRADER_FAILED.format(type(error).__name__))
        try:
            self.note(task, "", traceback.format_exc())
            record(self.outputs, task["student"], report, task["sha256"])
        except Exception:  # the failure is still counted, in scores.csv and the summary
            pass
        return report

    def graded(self, worker, task):
        """(report, worker's peak MB) for one task, its files written."""
        reply = worker.grade(task, time.monotonic() + self.limit)
        if reply is None:  # the worker died or hung: this submission only
            report, peak = failure_report(self.assignment, STOPPED), None
        else:
            report = report_from_json(reply["results"])
            peak = reply["worker_peak_mb"], reply.get("students_peak_mb", 0)
            if isinstance(reply.get("traceback"), str):
                self.note(task, " on its worker", reply["traceback"][-TRACEBACK_CHARS:])
            for test, pictures in zip(report.tests, reply.get("pictures", [])):
                test.pictures = pictures
        record(self.outputs, task["student"], report, task["sha256"])
        return report, peak

    def drive(self):
        """One lane: its worker grades task after task until none is left."""
        worker = self.new_worker()
        while True:
            try:
                task = self.tasks.get_nowait()
            except queue.Empty:
                break
            self.progress.begin(task["student"])
            try:
                self.finished.put((task, *self.graded(worker, task)))
            except Abandoned as why:
                self.finished.put((None, why, None))
                break
            except Exception as error:
                self.finished.put((task, self.failed(task, error), None))
        worker.stop()


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
    # A submission's exercises run one after another inside a worker: the workers are the
    # parallelism, and a hang costs at most every exercise's time limit.
    limit = len(assignment.exercises) * seconds + WORKER_SLACK

    with outputs.log() as log:
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
        new_worker = graders.worker if graders else \
            (lambda: Worker(assignment_name, seconds, log))
        run = ClassRun(assignment, outputs, log, tasks, done, limit, new_worker)
        lanes = graders.lanes if graders else jobs
        threads = [threading.Thread(target=run.drive, daemon=True)
                   for _ in range(min(lanes, todo))]
        for thread in threads:
            thread.start()
        peaks = []
        try:
            for _ in range(todo):
                while True:  # waiting, the bar shows which submission takes long
                    try:
                        task, report, peak = run.finished.get(timeout=1)
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
                        report = run.failed(task, error)
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
