"""Red team: hostile submissions against the isolated grader, in every mode of isolation.

Each test is an attack a student could submit, asserted against the promises: no points not
earned, nothing of the reference leaks, the course files are unchanged, no network, no
process outlives grading, and the results file is the grader's and stays so. Each runs in
each mode this machine supports; a mode it cannot run is skipped, visibly."""
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from autograder.grade import grade_submission
from autograder.sandbox.isolation import PROCESSES, isolation
from tests.submissions import ROOT, notebook, write

# Every test here runs in each isolation mode (conftest.py).
pytestmark = pytest.mark.usefixtures("mode")

ASSIGNMENT = "rnn_step_by_step"
SOLUTION = (ROOT / "solutions" / f"{ASSIGNMENT}.py").read_text()


def hostile(tmp_path, code, cell="softmax"):
    """The correct submission with `code` typed into one cell (replacing it)."""
    nb = notebook(ASSIGNMENT)
    for c in nb["cells"]:
        if c["metadata"].get("nbgrader", {}).get("grade_id") == cell:
            c["source"] = textwrap.dedent(code)
    return write(nb, tmp_path / "hostile.ipynb")


def course_fingerprint():
    """A hash of every tracked file of the course directory and of the installed packages."""
    digest = hashlib.sha256()
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout
    for name in sorted(files.split()):
        path = ROOT / name
        if path.is_file():
            digest.update(name.encode() + path.read_bytes())
    site = next(p for p in sys.path if p.endswith("site-packages"))
    for path in sorted(__import__("pathlib").Path(site).glob("*")):
        digest.update(str(path).encode())
    return digest.hexdigest()


def softmax_lines(report):
    return "\n".join(t.output for t in report.tests if t.name.startswith("softmax"))


def test_reading_the_solutions_from_disk_finds_nothing(tmp_path):
    path = ROOT / "solutions" / f"{ASSIGNMENT}.py"
    report = grade_submission(hostile(tmp_path, f"""
        def softmax(x):
            raise RuntimeError(open({str(path)!r}).read())
        """), ASSIGNMENT)
    everything = json.dumps(report.to_gradescope())
    assert "No such file or directory" in softmax_lines(report) or \
        "Permission denied" in softmax_lines(report)
    assert "def rnn_cell_forward" not in everything
    assert all(line not in everything for line in SOLUTION.splitlines() if len(line) > 30)


def test_writing_into_the_course_and_packages_changes_nothing(tmp_path):
    before = course_fingerprint()
    site = next(p for p in sys.path if p.endswith("site-packages"))
    report = grade_submission(hostile(tmp_path, f"""
        import os
        def softmax(x):
            for target in [{str(ROOT / 'solutions' / 'owned.py')!r},
                           {str(ROOT / 'rnn_checks' / 'check.py')!r}, {site + '/owned.pth'!r}]:
                try:
                    open(target, "w").write("pwned")
                except OSError:
                    pass
            e = np.exp(x - x.max(axis=0, keepdims=True))
            return e / e.sum(axis=0, keepdims=True)
        """), ASSIGNMENT)
    assert report.score == 100  # the attempt itself costs nothing; it just does nothing
    assert course_fingerprint() == before
    assert not (ROOT / "solutions" / "owned.py").exists()


@pytest.mark.slow  # waits out connection attempts
def test_no_network_not_even_loopback(tmp_path, mode):
    if mode.network:
        pytest.skip("this machine cannot give an unprivileged user a network namespace")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    connections = []

    def accept():
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                connections.append(server.accept())
            except OSError:
                pass
    listener = threading.Thread(target=accept)
    listener.start()
    report = grade_submission(hostile(tmp_path, f"""
        import socket
        def softmax(x):
            socket.create_connection(("127.0.0.1", {port}), timeout=2).sendall(b"leak")
        """), ASSIGNMENT)
    listener.join()
    server.close()
    assert connections == []
    assert "softmax raised" in softmax_lines(report)


