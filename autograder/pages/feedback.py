"""The feedback handed back to each student after a class run: markdown and an HTML page.

Both are built from the Report. Test outputs hold what the student's code raised or printed
(public case), the notebook remarks may quote the notebook, and the student ID is whatever
the submission was named: none of it may become the grader's words. The markdown puts each
of them in a code block fenced with a backtick run longer than any inside it, and the HTML
page comes from a Jinja2 template with autoescaping, never from re-reading the markdown.
Assignment, exercise and test names come from the assignment's spec, not from a submission.
"""
import functools
import math
import re
from pathlib import Path

from ..report import one_line


def sections(report):
    """[(exercise, points, [(test label, points, output)])], points as 'score / max'."""
    return [(name, f"{score:g} / {max_score:g}",
             [(test.name.split(": ", 1)[-1], f"{test.score:g} / {test.max_score:g}", test.output)
              for test in tests])
            for name, (score, max_score, tests) in report.exercises().items()]


MISTAKE = "likely mistake: "


def named_mistake(output):
    """The named mistake in a test's output, or None. check.with_mistake_line puts it right
    under the output's first line (the case's header): only there, since what the student's
    code printed or raised comes later and may start with the same words."""
    lines = output.split("\n", 2)
    return lines[1][len(MISTAKE):] if len(lines) > 1 and lines[1].startswith(MISTAKE) else None


def page_sections(report):
    """What the HTML page shows of each exercise: its points, whether it passed, its named
    mistake (check.with_mistake_line), and each test with its output and pictures."""
    found = []
    for name, (score, max_score, tests) in report.exercises().items():
        mistakes = [named_mistake(test.output) for test in tests if named_mistake(test.output)]
        found.append({"name": name, "points": f"{score:g} / {max_score:g}",
                      "passed": score >= max_score - 1e-9, "mistake": (mistakes or [None])[0],
                      "tests": [{"label": test.name.split(": ", 1)[-1], "passed": test.passed,
                                 "points": f"{test.score:g} / {test.max_score:g}",
                                 "output": test.output, "pictures": test.pictures}
                                for test in tests]})
    return found


def code_block(text):
    """`text` as a fenced code block that no backtick run inside it can close."""
    fence = "`" * max([3] + [len(run) + 1 for run in re.findall("`+", text)])
    return [fence, text, fence]


def markdown(report, student):
    """The feedback as markdown: the grader's words as markdown, everything from the student
    (ID, notebook remarks, test outputs) in code blocks, which any renderer shows as text."""
    lines = [f"# {report.assignment}: {report.score:g} / {report.max_score:g}", "",
             "Student:", "", *code_block(one_line(student)), ""]
    if report.output:
        lines += [*code_block(report.output), ""]
    lines += ["| exercise | points |", "| --- | --- |"]
    exercises = sections(report)
    lines += [f"| {name} | {points} |" for name, points, _ in exercises]
    for name, points, tests in exercises:
        lines += ["", f"## {name}: {points}"]
        for label, test_points, output in tests:
            lines += ["", f"**{label}**: {test_points}", "", *code_block(output)]
    return "\n".join(lines) + "\n"


@functools.lru_cache(maxsize=None)
def template(name):
    import jinja2  # only a class run needs it
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["log10"] = lambda value: math.log10(max(float(value), 1e-16))
    return environment.get_template(name)


def html(report, student):
    return template("feedback.html").render(
        report=report, student=one_line(student), total=f"{report.score:g} / {report.max_score:g}",
        exercises=page_sections(report))


def class_summary(assignment, reports):
    """What the class report shows: the score histogram (10 bins), each exercise's pass rate,
    and the named mistakes, most common first, with the students who made each."""
    totals = [report.score / report.max_score * 100 if report.max_score else 0.0
              for report in reports.values()]
    bins = [0] * 10
    for total in totals:
        bins[min(int(total // 10), 9)] += 1
    passed, mistakes = {e.name: 0 for e in assignment.exercises}, {}
    for student, report in sorted(reports.items()):
        for exercise in page_sections(report):
            passed[exercise["name"]] = passed.get(exercise["name"], 0) + exercise["passed"]
            if exercise["mistake"]:
                key = (exercise["name"], exercise["mistake"].split(" — ")[0])
                mistakes.setdefault(key, []).append(one_line(student))
    count = max(len(reports), 1)
    return {"students": len(reports), "bins": bins, "mean": sum(totals) / count,
            "exercises": [{"name": name, "passed": number, "rate": number / count}
                          for name, number in passed.items()],
            "mistakes": [{"exercise": exercise, "id": mistake, "students": students}
                         for (exercise, mistake), students in
                         sorted(mistakes.items(), key=lambda item: -len(item[1]))]}


def class_html(assignment, reports):
    """report.html of a class run, for the course staff."""
    return template("class_report.html").render(assignment=assignment.name,
                                                **class_summary(assignment, reports))
