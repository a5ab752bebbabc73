"""Grading a class on a Dask cluster: `grade-all SUBMISSIONS --scheduler ADDRESS`.

`Cluster` is what `batch.grade_all` calls `graders`: each submission becomes one Dask task,
`batch.grade_one` with the notebook's bytes (the workers need not see the driver's files),
run by a worker's long-lived thread, whose sandbox zygote serves submission after
submission. The driver (this process) still reads every notebook, writes every output and
decides every score's fate, exactly as in a local run: the cluster only computes replies.

- `lanes`: every worker thread at connect time, so each thread has one submission at a time,
  or --jobs (workers that join later take the submissions waiting in the scheduler's queue);
- a notebook the driver refuses to read (a symlink, a FIFO, a huge file) is graded here,
  which needs no sandbox: the 0 and its reason, as locally;
- a worker that dies mid-task: the scheduler runs the task again on another worker (up to
  `distributed.scheduler.allowed-failures` times, 3 by default; then KilledWorker);
- a task that errs or misses its deadline: None, which the batch records as "grading
  stopped unexpectedly" for that submission only;
- the scheduler lost (the connection closed: every task in flight is lost with it): the run
  stops as if interrupted (batch.Abandoned), recording nothing for the submissions in
  flight, so that `--resume` grades them and the rest once the scheduler is back.

Only this module imports `distributed` (`pip install -e ".[cluster]"`): the grading core,
and the workers' side of a task (autograder.frontends.batch), never do.
"""
import gc
import hashlib
import logging
import time
import warnings

from . import batch
from ..read import NotebookError, read_regular
from ..reference import course_directory

WORKERS_SECONDS = 60.0   # for at least one worker to be there
REPLY_KEYS = ("student", "seconds", "worker_peak_mb", "results")
INSTALL = 'pip install -e ".[cluster]"'


class ClusterError(Exception):
    """The cluster cannot grade; the message is one sentence for the user."""


def solutions_digest(assignment_name):
    """The SHA-256 of the assignment's reference solutions here, or None where there are none."""
    path = course_directory() / "solutions" / f"{assignment_name}.py"
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def worker_problem(assignment_name, digest):
    """Run on each worker at connect time: None if it can grade the assignment as the driver
    would, else why not (no course directory, other reference solutions)."""
    found = solutions_digest(assignment_name)
    path = course_directory() / "solutions" / f"{assignment_name}.py"
    if found is None:
        return f"it has no reference solutions at {path} (install the kit from the course " \
               "checkout there, or set RNN_KIT_COURSE)"
    if digest is not None and found != digest:
        return f"its reference solutions at {path} differ from this machine's"
    return None


def grade_remotely(task, assignment_name, seconds, digest):
    """Run on a worker for each submission: batch.grade_one's reply, or {"problem": why} if
    this worker cannot grade as the driver would (it may have joined after the check made
    when the driver connected)."""
    problem = worker_problem(assignment_name, digest)
    return {"problem": problem} if problem else batch.grade_one(task, assignment_name, seconds)


