"""The workers of a class run: `python -m autograder.frontends.batch.workers ASSIGNMENT
SECONDS` grades the submissions it reads on stdin, one JSON line each, and answers each with
one JSON line (`grade_one`'s reply); `Worker` is the driver's side of one such process,
restarted when it dies. A Dask worker runs `grade_one` too (cluster.py)."""
import json
import os
import resource
import select
import subprocess
import sys
import time
import traceback

from rnn_checks import exercises
from ...grade import GRADER_FAILED, failure_report, grade_submission
from ...sandbox.isolation import Limits
from ...sandbox.zygote import students_peak_mb

WORKER_SLACK = 60.0   # seconds a worker may take beyond its submission's time limits
TRACEBACK_CHARS = 20_000  # of a grader failure's traceback sent back by a worker: its end


class Abandoned(Exception):
    """Raised by a worker when the run cannot go on (its cluster is gone): the submission
    it was grading is not recorded, and grade_all stops as if interrupted."""


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


def worker_main(assignment_name, seconds):
    """`python -m autograder.frontends.batch.workers ASSIGNMENT SECONDS`: grade the tasks
    read from stdin (one JSON line each) and answer each with one JSON line (grade_one's
    reply)."""
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # anything printed while grading goes to the log, not into the replies
    for line in sys.stdin:
        replies.write(json.dumps(grade_one(json.loads(line), assignment_name, seconds)) + "\n")
        replies.flush()


class Worker:
    """A worker process, restarted when it dies."""

    def __init__(self, assignment, seconds, log):
        self.command = [sys.executable, "-m", "autograder.frontends.batch.workers", assignment,
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


if __name__ == "__main__":
    worker_main(sys.argv[1], float(sys.argv[2]))