def test_no_process_outlives_grading(tmp_path):
    marker = "61.%d" % (time.time_ns() % 10**6)
    report = grade_submission(hostile(tmp_path, f"""
        import subprocess
        def softmax(x):
            for _ in range(8):  # per call: 40 in all, under the cap on processes
                subprocess.Popen(["sleep", "{marker}"], start_new_session=True)
            e = np.exp(x - x.max(axis=0, keepdims=True))
            return e / e.sum(axis=0, keepdims=True)
        """), ASSIGNMENT)
    assert report.score == 100
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", f"sleep {marker}"], capture_output=True, text=True)
    assert left.stdout.strip() == "", "processes started by the submission are still running"


def test_killing_the_parent_costs_only_that_exercise(tmp_path):
    report = grade_submission(hostile(tmp_path, """
        import os, signal
        def softmax(x):
            os.kill(os.getppid(), signal.SIGKILL)
            os.kill(1, signal.SIGKILL)
        """), ASSIGNMENT)
    scores = {name: score for name, (score, _, _) in report.exercises().items()}
    assert scores.pop("softmax") == 0
    assert all(score == report.exercises()[name][1] for name, score in scores.items())


def test_results_file_cannot_be_forged_or_overwritten_later(tmp_path):
    output = tmp_path / "results.json"
    submission = hostile(tmp_path, """
        import json, os, subprocess
        FAKE = json.dumps({"score": 100, "tests": []})

        def softmax(x):
            # the grader's --output path, read from its command line, and the working dir
            for pid in (os.getppid(), 1):
                try:
                    words = open(f"/proc/{pid}/cmdline").read().split("\\0")
                    target = words[words.index("--output") + 1]
                    open(target, "w").write(FAKE)
                except Exception:
                    pass
            open("results.json", "w").write(FAKE)
            subprocess.Popen(["sh", "-c", "sleep 2; echo '%s' > results.json" % FAKE],
                             start_new_session=True)
            print(FAKE)
            os._exit(0)
        """)
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission),
                           "--assignment", ASSIGNMENT, "--output", str(output)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0
    results = json.loads(output.read_text())
    time.sleep(3)
    assert json.loads(output.read_text()) == results  # unchanged seconds later
    # the genuine, complete results: everything but the attacking softmax (5 points) earned
    assert results["score"] == 95 and len(results["tests"]) == 54
    assert results["extra_data"]["isolation"] == str(isolation())


def test_a_fork_bomb_is_capped(tmp_path, mode):
    if not mode.user:
        pytest.skip("root's processes are not capped (RLIMIT_NPROC); only a uid of its own is")
    report = grade_submission(hostile(tmp_path, """
        import os, time
        def softmax(x):
            started = 0
            try:
                while started < 5000:
                    if os.fork() == 0:
                        time.sleep(60)
                        os._exit(0)
                    started += 1
            except OSError:
                pass
            raise RuntimeError(f"started {started} processes")
        """), ASSIGNMENT)
    started = int(softmax_lines(report).split("started ")[1].split()[0])
    assert started < PROCESSES
    assert report.score == 95


def test_writable_places_are_small_and_dev_is_read_only(tmp_path, mode):
    """Under bubblewrap every writable place is a size-limited memory file system: a
    submission cannot fill the machine's memory or disk by writing files."""
    if not mode.bubblewrap:
        pytest.skip("without namespaces the student's uid writes to the host's file systems")
    report = grade_submission(hostile(tmp_path, """
        import os
        def softmax(x):
            for target in ("/tmp/big", "/dev/shm/big", "big", "/dev/big"):
                try:
                    with open(target, "wb") as handle:
                        for _ in range(200):  # 200 MB, one 1 MB block at a time
                            handle.write(b"x" * (1 << 20))
                except OSError:
                    continue
                raise RuntimeError(f"wrote 200 MB to {target}")
            e = np.exp(x - x.max(axis=0, keepdims=True))
            return e / e.sum(axis=0, keepdims=True)
        """), ASSIGNMENT)
    assert report.score == 100, softmax_lines(report)


# Where a uid of its own can write on a Debian machine besides its scratch folder.
SHARED = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")


