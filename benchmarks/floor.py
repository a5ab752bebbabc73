"""Where the time of grading one submission goes, and the floor under it.

For each assignment's bundled correct submission, in this process (warm, as a grade-all
worker is: the reference and its cases are built once beforehand and not counted):

- an interpreter start, `python -I -c pass`, and with NumPy imported, as fresh processes;
- the same under the sandbox's confinement (bubblewrap), where this machine has it;
- reading the notebook and extracting its definitions;
- a sandbox session (start the student's process, load the definitions, close it), as a fresh
  process and as a worker makes it, forked from its zygote;
- the exercises themselves, called in this very process (no sandbox): with reading and
  extracting, the grading floor;
- the whole submission in fresh processes (`grade`) and as a worker grades it (forked
  from its zygote), and how far the worker is above the floor.

Prints medians of --runs runs (milliseconds) and the share of the whole that each part is.
Figures, not a test: nothing is asserted.

    python benchmarks/floor.py [--runs 7] [--assignment NAME ...]
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rnn_checks import exercises  # noqa: E402
from rnn_checks.check import check_exercise  # noqa: E402
from autograder.extract import submission_program  # noqa: E402
from autograder.grade import grade_submission, prepared  # noqa: E402
from rnn_checks.notebook import KernelSession  # noqa: E402
from autograder.read import read_notebook  # noqa: E402
from autograder.course import course_directory  # noqa: E402
from autograder.sandbox.isolation import bubblewrap, isolation  # noqa: E402
from autograder.sandbox.session import SandboxSession  # noqa: E402

ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OPENBLAS_NUM_THREADS": "1",
       "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def median_ms(action, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def process(command):
    return lambda: subprocess.run(command, env=ENV, check=True, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--assignment", action="append", choices=exercises.ASSIGNMENTS)
    args = parser.parse_args()
    confined = isolation()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; isolation: {confined}; medians of {args.runs} runs, ms")
    python = confined.python
    rows = [("interpreter start", process([python, "-I", "-c", "pass"])),
            ("interpreter + import numpy", process([python, "-I", "-c", "import numpy"]))]
    if confined.bubblewrap:
        with tempfile.TemporaryDirectory() as scratch:
            Path(scratch, ".sandbox").mkdir()
            wrap = bubblewrap(scratch, confined.prefixes)
            rows.append(("bubblewrap + interpreter + numpy",
                         process(wrap + [python, "-I", "-c", "import numpy"])))
            fixed = [(label, median_ms(action, args.runs)) for label, action in rows]
    else:
        fixed = [(label, median_ms(action, args.runs)) for label, action in rows]
    for label, ms in fixed:
        print(f"  {label:<40} {ms:8.1f}")
    for name in args.assignment or exercises.ASSIGNMENTS:
        assignment, release_cells, reference, cases = prepared(name, course_directory())
        path = ROOT / "tests" / "submissions" / name / "correct.ipynb"
        program = submission_program(release_cells, read_notebook(path))

        def session(reuse):
            return lambda: SandboxSession(program.statements, reuse=reuse).close()

        parts = [("read + extract", lambda: submission_program(release_cells,
                                                                read_notebook(path))),
                 ("sandbox session, fresh process", session(False)),
                 ("sandbox session, forked from a zygote", session(True)),
                 ("the exercises, in this process", lambda: in_process(name, path)),
                 ("whole submission, fresh processes", lambda: grade_submission(path, name,
                                                                                  jobs=1)),
                 ("whole submission, as a worker (zygote)",
                  lambda: grade_submission(path, name, reuse=True))]
        measured = dict((label, median_ms(action, args.runs)) for label, action in parts)
        whole = measured["whole submission, as a worker (zygote)"]
        print(f"{name}:")
        for label, ms in measured.items():
            print(f"  {label:<40} {ms:8.1f}   {100 * ms / whole:5.1f}% of a worker's")
        floor = measured["read + extract"] + measured["the exercises, in this process"]
        print(f"  floor (read + extract + exercises)       {floor:8.1f}; a worker takes "
              f"{whole / floor:.2f}x the floor")


def in_process(name, path):
    """Grade the notebook at `path` as the sandbox would, but in this process and without
    isolation: its definitions run here. The floor under any isolated grading."""
    assignment, release_cells, reference, cases = prepared(name, course_directory())
    program = submission_program(release_cells, read_notebook(path))
    namespace = {"__name__": "__main__"}
    for statement in program.statements:
        try:
            exec(compile("\n" * (statement["line"] - 1) + statement["source"],
                         statement["cell"], "exec"), namespace)
        except Exception:  # as in the student's process: that statement only
            pass
    for exercise in assignment.exercises:
        check_exercise(assignment, exercise, KernelSession(namespace), cases[exercise.name],
                       functions=reference.functions(), matcher=reference.matcher(exercise))


if __name__ == "__main__":
    main()