def connect(address, seconds=None):
    """A distributed.Client on `address`, or ClusterError saying why not. seconds: how long
    to keep trying; default Dask's distributed.comm.timeouts.connect (30 s unless set, e.g.
    DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=10s)."""
    try:
        import dask.config
        import distributed
        from dask.utils import parse_timedelta
    except ImportError:
        raise ClusterError("grading on a Dask cluster needs the distributed package: "
                           f"install the kit's cluster extra ({INSTALL})") from None
    if seconds is None:
        seconds = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"),
                                  default="seconds")
    # This process prints one line per problem, not distributed's log of retries, nor its
    # advice on large task graphs (a notebook with large outputs is sent once, as it must).
    for name in list(logging.root.manager.loggerDict):
        if name.split(".")[0] in ("distributed", "tornado"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
    try:
        return distributed.Client(address, timeout=seconds, set_as_default=False)
    except ValueError as error:
        problem = f"{address!r} is not a Dask scheduler address: {error} (e.g. " \
                  "tcp://127.0.0.1:8786)"
    except OSError:  # refused, unreachable, no answer: distributed retries until `seconds`
        problem = f"no Dask scheduler answered at {address} within {seconds:g} s (is it " \
                  "running, and is the address right?)"
    except Exception as error:  # something answered that does not speak Dask
        problem = f"cannot connect to a Dask scheduler at {address} ({type(error).__name__})"
    gc.collect()  # the failed Client, closed now rather than at exit (where it would hang)
    raise ClusterError(problem)


class Cluster:
    """The `graders` of batch.grade_all on a running Dask scheduler.

    Raises ClusterError (one sentence) if the scheduler does not answer, no worker arrives
    within `workers_seconds`, or a worker cannot grade this assignment. `most`: how many
    submissions are in flight (default: one per worker thread at connect time; more wait
    in the scheduler's queue for workers that are still starting, as on Slurm). Close it
    when done (it is a context manager)."""

    def __init__(self, address, assignment_name, seconds, most=None, connect_seconds=None,
                 workers_seconds=WORKERS_SECONDS):
        self.address, self.assignment_name, self.seconds = address, assignment_name, seconds
        self.client = connect(address, connect_seconds)
        try:
            try:
                self.client.wait_for_workers(1, timeout=workers_seconds)
            except Exception:  # TimeoutError, or the scheduler went away meanwhile
                raise ClusterError(f"the Dask scheduler at {address} has no workers (waited "
                                   f"{workers_seconds:g} s); start some with `dask worker "
                                   f"{address} --nthreads 1`") from None
            digest = self.digest = solutions_digest(assignment_name)
            answers = self.client.run(worker_problem, assignment_name, digest,
                                      on_error="return")
            for worker, answer in sorted(answers.items()):
                if isinstance(answer, BaseException):  # e.g. the kit is not installed there
                    answer = f"{type(answer).__name__}: {answer}"
                if answer is not None:
                    raise ClusterError(f"the Dask worker {worker} cannot grade "
                                       f"{assignment_name}: {answer}")
            threads = sum(self.client.nthreads().values())
        except BaseException:
            self.close()
            raise
        self.lanes = max(1, most or threads)

    def worker(self):
        """A lane's worker: the cluster itself (every lane submits to the same client)."""
        return self

    def grade(self, task, deadline):
        """grade_one's reply for task, or None if its task erred, its workers kept dying,
        the reply is malformed, or no reply came before `deadline` (time.monotonic())."""
        try:
            notebook = read_regular(task["path"])
        except NotebookError:  # graded here, as locally: its 0 and the reason, no sandbox
            return batch.grade_one(task, self.assignment_name, self.seconds)
        future = None
        try:
            if self.client.status != "running":
                raise ConnectionError("the scheduler is lost")  # handled below
            future = self.client.submit(
                grade_remotely, dict(task, notebook=notebook), self.assignment_name,
                self.seconds, self.digest, pure=False)
            reply = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except Exception:  # TimeoutError, KilledWorker, CancelledError, the scheduler lost
            if future is not None:
                try:
                    future.cancel()  # a late task is not run again, nor its result kept
                except Exception:
                    pass
            if self.client.status != "running":  # in flight: not recorded, --resume grades it
                raise batch.Abandoned(f"the connection to the Dask scheduler at "
                                      f"{self.address} was lost") from None
            return None
        if isinstance(reply, dict) and isinstance(reply.get("problem"), str):
            raise batch.Abandoned(f"a Dask worker cannot grade {self.assignment_name}: "
                                  f"{reply['problem'][:500]}")
        return reply if valid(reply, task) else None

    def stop(self):
        """A lane has nothing to stop: each grade() waits for its own task, or cancels it."""

    def close(self):
        try:
            self.client.close()
        except Exception:  # the scheduler is gone: nothing left to release
            pass

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()


def valid(reply, task):
    return (isinstance(reply, dict) and all(key in reply for key in REPLY_KEYS)
            and reply["student"] == task["student"] and isinstance(reply["results"], dict)
            and isinstance(reply["worker_peak_mb"], (int, float)))
