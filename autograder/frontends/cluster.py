"""Grading a class on a Dask cluster: `grade-all SUBMISSIONS --scheduler ADDRESS`.

`Cluster` is what `batch.grade_all` calls `graders`: each submission becomes one Dask task,
`grade_one` (batch/workers.py) with the notebook's bytes (the workers need not see the
driver's files), run by a worker's long-lived thread, whose sandbox zygote serves
submission after submission. The driver (this process) still reads every notebook, writes
every output and decides every score's fate, exactly as in a local run: the cluster only
computes replies.

A Dask scheduler runs any function a client sends, on workers that hold solutions/, as the
workers' user. So the driver speaks to it only over mutual TLS, with certificates signed by
the course's own CA (cluster_keys.py, `python -m autograder cluster-keys`), unless the
instructor passes --unsafe-plain-tcp; and a worker grades only where students' processes
cannot reach the scheduler at all (`worker_problem`).

- `lanes`: every worker thread at connect time, so each thread has one submission at a time,
  or --jobs (workers that join later take the submissions waiting in the scheduler's queue);
- a notebook the driver refuses to read (a symlink, a FIFO, a huge file) is graded here,
  which needs no sandbox: the 0 and its reason, as locally;
- a submission's time limit counts from when a worker starts grading it (the task tells
  the driver, as a Dask event), never while it waits in the scheduler's queue;
- a worker that dies mid-task: the scheduler runs the task again on another worker (up to
  `distributed.scheduler.allowed-failures` times, 3 by default; then KilledWorker);
- a task that errs or overruns its limit: None, which the batch records as "grading
  stopped unexpectedly" for that submission only;
- the scheduler lost (the connection closed: every task in flight is lost with it): the run
  stops as if interrupted (batch.Abandoned), recording nothing for the submissions in
  flight, so that `--resume` grades them and the rest once the scheduler is back.

Only this module and cluster_keys.py import `distributed` and `cryptography` (`pip install
-e ".[cluster]"`): the grading core, and the workers' side of a task
(autograder.frontends.batch.workers), never do.
"""
import asyncio
import gc
import hashlib
import logging
import os
import subprocess
import time
import warnings

from .batch.workers import Abandoned, grade_one
from .cluster_keys import default_keys, imported, security
from .errors import ClusterError
from ..read import NotebookError, read_regular
from ..course import course_directory
from ..sandbox import isolation as confinement
from ..secret import SecretError, course_secret

WORKERS_SECONDS = 60.0   # for at least one worker to be there
POLL = 1.0               # seconds between looks at a task that has not replied
REPLY_KEYS = ("student", "seconds", "worker_peak_mb", "results")
STARTED = "rnn-kit-started"   # the Dask event topic of a task that starts grading
# Run as a students' uid: can it open a TCP connection to HOST PORT?
PROBE = ("import socket, sys\n"
         "try:\n"
         "    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close()\n"
         "except OSError as error:\n"
         "    print('blocked', error)\n"
         "else:\n"
         "    print('connected')\n")


def solutions_digest(assignment_name):
    """The SHA-256 of the assignment's reference solutions here, or None where there are none."""
    path = course_directory() / "solutions" / f"{assignment_name}.py"
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def secret_digest():
    """The SHA-256 of the course secret here: the hidden cases are seeded from it."""
    return hashlib.sha256(course_secret().encode()).hexdigest()


def worker_problem(assignment_name, digest, secret, dask_worker=None):
    """Run on a worker, at connect time and before each task: None if it can grade the
    assignment as the driver would, safely; else why not (no course directory, other
    reference solutions, another course secret, or students' processes that could reach
    the scheduler and run code on the cluster as the workers' user)."""
    found = solutions_digest(assignment_name)
    path = course_directory() / "solutions" / f"{assignment_name}.py"
    if found is None:
        return f"it has no reference solutions at {path} (install the kit from the course " \
               "checkout there, or set RNN_KIT_COURSE)"
    if digest is not None and found != digest:
        return f"its reference solutions at {path} differ from this machine's"
    try:
        theirs = secret_digest()
    except SecretError as error:
        return f"it has no course secret ({error})"
    if secret is not None and theirs != secret:
        return "its course secret (RNN_KIT_SECRET, or .rnn-kit-secret in its course " \
               "directory) differs from this machine's, so it would grade other hidden cases"
    if dask_worker is None:
        dask_worker = imported().get_worker()
    return network_problem(dask_worker.scheduler.address)


