"""Red team for the reuse of processes: a worker forks every student's process from one
zygote, so one student must never see or leave anything for the next.

A planting student changes everything a process can change (files in every writable place,
the environment, signal handlers, imported modules, NumPy itself, OpenBLAS's threads, System V
IPC, detached processes) and attacks the zygote; the next student, forked from the same
zygote, must find what a first student finds. Each test checks that the zygote really was
reused (the same process forked both), so none passes by starting afresh. Every mode of
isolation this machine has, as in test_isolation.py."""
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from autograder.frontends.batch.scheduler import grade_all
from autograder.sandbox.isolation import Limits
from autograder.sandbox.session import SandboxSession
from autograder.sandbox.zygote import Zygote, zygote
from tests.submissions import notebook, write
from tests.red_team.test_isolation import ASSIGNMENT, hostile

# Every test here runs in each isolation mode (conftest.py).
pytestmark = pytest.mark.usefixtures("mode")

MARKER = f"rnn-kit-planted-{os.getpid()}"
# Shared folders beyond /tmp: a world-writable one inside /tmp (created by the grader's
# machine, not the student) with another inside it, and /run/lock where it exists.
NESTED = f"/tmp/rnn-kit-shared-{os.getpid()}/inner"
PLACES = (".", "/tmp", "/var/tmp", "/dev/shm", "/run/lock", NESTED)
ADD_KEY = {"x86_64": 248, "aarch64": 217}.get(platform.machine(), -1)  # the syscall's number


@pytest.fixture(scope="module", autouse=True)
def shared_folders():
    """World-writable folders of the machine besides /tmp, there before grading starts
    (the isolation probe finds them), as a course machine may have."""
    os.makedirs(NESTED)
    for folder in (NESTED, os.path.dirname(NESTED)):
        os.chmod(folder, 0o777)
    yield
    shutil.rmtree(os.path.dirname(NESTED))

# Everything a student's process might find, as plain data: what a fresh process finds is
# the baseline every later student must match.
LIVING = """
def living(name):
    \"\"\"pids of the live processes called `name` (a killed one may wait, a zombie, for
    the machine's init to reap it)\"\"\"
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status"))
        except (OSError, ValueError):
            continue
        if status["Name"].strip() == name and not status["State"].strip().startswith("Z"):
            found.append(pid)
    return found
"""
exec(LIVING)

OBSERVE = f"""
import os, signal, sys, ctypes
import numpy as np
{LIVING}

def observe():
    found = {{}}
    session = os.getppid()  # this exercise's fork -> the session's process -> the zygote
    zygote = open(f"/proc/{{session}}/stat").read().rsplit(")", 1)[1].split()[1]
    # Its pid and start time: in a PID namespace of its own a new zygote has the same pid.
    started = open(f"/proc/{{zygote}}/stat").read().rsplit(")", 1)[1].split()[19]
    found["zygote"] = f"{{zygote}}@{{started}}"
    found["files"] = sorted(
        f"{{folder}}/{{name}}" for folder in {PLACES!r}
        if os.path.isdir(folder) for name in os.listdir(folder)
        if "{MARKER}" in name or folder == ".")
    found["environment"] = sorted(key for key in os.environ if "PLANTED" in key)
    found["sigterm"] = str(signal.getsignal(signal.SIGTERM))
    found["modules"] = sorted(name for name in sys.modules if "planted" in name)
    found["numpy"] = [float(np.exp(np.zeros(1))[0]), float(np.ones(3) @ np.ones(3)),
                      np.dot.__name__, str(np.get_printoptions()["precision"])]
    a = np.random.default_rng(0).normal(size=(400, 400))
    a @ a  # large enough for OpenBLAS to start threads, had it been allowed more than one
    found["threads"] = len(os.listdir("/proc/self/task"))
    found["openblas"] = os.environ.get("OPENBLAS_NUM_THREADS")
    found["leftover processes"] = living("planted")
    found["shared memory"] = []
    for kind in ("shm", "msg"):
        try:
            table = open(f"/proc/sysvipc/{{kind}}").read().split("\\n")[1:]
            found["shared memory"] += [row for row in table
                                       if row.split()[:1] in (["{0x5eed:d}"], ["{0x5eee:d}"])]
        except OSError:
            pass
    found["keys"] = [line for line in open("/proc/keys") if "{MARKER}" in line]
    libc = ctypes.CDLL(None, use_errno=True)
    queue = libc.mq_open(b"/{MARKER}", os.O_RDONLY)  # the planter's, if it is still there
    found["message queue"] = "found" if queue >= 0 else os.strerror(ctypes.get_errno())
    return found
"""

