"""Grading a class on a Dask cluster (`grade-all --scheduler`), with real processes only: a
scheduler and two workers (`dask scheduler`, `dask worker --nthreads 1`, each worker under
its nanny, as the README says to run them) on the loopback interface, started from this
checkout. Every result must equal a local `grade-all` of the same folder; a worker killed
with SIGKILL while grading loses no submission and grades none twice; a scheduler killed
mid-run stops the run, and --resume grades the rest; a scheduler that is not there costs
one line and exit code 2."""
import csv
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.submissions import HERE, ROOT, functions, notebook, write

distributed = pytest.importorskip("distributed", reason="needs the cluster extra")

ASSIGNMENT = "rnn_step_by_step"
BUGS = HERE / ASSIGNMENT / "bugs"
DASK = str(Path(sys.executable).parent / "dask")  # the venv's `dask` command, as in the README
TIMEOUT = "10"   # seconds per exercise: a slow submission below loads in 3


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment():
    return dict(os.environ, RNN_KIT_COURSE=str(ROOT))


def start(command, log, env=None):
    """A process in its own process group (killed with everything it started), its output
    in the file `log`."""
    with open(log, "w") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env or environment(),
                                stdin=subprocess.DEVNULL, stdout=output,
                                stderr=subprocess.STDOUT, start_new_session=True)


def kill(process):
    """End a process group: asked first (a worker then ends its zygote, which removes its
    scratch folder), killed if it has not ended within 10 s."""
    for signal_number in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, signal_number)
            process.wait(timeout=10)
            return
        except ProcessLookupError:
            process.wait()
            return
        except subprocess.TimeoutExpired:
            continue


def scheduler(port, log):
    return start([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                  "--no-dashboard", "--dashboard-address", "127.0.0.1:0"], log)


