"""Step 6: the report: Gradescope's results.json, a JUnit XML report for any CI, and a
readable per-exercise table."""
import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from rnn_checks.text import readable

# What must not reach a terminal or a one-line field (a progress line, a CSV cell): every
# C0 and C1 control character (ESC, BEL, newlines, 8-bit CSI), lone surrogates, line and
# paragraph separators and the bidirectional overrides that reorder what is shown.
NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e"
                          "\u2066-\u2069]")


def one_line(text):
    """`text` (a student ID, a file name, a message) safe to print on one line."""
    return NOT_ONE_LINE.sub("\ufffd", str(text))


def private_folder(path):
    """mkdir -p, each folder it creates open to its owner only (0700): students' code may run
    as another uid on this machine, and must not read classmates' results."""
    path = Path(path)
    if path != path.parent and not path.is_dir():
        private_folder(path.parent)
        path.mkdir(mode=0o700, exist_ok=True)


def replace_atomically(path, data):
    """Write `data` (bytes) to `path`, readable by its owner only (0600), so that a reader
    never sees half a file."""
    path = Path(path)
    private_folder(path.parent)
    temporary = path.with_name(path.name + ".partial")
    temporary.unlink(missing_ok=True)  # a stale one may have other modes
    with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
        handle.write(data)
    temporary.replace(path)


@dataclass
class Report:
    assignment: str
    max_score: float
    tests: list                          # check.TestResult, in exercise order
    output: str = ""                     # notebook-level remarks for the student
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        self.output = readable(self.output)

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
            "output": self.output or (f"{self.assignment}: {self.score:g} of "
                                      f"{self.max_score:g} points"),
            "tests": [{"name": t.name, "score": t.score, "max_score": t.max_score,
                       "status": "passed" if t.passed else "failed", "output": t.output}
                      for t in self.tests],
            "extra_data": dict(self.extra, assignment=self.assignment, max_score=self.max_score),
        }

    def write(self, path):
        replace_atomically(path, json.dumps(self.to_gradescope(), indent=1).encode())

    def to_junit(self, seconds=None):
        """The report as JUnit XML: one <testsuite> named after the assignment, and one
        <testcase classname="ASSIGNMENT.EXERCISE" name="TEST NAME"> per test. A failed test
        holds <failure message="first line of its output">its whole output</failure>. Points
        are <properties>: `score` and `max_score` on each test case (as pytest records
        properties) and on the suite, with `assignment` and the `isolation` used; the
        notebook-level remarks are the suite's <system-out>. `seconds`: the grading time."""
        failures = sum(not test.passed for test in self.tests)
        counts = {"tests": str(len(self.tests)), "failures": str(failures), "errors": "0",
                  "skipped": "0", "time": f"{seconds or 0:.3f}"}
        root = ET.Element("testsuites", dict(name=self.assignment, **counts))
        suite = ET.SubElement(root, "testsuite", dict(name=self.assignment, **counts))
        properties(suite, dict(self.extra, assignment=self.assignment, score=points(self.score),
                               max_score=points(self.max_score)))
        for test in self.tests:
            case = ET.SubElement(suite, "testcase", classname=f"{self.assignment}.{test.exercise}",
                                 name=test.name)
            properties(case, {"score": points(test.score), "max_score": points(test.max_score)})
            if not test.passed:
                failure = ET.SubElement(case, "failure", message=test.output.split("\n", 1)[0])
                failure.text = test.output  # already readable (check._result)
        if self.output:
            ET.SubElement(suite, "system-out").text = self.output
        ET.indent(root)
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)

    def write_junit(self, path, seconds=None):
        replace_atomically(path, self.to_junit(seconds) + b"\n")

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
        return "\n".join(one_line(row) for row in rows)  # for a terminal: no escape sequences


def points(value):
    """A score as written in the JUnit properties: up to 6 decimals, no trailing zeros."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def properties(element, values):
    group = ET.SubElement(element, "properties")
    for name, value in values.items():
        ET.SubElement(group, "property", name=name, value=readable(value))