PLANT = f"""
import os, signal, sys, types, ctypes, time
import numpy as np

def plant():
    for folder in {PLACES!r}:
        if os.access(folder, os.W_OK):
            open(f"{{folder}}/{MARKER}.txt", "w").write("left behind")
            os.makedirs(f"{{folder}}/{MARKER}-dir/inner", exist_ok=True)
            open(f"{{folder}}/{MARKER}-dir/inner/file", "w").write("x")
            os.chmod(f"{{folder}}/{MARKER}-dir/inner", 0)  # closed: harder to remove
            os.chmod(f"{{folder}}/{MARKER}-dir", 0)
    os.environ["PLANTED"] = "1"
    os.putenv("PLANTED_TOO", "1")
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.modules["planted_module"] = types.ModuleType("planted_module")
    np.exp = lambda x: x * 0 + 42.0
    np.dot = lambda a, b: 0
    np.set_printoptions(precision=2)
    os.environ["OPENBLAS_NUM_THREADS"] = "8"
    for name in ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_",
                 "openblas_set_num_threads"):
        for library in [line.split()[-1] for line in open("/proc/self/maps")
                        if "blas" in line.lower() and line.split()[-1].startswith("/")]:
            try:
                getattr(ctypes.CDLL(library), name)(8)
            except (OSError, AttributeError):
                pass
    libc = ctypes.CDLL(None)
    segment = libc.shmget(0x5eed, 4096, 0o1666)  # IPC_CREAT | 0666: outlives its process
    # A message queue given away to another owner (IPC_SET): its creator is still this uid.
    given = libc.msgget(0x5eee, 0o1666)
    owner = (ctypes.c_uint32 * 64)()  # struct msqid_ds, large enough; ipc_perm comes first
    if given >= 0 and libc.msgctl(given, 2, owner) == 0:  # IPC_STAT
        owner[1] = 65534  # ipc_perm.uid (after the key)
        libc.msgctl(given, 1, owner)  # IPC_SET
    libc.syscall({ADD_KEY}, b"user", b"{MARKER}", b"secret", 6, ctypes.c_int(-4))  # add_key
    libc.mq_open(b"/{MARKER}", os.O_CREAT | os.O_RDWR, 0o644, None)
    if os.fork() == 0:  # a detached process that would wait for the next student
        os.setsid()
        if os.fork() == 0:
            libc.prctl(15, b"planted", 0, 0, 0)  # PR_SET_NAME
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            time.sleep(600)
        os._exit(0)
    time.sleep(0.2)
    return segment
"""


def statements(source):
    return [{"cell": "softmax", "line": 1, "source": textwrap.dedent(source)}]


def run(source, function, seconds=20.0):
    """Call `function` in a student's process forked from this thread's zygote."""
    session = SandboxSession(statements(source), Limits(seconds=seconds), reuse=True)
    try:
        with session.exercise():
            return session.call(function, [])
    finally:
        session.close()


def test_the_next_student_finds_what_a_first_student_finds(mode):
    baseline = run(OBSERVE, "observe")
    assert baseline.ok, baseline.error
    planted = run(PLANT, "plant")
    assert planted.ok, planted.error
    assert planted.value >= 0  # the shared memory segment really was made
    after = run(OBSERVE, "observe")
    assert after.ok, after.error
    assert after.value["zygote"] == baseline.value["zygote"]  # the same zygote forked both
    assert after.value == baseline.value
    assert baseline.value["threads"] == 1 and baseline.value["openblas"] == "1"
    assert baseline.value["numpy"][:2] == [1.0, 3.0]


