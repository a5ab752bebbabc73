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
import functools
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import protocol

CHILD = Path(__file__).with_name("child.py")
SYSTEM = ("/usr", "/bin", "/lib", "/lib64", "/sbin")


def bubblewrap(scratch):
    """The bwrap command that confines the child: read-only Python, a writable scratch dir."""
    python = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix)} | {sys.prefix}
    command = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session",
               "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for path in [*SYSTEM, *sorted(python), str(CHILD.parent)]:
        command += ["--ro-bind-try", path, path]
    return command + ["--bind", scratch, scratch, "--chdir", scratch, "--"]


@functools.lru_cache(maxsize=None)
def isolation():
    """"bubblewrap" where it confines a Python process on this machine, else "process".

    RNN_KIT_ISOLATION=process forces the weaker mode (rlimits and a process group only)."""
    if os.environ.get("RNN_KIT_ISOLATION") == "process" or not shutil.which("bwrap"):
        return "process"
    with tempfile.TemporaryDirectory() as scratch:
        probe = subprocess.run(bubblewrap(scratch) + [sys.executable, "-I", "-c", "import numpy"],
                               capture_output=True, timeout=60)
    return "bubblewrap" if probe.returncode == 0 else "process"


@dataclass
class Limits:
    seconds: float = 20.0          # wall clock for one exercise, loading included
    memory_bytes: int = 2 << 30    # address space of the student's process
    reply_bytes: int = 64 << 20    # largest message accepted from it


@dataclass
class Outcome:
    """What one call of a student function produced."""
    ok: bool
    value: object = None                # the returned value, decoded (when ok)
    args_after: list = None             # the arguments as they were after the call
    error: dict = field(default_factory=dict)  # type, message, where (when not ok)
    printed: str = ""


class SandboxFailure(Exception):
    """The student's process stopped answering: timeout, crash, exit or garbage.

    The message is a sentence for the student."""


class DeadlineReader:
    """File-like reader over a pipe that gives up at a deadline."""

    def __init__(self, fd, deadline):
        self.fd, self.deadline = fd, deadline

    def read(self, n):
        chunks, remaining = [], n
        while remaining:
            wait = self.deadline - time.monotonic()
            if wait <= 0 or not select.select([self.fd], [], [], wait)[0]:
                raise TimeoutError
            chunk = os.read(self.fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)


class SandboxSession:
    """A student's process holding the submission's definitions."""

    def __init__(self, statements, references, limits=None):
        """statements: [{"cell", "line", "source"}]; references: name -> reference function."""
        self.references = references
        self.limits = limits or Limits()
        self.failure = None  # once the process has failed, every later call fails the same way
        self.scratch = tempfile.mkdtemp(prefix="rnn-kit-student-")
        self.deadline = time.monotonic() + self.limits.seconds
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OPENBLAS_NUM_THREADS": "1",
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "LANG": "C.UTF-8"}
        confine = bubblewrap(self.scratch) if isolation() == "bubblewrap" else []
        self.process = subprocess.Popen(
            confine + [sys.executable, "-I", str(CHILD), str(to_child_r), str(from_child_w),
                       str(self.limits.memory_bytes), str(int(self.limits.seconds) + 1)],
            pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=self.scratch,
            start_new_session=True)
        os.close(to_child_r)
        os.close(from_child_w)
        self.writer = os.fdopen(self.to_child, "wb")
        self.load_errors = self._request({"op": "load"}, statements)[0]["errors"]

    def _request(self, header, value):
        """Send one request and return (reply header, value), answering reference calls."""
        if self.failure:
            raise SandboxFailure(self.failure)
        try:
            protocol.send(self.writer, header, value, True)
            while True:
                reader = DeadlineReader(self.from_child, self.deadline)
                reply, reply_value = protocol.receive(reader, self.limits.reply_bytes)
                if reply.get("op") != "reference":
                    return reply, reply_value
                self._answer_reference(reply.get("function"), reply_value)
        except TimeoutError:
            self._fail(f"your code did not finish within {self.limits.seconds:g} s "
                       "(an infinite loop, or far too much work?)")
        except (EOFError, OSError):
            self._fail(self._death_reason())
        except (protocol.ProtocolError, ValueError) as error:
            self._fail(f"the process running your code sent an invalid answer ({error})")

    def _fail(self, reason):
        self.close()
        self.failure = reason
        raise SandboxFailure(reason) from None

    def _answer_reference(self, name, call):
        function = self.references.get(name)
        args, kwargs = (call.get("args"), call.get("kwargs")) if isinstance(call, dict) else (0, 0)
        if (function is None or not isinstance(args, list) or not isinstance(kwargs, dict)
                or not all(isinstance(key, str) for key in kwargs)):
            protocol.send(self.writer, {"op": "reference_error", "message": f"unknown {name}"})
            return
        try:
            result = function(*args, **kwargs)
        except Exception as error:  # the student passed arguments the reference rejects
            protocol.send(self.writer, {"op": "reference_error",
                                        "message": f"{type(error).__name__}: {error}"[:500]})
            return
        protocol.send(self.writer, {"op": "reference_result"}, {"result": result, "args": args}, True)

    def _death_reason(self):
        try:  # let it end by itself first, so its own exit status is what we read
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        self.close()
        code = self.process.returncode
        if code is not None and code > 128 and isolation() == "bubblewrap":
            code = 128 - code  # bwrap exits with 128 + the signal that ended its child
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            hint = {"SIGXCPU": " (CPU time limit)", "SIGKILL": " (killed; memory?)",
                    "SIGSEGV": " (crashed)"}.get(name, "")
            return f"the process running your code was ended by {name}{hint}"
        return f"the process running your code exited (status {code}): sys.exit or os._exit?"

    def call(self, name, args, references=()):
        """Call `name(*args)` in the student's process."""
        reply, value = self._request({"op": "call", "function": name,
                                      "references": list(references)}, list(args))
        printed = str(reply.get("printed", ""))[:4000]
        if reply.get("op") == "result" and isinstance(value, dict) and "result" in value:
            return Outcome(True, value["result"], value.get("args"), printed=printed)
        error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
        return Outcome(False, error=error, printed=printed)

    def call_many(self, name, args_list, references=(), common=()):
        """Call `name(*common, *args)` for each args in args_list (each call gets its own
        copy of `common`, sent once); a failed call gives None."""
        reply, value = self._request({"op": "call_many", "function": name,
                                      "references": list(references)},
                                     {"common": list(common), "calls": args_list})
        if not isinstance(value, list) or len(value) != len(args_list):
            self._fail("the process running your code sent an invalid answer")
        return value

    def close(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        for closer in (self.writer.close, lambda: os.close(self.from_child)):
            try:
                closer()
            except OSError:
                pass
        self.from_child = -1
        shutil.rmtree(self.scratch, ignore_errors=True)
