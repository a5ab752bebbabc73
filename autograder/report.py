"""Step 6: the report: Gradescope's results.json and a readable per-exercise table."""
import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Report:
    assignment: str
    max_score: float
    tests: list                          # check.TestResult, in exercise order
    output: str = ""                     # notebook-level remarks for the student
    extra: dict = field(default_factory=dict)

    @property
    def score(self):
        return round(sum(test.score for test in self.tests), 6)

    def exercises(self):
        """{exercise: (score, max_score, tests)} in order."""
        table = {}
        for test in self.tests:
            score, max_score, tests = table.get(test.exercise, (0.0, 0.0, []))
            table[test.exercise] = (score + test.score, max_score + test.max_score, tests + [test])
        return table

    def to_gradescope(self):
        return {
            "score": self.score,
            "output": self.output or f"{self.assignment}: {self.score:g} of {self.max_score:g} points",
            "tests": [{"name": t.name, "score": t.score, "max_score": t.max_score,
                       "status": "passed" if t.passed else "failed", "output": t.output}
                      for t in self.tests],
            "extra_data": dict(self.extra, assignment=self.assignment, max_score=self.max_score),
        }

    def write(self, path):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".partial")
        temporary.write_text(json.dumps(self.to_gradescope(), indent=1))
        temporary.replace(path)  # a reader never sees half a file

    def table(self, title=""):
        rows = [f"{title or self.assignment}: {self.score:g} / {self.max_score:g}"]
        if self.output:
            rows += [f"  {line}" for line in self.output.splitlines()]
        width = max([len(name) for name in self.exercises()] + [8])
        for name, (score, max_score, tests) in self.exercises().items():
            mark = "ok" if score >= max_score - 1e-9 else "FAIL"
            first = next((t for t in tests if not t.passed), None)
            why = ""
            if first:
                lines = first.output.splitlines()
                why = f"  {first.name.split(': ', 1)[1]}: " + (lines[1].strip() if len(lines) > 1
                                                                 else lines[0])
            rows.append(f"  {name:<{width}} {score:6.2f} / {max_score:5.2f}  {mark:<4}{why}")
        return "\n".join(rows)