def worker(address, log, scratch, env=None):
    return start([DASK, "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                  "--no-dashboard", "--dashboard-address", "127.0.0.1:0",
                  "--local-directory", str(scratch)], log, env)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(address, a Client of the test's own, the scheduler's log): a scheduler and two
    workers, killed (process groups, SIGKILL) at the end whatever happened."""
    logs = tmp_path_factory.mktemp("dask")
    address = f"tcp://127.0.0.1:{free_port()}"
    processes = []
    client = None
    try:
        processes.append(scheduler(address.rsplit(":", 1)[1], logs / "scheduler.log"))
        for number in range(2):
            processes.append(worker(address, logs / f"worker{number}.log", logs / "scratch"))
        client = distributed.Client(address, timeout=60, set_as_default=False)
        client.wait_for_workers(2, timeout=120)
        yield address, client, logs / "scheduler.log"
    finally:
        if client is not None:
            client.close()
        for process in reversed(processes):
            kill(process)


def grade_all(folder, output, *extra, wait=True):
    command = [sys.executable, "-m", "autograder", "grade-all", str(folder), "--assignment",
               ASSIGNMENT, "--output", str(output), "--timeout", TIMEOUT, *extra]
    if not wait:
        return subprocess.Popen(command, cwd=ROOT, env=environment(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, cwd=ROOT, env=environment(), capture_output=True, text=True,
                          timeout=600)


def with_softmax(code):
    """The correct notebook with `code` in the softmax cell."""
    nb = notebook(ASSIGNMENT)
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "softmax":
            cell["source"] = textwrap.dedent(code)
    return nb


SOFTMAX = functions((HERE / ASSIGNMENT / "correct.py").read_text())["softmax"]
SLOW = with_softmax(f"import time\nclass Pause:\n    time.sleep(3)\n{SOFTMAX}")  # full marks


def small_class(folder):
    """Six notebooks: correct, three with distinct bugs, one not JSON, one a symlink (which
    the driver refuses to read, so it never reaches the cluster)."""
    folder.mkdir()
    write(notebook(ASSIGNMENT), folder / "ada.ipynb")
    write(notebook(ASSIGNMENT, [BUGS / "missing_waa_transpose.py"]), folder / "bob.ipynb")
    write(notebook(ASSIGNMENT, [BUGS / "softmax_wrong_axis.py", BUGS / "da_prev_not_carried.py"]),
          folder / "cy.ipynb")
    write(notebook(ASSIGNMENT, [BUGS / "lstm_c_not_carried.py"]), folder / "dee.ipynb")
    (folder / "eve.ipynb").write_text('{"cells": [')
    (folder / "fay.ipynb").symlink_to(folder / "ada.ipynb")
    return folder


def comparable(data):
    """results.json without what depends on timing (none of it is expected; dropped anyway)."""
    if isinstance(data, dict):
        return {key: comparable(value) for key, value in data.items()
                if not re.search("time|seconds|elapsed|duration", key)}
    if isinstance(data, list):
        return [comparable(value) for value in data]
    return data


def results(output):
    return {path.stem: comparable(json.loads(path.read_text()))
            for path in sorted((output / "results").glob("*.json"))}


def totals(output):
    with sqlite3.connect(output / "gradebook.sqlite") as db:
        return list(db.execute("SELECT student, score FROM scores WHERE exercise = '' "
                               "ORDER BY student"))


def test_the_driver_alone_imports_distributed():
    done = subprocess.run([sys.executable, "-c", "import sys, autograder, autograder.frontends.cli, "
                           "autograder.frontends.batch, autograder.grade; "
                           "print(sorted({'distributed', 'dask'} & set(sys.modules)))"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_a_class_graded_on_the_cluster_equals_the_local_run(cluster, tmp_path):
    address, _, _ = cluster
    folder = small_class(tmp_path / "class")
    local = grade_all(folder, tmp_path / "local", "--jobs", "2")
    assert local.returncode == 0, local.stderr
    started = time.monotonic()
    remote = grade_all(folder, tmp_path / "remote", "--scheduler", address)
    assert remote.returncode == 0, remote.stderr
    assert "Traceback" not in remote.stderr
    print(f"cluster run: {time.monotonic() - started:.1f} s")
    expected, found = results(tmp_path / "local"), results(tmp_path / "remote")
    assert sorted(found) == ["ada", "bob", "cy", "dee", "eve", "fay"]
    for student in expected:  # every score, test name and output, one student at a time
        assert found[student] == expected[student], student
    assert found["ada"]["score"] == 100 and found["eve"]["score"] == 0
    assert "symbolic link" in found["fay"]["output"] and "not valid notebook JSON" in \
        found["eve"]["output"]
    assert len({found[s]["score"] for s in ("bob", "cy", "dee")}) == 3  # three distinct bugs
    assert all(0 < found[s]["score"] < 100 for s in ("bob", "cy", "dee"))
    assert (tmp_path / "remote" / "scores.csv").read_bytes() == \
        (tmp_path / "local" / "scores.csv").read_bytes()
    assert totals(tmp_path / "remote") == totals(tmp_path / "local")
    for name in ("bob.md", "eve.md"):
        assert (tmp_path / "remote" / "feedback" / name).read_text() == \
            (tmp_path / "local" / "feedback" / name).read_text()
    assert "6 submissions (6 graded now" in remote.stdout


def test_an_unreachable_scheduler_costs_one_line_and_exit_code_2(tmp_path):
    folder = small_class(tmp_path / "class")
    port = free_port()  # closed again: nothing listens there
    env = dict(environment(), DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="3s")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(folder),
                           "--assignment", ASSIGNMENT, "--output", str(tmp_path / "out"),
                           "--scheduler", f"tcp://127.0.0.1:{port}"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    elapsed = time.monotonic() - started
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"rnn-kit: no Dask scheduler answered at tcp://127.0.0.1:{port}"
                                  " within 3 s"), done.stderr
    assert elapsed < 30, elapsed
    assert not (tmp_path / "out" / "results").exists()  # nothing graded, nothing written
    # the same for `grade` given a folder; and an address that is not one at all
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder), ASSIGNMENT,
                           "--output", str(tmp_path / "out"), "--scheduler", "http://nowhere:1"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "is not a Dask scheduler address" in done.stderr


def test_without_distributed_one_sentence_names_the_extra(tmp_path):
    folder = small_class(tmp_path / "class")
    code = ("import sys; sys.modules['distributed'] = None; from autograder.frontends.cli import main; "
            f"main(['grade-all', {str(folder)!r}, '{ASSIGNMENT}', '--output', "
            f"{str(tmp_path / 'out')!r}, '--scheduler', 'tcp://127.0.0.1:8786'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert 'pip install -e ".[cluster]"' in done.stderr


def test_a_scheduler_without_workers_or_with_a_worker_that_cannot_grade(tmp_path):
    from autograder.frontends.cluster import Cluster, ClusterError
    address = f"tcp://127.0.0.1:{free_port()}"
    processes = [scheduler(address.rsplit(":", 1)[1], tmp_path / "scheduler.log")]
    try:
        with pytest.raises(ClusterError, match="has no workers .waited 2 s.; start some with"):
            Cluster(address, ASSIGNMENT, 10.0, connect_seconds=30, workers_seconds=2)
        (tmp_path / "empty").mkdir()  # a course directory without solutions/
        processes.append(worker(address, tmp_path / "worker.log", tmp_path,
                                dict(environment(), RNN_KIT_COURSE=str(tmp_path / "empty"))))
        with pytest.raises(ClusterError, match="cannot grade rnn_step_by_step: it has no "
                           "reference solutions at"):
            Cluster(address, ASSIGNMENT, 10.0, connect_seconds=30, workers_seconds=60)
    finally:
        for process in reversed(processes):
            kill(process)


def test_a_lost_scheduler_stops_the_run_and_resume_grades_the_rest(cluster, tmp_path):
    """The scheduler killed mid-run: the run stops at once with one line (exit code 2),
    keeps what was graded and records nothing for the submissions in flight; --resume on
    another scheduler grades exactly the rest."""
    address = f"tcp://127.0.0.1:{free_port()}"
    doomed = [scheduler(address.rsplit(":", 1)[1], tmp_path / "scheduler.log")]
    folder = tmp_path / "class"
    folder.mkdir()
    for number in range(6):
        write(SLOW, folder / f"slow{number}.ipynb")
    try:
        doomed.append(worker(address, tmp_path / "worker.log", tmp_path))
        run = grade_all(folder, tmp_path / "out", "--scheduler", address, wait=False)
        deadline = time.monotonic() + 120
        while not list((tmp_path / "out" / "results").glob("*.json")) and \
                time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.1)
        kill(doomed[0])
        lost = time.monotonic()
        stdout, stderr = run.communicate(timeout=120)
    finally:
        for process in reversed(doomed):
            kill(process)
    assert run.returncode == 2, stderr
    assert time.monotonic() - lost < 60
    assert "Traceback" not in stderr and "distributed" not in stderr, stderr
    assert stderr.splitlines()[-1] == (
        f"rnn-kit: the connection to the Dask scheduler at {address} was lost: what was graded "
        f"is kept in {tmp_path / 'out'}; run the same command with --resume to grade the rest")
    kept = results(tmp_path / "out")
    assert 1 <= len(kept) < 6 and all(data["score"] == 100 for data in kept.values())
    assert (tmp_path / "out" / "scores.csv").is_file()

    done = grade_all(folder, tmp_path / "out", "--scheduler", cluster[0], "--resume")
    assert done.returncode == 0, done.stderr
    assert f"6 submissions ({6 - len(kept)} graded now" in done.stdout
    assert {student: data["score"] for student, data in results(tmp_path / "out").items()} == \
        {f"slow{number}": 100 for number in range(6)}


def join_mid_run(cluster, tmp_path, env=None):
    """Grade 8 slow notebooks with --jobs 8 on the two workers, start a third worker 2 s in;
    returns (the finished run, its stdout, stderr, the third worker's address, the tasks'
    stream from the scheduler)."""
    address, client, _ = cluster
    folder = tmp_path / "class"
    folder.mkdir()
    for number in range(8):  # each loads for 3 s: most still wait when the third joins
        write(SLOW, folder / f"slow{number}.ipynb")
    before = set(client.scheduler_info()["workers"])
    client.get_task_stream()  # the scheduler records the task stream from now on
    started = time.time()
    run = grade_all(folder, tmp_path / "remote", "--scheduler", address, "--jobs", "8",
                    wait=False)
    late = None
    try:
        time.sleep(2)
        late = worker(address, tmp_path / "late.log", tmp_path / "scratch", env)
        client.wait_for_workers(3, timeout=60)
        joined = next(iter(set(client.scheduler_info()["workers"]) - before))
        stdout, stderr = run.communicate(timeout=300)
        stream = client.get_task_stream(start=started)
    finally:
        if run.poll() is None:
            run.kill()
        if late is not None:
            kill(late)
    client.wait_for_workers(2, timeout=60)
    return run, stdout, stderr, joined, stream


def test_a_worker_that_joins_mid_run_takes_submissions_from_the_queue(cluster, tmp_path):
    """--jobs beyond the worker threads at connect time, as while Slurm jobs still start:
    the extra submissions wait in the scheduler's queue and a worker that joins takes some."""
    run, stdout, stderr, joined, stream = join_mid_run(cluster, tmp_path)
    assert run.returncode == 0, stderr
    assert "8 submissions (8 graded now" in stdout
    assert any(entry["worker"] == joined for entry in stream), stream
    assert {student: data["score"] for student, data in results(tmp_path / "remote").items()} \
        == {f"slow{number}": 100 for number in range(8)}


