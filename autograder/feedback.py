"""The feedback handed back to each student after a class run: markdown and an HTML page.

Both are built from the Report. Test outputs hold what the student's code raised or printed
(public case), so neither format may let that text out of its code block: the markdown
fences each block with a backtick run longer than any inside it, and the HTML page comes
from a Jinja2 template with autoescaping, never from re-reading the markdown.
"""
import functools
import re
from pathlib import Path

from .report import one_line


def sections(report):
    """[(exercise, points, [(test label, points, output)])], points as 'score / max'."""
    return [(name, f"{score:g} / {max_score:g}",
             [(test.name.split(": ", 1)[-1], f"{test.score:g} / {test.max_score:g}", test.output)
              for test in tests])
            for name, (score, max_score, tests) in report.exercises().items()]


def code_block(text):
    """`text` as a fenced code block that no backtick run inside it can close."""
    fence = "`" * max([3] + [len(run) + 1 for run in re.findall("`+", text)])
    return [fence, text, fence]


def markdown(report, student):
    lines = [f"# {report.assignment}: {report.score:g} / {report.max_score:g}", "",
             f"Student: {one_line(student)}", ""]
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
def template():
    import jinja2  # only a class run needs it
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return environment.get_template("feedback.html")


def html(report, student):
    return template().render(report=report, student=one_line(student),
                             total=f"{report.score:g} / {report.max_score:g}",
                             exercises=sections(report))