def test_processes_and_files_are_gone_when_the_session_closes(mode):
    """Not only for the next student: nothing is left on the machine either."""
    planted = run(PLANT, "plant")
    assert planted.ok, planted.error
    assert living("planted") == []  # noqa: F821  (defined by exec(LIVING) above)
    assert not [name for folder in PLACES[1:] if os.path.isdir(folder)
                for name in os.listdir(folder) if MARKER in name]
    assert [row for row in Path("/proc/sysvipc/msg").read_text().splitlines()[1:]
            if row.split()[0] == str(0x5eee)] == []


def test_the_zygote_cannot_be_read_or_written_by_a_student(mode):
    """Its memory is what every later student is forked from: no student may touch it.
    (Its environment and memory map can be read: they hold nothing of anyone's.)"""
    outcome = run("""
        import os
        import ctypes
        def attack():
            session, found = os.getppid(), []
            zygote = int(open(f"/proc/{session}/stat").read().rsplit(")", 1)[1].split()[1])
            for mode in ("r+b", "rb"):
                try:
                    open(f"/proc/{zygote}/mem", mode).read(1)
                    found.append(f"/proc/{zygote}/mem opened {mode}")
                except OSError:
                    pass
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.ptrace(16, zygote, None, None) == 0:  # PTRACE_ATTACH
                found.append("ptrace attached")
            return found
        """, "attack")
    assert outcome.ok, outcome.error
    assert outcome.value == []


@pytest.mark.slow
@pytest.mark.parametrize("signal_name", ["SIGKILL", "SIGSTOP"])
def test_a_student_who_kills_or_stops_the_zygote_costs_only_themselves(tmp_path, signal_name,
                                                                      monkeypatch):
    """A student's process runs as the zygote's uid, so it can signal it: the worker then
    gives the next student a new zygote, and that student's grade is untouched."""
    monkeypatch.setattr(Zygote, "SECONDS", 2.0)  # a stopped zygote is given up on sooner
    class_folder = tmp_path / "class"
    class_folder.mkdir()
    write(notebook(ASSIGNMENT), class_folder / "a_before.ipynb")
    hostile(class_folder, f"""
        import os, signal
        def softmax(x):
            os.kill(os.getppid(), signal.{signal_name})  # the session's process...
            zygote = int(open(f"/proc/{{os.getppid()}}/stat").read().rsplit(")", 1)[1].split()[1])
            os.kill(zygote, signal.{signal_name})  # ...and the zygote that forked it
        """).rename(class_folder / "b_attacker.ipynb")
    write(notebook(ASSIGNMENT), class_folder / "c_after.ipynb")
    reports = grade_all({path.stem: path for path in class_folder.glob("*.ipynb")},
                        ASSIGNMENT, tmp_path / "grades", jobs=1, seconds=3.0, progress=False)
    assert reports["a_before"].score == 100
    assert reports["c_after"].score == 100
    attacker = {name: score for name, (score, _, _) in reports["b_attacker"].exercises().items()}
    assert attacker.pop("softmax") == 0
    assert all(score > 0 for score in attacker.values())


@pytest.mark.slow
def test_a_class_graded_by_one_worker_reuses_one_zygote(tmp_path):
    """The batch path really forks from a zygote: every submission of one worker sees the
    same parent of its session's process, and a planting student costs the next nothing."""
    class_folder = tmp_path / "class"
    class_folder.mkdir()
    spy = """
        import os
        def softmax(x):
            zygote = int(open(f"/proc/{os.getppid()}/stat").read().rsplit(")", 1)[1].split()[1])
            left = [n for n in os.listdir("/tmp") if "%s" in n]
            raise RuntimeError(f"zygote {zygote} left {left}")
        """ % MARKER
    planter = """
        import os
        def softmax(x):
            open("/tmp/%s", "w").write("x")
            raise RuntimeError("planted")
        """ % MARKER
    for name, code in [("a", spy), ("b", planter), ("c", spy)]:
        hostile(class_folder, code).rename(class_folder / f"{name}.ipynb")
    reports = grade_all({path.stem: path for path in class_folder.glob("*.ipynb")},
                        ASSIGNMENT, tmp_path / "grades", jobs=1, progress=False)
    seen = [next(line for line in "\n".join(t.output for t in reports[name].tests).splitlines()
                 if "zygote " in line) for name in ("a", "c")]
    assert "left []" in seen[0] and "left []" in seen[1]
    pid = [line.split("zygote ")[1].split()[0] for line in seen]
    assert pid[0] == pid[1]  # one zygote for the whole class


