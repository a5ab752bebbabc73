"""The grading process's side of the sandbox: one child process per exercise.

`SandboxSession` starts the student's process, loads the submission's definitions into it
and calls functions there. Reference functions never run in the child: when a student's
function calls one it depends on, the child asks over the channel and this process
answers. Every reply is validated and size-capped; a hang, crash or exit of the child
ends that session only.

Where bubblewrap runs, the child also gets its own user, PID, network and IPC namespaces
and sees only the Python installation and a scratch folder: not the course directory,
solutions/ or any results file. Its whole process tree dies with it.
"""
import atexit
import contextlib
import functools
import itertools
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from rnn_checks import protocol
from rnn_checks.session import GraderFailure, Outcome, SandboxFailure
from rnn_checks.standins import Refused

from ..course import course_directory

__all__ = ["Limits", "Outcome", "SandboxFailure", "SandboxSession", "isolation"]

CHILD = Path(__file__).with_name("child.py")
# child.FAILED and child.SETUP_FAILED: the child is not imported here (it runs only in
# students' processes).
FAILED, SETUP_FAILED = 70, 71
PROTOCOL = Path(protocol.__file__)  # the wire format, copied beside child.py
# /etc/alternatives: Debian's shared libraries (libblas for its NumPy) are found through it.
SYSTEM = ("/usr", "/bin", "/lib", "/lib64", "/sbin", "/etc/alternatives", "/etc/ld.so.cache")
UID_BASE = 2_000_000   # unprivileged uids for students' processes: no account or file has them
PROCESSES = 64         # per student process tree, where it runs under a uid of its own
WRITABLE_BYTES = 64 << 20  # each writable file system under bubblewrap
# Under bubblewrap, the only places a student's process can write besides its scratch folder
# (the memory file systems of `bubblewrap`).
SANDBOX_WRITABLE = ("/tmp", "/dev/shm")


@dataclass(frozen=True)
class Isolation:
    """How a student's process is confined on this machine (probed once)."""
    bubblewrap: bool      # own namespaces; sees only Python and its scratch folder
    user: bool            # runs as an unprivileged uid of its own (the grader runs as root)
    course_hidden: bool   # the student's process cannot read solutions/
    python: str           # its interpreter
    prefixes: tuple = ()  # that interpreter's installation, mounted read-only in bubblewrap
    network: bool = True  # the student's process can open network connections
    enter: tuple = ()     # user mode: the command that runs it as its uid in new namespaces
    writable: tuple = ()  # user mode: the folders outside its scratch where its uid can write

    def __str__(self):
        parts = (["bubblewrap"] if self.bubblewrap else []) + \
            (["unprivileged user"] if self.user else [])
        if not parts:
            return "process"
        return ", ".join(parts) + ("" if self.course_hidden else " (course files readable)")


def bubblewrap(scratch, prefixes):
    """The bwrap command that confines the child: read-only Python and the sandbox code, and
    size-limited memory file systems as the only writable places (the scratch folder, /tmp
    and /dev/shm), so that writing cannot fill the machine's disk or memory."""
    size = str(WRITABLE_BYTES)
    # --cap-drop ALL: run as root, bwrap would leave its processes every capability in their
    # namespace, with which one student's process could ptrace the zygote that forks the next.
    command = ["bwrap", "--unshare-all", "--cap-drop", "ALL", "--die-with-parent", "--new-session",
               "--proc", "/proc",
               "--dev", "/dev", "--size", size, "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
               "--size", size, "--tmpfs", "/tmp"]
    for path in [*SYSTEM, *prefixes]:
        command += ["--ro-bind-try", path, path]
    code = str(Path(scratch, ".sandbox"))
    return command + ["--size", size, "--tmpfs", scratch, "--ro-bind-try", code, code,
                      "--chdir", scratch, "--"]


def as_user(uid):
    """Popen arguments that run a process as `uid`, or none (uid None)."""
    return {} if uid is None else {"user": uid, "group": uid, "extra_groups": []}


