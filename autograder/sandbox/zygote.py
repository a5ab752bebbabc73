"""The zygote: a confined process with NumPy imported, from which each student's process
is forked, so that a session starts in a fork's time instead of an interpreter's."""
import atexit
import json
import socket
import subprocess
import threading

from .isolation import (SANDBOX_WRITABLE, end_confined, isolation, scratch_folder,
                        start_confined, student_uid)


class ZygoteLost(Exception):
    """The zygote died, hung, answered nonsense (a student's process can signal it) or
    found its inheritable state changed."""


class SetupFailed(Exception):
    """A student's process could not be started or set up, before any student code ran."""


class Zygote:
    """A confined process with NumPy imported and nothing of any student's, from which one
    worker forks each student's process (child_zygote.zygote_main): a session then starts in a
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