def network_problem(address):
    """None if students' processes here cannot open a connection to the scheduler at
    `address`; else why. Bubblewrap (or a network namespace) leaves them no network; their
    own uids may still be kept off it by a firewall, which a probe run as the first uid of
    their range proves; under the worker's own uid nothing keeps them off."""
    found = confinement.isolation()
    if not found.network:
        return None
    if not found.user:
        return f"its students' processes run as its own user with the network open " \
               f"(isolation: {found}), so they could use the scheduler; install bubblewrap there"
    host, port = imported().comm.get_address_host_port(address)
    uid = confinement.UID_BASE  # in the students' range, and no student's: none can tamper with it
    reached = reachable(found.python, uid, host, port)
    if reached is None:
        return f"it could not check that students' processes cannot reach the scheduler (a " \
               f"probe as uid {uid} did not run); install bubblewrap there"
    if reached:
        return f"a process there as a students' uid ({uid}) could connect to the scheduler at " \
               f"{host}:{port} (isolation: {found}); install bubblewrap there, or firewall " \
               f"the students' uids ({confinement.UID_BASE} and up)"
    return None


def reachable(python, uid, host, port):
    """Whether a process of `python` run as `uid` can connect to host:port (None: the probe
    did not run, which proves nothing)."""
    try:
        done = subprocess.run([python, "-I", "-c", PROBE, host, str(port)], cwd="/",
                              env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=30, **confinement.as_user(uid))
    except (OSError, subprocess.SubprocessError):
        return None
    answer = done.stdout.split()[:1] if done.returncode == 0 else []
    return {"connected": True, "blocked": False}.get(answer[0]) if answer else None


def grade_remotely(task, assignment_name, seconds, digest, secret):
    """Run on a worker for each submission: grade_one's reply, or {"problem": why} if
    this worker cannot grade as the driver would (it may have joined after the check made
    when the driver connected). It tells the driver when grading starts: the submission's
    time limit counts from then."""
    worker = imported().get_worker()
    problem = worker_problem(assignment_name, digest, secret, worker)
    if problem:
        return {"problem": problem}
    worker.log_event(STARTED, {"key": worker.get_current_task()})
    return grade_one(task, assignment_name, seconds)


def connect(address, seconds=None, secure=None, keys=None):
    """A distributed.Client on `address` with the Security `secure`, or ClusterError saying
    why not. seconds: how long to keep trying; default Dask's
    distributed.comm.timeouts.connect (30 s unless set, e.g.
    DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=10s). keys: the certificates' folder, named
    in the message if nothing answers."""
    distributed = imported()
    import dask.config
    from dask.utils import parse_timedelta
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
        return distributed.Client(address, timeout=seconds, set_as_default=False,
                                  security=secure)
    except ValueError as error:
        problem = f"{address!r} is not a Dask scheduler address: {error} (e.g. " \
                  "tls://127.0.0.1:8786)"
    except OSError:  # refused, unreachable, no answer: distributed retries until `seconds`
        keys = f", and was it started with the keys in {keys or default_keys()}" \
            if secure is not None else ""
        problem = f"no Dask scheduler answered at {address} within {seconds:g} s (is it " \
                  f"running, is the address right{keys}?)"
    except Exception as error:  # something answered that does not speak Dask
        problem = f"cannot connect to a Dask scheduler at {address} ({type(error).__name__})"
    gc.collect()  # the failed Client, closed now rather than at exit (where it would hang)
    raise ClusterError(problem)


