"""Benchmark: grading a class with `grade-all --jobs 2` versus `nbgrader autograde`.

Generates N synthetic submissions of one assignment (default rnn_step_by_step; a mixture:
correct, correct written differently, and one to three realistic bugs from
tests/submissions/), puts them in a temporary nbgrader course
(submitted/<student>/<assignment>/), and grades the same notebooks both ways in one run:

- `python -m autograder grade-all COURSE --assignment ASSIGNMENT --jobs 2`, as one fresh
  process (start-up, workers and all included);
- `nbgrader autograde ASSIGNMENT` over the whole course (generate_assignment runs
  beforehand and is not timed);
- the floor: the same notebooks graded in the benchmark's own process with no isolation at
  all (their definitions run there; a sample of 30, scaled), divided by 2 cores.

Prints submissions per minute for both, the ratio, the peak memory of a grade-all worker
(and of the largest process of the run), and whether both gave every student the same
score. Figures, not a
test: nothing is asserted.

    python benchmarks/grade_class.py [--submissions 100] [--nbgrader-submissions N]
                                     [--assignment rnn_language_model]

--nbgrader-submissions grades only the first N with nbgrader (for a quick run); the
throughput is then per the notebooks each graded, and agreement is checked on those.
"""
import argparse
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.floor import in_process  # noqa: E402
from benchmarks.grade_one import PYTHON, environment, nbgrader, released_course  # noqa: E402
from tests.submissions import HERE, notebook, write  # noqa: E402

ASSIGNMENT = "rnn_step_by_step"


def synthetic_class(count, seed=0):
    """{student: notebook}: a third correct (some in other styles), the rest with bugs."""
    rng = random.Random(seed)
    bugs = sorted((HERE / ASSIGNMENT / "bugs").glob("*.py"))
    variants = sorted((HERE / ASSIGNMENT / "variants").glob("*.py"))
    students = {}
    for number in range(count):
        if number % 3 == 0:
            overrides = rng.sample(variants, rng.randint(0, 2))
        else:
            overrides = rng.sample(bugs, rng.randint(1, 3))
        students[f"student{number:03d}"] = notebook(ASSIGNMENT, overrides)
    return students


def nbgrader_scores(course, students):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {student: gradebook.find_submission(ASSIGNMENT, student).score
                for student in students}


def main():
    global ASSIGNMENT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--nbgrader-submissions", type=int, default=None)
    parser.add_argument("--assignment", default=ASSIGNMENT,
                        choices=["rnn_step_by_step", "dinosaurus_island", "rnn_language_model",
                                 "gradient_checking"])
    args = parser.parse_args()
    ASSIGNMENT = args.assignment
    students = synthetic_class(args.submissions)
    with tempfile.TemporaryDirectory() as scratch:
        course = Path(scratch) / "course"
        released_course(course, ASSIGNMENT)
        for student, nb in students.items():
            folder = course / "submitted" / student / ASSIGNMENT
            folder.mkdir(parents=True)
            write(nb, folder / f"{ASSIGNMENT}.ipynb")

        start = time.perf_counter()
        done = subprocess.run(
            [PYTHON, "-m", "autograder", "grade-all",
             str(course), "--assignment", ASSIGNMENT, "--jobs", "2",
             "--output", str(course / "engine")],
            env=environment(), capture_output=True, text=True)
        ours = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"grade-all failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        worker_peak = re.search(r"worker peak memory (\d+) MB, a student's process up to "
                                r"(\d+) MB", done.stdout)
        engine_scores = {row.split(",")[0]: float(row.split(",")[1]) for row in
                         (course / "engine" / "scores.csv").read_text().splitlines()[1:]}

        # The floor: the same class graded in this one process without any isolation
        # (definitions run here), a sample of it, spread over the same 2 cores.
        sample = sorted(students)[:min(len(students), 30)]
        start = time.perf_counter()
        for student in sample:
            in_process(ASSIGNMENT, course / "submitted" / student / ASSIGNMENT
                       / f"{ASSIGNMENT}.ipynb")
        floor = (time.perf_counter() - start) / len(sample) * len(students) / 2

        checked = sorted(students)[:args.nbgrader_submissions or len(students)]
        if len(checked) < len(students):  # nbgrader grades only the first N students
            for student in sorted(students)[len(checked):]:
                shutil.move(course / "submitted" / student, Path(scratch) / student)
        start = time.perf_counter()
        nbgrader(course, "autograde", ASSIGNMENT, "--create", "--force")
        theirs = time.perf_counter() - start
        nbgrader_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        reference = nbgrader_scores(course, checked)

    disagree = [s for s in checked if abs(engine_scores[s] - reference[s]) > 1e-6]
    our_rate, their_rate = len(students) / ours * 60, len(checked) / theirs * 60
    print(f"{len(students)} synthetic {ASSIGNMENT} submissions "
          f"({sum(score == 100 for score in engine_scores.values())} at full marks), "
          f"Python {sys.version.split()[0]}, {__import__('os').cpu_count()} cores")
    print(f"{'grader':<28} {'submissions':>11} {'seconds':>8} {'per minute':>10}")
    print(f"{'grade-all --jobs 2':<28} {len(students):>11} {ours:>8.1f} {our_rate:>10.1f}")
    print(f"{'nbgrader autograde':<28} {len(checked):>11} {theirs:>8.1f} {their_rate:>10.1f}")
    print(f"{'floor (no isolation, 2 cores)':<28} {len(students):>11} {floor:>8.1f} "
          f"{len(students) / floor * 60:>10.1f}")
    print(f"throughput ratio (grade-all / nbgrader): {our_rate / their_rate:.1f}x")
    above = (ours - floor) / len(students) * 2000
    print(f"grade-all takes {ours / floor:.2f}x the floor ({above:.0f} ms of a core per "
          "submission above it, start-up included)")
    print(f"peak memory (resident): a grade-all worker "
          f"{worker_peak.group(1) if worker_peak else '?'} MB, a student's process up to "
          f"{worker_peak.group(2) if worker_peak else '?'} MB; the largest process of the "
          f"whole run (nbgrader's included) {nbgrader_peak:.0f} MB")
    print(f"scores agree on {len(checked) - len(disagree)} of {len(checked)} submissions"
          + (f"; differ: {disagree[:10]}" if disagree else ""))


if __name__ == "__main__":
    main()
