"""Benchmark: the dinosaurus_island training demo with the reference solution.

Trains the reference `model` on the whole bundled dataset for the notebook demo's 22,001
iterations (several runs) and once for the function's default 35,000, and prints the
wall-clock seconds. The issue's bound is 60 s on a 2-core machine. Figures, not a test.

    python benchmarks/dinosaurus_training.py [--runs 3]
"""
import argparse
import contextlib
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.reference import load_solutions  # noqa: E402


def train(reference, names, char_to_ix, ix_to_char, iterations):
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        reference.model(names, ix_to_char, char_to_ix, num_iterations=iterations)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    reference = load_solutions("dinosaurus_island")
    data = (ROOT / "assignments" / "dinosaurus_island" / "data" / "dinos.txt").read_text().lower()
    chars = sorted(set(data))
    char_to_ix = {ch: i for i, ch in enumerate(chars)}
    ix_to_char = {i: ch for i, ch in enumerate(chars)}
    names = data.splitlines()
    demo = [train(reference, names, char_to_ix, ix_to_char, 22001) for _ in range(args.runs)]
    print(f"{len(names)} names; reference model, notebook demo (22,001 iterations): median "
          f"{statistics.median(demo):.1f} s, min {min(demo):.1f} s ({args.runs} runs)")
    full = train(reference, names, char_to_ix, ix_to_char, 35000)
    print(f"reference model, default 35,000 iterations: {full:.1f} s (bound: 60 s)")


if __name__ == "__main__":
    main()