def test_a_zygote_of_another_mode_is_not_reused(monkeypatch):
    """Tests and instructors may change the isolation mode within one process."""
    first = zygote()
    monkeypatch.setenv("RNN_KIT_ISOLATION", "process")
    from autograder.sandbox.isolation import isolation
    isolation.cache_clear()
    try:
        assert zygote() is not first and not first.alive()
    finally:
        monkeypatch.undo()
        isolation.cache_clear()


@pytest.mark.slow
def test_a_class_run_leaves_no_scratch_folder_behind(tmp_path):
    """Each worker's zygote has a scratch folder; the workers end cleanly, and remove it."""
    class_folder = tmp_path / "class"
    class_folder.mkdir()
    for name in ("a", "b", "c"):
        write(notebook(ASSIGNMENT), class_folder / f"{name}.ipynb")
    before = set(Path(tempfile.gettempdir()).glob("rnn-kit-student-*"))
    done = subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(class_folder),
                           "--assignment", ASSIGNMENT, "--output", str(tmp_path / "grades"),
                           "--jobs", "2"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "3 submissions (3 graded now" in done.stdout
    assert set(Path(tempfile.gettempdir()).glob("rnn-kit-student-*")) - before == set()


@pytest.mark.slow
def test_the_summary_reports_the_largest_students_process(tmp_path):
    """The zygote waits for every student's process and its forks: their peak memory is
    measured, so one that holds 320 MB shows."""
    class_folder = tmp_path / "class"
    class_folder.mkdir()
    write(notebook(ASSIGNMENT), class_folder / "small.ipynb")
    hostile(class_folder, """
        def softmax(x):
            held = np.ones(40_000_000)  # 320 MB, touched
            e = np.exp(x - x.max(axis=0, keepdims=True))
            return e / e.sum(axis=0, keepdims=True) + 0 * held[0]
        """).rename(class_folder / "large.ipynb")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(class_folder),
                           "--assignment", ASSIGNMENT, "--output", str(tmp_path / "grades"),
                           "--jobs", "1"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    worker, student = map(int, re.search(r"worker peak memory (\d+) MB, a student's process "
                                         r"up to (\d+) MB", done.stdout).groups())
    assert 320 <= student < 2048 and worker < 320


@pytest.mark.slow
def test_a_student_who_changes_the_zygotes_limits_costs_the_next_nothing(tmp_path, mode):
    """Another process of the same uid may lower a process's limits, its priority and its CPUs
    without ptrace, and every fork would inherit them: the zygote checks before each fork,
    and one that changed is replaced. The next students score what they score alone."""
    class_folder = tmp_path / "class"
    class_folder.mkdir()
    write(notebook(ASSIGNMENT), class_folder / "a_before.ipynb")
    hostile(class_folder, """
        import ctypes, os, resource
        def softmax(x):
            zygote = int(open(f"/proc/{os.getppid()}/stat").read().rsplit(")", 1)[1].split()[1])
            done = []
            for attack in (
                    lambda: resource.prlimit(zygote, resource.RLIMIT_AS, (1500 << 20, 1500 << 20)),
                    lambda: resource.prlimit(zygote, resource.RLIMIT_NOFILE, (8, 8)),
                    lambda: os.setpriority(os.PRIO_PROCESS, zygote, 19),
                    lambda: os.sched_setaffinity(zygote, {min(os.sched_getaffinity(0))}),
                    lambda: os.sched_setscheduler(zygote, os.SCHED_IDLE, os.sched_param(0))):
                try:
                    attack()
                    done.append(1)
                except OSError:
                    pass
            raise RuntimeError(f"{len(done)} attacks done")
        """).rename(class_folder / "b_attacker.ipynb")
    for name in ("c_after", "d_after"):
        write(notebook(ASSIGNMENT), class_folder / f"{name}.ipynb")
    reports = grade_all({path.stem: path for path in class_folder.glob("*.ipynb")},
                        ASSIGNMENT, tmp_path / "grades", jobs=1, progress=False)
    attacker = "\n".join(test.output for test in reports["b_attacker"].tests)
    assert "5 attacks done" in attacker  # each one really changed the zygote
    assert [reports[name].score for name in ("a_before", "c_after", "d_after")] == [100] * 3