def test_a_worker_that_joins_without_the_solutions_stops_the_run(cluster, tmp_path):
    """The check made at connect time is made again by every task: a worker that joins
    later and would grade with other (or no) reference solutions stops the run with one
    line, and --resume grades the rest."""
    empty = tmp_path / "course"
    empty.mkdir()
    run, stdout, stderr, joined, stream = join_mid_run(
        cluster, tmp_path, dict(environment(), RNN_KIT_COURSE=str(empty)))
    assert any(entry["worker"] == joined for entry in stream), stream
    assert run.returncode == 2, stderr
    assert "Traceback" not in stderr
    line = stderr.strip().splitlines()[-1]
    assert "a Dask worker cannot grade rnn_step_by_step: it has no reference solutions" in line
    assert "run the same command with --resume" in line
    graded = results(tmp_path / "remote")
    assert all(data["score"] == 100 for data in graded.values()) and len(graded) < 8


def executing(client):
    """{worker address: (the pid of the process that grades, not its nanny's, and the keys
    of the tasks it is running now)}."""
    return client.run(lambda dask_worker: (os.getpid(), sorted(ts.key for ts in
                                                            dask_worker.state.executing)))


def test_a_worker_killed_mid_run_loses_no_submission_and_grades_none_twice(cluster, tmp_path):
    """The last test of the module: it kills a worker (its nanny starts a new one)."""
    address, client, scheduler_log = cluster
    folder = tmp_path / "class"
    folder.mkdir()
    for number in range(6):  # each loads for 3 s: the run lasts long enough to be hit
        write(SLOW, folder / f"slow{number}.ipynb")
    write(notebook(ASSIGNMENT, [BUGS / "missing_waa_transpose.py"]), folder / "zbob.ipynb")
    write(notebook(ASSIGNMENT, [BUGS / "softmax_wrong_axis.py"]), folder / "zcy.ipynb")
    students = sorted(path.stem for path in folder.glob("*.ipynb"))
    local = grade_all(folder, tmp_path / "local", "--jobs", "2")
    assert local.returncode == 0, local.stderr

    run = grade_all(folder, tmp_path / "remote", "--scheduler", address, wait=False)
    killed, seen = None, {}
    deadline = time.monotonic() + 120
    try:
        while killed is None and time.monotonic() < deadline and run.poll() is None:
            done = len(list((tmp_path / "remote" / "results").glob("*.json")))
            for worker, (pid, keys) in sorted(executing(client).items()):
                # one submission graded, and this worker has run the same task for a second
                if done and keys and seen.get(worker, (None, 0))[0] == keys:
                    if time.monotonic() - seen[worker][1] >= 1:
                        os.kill(pid, signal.SIGKILL)
                        killed = (worker, pid, keys[0], done)
                        break
                else:
                    seen[worker] = (keys, time.monotonic())
            time.sleep(0.2)
        stdout, stderr = run.communicate(timeout=300)
    finally:
        if run.poll() is None:
            run.kill()
    assert killed is not None, "the run ended before a worker could be killed"
    print(f"killed worker {killed[0]} (pid {killed[1]}) while it graded {killed[2]}, "
          f"after {killed[3]} of {len(students)} results")
    assert run.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert killed[3] < len(students)  # mid-run: results were still to come
    with pytest.raises(ProcessLookupError):
        os.kill(killed[1], 0)
    time.sleep(1)  # the scheduler logs the lost worker
    assert f"Remove worker addr: {killed[0]}" in scheduler_log.read_text()
    # The scheduler took the task from the dead worker, ran it again elsewhere, and got one
    # result: (start, finish, stimulus) of each of its transitions.
    story = [(entry[2], entry[3], entry[5]) for entry in client.story(killed[2])
             if entry[0] == "scheduler"]
    assert any(start == "processing" and finish == "released"
               and stimulus.startswith("handle-worker-cleanup") for start, finish, stimulus
               in story), story
    assert sum(start == "processing" and finish == "memory" for start, finish, _ in story) == 1

    progress = re.findall(r"^\[\d+/(\d+)\] (\S+): ", stderr, re.M)
    assert sorted(student for _, student in progress) == students  # each exactly once
    assert {total for total, _ in progress} == {str(len(students))}
    assert f"{len(students)} submissions ({len(students)} graded now" in stdout
    assert [student for student, _ in totals(tmp_path / "remote")] == students
    assert totals(tmp_path / "remote") == totals(tmp_path / "local")
    expected, found = results(tmp_path / "local"), results(tmp_path / "remote")
    assert found == expected
    assert "grading stopped unexpectedly" not in json.dumps(found)
    assert all(found[f"slow{number}"]["score"] == 100 for number in range(6))
    assert (tmp_path / "remote" / "scores.csv").read_bytes() == \
        (tmp_path / "local" / "scores.csv").read_bytes()
    rows = list(csv.DictReader((tmp_path / "remote" / "scores.csv").read_text().splitlines()))
    assert [row["student"] for row in rows] == students