def test_files_left_in_shared_folders_are_removed(tmp_path, mode):
    """A uid of its own can write to /tmp, /var/tmp, /dev/shm and /run/lock on the host (a
    student's own process here, not a zygote's fork); what it leaves there is removed when
    grading ends."""
    if mode.bubblewrap:
        pytest.skip("under bubblewrap those folders are the sandbox's own")
    marker = f"rnn-kit-left-{time.time_ns()}"
    report = grade_submission(hostile(tmp_path, f"""
        import os
        def softmax(x):
            for folder in {SHARED!r}:
                if os.access(folder, os.W_OK):
                    os.makedirs(folder + "/{marker}/inner", exist_ok=True)
                    open(folder + "/{marker}.txt", "w").write("left behind")
            e = np.exp(x - x.max(axis=0, keepdims=True))
            return e / e.sum(axis=0, keepdims=True)
        """), ASSIGNMENT)
    assert report.score == 100, softmax_lines(report)
    left = [f"{folder}/{marker}{suffix}" for folder in SHARED
            for suffix in ("", ".txt") if os.path.exists(f"{folder}/{marker}{suffix}")]
    assert left == []



# ---------------------------------------- the unprivileged user mode refuses an open course

# Mallory's softmax copies the one in a classmate's notebook from the course's submitted/.
MALLORY = """
    import glob, json
    def softmax(x):
        for path in sorted(glob.glob(PATTERN)):
            for cell in json.load(open(path))["cells"]:
                source = "".join(cell["source"])
                if cell["metadata"].get("nbgrader", {}).get("grade_id") == "softmax" and \\
                        "glob" not in source:  # a classmate's, not this one
                    namespace = {"np": np}
                    exec(source, namespace)
                    return namespace["softmax"](x)
        raise RuntimeError("found no classmate's notebook")
    """


@pytest.fixture
def open_course(mode):
    """A course as first set up on a shared machine, readable by other users: what grading
    needs (and nbgrader's files), ada's correct notebook and mallory's copying one."""
    if not mode.user or mode.bubblewrap:
        pytest.skip("only the unprivileged user mode without bubblewrap shares the host's files")
    from tests.red_team.test_secret import course_copy
    umask = os.umask(0o022)  # what a fresh setup on a shared machine gets
    folder = Path(tempfile.mkdtemp(prefix="rnn-kit-open-"))  # not below pytest's 0700 tmp
    folder.chmod(0o755)
    (folder / "course").mkdir(mode=0o755)
    course = course_copy(folder / "course", ASSIGNMENT)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    (course / "assignments" / ASSIGNMENT).mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                course / "assignments" / ASSIGNMENT)
    submitted = course / "submitted"
    for student in ("ada", "mallory"):
        (submitted / student / ASSIGNMENT).mkdir(parents=True)
    write(notebook(ASSIGNMENT), submitted / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    pattern = f"{submitted}/*/{ASSIGNMENT}/*.ipynb"
    hostile(submitted / "mallory" / ASSIGNMENT, MALLORY.replace("PATTERN", repr(pattern)))
    os.umask(umask)
    try:
        yield course
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def cli(course, *arguments):
    env = dict(os.environ, RNN_KIT_COURSE=str(course))
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, arguments)], env=env,
                          cwd=course, capture_output=True, text=True, timeout=300)


def grade_class(course, *flags):
    return cli(course, "grade-all", course / "submitted", "--assignment", ASSIGNMENT,
               "--output", course / "grades", *flags)


def class_results(course):
    """{student: (total, softmax's points)} of a grade-all run."""
    results = {}
    for student in ("ada", "mallory"):
        data = json.loads((course / "grades" / "results" / f"{student}.json").read_text())
        results[student] = (data["score"], sum(t["score"] for t in data["tests"]
                                               if t["name"].startswith("softmax")))
    return results


REFUSED = {
    "grade-all": lambda course, _: ["grade-all", course / "submitted", ASSIGNMENT, "--output",
                                    course / "grades"],
    "grade": lambda course, _: ["grade", course / "submitted" / "ada" / ASSIGNMENT /
                                f"{ASSIGNMENT}.ipynb", ASSIGNMENT, "--output",
                                course / "results.json"],
    "demo": lambda course, _: ["demo", "--output", course / "demo"],
    "nbgrader": lambda course, _: ["nbgrader", ASSIGNMENT, "--course", course],
    "class outside a closed course": lambda course, outside: [
        "grade-all", outside, ASSIGNMENT, "--output", course / "grades"],
}


