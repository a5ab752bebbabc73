"""How often the feedback names the right mistake, over the project's own catalogues.

Every bug of tests/submissions/<assignment>/bugs/ is graded as a whole submission (the
correct one with that bug), through the sandbox as the CLI grades; its feedback is read for
the `likely mistake: <id>` line. A bug file declares the id it should get (`mistake: id` in
its docstring; `mistake: none` where no edit of the reference can reproduce it, e.g. it
raises). Every correct variant is graded too: none may get a `likely mistake` line.

Prints, per assignment and in all: bugs, named right, named wrong, not named; and the
variants that got a line. Figures, not a test (tests/solutions/test_catalogue.py asserts
each declared id).

    python benchmarks/named_mistakes.py [--assignment NAME ...]
"""
import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rnn_checks import exercises  # noqa: E402
from autograder.grade import grade_submission  # noqa: E402
from tests.submissions import (bug_files, broken_function, declared_mistake, notebook,  # noqa: E402
                               variant_files, write)


def named(report, exercise=None):
    """The ids in the report's `likely mistake` lines (of one exercise, if given)."""
    return [line.split(": ", 1)[1].split(" — ")[0]
            for test in report.tests if exercise is None or test.exercise == exercise
            for line in test.output.splitlines() if line.startswith("likely mistake: ")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", action="append", choices=exercises.ASSIGNMENTS)
    args = parser.parse_args()
    totals = {"bugs": 0, "right": 0, "wrong": 0, "none": 0, "variants": 0, "false": 0}
    print(f"{'assignment':<22} {'bugs':>5} {'named right':>12} {'named wrong':>12} "
          f"{'not named':>10} {'variants':>9} {'variants named':>15}")
    with tempfile.TemporaryDirectory() as scratch:
        for assignment in args.assignment or exercises.ASSIGNMENTS:
            counts = dict.fromkeys(totals, 0)
            misses = []
            for bug in bug_files(assignment):
                path = write(notebook(assignment, [bug]), Path(scratch) / "bug.ipynb")
                got = named(grade_submission(path, assignment), broken_function(bug))
                want = declared_mistake(bug)
                counts["bugs"] += 1
                if want and got == [want]:
                    counts["right"] += 1
                elif got:
                    counts["wrong"] += 1
                    misses.append(f"{bug.stem}: named {got}, declared {want}")
                else:
                    counts["none"] += 1
                    misses.append(f"{bug.stem}: not named (declared {want or 'none'})")
            for variant in variant_files(assignment):
                path = write(notebook(assignment, [variant]), Path(scratch) / "variant.ipynb")
                counts["variants"] += 1
                if named(grade_submission(path, assignment)):
                    counts["false"] += 1
                    misses.append(f"variant {variant.stem} got a likely mistake line")
            for key in totals:
                totals[key] += counts[key]
            print(f"{assignment:<22} {counts['bugs']:>5} {counts['right']:>12} "
                  f"{counts['wrong']:>12} {counts['none']:>10} {counts['variants']:>9} "
                  f"{counts['false']:>15}")
            for miss in misses:
                print(f"    {miss}")
    print(f"{'all':<22} {totals['bugs']:>5} {totals['right']:>12} {totals['wrong']:>12} "
          f"{totals['none']:>10} {totals['variants']:>9} {totals['false']:>15}")
    print(f"named right: {totals['right']} of {totals['bugs']} bugs "
          f"({100 * totals['right'] / max(totals['bugs'], 1):.0f}%); correct variants with a "
          f"likely mistake line: {totals['false']} of {totals['variants']}")


if __name__ == "__main__":
    main()