def _probe(command, uid=None, scratch=None):
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=scratch,
                              stdin=subprocess.DEVNULL, **as_user(uid))
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


@functools.lru_cache(maxsize=None)
def isolation():
    """The strongest confinement that runs a Python process with NumPy here.

    Bubblewrap where user namespaces work; an unprivileged uid where the grader is root
    (root inside Docker, as on Gradescope) and the interpreter is readable by others; both
    where both work. RNN_KIT_ISOLATION=user or =process forces a weaker mode, and
    RNN_KIT_SANDBOX_PYTHON picks the students' interpreter (it needs NumPy)."""
    wanted = os.environ.get("RNN_KIT_ISOLATION", "")
    python = os.environ.get("RNN_KIT_SANDBOX_PYTHON") or sys.executable
    solutions = course_directory() / "solutions"
    solution = next(solutions.glob("*.py"), solutions)
    # The course is closed when its folder cannot even be entered: then nothing in it
    # (solutions/, submitted/, grades/) can be read, whatever the files' own modes.
    check = ("import numpy, os, sys; print(sys.prefix, sys.base_prefix, "
             "os.access(sys.argv[1], os.R_OK) or os.access(sys.argv[2], os.X_OK), sep='\\n')")

    def facts(uid=None):  # prefix, base prefix, "True" if it can read the course; or None
        if python == sys.executable and uid is None:  # known without starting a process
            return sys.prefix, sys.base_prefix, "True"
        found = _probe([python, "-I", "-c", check, str(solution), str(course_directory())], uid)
        return found.split("\n")[:3] if found else None

    found = facts()
    if found is None:  # only another interpreter can fail: the grader's own imports numpy
        print(f"warning: RNN_KIT_SANDBOX_PYTHON={python} cannot import numpy; students' code "
              f"runs under {sys.executable}", file=sys.stderr)
        python = sys.executable
        found = facts()
    prefix, base_prefix, readable = found
    prefixes = tuple(sorted({prefix, base_prefix} | {os.path.realpath(p)
                                                     for p in (prefix, base_prefix)}))
    user, readable = False, readable == "True"
    if wanted != "process" and os.geteuid() == 0:
        as_student = facts(UID_BASE)
        if as_student is not None:
            user, readable = True, as_student[2] == "True"
    confine = wanted == "" and shutil.which("bwrap") is not None
    if confine:
        with tempfile.TemporaryDirectory() as scratch:
            if user:
                os.chown(scratch, UID_BASE, UID_BASE)
            confine = _probe(bubblewrap(scratch, prefixes) + [python, "-I", "-c", "import numpy"],
                             UID_BASE if user else None, scratch) is not None
    enter, writable = ((), ()) if confine or not user else (namespaces(python),
                                                           writable_folders())
    return Isolation(confine, user, confine or not readable, python, prefixes,
                     not confine and not enter, enter, writable)


def enter_as(enter, uid):
    """The command prefix that runs a process as `uid` in the namespaces of `enter`."""
    unshare, setpriv = enter
    return [unshare, "--net", "--ipc", "--", setpriv, "--reuid", str(uid), "--regid", str(uid),
            "--clear-groups", "--"]


def namespaces(python):
    """Where the grader is root without bubblewrap: util-linux's unshare and setpriv, if they
    can give a student's process a network namespace of its own (no network at all: not the
    machine's services, not a cluster's scheduler) and an IPC namespace of its own; else ()."""
    tools = (shutil.which("unshare"), shutil.which("setpriv"))
    if None in tools or _probe(enter_as(tools, UID_BASE) + [python, "-I", "-c", (
            "import socket; s = socket.socket(); s.settimeout(5); "
            "assert s.connect_ex(('127.0.0.1', 9)) not in (0, 111)")]) is None:
        return ()
    return tools