def test_a_process_that_cannot_be_set_up_is_the_graders_failure(tmp_path):
    """A student's process whose limits cannot be set (here: the grading machine's own hard
    limit on memory is below the students') never ran the student's code: tried again on
    a fresh zygote, then reported as the grader's failure, and `--resume` grades it again."""
    class_folder = tmp_path / "class"
    class_folder.mkdir()
    write(notebook(ASSIGNMENT), class_folder / "alice.ipynb")
    command = [sys.executable, "-m", "autograder", "grade-all", str(class_folder),
               "--assignment", ASSIGNMENT, "--output", str(tmp_path / "grades"), "--jobs", "1"]
    # Students get 2 GB of address space; a machine that allows only 1.9 GB cannot give it.
    low = subprocess.run(["prlimit", f"--as={1900 << 20}", "--", *command], capture_output=True,
                         text=True, timeout=600)
    assert low.returncode == 0, low.stderr
    results = (tmp_path / "grades" / "results" / "alice.json").read_text()
    assert "error in the grader" in results and "sys.exit" not in results
    assert "GraderFailure" in (tmp_path / "grades" / "grading.log").read_text()
    again = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "alice.json" and '"score": 100' in \
        (tmp_path / "grades" / "results" / "alice.json").read_text().replace(".0,", ",")


def test_the_zygote_is_reused_whatever_lies_under_tmp(tmp_path, monkeypatch, mode):
    """Bubblewrap mounts the scratch folder and the interpreter where they are; below /tmp
    the folders leading to them cannot be removed, and a reset must leave them (and wipe
    what a student put in them) rather than give up the zygote."""
    if not mode.bubblewrap:
        pytest.skip("only bubblewrap mounts anything")
    nested = Path(tempfile.mkdtemp(prefix="rnn-kit-nested-", dir="/tmp"))
    try:
        venv = nested / "venv"  # an interpreter below /tmp, with NumPy (Debian's)
        subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages",
                        "--without-pip", str(venv)], check=True)
        os.chmod(nested, 0o755)
        monkeypatch.setenv("RNN_KIT_SANDBOX_PYTHON", str(venv / "bin" / "python"))
        monkeypatch.setenv("TMPDIR", str(nested / "scratch"))
        (nested / "scratch").mkdir()
        monkeypatch.setattr(tempfile, "tempdir", None)
        from autograder.sandbox.isolation import isolation
        isolation.cache_clear()
        assert str(venv) in " ".join(isolation().prefixes)
        planter = f"""
            import os
            def plant():
                for folder in ("{nested}", "{nested}/scratch", "{venv}/.."):
                    try:
                        open(f"{{folder}}/{MARKER}", "w").write("x")
                    except OSError:
                        pass
                return 0
            """
        first = run(OBSERVE, "observe")
        assert run(planter, "plant").ok
        after = run(OBSERVE, "observe")
        assert first.ok and after.ok, (first.error, after.error)
        assert after.value["zygote"] == first.value["zygote"]  # reused, not replaced
        assert after.value == first.value
    finally:
        isolation.cache_clear()
        shutil.rmtree(nested, ignore_errors=True)
