"""The output folder of a class run and its formats: each student's results and feedback
(written as each submission is graded), grading.log, and the class-level files (the
gradebook, scores.csv, the end-of-run summary, JUnit XML)."""
import csv
import io
import json
import os
import re
import sqlite3
import statistics
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from ...pages import feedback
from rnn_checks.check import TestResult
from ...grade import GRADER_FAILED, STOPPED
from ...report import Report, one_line, private_folder, readable, replace_atomically
from .discovery import file_name


def report_from_json(data):
    """A Report rebuilt from results.json (its tests are what feedback and gradebooks need)."""
    extra = dict(data.get("extra_data", {}))
    return Report(extra.pop("assignment", ""), extra.pop("max_score", 0.0),
                  [TestResult(t["name"], t["score"], t["max_score"], t.get("output", ""))
                   for t in data.get("tests", [])], data.get("output", ""), extra)


class Outputs:
    """The output folder: per-student files, written as each submission is graded."""

    def __init__(self, folder):
        self.folder = Path(folder)
        private_folder(self.folder)

    def results(self, student):
        return self.folder / "results" / f"{file_name(student)}.json"

    def graded(self, student, digest):
        """The stored results for this exact submission, or None (also where grading it
        failed for a reason not the student's: --resume tries it again)."""
        try:
            data = json.loads(self.results(student).read_text())
        except (OSError, ValueError):
            return None
        retry = str(data.get("output", "")).startswith((STOPPED[:40], GRADER_FAILED[:40]))
        same = data.get("extra_data", {}).get("submission_sha256") == digest
        return data if same and not retry else None

    def write(self, student, report):
        report.write(self.results(student))
        name = file_name(student)
        replace_atomically(self.folder / "feedback" / f"{name}.md",
                           feedback.markdown(report, student).encode())
        replace_atomically(self.folder / "feedback" / f"{name}.html",
                           feedback.html(report, student).encode())

    def log(self):
        """grading.log, opened for appending (created readable by its owner only)."""
        return open(self.folder / "grading.log", "a",
                    opener=lambda path, flags: os.open(path, flags, 0o600))


def record(outputs, student, report, digest):
    report.extra.update(student=student, submission_sha256=digest)
    outputs.write(student, report)


def record_in_gradebook(folder, assignment, student, report):
    """gradebook.sqlite: one row per student and exercise (exercise '' holds the total)."""
    rows = [("", report.score, report.max_score)] + \
        [(name, score, max_score) for name, (score, max_score, _) in report.exercises().items()]
    path = folder / "gradebook.sqlite"
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # sqlite would create it 0644
    db = sqlite3.connect(path)
    with db:  # one transaction: a student's scores are all there or none are
        db.execute("CREATE TABLE IF NOT EXISTS scores (assignment TEXT, student TEXT, "
                   "exercise TEXT, score REAL, max_score REAL, "
                   "PRIMARY KEY (assignment, student, exercise))")
        db.executemany("INSERT OR REPLACE INTO scores VALUES (?, ?, ?, ?, ?)",
                       [(assignment.name, student, *row) for row in rows])
    db.close()


def spreadsheet_cell(value):
    """A CSV cell a spreadsheet shows as text: one line, and never a formula (OWASP: a cell
    starting with = + - @ tab or CR gets a leading single quote)."""
    value = one_line(value)
    return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


def write_csv(path, assignment, reports):
    names = [exercise.name for exercise in assignment.exercises]
    table = io.StringIO(newline="")
    writer = csv.writer(table)
    writer.writerow(["student", "total", *names])
    for student, report in sorted(reports.items()):
        scores = report.exercises()
        writer.writerow([spreadsheet_cell(cell) for cell in [
            student, f"{report.score:g}",
            *[f"{scores[name][0]:g}" if name in scores else "" for name in names]]])
    replace_atomically(path, table.getvalue().encode())


def summary(assignment, reports, elapsed, graded, peaks):
    """The end-of-run account: histogram, the exercises most often failed, common messages."""
    totals = [report.score / report.max_score * 100 for report in reports.values()]
    lines = [f"{assignment.name}: {len(reports)} submissions ({graded} graded now in "
             f"{elapsed:.1f} s" + (f", {graded / elapsed * 60:.0f} per minute" if graded else "")
             + (f", worker peak memory {max(p[0] for p in peaks):.0f} MB, a student's process "
                f"up to {max(p[1] for p in peaks):.0f} MB" if peaks else "") + ")"]
    if not totals:
        return lines[0]
    lines.append(f"mean {statistics.mean(totals):.1f}%, median {statistics.median(totals):.1f}%")
    lines.append("score histogram:")
    bins = Counter(min(int(total // 10), 9) for total in totals)
    for low in range(10):
        label = f"{low * 10:3d}-{low * 10 + 10 if low < 9 else 100:<3d}%"
        lines.append(f"  {label} {'#' * bins[low]} {bins[low] or ''}".rstrip())
    failed, messages = Counter(), Counter()  # students, not tests: hidden cases repeat
    for report in reports.values():
        for name, (score, max_score, _) in report.exercises().items():
            if score < max_score - 1e-9:
                failed[name] += 1
        messages.update({failure_message(test) for test in report.tests if not test.passed}
                        - {None})
    if failed:
        lines.append("exercises most often failed:")
        lines += [f"  {name}: {count} of {len(reports)}" for name, count in failed.most_common(5)]
        lines.append("most common failure messages:")
        lines += [f"  {message[:100]}: {count} of {len(reports)}"
                  for message, count in messages.most_common(5)]
    return "\n".join(lines)


def failure_message(test):
    """What a failed test says went wrong, its numbers masked (they differ between students
    while the message recurs); None where it says nothing about the mistake."""
    lines = test.output.splitlines()
    line = one_line((lines[1:2] or lines[:1] or ["(no message)"])[0].strip())
    return None if line.startswith("not credited") else re.sub(r"\d+(\.\d+)?", "N", line)


def class_junit(assignment_name, reports):
    """One JUnit XML document for a class: each student's Report.to_junit <testsuite>, named
    after the student, whose name also leads each test case's classname (CI tools tell
    test cases apart by classname and name)."""
    root = ET.Element("testsuites", name=assignment_name)
    counts = Counter()
    for student, report in sorted(reports.items()):
        suite = ET.fromstring(report.to_junit()).find("testsuite")
        suite.set("name", readable(student))
        for case in suite.iter("testcase"):
            case.set("classname", f"{readable(student)}.{case.get('classname')}")
        counts.update({key: int(suite.get(key)) for key in ("tests", "failures")})
        root.append(suite)
    root.attrib.update(tests=str(counts["tests"]), failures=str(counts["failures"]),
                       errors="0", skipped="0")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
