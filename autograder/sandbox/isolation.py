"""How a student's process is confined on this machine: probing what works here once
(bubblewrap, an unprivileged uid, private namespaces), the limits of one process, and
starting and ending one confined process.

Where bubblewrap runs, the child gets its own user, PID, network and IPC namespaces and
sees only the Python installation and a scratch folder: not the course directory,
solutions/ or any results file. Its whole process tree dies with it.
"""
import functools
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from rnn_checks import protocol

from ..course import course_directory

CHILD = Path(__file__).with_name("child.py")
# What runs inside the sandbox, copied into each scratch folder (child.py loads them by path).
CHILD_CODE = (CHILD, CHILD.with_name("child_limits.py"), CHILD.with_name("child_zygote.py"),
              Path(protocol.__file__))
# child.FAILED and child.SETUP_FAILED: the child is not imported here (it runs only in
# students' processes).
FAILED, SETUP_FAILED = 70, 71
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
    for source in CHILD_CODE:
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


@dataclass
class Limits:
    seconds: float = 20.0          # wall clock for one exercise, loading included
    memory_bytes: int = 2 << 30    # address space of the student's process
    reply_bytes: int = 64 << 20    # largest message accepted from it
