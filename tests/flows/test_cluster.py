"""Grading a class on a Dask cluster (`grade-all --scheduler`), with real processes only: a
scheduler and two workers (`dask scheduler`, `dask worker --nthreads 1`, each worker under
its nanny, as the README says to run them) on the loopback interface, started from this
checkout, speaking mutual TLS with certificates made by `python -m autograder cluster-keys`.
Every result must equal a local `grade-all` of the same folder; a worker killed with
SIGKILL while grading loses no submission and grades none twice; a scheduler killed
mid-run stops the run, and --resume grades the rest; a scheduler that is not there costs
one line and exit code 2.

Security: a client without the course's certificate, or with another CA's, cannot connect
to the scheduler, a worker or a nanny; a student's code graded on a worker cannot reach the
cluster nor write as the workers' user; a plain-TCP address is refused without
--unsafe-plain-tcp; a worker whose students' processes have the network, or whose course
secret differs, refuses to grade."""
import csv
import gc
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from autograder.sandbox.isolation import UID_BASE, isolation
from tests.submissions import HERE, ROOT, functions, notebook, write

distributed = pytest.importorskip("distributed", reason="needs the cluster extra")
from distributed.security import Security  # noqa: E402

pytestmark = pytest.mark.slow  # a Dask scheduler and workers

ASSIGNMENT = "rnn_step_by_step"
BUGS = HERE / ASSIGNMENT / "bugs"
DASK = str(Path(sys.executable).parent / "dask")  # the venv's `dask` command, as in the README
TIMEOUT = "10"   # seconds per exercise: a slow submission below loads in 3
CLUSTER_FILES = ("ca.pem", "cluster.pem", "cluster-key.pem")
DRIVER_FILES = ("ca.pem", "driver.pem", "driver-key.pem")


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


def tls(keys):
    """The README's TLS options of `dask scheduler` and `dask worker`; none for plain TCP."""
    if keys is None:
        return []
    return ["--tls-ca-file", str(keys / "ca.pem"), "--tls-cert", str(keys / "cluster.pem"),
            "--tls-key", str(keys / "cluster-key.pem")]


def scheduler(port, log, keys):
    return start([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                  *(["--protocol", "tls"] if keys else []), *tls(keys),
                  "--no-dashboard", "--dashboard-address", "127.0.0.1:0"], log)


def worker(address, log, scratch, keys, env=None):
    return start([DASK, "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                  *tls(keys), "--no-dashboard", "--dashboard-address", "127.0.0.1:0",
                  "--local-directory", str(scratch)], log, env)


def driver_security(folder):
    return Security(tls_ca_file=str(folder / "ca.pem"), tls_client_cert=str(folder / "driver.pem"),
                    tls_client_key=str(folder / "driver-key.pem"), require_encryption=True)


