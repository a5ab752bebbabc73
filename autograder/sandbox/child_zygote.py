"""Inside the sandbox: the zygote that forks students' processes and, after each one, kills
what it left running and wipes what it left behind. Loaded by path beside child.py, like
protocol.py: standard library only (and NumPy, imported once before any fork)."""
import gc
import json
import os
import signal
import time

from child_limits import inheritable_state


def mount_points():
    """Where something is mounted in this process's view: bubblewrap's binds and file
    systems (the scratch folder, the interpreter, its code) cannot be removed, so a wipe
    leaves them and the folders leading to them, whatever lies around them."""
    import re
    try:
        with open("/proc/self/mountinfo") as table:  # field 5: the mount point, \ooo-escaped
            return {re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4])
                    for line in table}
    except (OSError, IndexError):
        return set()


def zygote_main(control_fd, kill_all, shared, start):
    """A zygote: NumPy imported once, never any student's code. On "spawn" (with the two
    pipe ends of a new session as SCM_RIGHTS) it checks that nothing it would pass on has
    changed since it started ("tainted" otherwise: the grader replaces it), then forks a
    student's process; on "reset" it kills every process but itself, then wipes every
    writable place and System V IPC object, so the next student finds what the first one
    found.

    kill_all: the zygote alone owns its PID namespace or uid, so kill(-1) reaches every
    process a student started (however detached) and nothing else; otherwise (no
    isolation) each student's process leads a session of its own, and that is killed.
    shared: the folders outside the scratch folder where its uid can write (wiped of what
    the uid owns after each student; only where kill_all). start(read_fd, write_fd,
    *limits): what a fork becomes (child.start)."""
    import ctypes
    import resource
    import socket
    import numpy  # noqa: F401  (the point of a zygote: imported once, before any fork)

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: students (same uid) cannot ptrace it
    control = socket.socket(fileno=control_fd)
    control.set_inheritable(False)
    gc.freeze()
    scratch, spawned, group = os.getcwd(), None, None
    baseline = inheritable_state()
    kept = mount_points() | {scratch, os.path.join(scratch, ".sandbox")}  # scratch: in /tmp?
    shared = shared if kill_all else ()

    def answer(message):
        control.send(json.dumps(message).encode())

    while True:  # one request per packet (SOCK_SEQPACKET), a spawn's pipe ends with it
        data, fds, _, _ = socket.recv_fds(control, 1 << 16, 2)
        if not data:  # the grader is gone: leave nothing behind
            kill_students(group, kill_all)
            os._exit(0)
        request = json.loads(data)
        if request["op"] == "spawn":
            state = inheritable_state()
            if state != baseline:  # another student's process changed it: not to be passed on
                for fd in fds:
                    os.close(fd)
                answer({"op": "tainted",
                        "changed": sorted(key for key in state if state[key] != baseline[key])})
                continue
            pid = os.fork()
            if pid == 0:
                control.close()
                os.setsid()
                start(fds[0], fds[1], *request["limits"])
            for fd in fds:
                os.close(fd)
            spawned = group = pid
            answer({"op": "spawned", "pid": pid})
        elif request["op"] == "wait":  # how the student's process ended, once it has
            code = None
            deadline = time.monotonic() + float(request["seconds"])
            while spawned and code is None and time.monotonic() < deadline:
                done, status = os.waitpid(spawned, os.WNOHANG)
                if done:
                    code, spawned = os.waitstatus_to_exitcode(status), None
                else:
                    time.sleep(0.005)
            answer({"op": "status", "code": code})
        elif request["op"] == "reset":
            clean = kill_students(group, kill_all)
            spawned = group = None
            clean = all([wipe(folder, kept) for folder in (scratch, *shared)]) and clean
            if kill_all:
                remove_ipc(libc)
            # The largest student's process so far (each was waited for, with its forks).
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            answer({"op": "clean" if clean else "not clean", "students_peak_kb": peak})


def kill_students(group, kill_all):
    """Kill every process a student started (those of the process group `group` where not
    kill_all) and wait until none is left, zombies aside; whether none is."""
    me = os.getpid()
    for _ in range(2000):
        if kill_all:
            try:
                os.kill(-1, signal.SIGKILL)  # Linux: all but init and the caller itself
            except ProcessLookupError:
                pass
        elif group:
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        if not kill_all or not others_alive(me):
            return True
        time.sleep(0.001)
    return False


def others_alive(me):
    """Whether a live process of this uid other than this one (and init) still runs."""
    uid = str(os.getuid())
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in (1, me):
            continue
        try:
            with open(f"/proc/{entry}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        if fields.get("Uid", "").split()[:1] == [uid] and not \
                fields.get("State", "").strip().startswith(("Z", "X")):
            return True
    return False


def wipe(folder, kept=frozenset()):
    """Remove what this uid owns at the top of `folder` but the paths in `kept` and the
    folders leading to them, whose contents are wiped instead (a shared folder's entries of
    other users are not ours and are left); whether all of it went."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return True
    clean = True
    for entry in entries:
        try:
            if entry.path in kept or entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
            if any(path.startswith(entry.path + "/") for path in kept):
                clean = wipe(entry.path, kept) and clean  # bubblewrap made it for a mount
            else:
                remove(entry.path)
        except Exception:  # RecursionError too: then the zygote is not clean, and replaced
            clean = False
    return clean


def remove(path):
    """Remove a file, or a folder with all it holds, opening folders a student closed."""
    if os.path.isdir(path) and not os.path.islink(path):
        os.chmod(path, 0o700)
        for name in os.listdir(path):
            remove(os.path.join(path, name))
        os.rmdir(path)
    else:
        os.unlink(path)


def remove_ipc(libc):
    """Remove the System V shared memory, message queues and semaphores this uid made or
    owns (IPC_SET can give an object away; its creator stays): they outlive the processes
    that made them."""
    uid = str(os.getuid())
    for kind, remove in (("shm", lambda i: libc.shmctl(i, 0, None)),
                         ("msg", lambda i: libc.msgctl(i, 0, None)),
                         ("sem", lambda i: libc.semctl(i, 0, 0))):
        try:
            with open(f"/proc/sysvipc/{kind}") as table:
                header, *rows = [line.split() for line in table]
        except (OSError, ValueError):
            continue
        for row in rows:
            fields = dict(zip(header, row))
            if uid in (fields.get("uid"), fields.get("cuid")):
                remove(int(row[1]))