class Cluster:
    """The `graders` of batch.grade_all on a running Dask scheduler.

    Raises ClusterError (one sentence) if the address is not TLS (unless unsafe_plain_tcp),
    the certificates in `keys` are missing, the scheduler does not answer, no worker
    arrives within `workers_seconds`, or a worker cannot grade this assignment. `most`: how
    many submissions are in flight (default: one per worker thread at connect time; more
    wait in the scheduler's queue for workers that are still starting, as on Slurm). Close
    it when done (it is a context manager)."""

    def __init__(self, address, assignment_name, seconds, most=None, keys=None,
                 unsafe_plain_tcp=False, connect_seconds=None,
                 workers_seconds=WORKERS_SECONDS):
        self.address, self.assignment_name, self.seconds = address, assignment_name, seconds
        self.started = {}  # task key: when (time.monotonic()) a worker began grading it
        self.client = connect(address, connect_seconds,
                              security(address, keys, unsafe_plain_tcp), keys)
        try:
            try:
                self.client.wait_for_workers(1, timeout=workers_seconds)
            except Exception:  # TimeoutError, or the scheduler went away meanwhile
                raise ClusterError(f"the Dask scheduler at {address} has no workers (waited "
                                   f"{workers_seconds:g} s); start some with `dask worker "
                                   f"{address} --nthreads 1`") from None
            self.digest, self.secret = solutions_digest(assignment_name), secret_digest()
            answers = self.client.run(worker_problem, assignment_name, self.digest,
                                      self.secret, on_error="return")
            for worker, answer in sorted(answers.items()):
                if isinstance(answer, BaseException):  # e.g. the kit is not installed there
                    answer = f"{type(answer).__name__}: {answer}"
                if answer is not None:
                    raise ClusterError(f"the Dask worker {worker} cannot grade "
                                       f"{assignment_name}: {answer}")
            threads = sum(self.client.nthreads().values())
            self.client.subscribe_topic(STARTED, self.began)
        except BaseException:
            self.close()
            raise
        self.lanes = max(1, most or threads)

    def began(self, event):
        """A task's STARTED event (in the client's event loop): its limit counts from now."""
        message = event[1] if isinstance(event, (tuple, list)) and len(event) == 2 else None
        if isinstance(message, dict) and isinstance(message.get("key"), str):
            self.started[message["key"]] = time.monotonic()

    def worker(self):
        """A lane's worker: the cluster itself (every lane submits to the same client)."""
        return self

    def grade(self, task, deadline):
        """grade_one's reply for task, or None if its task erred, its workers kept dying,
        the reply is malformed, or it took longer than the time left until `deadline`
        (time.monotonic()) now: counted from when a worker starts grading it, as the
        submission may first wait in the scheduler's queue."""
        limit = deadline - time.monotonic()
        try:
            notebook = read_regular(task["path"])
        except NotebookError:  # graded here, as locally: its 0 and the reason, no sandbox
            return grade_one(task, self.assignment_name, self.seconds)
        future = None
        try:
            if self.client.status != "running":
                raise ConnectionError("the scheduler is lost")  # handled below
            future = self.client.submit(
                grade_remotely, dict(task, notebook=notebook), self.assignment_name,
                self.seconds, self.digest, self.secret, pure=False)
            reply = self.wait(future, limit)
        except Exception:  # TimeoutError, KilledWorker, CancelledError, the scheduler lost
            if future is not None:
                try:
                    future.cancel()  # a late task is not run again, nor its result kept
                except Exception:
                    pass
            if self.client.status != "running":  # in flight: not recorded, --resume grades it
                raise Abandoned(f"the connection to the Dask scheduler at "
                                      f"{self.address} was lost") from None
            return None
        finally:
            if future is not None:
                self.started.pop(future.key, None)
        if isinstance(reply, dict) and isinstance(reply.get("problem"), str):
            raise Abandoned(f"a Dask worker cannot grade {self.assignment_name}: "
                                  f"{reply['problem'][:500]}")
        return reply if valid(reply, task) else None

    def wait(self, future, limit):
        """The future's result; TimeoutError once it has run `limit` seconds on a worker
        (a retry on another worker starts afresh); ConnectionError if the scheduler is lost.
        Waiting in the queue is not counted."""
        while True:
            began = self.started.get(future.key)
            left = POLL if began is None else began + limit - time.monotonic()
            if left <= 0:
                raise TimeoutError
            try:
                return future.result(timeout=min(left, POLL))
            except (TimeoutError, asyncio.TimeoutError):
                if self.client.status != "running":
                    raise ConnectionError("the scheduler is lost") from None

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
