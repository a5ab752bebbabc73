"""The student's process: loads the submission's definitions and calls them on request.

Started by session.py as `python -I child.py READ_FD WRITE_FD ...`, or forked from a zygote
(`python -I child.py zygote CONTROL_FD ...`, see child_zygote.py). It imports nothing of
the grader but protocol.py, child_limits.py and child_zygote.py (copied beside it, loaded
by path), so no reference code or hidden expectation exists here. Everything it sends is
treated as untrusted by the grading process.

It loads the definitions once; each exercise then runs in a fork of it ("fork"), so that an
exercise starts in a few milliseconds from the same clean state, and what goes wrong in one
exercise (a crash, a hang, changed globals) stays there.
"""
import builtins
import copy
import gc
import io
import json
import os
import select
import signal
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import protocol  # noqa: E402  (loaded by path on purpose, as are the two below)
from child_limits import deny_kernel_objects, set_limits  # noqa: E402
from child_zygote import remove_ipc, zygote_main  # noqa: E402

del sys.path[0]

MAX_PRINTED = 2000
FAILED = 70  # the exit status of a student's process that failed while serving the grader
SETUP_FAILED = 71  # ... that could not be set up, before any student code ran: the grader's
MISSING = object()


class NoGrader:
    """Import hook: the grader's packages are not available to the student's code."""
    BLOCKED = {"autograder", "solutions", "rnn_checks"}

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.BLOCKED:
            raise ModuleNotFoundError(f"No module named '{name}' (not available while grading)")
        return None


class BoundedText(io.TextIOBase):
    """stdout/stderr replacement: keeps the first characters, counts and drops the rest."""

    def __init__(self):
        self.kept, self.dropped = [], 0

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        room = MAX_PRINTED - sum(map(len, self.kept))
        self.kept.append(text[:max(room, 0)])
        self.dropped += max(len(text) - max(room, 0), 0)
        return len(text)

    def take(self):
        dropped = f"... ({self.dropped} more characters)" if self.dropped else ""
        text = "".join(self.kept) + dropped
        self.kept, self.dropped = [], 0
        return text


def describe_error(error):
    """Type, message and the student's own frames of an exception, as plain values.

    Each frame is [cell label, line, function, text of the line]; the grader keeps only
    frames at lines that exist in the submission."""
    try:
        where = [[frame.filename[len("<cell "):-1], frame.lineno, frame.name, frame.line or ""]
                 for frame in traceback.extract_tb(error.__traceback__)
                 if frame.filename.startswith("<cell ")]
        return {"type": protocol._short(type(error).__name__),
                "message": protocol._short(error), "where": where[-5:]}
    except BaseException:
        return {"type": "exception", "message": "<unprintable>", "where": []}


