"""The grading process's side of the sandbox: one student's process per exercise.

`SandboxSession` starts the student's process (forked from a zygote, or afresh), loads the
submission's definitions into it and calls functions there. Reference functions never run
in the child: when a student's function calls one it depends on, the child asks over the
channel and this process answers. Every reply is validated and size-capped; a hang, crash
or exit of the child ends that session only.
"""
import contextlib
import os
import select
import shutil
import signal
import subprocess
import time

from rnn_checks import protocol
from rnn_checks.session import GraderFailure, Outcome, SandboxFailure
from rnn_checks.standins import Refused

from .isolation import (FAILED, PROCESSES, SETUP_FAILED, Limits, end_confined, isolation,
                        scratch_folder, start_confined, student_uid)
from .zygote import SetupFailed, ZygoteLost, zygote

__all__ = ["Limits", "Outcome", "SandboxFailure", "SandboxSession"]


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
        """Answer a stand-in's call (standins.py, bounded.py): the reference's answer, or a
        refusal."""
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