def writable_folders():
    """Every folder a students' uid could write to outside its scratch folder (/tmp, but
    also /run/lock, a world-writable folder inside another, ...), as that uid finds them:
    what a student leaves there is wiped after each student."""
    try:  # find's exit status is 1 wherever it may not enter a folder, which is expected
        found = subprocess.run(["find", "/", "(", "-path", "/proc", "-o", "-path", "/sys", ")",
                                "-prune", "-o", "-type", "d", "-writable", "-print"],
                               capture_output=True, text=True, timeout=120,
                               stdin=subprocess.DEVNULL, **as_user(UID_BASE)).stdout
    except (OSError, subprocess.SubprocessError):
        found = ""
    return tuple(sorted({*found.splitlines(), *SANDBOX_WRITABLE, "/var/tmp"} - {""}))


_uids = itertools.count()
_uids_lock = threading.Lock()


def student_uid():
    """A uid no other running session uses: one block of 64 per grading process (pids are
    below 2**22 on Linux, so the uids stay below 2**31)."""
    with _uids_lock:
        slot = next(_uids) % 64
    return UID_BASE + 1 + os.getpid() * 64 + slot


def remove_files_of(uid, folders):
    """Delete what `uid` left in `folders`, every folder it can write to (it can create
    nothing elsewhere outside its scratch folder, so their top level is where to look)."""
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


def scratch_folder(uid):
    """A new scratch folder holding the child's code, which is copied in: the course folder
    may be closed to the student's uid. The code stays the grader's (read-only to the uid)."""
    scratch = tempfile.mkdtemp(prefix="rnn-kit-student-")
    code = Path(scratch, ".sandbox")
    code.mkdir()
    os.chmod(code, 0o755)  # the umask may be 077
    for source in (CHILD, PROTOCOL):
        shutil.copyfile(source, code / source.name)
        os.chmod(code / source.name, 0o644)  # whatever the course's modes: readable, not writable
    if uid is not None:
        os.chown(scratch, uid, uid)
    return scratch


STUDENT_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "LANG": "C.UTF-8"}  # one thread: small matrices, and the other lanes' cores


def start_confined(isolation, scratch, uid, arguments, fds):
    """Start `child.py ARGUMENTS` confined as well as this machine allows, in `scratch`."""
    confine = bubblewrap(scratch, isolation.prefixes) if isolation.bubblewrap else []
    if isolation.enter and uid is not None:  # root enters the namespaces, then becomes uid
        confine, uid = enter_as(isolation.enter, uid), None
    return subprocess.Popen(
        confine + [isolation.python, "-I", str(Path(scratch, ".sandbox", CHILD.name)),
                   *arguments],
        pass_fds=fds, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                        **STUDENT_ENV},
        cwd=scratch, start_new_session=True, **as_user(uid))