class Child:
    def __init__(self, read_fd, write_fd):
        self.incoming = os.fdopen(read_fd, "rb")
        self.outgoing = os.fdopen(write_fd, "wb")
        self.namespace = {"__name__": "__main__", "__builtins__": builtins}
        self.printed = BoundedText()
        sys.stdout = sys.stderr = self.printed

    def reply(self, header, value=None, has_value=False):
        protocol.send(self.outgoing, dict(header, printed=self.printed.take()), value, has_value)

    def load(self, statements):
        """Execute the definitions one statement at a time; one failure costs that statement."""
        errors = []
        for statement in statements:
            cell, line, source = statement["cell"], statement["line"], statement["source"]
            try:
                # Leading newlines keep tracebacks' line numbers equal to the notebook's.
                code = compile("\n" * (line - 1) + source, f"<cell {cell}>", "exec")
                exec(code, self.namespace)
            except BaseException as error:
                errors.append(dict(describe_error(error), cell=cell, line=line))
        self.reply({"op": "loaded", "errors": errors})

    def proxy(self, name, own):
        """A stand-in that asks the grading process to answer for `name`. A call it will not
        answer goes to the student's own function `own`, if there is one."""
        def stand_in(*args, **kwargs):
            protocol.send(self.outgoing, {"op": "reference", "function": name},
                          {"args": list(args), "kwargs": kwargs}, True)
            header, answer = protocol.receive(self.incoming, 1 << 40)
            if header.get("op") == "reference_result":
                return protocol.apply_answer(args, kwargs, answer, header["aliases"])
            if own is None:
                raise ValueError(f"{name} (answered by the grader): {header.get('message')}")
            return own(*args, **kwargs)
        stand_in.__name__ = name
        return stand_in

    def call(self, name, args, references, classes=()):
        """Call the student's `name`, with the listed names replaced by stand-ins, also where
        they are methods of the named classes (`self.forward_propagation(x)`). Returns (ok,
        result or error, the arguments as the function left them)."""
        protocol.register_classes(classes)
        own_classes = [self.namespace.get(c) for c in classes]
        saved = {ref: self.namespace.get(ref) for ref in references}
        # A method missing from the class (its attach line deleted) gets the stand-in too.
        patched = [(cls, ref, vars(cls).get(ref, MISSING)) for cls in own_classes
                   if isinstance(cls, type) for ref in references]
        self.namespace.update({ref: self.proxy(ref, saved[ref]) for ref in references})
        try:
            for cls, ref, own in patched:
                setattr(cls, ref, self.proxy(ref, saved[ref] if own is MISSING else own))
            args = protocol.materialise(args, dict(zip(classes, own_classes)))
            function = self.namespace.get(name)
            if function is None:
                raise NameError(f"name '{name}' is not defined")
            return True, function(*args), args
        except BaseException as error:
            return False, describe_error(error), args
        finally:
            for ref, value in saved.items():
                if value is None:
                    self.namespace.pop(ref, None)
                else:
                    self.namespace[ref] = value
            for cls, ref, own in patched:
                try:
                    if own is MISSING:
                        delattr(cls, ref)
                    else:
                        setattr(cls, ref, own)
                except BaseException:
                    pass

    def fork(self, seconds):
        """Serve one exercise in a fork of this process, then say how the fork ended."""
        gc.freeze()  # the fork's collector leaves what exists now alone: fewer pages copied
        pid = os.fork()
        if pid == 0:
            self.reply({"op": "forked"})
            self.serve()
            os._exit(0)
        code, timed_out = wait_for(pid, seconds)
        self.reply({"op": "ended", "code": code, "timed_out": timed_out})

    def serve(self):
        while True:
            try:
                header, value = protocol.receive(self.incoming, 1 << 40)
            except EOFError:
                return
            op = header.get("op")
            if op == "load":
                self.load(value)
            elif op == "fork":
                self.fork(float(header.get("seconds", 20)))
            elif op == "call":
                ok, result, args = self.call(header["function"], value,
                                             header.get("references", []),
                                             header.get("classes", []))
                if ok:
                    # The arguments go back too, so the grader can see whether they were changed.
                    self.reply({"op": "result"}, {"result": result, "args": args}, True)
                else:
                    self.reply({"op": "error", "error": result})
            elif op == "call_many":
                results = []
                for args in value["calls"]:
                    ok, result, _ = self.call(header["function"],
                                              copy.deepcopy(value["common"]) + args,
                                              header.get("references", []),
                                              header.get("classes", []))
                    results.append(result if ok else None)
                self.reply({"op": "results"}, results, True)
            else:
                return


def wait_for(pid, seconds):
    """(exit code, or -signal; whether it was killed at the deadline) of the fork `pid`."""
    deadline = time.monotonic() + seconds
    try:
        exited = os.pidfd_open(pid)  # readable when the fork ends: no polling
    except (AttributeError, OSError):
        exited = None
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status), False
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                os.kill(pid, signal.SIGKILL)
                return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), True
            if exited is not None:
                select.select([exited], [], [], remaining)
            else:
                time.sleep(min(remaining, 0.002))
    finally:
        if exited is not None:
            os.close(exited)


def start(read_fd, write_fd, memory_bytes, cpu_seconds, processes):
    """Become a student's process: limits, no grader imports, the channel not inherited by
    what the student starts; then serve until the grader ends it. A process that cannot be
    set up exits SETUP_FAILED before any student code ran: the grader's failure, not the
    student's (session.py tries again on a fresh zygote)."""
    try:
        set_limits(memory_bytes, cpu_seconds, processes)
        deny_kernel_objects()
        for fd in (read_fd, write_fd):
            os.set_inheritable(fd, False)
    except BaseException:
        os._exit(SETUP_FAILED)
    try:
        Child(read_fd, write_fd).serve()
    except BaseException:  # not a clean end: say so with the status, not as a sys.exit
        os._exit(FAILED)
    os._exit(0)


def main():
    if sys.argv[1] == "cleanup":  # run as a student's uid once its process is ended
        import ctypes
        os.kill(-1, signal.SIGKILL)  # every process of the uid but this one
        remove_ipc(ctypes.CDLL(None, use_errno=True))
        os._exit(0)
    if sys.argv[1] == "zygote":
        control_fd, kill_all = int(sys.argv[2]), sys.argv[3] == "all"
        sys.meta_path.insert(0, NoGrader())
        try:
            zygote_main(control_fd, kill_all, json.loads(sys.argv[4]), start)
        finally:
            os._exit(0)
    read_fd, write_fd, memory_bytes, cpu_seconds, processes = map(int, sys.argv[1:6])
    sys.meta_path.insert(0, NoGrader())
    start(read_fd, write_fd, memory_bytes, cpu_seconds, processes)


if __name__ == "__main__":
    main()
