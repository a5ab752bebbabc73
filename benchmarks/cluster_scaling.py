"""Benchmark: grading a class locally versus through a Dask scheduler on this machine.

Generates N synthetic submissions (as benchmarks/grade_class.py does: a third correct,
some written in other styles, the rest with one to three realistic bugs) in a flat folder
and grades them, each run a fresh `python -m autograder grade-all` process (start-up
included), four ways:

- local, `--jobs 1` and `--jobs 2` (grade-all's own worker processes);
- `--scheduler` on a scheduler started here (`dask scheduler` on loopback, with TLS and
  keys from `make_keys`, as the README starts it) with 1 worker, then with 2 workers
  (`dask worker --nthreads 1` each, under their nannies).

The scheduler and workers are started beforehand and not timed. A cluster is long-lived:
its workers keep the reference, the cases and their sandbox zygote between runs, so one
untimed run warms each worker set up first; local runs start their workers every time, as
grade-all always does. Prints the median seconds of --runs runs, submissions per minute,
the ratio to the local run of the same width (cluster seconds / local seconds), the
overhead per submission through the scheduler ((cluster - local) / N, in ms), the machine,
and whether every run gave every student the same score. Figures, not a test: nothing is
asserted.

    python benchmarks/cluster_scaling.py [--submissions 40] [--runs 3]
"""
import argparse
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.grade_class import synthetic_class  # noqa: E402
from autograder.frontends.cluster_keys import make_keys, security  # noqa: E402
from benchmarks.grade_one import PYTHON, environment  # noqa: E402
from tests.submissions import write  # noqa: E402

ASSIGNMENT = "rnn_step_by_step"
DASK = str(Path(PYTHON).parent / "dask")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command, log):
    """A process in its own process group (killed with all it started)."""
    return subprocess.Popen(command, cwd=ROOT, env=environment(), stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def tls(keys):
    """The scheduler's and workers' TLS options, as the README starts them."""
    return ["--tls-ca-file", str(keys / "ca.pem"), "--tls-cert", str(keys / "cluster.pem"),
            "--tls-key", str(keys / "cluster-key.pem")]


def start_worker(address, logs, number, keys):
    return start([DASK, "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                  "--no-dashboard", "--dashboard-address", "127.0.0.1:0",
                  "--local-directory", str(logs / "scratch"), *tls(keys)],
                 open(logs / f"worker{number}.log", "w"))


def grade_all(folder, output, *extra):
    """(seconds, {student: total}) of one fresh grade-all process."""
    started = time.perf_counter()
    done = subprocess.run([PYTHON, "-m", "autograder", "grade-all", str(folder),
                           "--assignment", ASSIGNMENT, "--output", str(output), *extra],
                          cwd=ROOT, env=environment(), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"grade-all {' '.join(extra)} failed:\n{done.stdout[-2000:]}\n"
                         f"{done.stderr[-3000:]}")
    scores = {row.split(",")[0]: float(row.split(",")[1])
              for row in (Path(output) / "scores.csv").read_text().splitlines()[1:]}
    return seconds, scores


def timed(folder, scratch, name, runs, extra, warm_up=False):
    """{"name", "times", "scores": [...]} of `runs` runs (after one untimed, if warm_up)."""
    result = {"name": name, "times": [], "scores": []}
    for number in range(runs + warm_up):
        seconds, scores = grade_all(folder, scratch / f"{name}-{number}".replace(" ", "_"),
                                    *extra)
        if warm_up and number == 0:
            result["cold"] = seconds
            continue
        result["times"].append(seconds)
        result["scores"].append(scores)
        print(f"  {name}: {seconds:.1f} s", flush=True)
    result["median"] = statistics.median(result["times"])
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import distributed  # the cluster extra: pip install -e ".[cluster]"

    count = args.submissions
    processes = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        folder = scratch / "class"
        folder.mkdir()
        for student, nb in synthetic_class(count).items():
            write(nb, folder / f"{student}.ipynb")
        logs = scratch / "logs"
        logs.mkdir()
        rows = {}
        try:
            for jobs in (1, 2):
                rows[f"local {jobs}"] = timed(folder, scratch, f"local --jobs {jobs}",
                                              args.runs, ["--jobs", str(jobs)])
            keys = scratch / "keys"
            make_keys(keys)
            address = f"tls://127.0.0.1:{free_port()}"
            processes.append(start([DASK, "scheduler", "--host", "127.0.0.1", "--port",
                                    address.rsplit(":", 1)[1], "--protocol", "tls",
                                    "--no-dashboard", "--dashboard-address", "127.0.0.1:0",
                                    *tls(keys)], open(logs / "scheduler.log", "w")))
            with distributed.Client(address, timeout=60, set_as_default=False,
                                    security=security(address, keys)) as client:
                for workers in (1, 2):
                    processes.append(start_worker(address, logs, workers, keys))
                    client.wait_for_workers(workers, timeout=120)
                    rows[f"cluster {workers}"] = timed(
                        folder, scratch, f"scheduler, {workers} worker" + "s" * (workers > 1),
                        args.runs, ["--scheduler", address, "--cluster-keys", str(keys)],
                        warm_up=True)
        finally:
            for process in reversed(processes):
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait()

    reference = rows["local 1"]["scores"][0]
    runs = [scores for row in rows.values() for scores in row["scores"]]
    disagree = sorted({student for scores in runs for student in reference
                       if abs(scores.get(student, -1) - reference[student]) > 1e-9})
    print(f"\n{count} synthetic {ASSIGNMENT} submissions "
          f"({sum(score == 100 for score in reference.values())} at full marks), medians of "
          f"{args.runs} runs")
    print(f"{platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, "
          f"distributed {distributed.__version__}")
    print(f"{'grader':<26} {'seconds':>8} {'per minute':>10} {'vs local':>9} "
          f"{'overhead/submission':>20}")
    for width in (1, 2):
        local = rows[f"local {width}"]["median"]
        for kind in ("local", "cluster"):
            row = rows[f"{kind} {width}"]
            seconds = row["median"]
            overhead = "" if kind == "local" else f"{(seconds - local) / count * 1000:+.0f} ms"
            print(f"{row['name']:<26} {seconds:>8.1f} {count / seconds * 60:>10.0f} "
                  f"{seconds / local:>8.2f}x {overhead:>20}")
    print("first run of each worker set (cold workers, not in the medians): "
          + ", ".join(f"{rows[f'cluster {n}']['name']} {rows[f'cluster {n}']['cold']:.1f} s"
                      for n in (1, 2)))
    print(f"scores agree across all {len(runs)} runs on {count - len(disagree)} of {count} "
          "submissions" + (f"; differ: {disagree[:10]}" if disagree else ""))


if __name__ == "__main__":
    main()