def end_confined(process, isolation, uid, scratch):
    """Kill a confined process with everything it started, and remove what it left."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if uid is not None and not isolation.bubblewrap:
        # Detached processes left the group; everything running as this uid is the
        # student's, and a kill(-1) sent as that uid reaches all of it; so do its System V
        # objects (in the machine's IPC namespace where it has none of its own).
        subprocess.run([isolation.python, "-I", str(Path(scratch, ".sandbox", CHILD.name)),
                        "cleanup"], stdin=subprocess.DEVNULL, capture_output=True,
                       **as_user(uid))
        remove_files_of(uid, isolation.writable)
    process.wait()
    shutil.rmtree(scratch, ignore_errors=True)


class ZygoteLost(Exception):
    """The zygote died, hung, answered nonsense (a student's process can signal it) or
    found its inheritable state changed."""


class SetupFailed(Exception):
    """A student's process could not be started or set up, before any student code ran."""


class Zygote:
    """A confined process with NumPy imported and nothing of any student's, from which one
    worker forks each student's process (child.zygote_main): a session then starts in a
    fork's time instead of an interpreter's. After each session it kills every process but
    itself and wipes every writable place. Students' processes run as its uid, so they can
    signal it: one that dies, hangs or answers wrongly is replaced, and only the student
    whose code did it loses anything."""
    SECONDS = 10.0  # for any answer; killing and wiping takes milliseconds

    def __init__(self):
        self.isolation = isolation()
        self.uid = student_uid() if self.isolation.user else None
        self.scratch = scratch_folder(self.uid)
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # All of a PID namespace or a uid is the zygote's: kill(-1) then ends every student
        # process. In the weakest mode each student's process group is killed instead.
        kill_all = self.isolation.bubblewrap or self.uid is not None
        shared = SANDBOX_WRITABLE if self.isolation.bubblewrap else self.isolation.writable
        try:
            self.process = start_confined(self.isolation, self.scratch, self.uid,
                                          ["zygote", str(theirs.fileno()),
                                           "all" if kill_all else "group", json.dumps(shared)],
                                          (theirs.fileno(),))
        finally:
            theirs.close()
        self.control.settimeout(self.SECONDS)
        self.lost, self.students_peak_kb = False, 0

    def _ask(self, request, fds=()):
        if self.lost:
            raise ZygoteLost
        try:
            socket.send_fds(self.control, [json.dumps(request).encode()], fds)
            reply = json.loads(self.control.recv(1000))
            if not isinstance(reply, dict):
                raise ValueError
            return reply
        except (OSError, ValueError):
            self.close()
            raise ZygoteLost from None

    def spawn(self, fds, limits):
        """A new student's process on the pipe ends `fds` (a Forked handle)."""
        reply = self._ask({"op": "spawn", "limits": limits}, fds)
        if reply.get("op") != "spawned" or type(reply.get("pid")) is not int:
            self.close()
            raise ZygoteLost
        return Forked(self, reply["pid"])

    def wait(self, seconds):
        """The exit code of the last student's process, once it has ended within `seconds`
        (None if it has not, or the zygote is gone)."""
        try:
            code = self._ask({"op": "wait", "seconds": seconds}).get("code")
        except ZygoteLost:
            return None
        return code if type(code) is int else None

    def reset(self):
        """Kill every student process and wipe; a zygote that cannot is closed."""
        try:
            reply = self._ask({"op": "reset"})
        except ZygoteLost:
            return
        if type(reply.get("students_peak_kb")) is int:
            self.students_peak_kb = max(self.students_peak_kb, reply["students_peak_kb"])
        if reply.get("op") != "clean":
            self.close()

    def alive(self):
        return not self.lost and self.process.poll() is None

    def close(self):
        if not self.lost:
            self.lost = True
            self.control.close()
            end_confined(self.process, self.isolation, self.uid, self.scratch)


class Forked:
    """A student's process forked by a zygote, as much of Popen as a session uses."""

    def __init__(self, zygote, pid):
        self.zygote, self.pid, self.returncode = zygote, pid, None

    def wait(self, timeout):
        if self.returncode is None:
            self.returncode = self.zygote.wait(min(timeout, Zygote.SECONDS / 2))
            if self.returncode is None:
                raise subprocess.TimeoutExpired("student's process", timeout)
        return self.returncode

    def poll(self):
        try:
            return self.wait(0)
        except subprocess.TimeoutExpired:
            return None


_zygotes = threading.local()
_started = []  # every zygote of this process, closed at exit (its scratch folder removed)
atexit.register(lambda: [started.close() for started in _started])


def students_peak_mb():
    """The resident memory of the largest student's process this process's zygotes saw."""
    return max([started.students_peak_kb for started in _started], default=0) / 1024


def zygote():
    """This thread's zygote (a grading worker's), started on first use and again once lost
    or when the isolation mode changed."""
    current = getattr(_zygotes, "zygote", None)
    if current is None or not current.alive() or current.isolation != isolation():
        if current is not None:
            current.close()
        current = _zygotes.zygote = Zygote()
        _started[:] = [started for started in _started if not started.lost] + [current]
        current.students_peak_kb = max([s.students_peak_kb for s in _started], default=0)
    return current


@dataclass
class Limits:
    seconds: float = 20.0          # wall clock for one exercise, loading included
    memory_bytes: int = 2 << 30    # address space of the student's process
    reply_bytes: int = 64 << 20    # largest message accepted from it


class DeadlineReader:
    """Buffered file-like reader over a pipe that gives up at its `deadline`: a message's
    many small buffers then cost one system call, not one each."""

    def __init__(self, fd, deadline):
        self.fd, self.deadline, self.buffer = fd, deadline, bytearray()

    def read(self, n):
        while len(self.buffer) < n:
            wait = self.deadline - time.monotonic()
            if wait <= 0 or not select.select([self.fd], [], [], wait)[0]:
                raise TimeoutError
            chunk = os.read(self.fd, max(n - len(self.buffer), 1 << 16))
            if not chunk:
                break
            self.buffer += chunk
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data


class SandboxSession:
    """A student's process holding the submission's definitions.

    Each exercise runs in a fork of it (`with session.exercise(references):`), which the
    child ends and reports on. After any failure the session is spent: every later call
    fails the same way, and the caller starts a new session for the next exercise."""

    def __init__(self, statements, limits=None, reuse=False):
        """statements: [{"cell", "line", "source"}]; reuse: fork the process from this
        thread's zygote (a worker grading one submission after another)."""
        self.standins, self.refusals, self.exit_code = {}, [], None
        self.lines = {}  # cell label -> line numbers that hold the submission's definitions
        for statement in statements:
            first = statement["line"]
            self.lines.setdefault(statement["cell"], set()).update(
                range(first, first + statement["source"].count("\n") + 1))
        self.limits = limits or Limits()
        self.isolation = isolation()
        for attempt in range(2):
            try:
                self._open(statements, reuse)
                break
            except SetupFailed as failed:
                # Nothing of the student's ran yet: the machine or a zygote that another
                # student's process tampered with. A fresh process, once; then the grader's.
                if attempt:
                    raise GraderFailure(f"a process for the student's code could not be set "
                                        f"up twice ({failed})") from None
        errors = self.loaded.get("errors")
        if self.loaded.get("op") != "loaded" or not isinstance(errors, list):
            self._fail("the process running your code sent an invalid answer")
        self.load_errors = [dict(self.clean_error(error), cell=error["cell"], line=error["line"])
                            for error in errors if isinstance(error, dict)
                            and self.exists(error.get("cell"), error.get("line"))]

    def _open(self, statements, reuse):
        """Start the student's process and load the definitions (self.loaded: the reply);
        SetupFailed if the process could not be started or set up."""
        self.failure = None  # once the process has failed, every later call fails the same way
        self.zygote, self.scratch, self.closed = None, None, False
        self.uid = student_uid() if self.isolation.user and not reuse else None
        self.deadline = time.monotonic() + self.limits.seconds
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        try:
            if reuse:
                self.zygote = zygote()
                self.uid = self.zygote.uid
            self.process = self._start(to_child_r, from_child_w)
        except (OSError, ZygoteLost) as error:  # e.g. a full disk, or no more processes
            for fd in (self.to_child, self.from_child):
                os.close(fd)
            if self.scratch:
                shutil.rmtree(self.scratch, ignore_errors=True)
            raise SetupFailed(getattr(error, "strerror", None) or str(error) or
                              "its zygote was lost or tainted") from None
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.writer = os.fdopen(self.to_child, "wb")
        self.reader = DeadlineReader(self.from_child, self.deadline)
        try:
            self.loaded, _ = self._request({"op": "load"}, statements)
        except SandboxFailure:
            if self.exit_code != SETUP_FAILED:
                raise
            if self.zygote is not None:
                self.zygote.close()  # it passed on something that broke the set-up
            raise SetupFailed(f"exit status {SETUP_FAILED} before loading") from None

    def _start(self, to_child_r, from_child_w):
        """Start the student's process on the child's ends of the pipes."""
        limits = [self.limits.memory_bytes, int(self.limits.seconds) + 1,
                  PROCESSES if self.uid else 0]
        if self.zygote is not None:
            return self.zygote.spawn((to_child_r, from_child_w), limits)
        self.scratch = scratch_folder(self.uid)
        return start_confined(self.isolation, self.scratch, self.uid,
                              [str(to_child_r), str(from_child_w), *map(str, limits)],
                              (to_child_r, from_child_w))

    def _request(self, header, value, ending=False):
        """Send one request and return (reply header, value), answering reference calls.

        ending: the request ends the exercise's fork, so "ended" is the expected reply."""
        if self.failure:
            raise SandboxFailure(self.failure)
        try:
            protocol.send(self.writer, header, value, True)
            while True:
                self.reader.deadline = self.deadline
                reply, reply_value = protocol.receive(self.reader, self.limits.reply_bytes)
                if reply.get("op") == "ended" and not ending:  # the fork ended mid-call
                    self._fail(self.TIMEOUT.format(self.limits.seconds) if reply.get("timed_out")
                               else self._ending(reply.get("code")))
                if reply.get("op") != "reference":
                    return reply, reply_value
                self._answer_reference(reply.get("function"), reply_value)
        except TimeoutError:
            self._fail(self.TIMEOUT.format(self.limits.seconds))
        except (EOFError, OSError):
            self._fail(self._death_reason())
        except (protocol.ProtocolError, ValueError, TypeError, RecursionError) as error:
            self._fail(f"the process running your code sent an invalid answer ({error})")

    TIMEOUT = "your code did not finish within {:g} s (an infinite loop, or far too much work?)"
    FORK_MARGIN = 3.0  # the child reports a fork's timeout itself; this process waits longer

    @contextlib.contextmanager
    def exercise(self):
        """Run one exercise in a fresh fork of the student's process."""
        self.deadline = time.monotonic() + self.limits.seconds + self.FORK_MARGIN
        try:
            reply, _ = self._request({"op": "fork", "seconds": self.limits.seconds}, None)
            if reply.get("op") != "forked":
                self._fail("the process running your code sent an invalid answer")
        except SandboxFailure:
            pass  # every call in this exercise fails with the reason
        try:
            yield self
        finally:
            if not self.failure:  # end the fork; it must say so cleanly, or the session is spent
                try:
                    reply, _ = self._request({"op": "exit"}, None, ending=True)
                except SandboxFailure:
                    pass
                else:
                    if reply.get("op") != "ended" or reply.get("code") != 0:
                        self._fail("the process running your code did not end cleanly")

    def _fail(self, reason):
        self.close()
        self.failure = reason
        raise SandboxFailure(reason) from None

    def _answer_reference(self, name, call):
        """Answer a stand-in's call (standins.py): the reference's answer, or a refusal."""
        standin = self.standins.get(name)
        args, kwargs = (call.get("args"), call.get("kwargs")) if isinstance(call, dict) else (0, 0)
        try:
            if (standin is None or not isinstance(args, list) or not isinstance(kwargs, dict)
                    or not all(isinstance(key, str) for key in kwargs)):
                raise Refused(f"{str(name)[:100]} is not answered by the grader here")
            answer = standin.answer(args, kwargs)
        except Refused as refusal:
            self.refusals.append(str(refusal))  # the whole account goes to the feedback only
            protocol.send(self.writer, {"op": "reference_error",
                                        "message": str(refusal).split("\n")[0]})
            return
        except Exception as error:  # arguments of the right shapes that the reference rejects
            self.refusals.append(f"{name} (answered by the grader) raised {type(error).__name__}"
                                 " on the arguments your code passed")
            protocol.send(self.writer, {"op": "reference_error", "message": self.refusals[-1]})
            return
        protocol.send(self.writer, {"op": "reference_result", "aliases": answer.aliases},
                      answer.reply(), True)

    def exists(self, cell, line):
        """Whether `line` of the cell labelled `cell` holds one of the submission's definitions."""
        return isinstance(cell, str) and type(line) is int and line in self.lines.get(cell, ())

    def clean_error(self, error):
        """An error reported by the student's process, as plain, bounded values: its type,
        message, and the frames at lines that exist in the submission (cell, line,
        function, text)."""
        error = error if isinstance(error, dict) else {}
        frames = error.get("where") if isinstance(error.get("where"), list) else []
        where = [frame for frame in frames if isinstance(frame, list) and len(frame) == 4
                 and self.exists(frame[0], frame[1])
                 and isinstance(frame[2], str) and isinstance(frame[3], str)]
        return {"type": str(error.get("type", "exception"))[:200],
                "message": str(error.get("message", ""))[:protocol.MAX_TEXT],
                "where": [[cell, line, function[:200], text[:500]]
                          for cell, line, function, text in where]}

    def _death_reason(self):
        try:  # let it end by itself first, so its own exit status is what we read
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        self.close()
        code = self.process.returncode if code is None else code
        if code is not None and code > 128 and self.isolation.bubblewrap and not self.zygote:
            code = 128 - code  # bwrap exits with 128 + the signal that ended its child
        self.exit_code = code
        return self._ending(code)

    @staticmethod
    def _ending(code):
        """A sentence for an exit code (negative: the signal that ended the process)."""
        if isinstance(code, int) and -64 < code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
            hint = {"SIGXCPU": " (CPU time limit)", "SIGKILL": " (killed; memory?)",
                    "SIGSEGV": " (crashed)"}.get(name, "")
            return f"the process running your code was ended by {name}{hint}"
        if code == FAILED:
            return ("the process running your code stopped while answering the grader (status "
                    f"{FAILED}): your code closed or filled its channel, or the machine ran short "
                    "of memory or processes; if it repeats, tell the course staff")
        return f"the process running your code exited (status {code}): sys.exit or os._exit?"

    def _call(self, header, value, standins):
        self.standins, self.refusals = dict(standins), []
        try:
            return self._request(dict(header, references=list(standins),
                                      classes=sorted(protocol.INSTANCE_CLASSES)), value)
        finally:
            self.standins = {}

    def call(self, name, args, standins=None):
        """Call `name(*args)` in the student's process (in an exercise's fork); the functions
        it calls that are in `standins` ({name: stand-in}) are answered by the grader."""
        reply, value = self._call({"op": "call", "function": name}, list(args), standins or {})
        printed = str(reply.get("printed", ""))[:4000]
        refusals = self.refusals
        if reply.get("op") == "result" and isinstance(value, dict) and "result" in value:
            after = value.get("args")
            after = after if isinstance(after, list) and len(after) == len(args) else None
            return Outcome(True, value["result"], after, printed=printed, refusals=refusals)
        if reply.get("op") != "error":
            self._fail("the process running your code sent an invalid answer")
        return Outcome(False, error=self.clean_error(reply.get("error")), printed=printed,
                       refusals=refusals)

    def call_many(self, name, args_list, standins=None, common=()):
        """Call `name(*common, *args)` for each args in args_list (each call gets its own
        copy of `common`, sent once); a failed call gives None."""
        reply, value = self._call({"op": "call_many", "function": name},
                                  {"common": list(common), "calls": args_list}, standins or {})
        if not isinstance(value, list) or len(value) != len(args_list):
            self._fail("the process running your code sent an invalid answer")
        return value

    def close(self):
        if self.closed:
            return
        self.closed = True
        if self.zygote is not None:  # every student process killed, every place wiped
            self.zygote.reset()
        else:
            end_confined(self.process, self.isolation, self.uid, self.scratch)
        for closer in (self.writer.close, lambda: os.close(self.from_child)):
            try:
                closer()
            except OSError:
                pass
        self.from_child = -1
