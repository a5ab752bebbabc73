"""Where the time of grading one submission goes, and the floor under it.

For each assignment's bundled correct submission, in this process (warm, as a grade-all
worker is: the reference and its cases are built once beforehand and not counted):

- an interpreter start, `python -I -c pass`, and with NumPy imported, as fresh processes;
- the same under the sandbox's confinement (bubblewrap), where this machine has it;
- reading the notebook and extracting its definitions;
- a sandbox session: start the student's process, load the definitions, close it;
- the exercises themselves, called in this very process (no sandbox): the grading floor;
- the whole submission as a worker grades it (`grade_submission`, one lane).

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

from autograder import exercises  # noqa: E402
from autograder.check import check_exercise  # noqa: E402
from autograder.extract import submission_program  # noqa: E402
from autograder.grade import grade_submission, prepared  # noqa: E402
from autograder.notebook import KernelSession  # noqa: E402
from autograder.read import read_notebook  # noqa: E402
from autograder.reference import course_directory  # noqa: E402
from autograder.sandbox.runner import SandboxSession, bubblewrap, isolation  # noqa: E402

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

        def session():
            SandboxSession(program.statements).close()

        namespace = {"__name__": "__main__"}
        for statement in program.statements:
            exec(compile("\n" * (statement["line"] - 1) + statement["source"],
                         statement["cell"], "exec"), namespace)

        def in_process():
            for exercise in assignment.exercises:
                check_exercise(assignment, exercise, KernelSession(namespace),
                               cases[exercise.name], functions=reference.functions(),
                               matcher=reference.matcher(exercise))

        parts = [("read + extract", lambda: submission_program(release_cells,
                                                                read_notebook(path))),
                 ("sandbox session (start, load, close)", session),
                 ("the exercises, in this process", in_process),
                 ("whole submission, as a worker", lambda: grade_submission(path, name, jobs=1))]
        measured = [(label, median_ms(action, args.runs)) for label, action in parts]
        whole = measured[-1][1]
        print(f"{name}:")
        for label, ms in measured:
            print(f"  {label:<40} {ms:8.1f}   {100 * ms / whole:5.1f}% of the whole")


if __name__ == "__main__":
    main()