def make_keys(folder):
    done = subprocess.run([sys.executable, "-m", "autograder", "cluster-keys", str(folder)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    return done


def subset(made, folder, names):
    """A folder holding only `names` of the keys in `made` (as one copies them to a machine)."""
    folder.mkdir(mode=0o700)
    for name in names:
        shutil.copy2(made / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """The keys made by the command: `made` (all of them), `cluster` (only what the
    scheduler and workers get: no CA key, no driver key) and `driver` (grade-all's)."""
    root = tmp_path_factory.mktemp("keys")
    made = root / "made"
    output = make_keys(made)
    return SimpleNamespace(made=made, output=output.stdout,
                           cluster=subset(made, root / "cluster", CLUSTER_FILES),
                           driver=subset(made, root / "driver", DRIVER_FILES))


def tls_address(port):
    return f"tls://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def cluster(keys, tmp_path_factory):
    """A TLS scheduler and two workers, killed (process groups) at the end whatever happened:
    .address, .client (the test's own), .log (the scheduler's), .options (grade-all's)."""
    logs = tmp_path_factory.mktemp("dask")
    address = tls_address(free_port())
    processes = []
    client = None
    try:
        processes.append(scheduler(address.rsplit(":", 1)[1], logs / "scheduler.log",
                                   keys.cluster))
        for number in range(2):
            processes.append(worker(address, logs / f"worker{number}.log", logs / "scratch",
                                    keys.cluster))
        client = distributed.Client(address, timeout=60, set_as_default=False,
                                    security=driver_security(keys.driver))
        client.wait_for_workers(2, timeout=120)
        yield SimpleNamespace(address=address, client=client, log=logs / "scheduler.log",
                              options=["--scheduler", address, "--cluster-keys",
                                       str(keys.driver)])
    finally:
        if client is not None:
            client.close()
        for process in reversed(processes):
            kill(process)


@pytest.fixture
def grading(cluster):
    """The cluster, where its workers grade: they refuse while students' processes here
    can open network connections (no bubblewrap, no network namespace)."""
    if isolation().network:
        pytest.skip(f"students' processes here can use the network (isolation: {isolation()}), "
                    "so the workers refuse to grade; install bubblewrap")
    return cluster


def grade_all(folder, output, *extra, wait=True, env=None):
    command = [sys.executable, "-m", "autograder", "grade-all", str(folder), "--assignment",
               ASSIGNMENT, "--output", str(output), "--timeout", TIMEOUT, *extra]
    if not wait:
        return subprocess.Popen(command, cwd=ROOT, env=env or environment(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, cwd=ROOT, env=env or environment(), capture_output=True,
                          text=True, timeout=600)


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


def clients(client):
    """The ids of the clients connected to the scheduler now (not its own "fire-and-forget")."""
    return client.run_on_scheduler(lambda dask_scheduler: sorted(
        set(dask_scheduler.clients) - {"fire-and-forget"}))


def test_the_driver_alone_imports_distributed():
    done = subprocess.run([sys.executable, "-c", "import sys, autograder, "
                           "autograder.frontends.cli, "
                           "autograder.frontends.batch.scheduler, autograder.grade; print(sorted("
                           "{'distributed', 'dask', 'cryptography'} & set(sys.modules)))"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_cluster_keys_are_private_and_signed_by_the_courses_own_ca(keys, tmp_path):
    from cryptography import x509
    assert os.stat(keys.made).st_mode & 0o777 == 0o700
    assert sorted(path.name for path in keys.made.iterdir()) == sorted(
        {*CLUSTER_FILES, *DRIVER_FILES, "ca-key.pem"})
    assert all(path.stat().st_mode & 0o777 == 0o600 for path in keys.made.iterdir())
    assert "ca-key.pem: signs certificates; no grading machine needs it" in keys.output
    ca = x509.load_pem_x509_certificate((keys.made / "ca.pem").read_bytes())
    for name in ("cluster.pem", "driver.pem"):
        signed = x509.load_pem_x509_certificate((keys.made / name).read_bytes())
        signed.verify_directly_issued_by(ca)  # raises if not
    again = subprocess.run([sys.executable, "-m", "autograder", "cluster-keys", str(keys.made)],
                           capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert again.returncode == 2 and again.stderr.count("\n") == 1, again.stderr
    assert "already holds cluster keys" in again.stderr
    readable = subset(keys.made, tmp_path / "readable", DRIVER_FILES)
    os.chmod(readable / "driver-key.pem", 0o644)
    done = grade_all(small_class(tmp_path / "class"), tmp_path / "out", "--scheduler",
                     "tls://127.0.0.1:1", "--cluster-keys", str(readable))
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "other users can read" in done.stderr and "chmod 600" in done.stderr


def test_a_class_graded_on_the_cluster_equals_the_local_run(grading, tmp_path):
    folder = small_class(tmp_path / "class")
    local = grade_all(folder, tmp_path / "local", "--jobs", "2")
    assert local.returncode == 0, local.stderr
    started = time.monotonic()
    remote = grade_all(folder, tmp_path / "remote", *grading.options)
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


def refused(address, context):
    """Whether a TLS connection to `address` with `context` is refused: its handshake fails,
    or the server ends the connection before answering a Dask handshake."""
    host, port = address.split("://")[1].rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=5) as raw:
            with context.wrap_socket(raw) as connection:
                connection.sendall(b"\0" * 8)
                return connection.recv(1) == b""
    except (ssl.SSLError, OSError):
        return True


def test_no_client_without_the_courses_certificate_reaches_the_cluster(cluster, keys, tmp_path):
    """Plain TCP, no certificate, or a certificate from another CA: neither the scheduler nor
    a worker nor a nanny accepts the connection, so nothing can be run."""
    other = tmp_path / "other"
    make_keys(other)
    marker = tmp_path / "ran"
    port = cluster.address.rsplit(":", 1)[1]
    attempts = {
        "plain TCP": (f"tcp://127.0.0.1:{port}", None),
        "another CA's certificate": (cluster.address, driver_security(other)),
        "another CA's certificate, trusting the scheduler": (cluster.address, Security(
            tls_ca_file=str(keys.driver / "ca.pem"), tls_client_cert=str(other / "driver.pem"),
            tls_client_key=str(other / "driver-key.pem"), require_encryption=True)),
    }
    for what, (address, security) in attempts.items():
        with pytest.raises(Exception) as failed:
            stranger = distributed.Client(address, security=security, timeout=3,
                                          set_as_default=False)
            stranger.run(lambda: marker.write_text("ran"))  # not reached
        print(f"{what}: {type(failed.value).__name__}: {failed.value}")
        assert isinstance(failed.value, (OSError, TimeoutError)), (what, failed.value)
        del failed
        gc.collect()  # the failed Client, closed now rather than at exit
    with pytest.raises(TypeError, match="TLS expects"):  # no certificate: not even tried
        distributed.Client(cluster.address, timeout=3, set_as_default=False)
    gc.collect()

    trusting = ssl.create_default_context(cafile=str(keys.driver / "ca.pem"))
    trusting.check_hostname = False  # the course's certificates name no host
    foreign = ssl.create_default_context(cafile=str(keys.driver / "ca.pem"))
    foreign.check_hostname = False
    foreign.load_cert_chain(other / "driver.pem", other / "driver-key.pem")
    workers = cluster.client.scheduler_info()["workers"]
    servers = {cluster.address, *workers, *(info["nanny"] for info in workers.values())}
    assert len(servers) == 5, servers  # the scheduler, two workers and their nannies
    for address in servers:
        assert refused(address, trusting), f"{address} took a client without a certificate"
        assert refused(address, foreign), f"{address} took another CA's certificate"
    assert not marker.exists()
    assert clients(cluster.client) == [cluster.client.id]  # no stranger ever got in


HOSTILE = """
import os, re, socket


def attack():
    \"\"\"Find the scheduler (in /proc, or as if its address had leaked) and use it: a
    socket, a Dask client with no certificate and with the workers' certificate, then a
    file written as the worker's user.\"\"\"
    tried, found = [], {{"{address}"}}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            line = open(f"/proc/{{pid}}/cmdline").read().replace("\\0", " ")
        except OSError:
            continue
        found.update(re.findall(r"tls://[0-9.]+:[0-9]+", line))
    for address in sorted(found):
        host, port = address[len("tls://"):].rsplit(":", 1)
        try:
            socket.create_connection((host, int(port)), timeout=3).close()
            tried.append(f"socket {{address}}: connected")
        except OSError as error:
            tried.append(f"socket {{address}}: {{error}}")
        for keys in (None, "{keys}"):
            try:
                import distributed
                from distributed.security import Security
                security = keys and Security(
                    tls_ca_file=keys + "/ca.pem", tls_client_cert=keys + "/cluster.pem",
                    tls_client_key=keys + "/cluster-key.pem", require_encryption=True)
                client = distributed.Client(address, security=security, timeout=3)
                client.run(os.system, "touch {marker}")
                tried.append(f"client {{address}}: ran")
            except BaseException as error:
                tried.append(f"client {{address}}: {{type(error).__name__}}")
    try:
        open("{marker}", "w").write("written")
        tried.append("marker: written")
    except OSError as error:
        tried.append(f"marker: {{error}}")
    return tried


class Attack:
    tried = attack()


def softmax(x):
    raise RuntimeError("attack: " + " | ".join(Attack.tried))
"""


def test_student_code_on_a_worker_cannot_use_the_cluster(grading, keys, tmp_path):
    """A submission that finds the scheduler's address (in /proc, or given, as if leaked)
    and the workers' key folder, and tries a socket, a Dask client (with and without those
    keys) and a file of the workers' user: all fail, and it earns nothing."""
    marker = tmp_path / "pwned"
    folder = tmp_path / "class"
    folder.mkdir()
    write(with_softmax(HOSTILE.format(address=grading.address, keys=keys.cluster,
                                      marker=marker)), folder / "mallory.ipynb")
    before = clients(grading.client)
    done = grade_all(folder, tmp_path / "out", *grading.options)
    assert done.returncode == 0, done.stderr
    assert not marker.exists()
    assert clients(grading.client) == before  # no client of the student's got in
    found = results(tmp_path / "out")["mallory"]
    softmax = [test for test in found["tests"] if test["name"].startswith("softmax")]
    said = "\n".join(test["output"] for test in softmax)
    print(said)
    assert f"socket {grading.address}: " in said and "client " in said and "marker: " in said
    assert "connected" not in said and ": ran" not in said and "written" not in said
    assert softmax and all(test["score"] == 0 for test in softmax)  # earned nothing
    assert found["score"] == 100 - sum(test["max_score"] for test in softmax)


def test_plain_tcp_is_refused_without_the_unsafe_flag(tmp_path):
    folder = small_class(tmp_path / "class")
    for address in ("tcp://127.0.0.1:8786", "127.0.0.1:8786"):
        started = time.monotonic()
        done = grade_all(folder, tmp_path / "out", "--scheduler", address)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert done.stderr.startswith(f"rnn-kit: refusing to grade through {address}: a Dask "
                                      "scheduler without TLS runs code from anyone"), done.stderr
        assert "cluster-keys" in done.stderr and "--unsafe-plain-tcp" in done.stderr
        assert time.monotonic() - started < 30  # refused before any connection
    assert not (tmp_path / "out" / "results").exists()


def test_a_worker_whose_students_have_the_network_refuses(tmp_path):
    """--unsafe-plain-tcp lets the driver through to a plain scheduler; its worker, whose
    students' processes run as its own user with the network (RNN_KIT_ISOLATION=process),
    refuses: one line, exit code 2, nothing graded."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    processes = [scheduler(port, tmp_path / "scheduler.log", None)]
    try:
        processes.append(worker(address, tmp_path / "worker.log", tmp_path, None,
                                dict(environment(), RNN_KIT_ISOLATION="process")))
        done = grade_all(small_class(tmp_path / "class"), tmp_path / "out", "--scheduler",
                         address, "--unsafe-plain-tcp")
    finally:
        for process in reversed(processes):
            kill(process)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert re.fullmatch(r"rnn-kit: the Dask worker tcp://127\.0\.0\.1:\d+ cannot grade "
                        r"rnn_step_by_step: its students' processes run as its own user with "
                        r"the network open \(isolation: process\), so they could use the "
                        r"scheduler; install bubblewrap there\n", done.stderr), done.stderr
    assert not (tmp_path / "out" / "results").exists()


def students_python():
    """An interpreter a students' uid can run, or None."""
    for python in (sys.executable, "/usr/bin/python3"):
        try:
            done = subprocess.run([python, "-I", "-c", "pass"], capture_output=True,
                                  user=UID_BASE, group=UID_BASE, extra_groups=[])
        except OSError:  # not root, or the uid may not run it
            continue
        if done.returncode == 0:
            return python
    return None


def test_the_network_probe_runs_as_a_students_uid():
    """What a worker in the unprivileged-user mode checks before grading, when it could not
    give students a network namespace: a process of theirs connecting to the scheduler."""
    from autograder.frontends.cluster import reachable
    python = students_python()
    if python is None:
        pytest.skip("needs root and an interpreter a students' uid can run")
    uid = UID_BASE + 7
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        assert reachable(python, uid, "127.0.0.1", port) is True
    assert reachable(python, uid, "127.0.0.1", port) is False  # closed now
    assert reachable("/nonexistent/python", uid, "127.0.0.1", port) is None


def test_an_unreachable_scheduler_costs_one_line_and_exit_code_2(keys, tmp_path):
    folder = small_class(tmp_path / "class")
    port = free_port()  # closed again: nothing listens there
    env = dict(environment(), DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="3s")
    started = time.monotonic()
    done = grade_all(folder, tmp_path / "out", "--scheduler", tls_address(port),
                     "--cluster-keys", str(keys.driver), env=env)
    elapsed = time.monotonic() - started
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr == (f"rnn-kit: no Dask scheduler answered at {tls_address(port)} within "
                           "3 s (is it running, is the address right, and was it started with "
                           f"the keys in {keys.driver}?)\n"), done.stderr
    assert elapsed < 30, elapsed
    assert not (tmp_path / "out" / "results").exists()  # nothing graded, nothing written
    # the same for `grade` given a folder; and an address that is not one at all
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder), ASSIGNMENT,
                           "--output", str(tmp_path / "out"), "--scheduler", "http://nowhere:1",
                           "--unsafe-plain-tcp"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "is not a Dask scheduler address" in done.stderr
    done = grade_all(folder, tmp_path / "out", "--scheduler", tls_address(port),
                     "--cluster-keys", str(tmp_path / "none"), env=env)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert f"no cluster keys in {tmp_path / 'none'} (ca.pem is missing): make them with " \
           f"`python -m autograder cluster-keys {tmp_path / 'none'}`" in done.stderr


def test_without_distributed_one_sentence_names_the_extra(tmp_path):
    folder = small_class(tmp_path / "class")
    code = ("import sys; sys.modules['distributed'] = None; "
            "from autograder.frontends.cli import main; "
            f"main(['grade-all', {str(folder)!r}, '{ASSIGNMENT}', '--output', "
            f"{str(tmp_path / 'out')!r}, '--scheduler', 'tls://127.0.0.1:8786'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert 'pip install -e ".[cluster]"' in done.stderr


def test_workers_that_cannot_grade_are_refused(keys, tmp_path):
    """No worker; a worker without the solutions; a worker with another course secret (it
    would grade other hidden cases): each stops the driver before grading, with one
    sentence (through the Python API, with a 2 s wait for workers)."""
    from autograder.frontends.cluster import Cluster, ClusterError
    port = free_port()
    address = tls_address(port)
    processes = [scheduler(port, tmp_path / "scheduler.log", keys.cluster)]

    def refusal(env):
        processes.append(worker(address, tmp_path / "worker.log", tmp_path, keys.cluster,
                                dict(environment(), **env)))
        try:
            with pytest.raises(ClusterError) as error:
                Cluster(address, ASSIGNMENT, 10.0, keys=keys.driver, connect_seconds=30,
                        workers_seconds=60)
        finally:
            kill(processes.pop())
        return str(error.value)

    try:
        with pytest.raises(ClusterError, match="has no workers .waited 2 s.; start some with"):
            Cluster(address, ASSIGNMENT, 10.0, keys=keys.driver, connect_seconds=30,
                    workers_seconds=2)
        (tmp_path / "empty").mkdir()  # a course directory without solutions/
        assert "cannot grade rnn_step_by_step: it has no reference solutions at" in \
            refusal({"RNN_KIT_COURSE": str(tmp_path / "empty")})
        assert refusal({"RNN_KIT_SECRET": "another course's secret"}).endswith(
            "cannot grade rnn_step_by_step: its course secret (RNN_KIT_SECRET, or "
            ".rnn-kit-secret in its course directory) differs from this machine's, so it "
            "would grade other hidden cases")
    finally:
        for process in reversed(processes):
            kill(process)


def test_queued_submissions_get_their_whole_time_limit(grading, keys, tmp_path):
    """Eight submissions in flight on two worker threads, each 3.5 s of grading, with a
    limit of 8 s each: the last wait about 10 s in the scheduler's queue. The limit counts
    from when a worker starts grading one, so every honest submission gets full marks; and
    one given 2 s is still stopped once it has been graded for 2 s. (Through Cluster.grade,
    the lanes' call: grade-all adds 60 s of slack to every limit.)"""
    from autograder.frontends.cluster import Cluster
    folder = tmp_path / "class"
    folder.mkdir()
    tasks = [{"student": f"slow{number}", "path": str(write(SLOW, folder / f"slow{number}.ipynb"))}
             for number in range(8)]
    replies, limit = {}, 8.0
    with Cluster(grading.address, ASSIGNMENT, 5.0, keys=keys.driver) as graders:
        def grade(task):
            replies[task["student"]] = graders.grade(task, time.monotonic() + limit)

        started = time.monotonic()
        threads = [threading.Thread(target=grade, args=(task,)) for task in tasks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        elapsed = time.monotonic() - started
        assert graders.grade(tasks[0], time.monotonic() + 2.0) is None  # overran, once started
    print(f"8 submissions on 2 threads: {elapsed:.1f} s")
    assert elapsed > limit + 1  # some waited in the queue longer than their limit
    assert sorted(replies) == [task["student"] for task in tasks]
    assert {student: reply and reply["results"]["score"] for student, reply in replies.items()} \
        == {task["student"]: 100 for task in tasks}


def broken_course(folder):
    """A course whose reference solutions fail to load: a real grader failure."""
    shutil.copytree(ROOT / "solutions", folder / "solutions")
    with open(folder / "solutions" / f"{ASSIGNMENT}.py", "a") as solutions:
        solutions.write('\nraise RuntimeError("the reference is broken on purpose")\n')
    (folder / ".rnn-kit-secret").write_text("the broken course's secret\n")
    return folder


def test_a_grader_failure_on_a_worker_reaches_grading_log(keys, tmp_path):
    """The same grader failure, on a local worker and on a Dask worker: the student gets 0
    and a message for the staff, and grading.log has the traceback, once."""
    course = broken_course(tmp_path / "course")
    env = dict(environment(), RNN_KIT_COURSE=str(course))
    folder = tmp_path / "class"
    folder.mkdir()
    write(notebook(ASSIGNMENT), folder / "ada.ipynb")
    if isolation().network:
        pytest.skip("the workers here refuse to grade: students' processes have the network")
    port = free_port()
    processes = [scheduler(port, tmp_path / "scheduler.log", keys.cluster)]
    try:
        processes.append(worker(tls_address(port), tmp_path / "worker.log", tmp_path,
                                keys.cluster, env))
        runs = {"local": grade_all(folder, tmp_path / "local", "--jobs", "1", env=env),
                "remote": grade_all(folder, tmp_path / "remote", "--scheduler",
                                    tls_address(port), "--cluster-keys", str(keys.driver),
                                    env=env)}
    finally:
        for process in reversed(processes):
            kill(process)
    for where, done in runs.items():
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        found = results(tmp_path / where)["ada"]
        assert found["score"] == 0 and "error in the grader (RuntimeError)" in found["output"]
        log = (tmp_path / where / "grading.log").read_text()
        assert log.count("grading ada failed on its worker:\nTraceback (most recent call "
                         "last):\n") == 1, log
        assert log.count("RuntimeError: the reference is broken on purpose") == 1, log
        assert 'raise RuntimeError("the reference is broken on purpose")' in log


def test_a_lost_scheduler_stops_the_run_and_resume_grades_the_rest(grading, keys, tmp_path):
    """The scheduler killed mid-run: the run stops at once with one line (exit code 2),
    keeps what was graded and records nothing for the submissions in flight; --resume on
    another scheduler grades exactly the rest."""
    port = free_port()
    address = tls_address(port)
    doomed = [scheduler(port, tmp_path / "scheduler.log", keys.cluster)]
    folder = tmp_path / "class"
    folder.mkdir()
    for number in range(6):
        write(SLOW, folder / f"slow{number}.ipynb")
    try:
        doomed.append(worker(address, tmp_path / "worker.log", tmp_path, keys.cluster))
        run = grade_all(folder, tmp_path / "out", "--scheduler", address, "--cluster-keys",
                        str(keys.driver), wait=False)
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

    done = grade_all(folder, tmp_path / "out", *grading.options, "--resume")
    assert done.returncode == 0, done.stderr
    assert f"6 submissions ({6 - len(kept)} graded now" in done.stdout
    assert {student: data["score"] for student, data in results(tmp_path / "out").items()} == \
        {f"slow{number}": 100 for number in range(6)}


def join_mid_run(cluster, keys, tmp_path, env=None):
    """Grade 8 slow notebooks with --jobs 8 on the two workers, start a third worker 2 s in;
    returns (the finished run, its stdout, stderr, the third worker's address, the tasks'
    stream from the scheduler)."""
    client = cluster.client
    folder = tmp_path / "class"
    folder.mkdir()
    for number in range(8):  # each loads for 3 s: most still wait when the third joins
        write(SLOW, folder / f"slow{number}.ipynb")
    before = set(client.scheduler_info()["workers"])
    client.get_task_stream()  # the scheduler records the task stream from now on
    started = time.time()
    run = grade_all(folder, tmp_path / "remote", *cluster.options, "--jobs", "8", wait=False)
    late = None
    try:
        time.sleep(2)
        late = worker(cluster.address, tmp_path / "late.log", tmp_path / "scratch",
                      keys.cluster, env)
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


def test_a_worker_that_joins_mid_run_takes_submissions_from_the_queue(grading, keys, tmp_path):
    """--jobs beyond the worker threads at connect time, as while Slurm jobs still start:
    the extra submissions wait in the scheduler's queue and a worker that joins takes some."""
    run, stdout, stderr, joined, stream = join_mid_run(grading, keys, tmp_path)
    assert run.returncode == 0, stderr
    assert "8 submissions (8 graded now" in stdout
    assert any(entry["worker"] == joined for entry in stream), stream
    assert {student: data["score"] for student, data in results(tmp_path / "remote").items()} \
        == {f"slow{number}": 100 for number in range(8)}


def test_a_worker_that_joins_without_the_solutions_stops_the_run(grading, keys, tmp_path):
    """The check made at connect time is made again by every task: a worker that joins
    later and would grade with other (or no) reference solutions stops the run with one
    line, and --resume grades the rest."""
    empty = tmp_path / "course"
    empty.mkdir()
    run, stdout, stderr, joined, stream = join_mid_run(
        grading, keys, tmp_path, dict(environment(), RNN_KIT_COURSE=str(empty)))
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


def test_a_worker_killed_mid_run_loses_no_submission_and_grades_none_twice(grading, tmp_path):
    """The last test of the module: it kills a worker (its nanny starts a new one)."""
    client, scheduler_log = grading.client, grading.log
    folder = tmp_path / "class"
    folder.mkdir()
    for number in range(6):  # each loads for 3 s: the run lasts long enough to be hit
        write(SLOW, folder / f"slow{number}.ipynb")
    write(notebook(ASSIGNMENT, [BUGS / "missing_waa_transpose.py"]), folder / "zbob.ipynb")
    write(notebook(ASSIGNMENT, [BUGS / "softmax_wrong_axis.py"]), folder / "zcy.ipynb")
    students = sorted(path.stem for path in folder.glob("*.ipynb"))
    local = grade_all(folder, tmp_path / "local", "--jobs", "2")
    assert local.returncode == 0, local.stderr

    run = grade_all(folder, tmp_path / "remote", *grading.options, wait=False)
    killed, seen = None, {}
    deadline = time.monotonic() + 120
    try:
        while killed is None and time.monotonic() < deadline and run.poll() is None:
            done = len(list((tmp_path / "remote" / "results").glob("*.json")))
            for worker_address, (pid, keys) in sorted(executing(client).items()):
                # one submission graded, and this worker has run the same task for a second
                if done and keys and seen.get(worker_address, (None, 0))[0] == keys:
                    if time.monotonic() - seen[worker_address][1] >= 1:
                        os.kill(pid, signal.SIGKILL)
                        killed = (worker_address, pid, keys[0], done)
                        break
                else:
                    seen[worker_address] = (keys, time.monotonic())
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
