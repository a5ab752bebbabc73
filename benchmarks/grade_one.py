"""Benchmark: grading one submission with the CLI versus with `nbgrader autograde`.

For each assignment's bundled examples (tests/submissions/ASSIGNMENT/{correct,typical_bugs}.ipynb):

- the CLI, `python -m autograder grade NOTEBOOK ...`, as a fresh process each time (process
  start and imports included), `--runs` times;
- `nbgrader autograde ASSIGNMENT --student ID --force` in a temporary course directory,
  `--nbgrader-runs` times. generate_assignment runs once beforehand and is not timed.

Prints median and minimum wall-clock seconds, the ratio nbgrader / CLI (medians) and the
score each path gave. Figures, not a test: nothing is asserted.

    python benchmarks/grade_one.py [--runs 5] [--nbgrader-runs 3] [--no-nbgrader]
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Absolute: the processes run in other folders, and PATH may name the venv relatively.
PYTHON = os.path.abspath(sys.executable)
ASSIGNMENTS = ["rnn_step_by_step", "dinosaurus_island", "rnn_language_model",
               "gradient_checking"]
NOTEBOOKS = ["correct.ipynb", "typical_bugs.ipynb"]


def examples(assignment):
    return ROOT / "tests" / "submissions" / assignment


def environment():
    """nbgrader runs `alembic` from PATH; every process imports this checkout's autograder."""
    env = dict(os.environ)
    env["PATH"] = str(Path(PYTHON).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("RNN_KIT_COURSE", None)
    return env


def run(command, cwd):
    """Wall-clock seconds of one subprocess; raises with its output if it fails."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=environment(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(map(str, command))}\n"
                         f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return seconds


def time_cli(notebook, assignment, runs, scratch):
    output = scratch / f"{notebook.stem}.json"
    command = [PYTHON, "-m", "autograder", "grade", str(notebook),
               "--assignment", assignment, "--output", str(output)]
    times = [run(command, scratch) for _ in range(runs)]
    return times, json.loads(output.read_text())["score"]


def nbgrader(course, *args):
    return run([PYTHON, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}",
                "--log-level=ERROR"], course)


def released_course(course, assignment):
    """A new nbgrader course directory with `assignment` released; returns the seconds
    generate_assignment took."""
    course.mkdir()
    shutil.copytree(ROOT / "assignments", course / "assignments")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    return nbgrader(course, "generate_assignment", assignment)


def make_course(scratch, assignment):
    course = scratch / f"course-{assignment}"
    seconds = released_course(course, assignment)
    for name in NOTEBOOKS:
        folder = course / "submitted" / Path(name).stem / assignment
        folder.mkdir(parents=True)
        shutil.copy(examples(assignment) / name, folder / f"{assignment}.ipynb")
    return course, seconds


def nbgrader_score(course, assignment, student):
    """The total nbgrader recorded for the student, from its gradebook."""
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return gradebook.find_submission(assignment, student).score


def time_nbgrader(course, assignment, student, runs):
    times = [nbgrader(course, "autograde", assignment, "--student", student, "--create", "--force")
             for _ in range(runs)]
    return times, nbgrader_score(course, assignment, student)


def row(label, times, score):
    return (f"  {label:<28} median {statistics.median(times):6.2f} s   min {min(times):6.2f} s"
            f"   ({len(times)} runs)   score {score:g}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="CLI runs per notebook (default 5)")
    parser.add_argument("--nbgrader-runs", type=int, default=3,
                        help="nbgrader autograde runs per notebook (default 3)")
    parser.add_argument("--no-nbgrader", action="store_true", help="time the CLI only")
    parser.add_argument("--assignment", choices=ASSIGNMENTS, action="append",
                        help="only this assignment (repeatable; default: all)")
    args = parser.parse_args(argv)

    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPU cores; {PYTHON}")
    with tempfile.TemporaryDirectory(prefix="rnn-kit-bench-") as scratch:
        scratch = Path(scratch)
        for assignment in args.assignment or ASSIGNMENTS:
            benchmark(assignment, args, scratch)


def benchmark(assignment, args, scratch):
    course = None
    print(f"\n== {assignment}")
    if not args.no_nbgrader:
        course, seconds = make_course(scratch, assignment)
        print(f"nbgrader generate_assignment (once, not counted): {seconds:.2f} s")
    for name in NOTEBOOKS:
        print(f"\n{name}")
        cli_times, cli_score = time_cli(examples(assignment) / name, assignment, args.runs, scratch)
        print(row("CLI (python -m autograder)", cli_times, cli_score))
        if course is None:
            continue
        nb_times, nb_score = time_nbgrader(course, assignment, Path(name).stem, args.nbgrader_runs)
        print(row("nbgrader autograde", nb_times, nb_score))
        ratio = statistics.median(nb_times) / statistics.median(cli_times)
        same = "same score" if abs(nb_score - cli_score) < 1e-6 else "SCORES DIFFER"
        print(f"  nbgrader / CLI (medians): {ratio:.1f}x   ({same})")


if __name__ == "__main__":
    main()
