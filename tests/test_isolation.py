"""Red team: hostile submissions against the isolated grader (bubblewrap).

Each test is an attack a student could submit, asserted against the promises: no points not
earned, nothing of the reference leaks, the course files are unchanged, no network, no
process outlives grading, and the results file is the grader's and stays so. Where the
machine cannot run bubblewrap the tests are skipped, visibly."""
import hashlib
import json
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from autograder.grade import grade_submission
from autograder.sandbox.runner import isolation
from tests.submissions import ROOT, notebook, write

pytestmark = pytest.mark.skipif(isolation() != "bubblewrap",
                                reason="bubblewrap cannot run on this machine")
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
    assert "No such file or directory" in softmax_lines(report)
    assert "def rnn_cell_forward" not in everything
    assert all(line not in everything for line in SOLUTION.splitlines() if len(line) > 30)


def test_writing_into_the_course_and_packages_changes_nothing(tmp_path):
    before = course_fingerprint()
    site = next(p for p in sys.path if p.endswith("site-packages"))
    report = grade_submission(hostile(tmp_path, f"""
        import os
        def softmax(x):
            for target in [{str(ROOT / 'solutions' / 'owned.py')!r},
                           {str(ROOT / 'autograder' / 'check.py')!r}, {site + '/owned.pth'!r}]:
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


def test_no_network_not_even_loopback(tmp_path):
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
            for _ in range(20):
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