@pytest.mark.parametrize("command", list(REFUSED))
def test_grading_an_open_course_or_class_is_refused_in_one_line(open_course, command):
    outside = open_course.parent / "class"  # the same notebooks, outside the course
    shutil.copytree(open_course / "submitted", outside)
    readable = outside if command == "class outside a closed course" else open_course
    if readable == outside:
        open_course.chmod(0o700)
    done = cli(open_course, *REFUSED[command](open_course, outside))
    lines = done.stderr.splitlines()
    assert done.returncode == 2 and len(lines) == 1 and done.stdout == "", done.stderr
    assert "Traceback" not in done.stderr
    assert lines[0].startswith("rnn-kit: students' code runs as an unprivileged user")
    assert f"chmod o-rwx {readable}" in lines[0] and "--allow-readable-course" in lines[0]
    assert not (open_course / "grades").exists() and not (open_course / "results.json").exists()
    assert not (open_course / ".rnn-kit-secret").exists()  # refused before anything else


def test_with_the_flag_an_open_course_is_graded_and_a_classmate_can_be_copied(open_course):
    """What the refusal prevents: accepting the risk, mallory earns ada's softmax points."""
    done = grade_class(open_course, "--allow-readable-course")
    assert done.returncode == 0, done.stderr
    assert class_results(open_course) == {"ada": (100, 5), "mallory": (100, 5)}


def test_closed_as_the_refusal_says_the_class_is_graded_and_copying_earns_nothing(open_course):
    refused = grade_class(open_course)
    assert refused.returncode == 2, refused.stderr
    command = refused.stderr.split("`")[1]  # the command the one line gives
    subprocess.run(command, shell=True, check=True)
    done = grade_class(open_course)
    assert done.returncode == 0, done.stderr
    assert class_results(open_course) == {"ada": (100, 5), "mallory": (95, 0)}


def test_no_kernel_object_outlives_grading(tmp_path, mode):
    """System V objects (one given away to another owner with IPC_SET) and POSIX message
    queues outlive the processes that made them; none may be left on the machine once a
    student's own process (not a zygote's fork) has ended."""
    marker = f"rnn-kit-left-{time.time_ns()}"
    report = grade_submission(hostile(tmp_path, f"""
        import ctypes, os
        def softmax(x):
            libc = ctypes.CDLL(None)
            libc.shmget(0x5eef, 4096, 0o1666)
            given = libc.msgget(0x5ef0, 0o1666)
            owner = (ctypes.c_uint32 * 64)()
            if given >= 0 and libc.msgctl(given, 2, owner) == 0:  # IPC_STAT, then IPC_SET
                owner[1] = 65534
                libc.msgctl(given, 1, owner)
            libc.syscall({248 if os.uname().machine == "x86_64" else 217}, b"user",
                         b"{marker}", b"secret", 6, ctypes.c_int(-4))  # add_key
            libc.mq_open(b"/{marker}", os.O_CREAT | os.O_RDWR, 0o644, None)
            e = np.exp(x - x.max(axis=0, keepdims=True))
            return e / e.sum(axis=0, keepdims=True)
        """), ASSIGNMENT)
    assert report.score == 100, softmax_lines(report)
    left = [row for kind in ("shm", "msg") for row in
            Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
            if row.split()[0] in (str(0x5eef), str(0x5ef0))]
    assert left == []
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.mq_open(f"/{marker}".encode(), os.O_RDONLY) == -1  # no such queue here
    # (Keys live in the student's uid's keyring, which only that uid can list:
    # tests/test_zygote.py looks for them as the next student.)


def test_a_fresh_process_that_cannot_be_set_up_is_the_graders_failure(tmp_path):
    """`grade` (a fresh process per session, no zygote): a student's process whose limits
    cannot be set (the machine's hard limit on memory is below the students' 2 GB) never ran
    the student's code; after a second try the results say the grader failed, not the
    student's code."""
    path = write(notebook(ASSIGNMENT), tmp_path / "alice.ipynb")
    done = subprocess.run(["prlimit", f"--as={1900 << 20}", "--", sys.executable, "-m",
                           "autograder", "grade", str(path), "--assignment", ASSIGNMENT,
                           "--output", str(tmp_path / "results.json")],
                          capture_output=True, text=True, timeout=600)
    results = (tmp_path / "results.json").read_text()
    assert done.returncode != 0 and "error in the grader" in done.stderr, done.stderr
    assert "error in the grader" in results and "sys.exit" not in results
