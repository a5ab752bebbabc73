"""Student text is data wherever the staff look: what a submission holds reaches the pages
they open as text or harmless HTML, never as something that runs or as the grader's words.

- The safe nbgrader path (`python -m autograder nbgrader`, with real nbgrader around it): a
  notebook with hostile markdown, a raw HTML cell, saved outputs and metadata goes through
  nbgrader's `generate_feedback`. The page holds no script, event handler, javascript: URL,
  frame, form or style of the student's, in its HTML and in a real browser (Chromium, when
  installed), and the student's harmless markdown still reads as written. A control shows
  that the same notebook, rendered by nbconvert as it is, does run.
- A class run (`grade-all`) with a hostile student ID and hostile printed output: the
  feedback markdown, rendered by two markdown renderers, shows them only as code; the HTML
  feedback page and the class report, only as text.
"""
import base64
import html
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import mistune
import pytest

from tests.submissions import ROOT, notebook, write
from tests.flows.test_nbgrader import visible_text

ASSIGNMENT = "rnn_step_by_step"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# What a payload does when it runs: it marks the page. The mark's name is put together at
# run time, so finding it in a page's DOM means that a payload ran, not that its text is there.
RUN = "document.documentElement.dataset['pw'+'ned']=1"   # no comma: a cell tag holds it
MARK = "data-pwned"
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5E"
       "rkJggg==")
SVG = "<svg xmlns='http://www.w3.org/2000/svg' onload=\"" + RUN + "\"><script>" + RUN + \
      "</script></svg>"

ATTACK = f"""Harmless words before the attack.

<script>{RUN}</script>
<img src=x onerror="{RUN}">
<svg onload="{RUN}"><circle r="4"/></svg>
<iframe src="javascript:{RUN}"></iframe>
<object data="javascript:{RUN}"></object><embed src="javascript:{RUN}">
<form action="javascript:{RUN}"><button formaction="javascript:{RUN}">send</button></form>
<style>body {{ display: none }}</style>
<p style="position:fixed;top:0;left:0;width:100%;height:100%;background:white">Full marks</p>
<details open ontoggle="{RUN}"><summary>more</summary>details text</details>
<a href="  JaVaScRiPt:{RUN}">click me</a> <a href="jav&#x09;ascript:{RUN}">tab</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>
<math><mtext><table><mglyph><style><img src=x onerror="{RUN}"></style></mglyph></table>
</mtext></math>

[a link](javascript:{RUN}) ![an image](javascript:{RUN}) [entity link](&#106;avascript:{RUN})

```mermaid
</pre><img src=x onerror="{RUN}">
```
"""

NOTES = r"""## My notes on the RNN cell

- the hidden state carries the past
- `a_next = tanh(Wax @ x + Waa @ a_prev + ba)` is one step

Gradients vanish when $|w| < 1$, and the loss is $$\mathcal{L} = -\sum_t \log p_t$$

| step | loss |
|:--|--:|
| 1 | 2.5 |
| 2 | 1.25 |

> I checked `x[t] <= y` for every t & it held.

See [NumPy](https://numpy.org/doc/) for `np.tanh`.
"""
NOTES_READ = ["My notes on the RNN cell", "the hidden state carries the past",
              "a_next = tanh(Wax @ x + Waa @ a_prev + ba)", "$|w| < 1$",
              r"$$\mathcal{L} = -\sum_t \log p_t$$", "x[t] <= y", "for every t & it held",
              "NumPy", "np.tanh", "Harmless words before the attack.", "raw bold"]
PLAIN = "### Plain notes\n\n1. first\n2. second\n\nSome *emphasis*, `code[0]` & $x^2$.\n"

SAVED_OUTPUTS = [
    {"output_type": "display_data", "metadata": {"image/png": {"width": f"1 onerror={RUN}"}},
     "data": {"text/html": f"<script>{RUN}</script><img src=x onerror=\"{RUN}\">",
              "image/svg+xml": SVG, "application/javascript": RUN, "image/png": PNG,
              "text/markdown": f"<img src=x onerror=\"{RUN}\">", "text/plain": "shown"}},
    {"output_type": "execute_result", "execution_count": 3, "metadata": {},
     "data": {"text/html": f"<iframe src=\"javascript:{RUN}\"></iframe>"}},
]


def markdown_cell(source, **extra):
    return {"cell_type": "markdown", "metadata": extra.pop("metadata", {}), "source": source,
            **extra}


def hostile_notebook():
    """The correct submission with, added by the student: harmless notes, an attack in
    markdown, a raw HTML cell, images attached to a markdown cell (one an SVG with a
    script), saved outputs, a cell tag and an nbgrader grade_id that break out of their
    attributes, and widget state whose HTML would run."""
    nb = notebook(ASSIGNMENT)
    cells = nb["cells"]
    code = next(cell for cell in cells if cell["cell_type"] == "code")
    code.update(outputs=[dict(output) for output in SAVED_OUTPUTS], execution_count=3)
    code["metadata"]["tags"] = [f'x" onmouseover="{RUN}']
    cells[1:1] = [
        markdown_cell(NOTES), markdown_cell(PLAIN), markdown_cell(ATTACK),
        {"cell_type": "raw", "metadata": {"raw_mimetype": "text/html"},
         "source": f"<script>{RUN}</script><b onmouseover=\"{RUN}\">raw bold</b>"},
        markdown_cell("![dot](attachment:dot.png) ![evil](attachment:evil.svg)", attachments={
            "dot.png": {"image/png": PNG},
            "evil.svg": {"image/svg+xml": base64.b64encode(SVG.encode()).decode()}}),
        markdown_cell("A task of my own.", metadata={"nbgrader": {
            "task": True, "grade": False, "solution": False, "locked": False, "points": 0,
            "schema_version": 3, "grade_id": f'x"><img src=x onerror="{RUN}">'}}),
    ]
    for number, cell in enumerate(cells[1:7]):
        cell["id"] = f"student-{number}"
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "version_major": 2, "version_minor": 0, "state": {"m": {
            "model_name": "HTMLModel", "model_module": "@jupyter-widgets/controls",
            "model_module_version": "2.0.0",
            "state": {"value": f"<img src=x onerror=\"{RUN}\">"}}}}}
    return nb


class Elements(HTMLParser):
    """A page's elements: [(tag, {attribute: value})], the scripts and the text."""

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.elements, self.scripts, self.text, self.open = [], [], [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self.open.append(tag)
        if tag == "script":
            self.scripts.append([dict(attrs).get("src") or "", ""])

    def handle_endtag(self, tag):
        while self.open and self.open.pop() != tag:
            pass

    def handle_data(self, data):
        if self.open and self.open[-1] == "script":
            self.scripts[-1][1] += data
        self.text.append(data)

    def count(self, tag):
        return sum(name == tag for name, _ in self.elements)


ACTIVE_TAGS = ["script", "iframe", "object", "embed", "form", "button", "input", "svg", "math",
               "style", "meta", "base", "link", "frame", "frameset", "noscript", "template"]
URL_ATTRIBUTES = ["href", "src", "action", "formaction", "data", "xlink:href", "poster"]


def squeezed(url):
    """A URL as a browser reads its scheme: without spaces and control characters."""
    return "".join(char for char in html.unescape(url or "") if char > " ").lower()


def problems(page, baseline):
    """What in `page` could run or restyle it beyond what nbconvert's page for an honest
    student (`baseline`) has: [] for an inert page."""
    found, base = Elements(page), Elements(baseline)
    wrong = [f"{text!r} in the page" for text in ("javascript:", "onerror=", "onload=", "<script")
             if page.lower().count(text) != baseline.lower().count(text)]  # its CSS has some
    wrong += [f"<{tag} {name}=…>" for tag, attrs in found.elements for name in attrs
              if name.lower().startswith("on")]
    wrong += [f"{found.count(tag)} <{tag}> (honest page: {base.count(tag)})"
              for tag in ACTIVE_TAGS if found.count(tag) != base.count(tag)]
    if sorted(map(tuple, found.scripts)) != sorted(map(tuple, base.scripts)):
        wrong.append("scripts that an honest student's page does not have")
    styles = {attrs["style"] for _, attrs in base.elements if "style" in attrs}
    wrong += [f"style={attrs['style']!r}" for _, attrs in found.elements
              if attrs.get("style") not in styles | {None} and
              not re.fullmatch(r"text-align:(left|right|center)", attrs["style"])]
    for tag, attrs in found.elements:
        for name in URL_ATTRIBUTES:
            url = squeezed(attrs.get(name))
            if url.startswith(("javascript:", "vbscript:")) or url.startswith("data:") and \
                    not (tag == "img" and url.startswith(("data:image/png", "data:image/jpeg"))):
                wrong.append(f"<{tag} {name}={url[:40]!r}>")
    return wrong


def chromium_dom(path):
    """The DOM Chromium builds from `path` after its scripts ran."""
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           "--virtual-time-budget=3000", "--dump-dom", path.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


# ------------------------------------------------------- the safe nbgrader path, real nbgrader

@pytest.fixture(scope="module")
def safe_course(tmp_path_factory):
    """`python -m autograder nbgrader` then `nbgrader generate_feedback`, for an honest
    student and one whose notebook is hostile."""
    from tests.flows.test_nbgrader import environment, nbgrader, submitted_course
    course = submitted_course(tmp_path_factory.mktemp("hostile-course"), notebooks={
        "honest": notebook(ASSIGNMENT), "hostile": hostile_notebook()})
    done = subprocess.run([sys.executable, "-m", "autograder", "nbgrader", ASSIGNMENT,
                           f"--course={course}"], cwd=course, env=environment(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
    return course


def feedback_page(course, student):
    return course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"


@pytest.mark.slow
def test_the_hostile_submission_is_graded_as_any_other(safe_course):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{safe_course / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission(ASSIGNMENT, "hostile").score == 100


@pytest.mark.slow
def test_the_feedback_page_holds_nothing_of_the_student_that_runs(safe_course):
    honest = feedback_page(safe_course, "honest").read_text()
    hostile = feedback_page(safe_course, "hostile").read_text()
    assert problems(hostile, honest) == []


@pytest.mark.slow
def test_the_students_harmless_markdown_still_reads_as_written(safe_course):
    page = feedback_page(safe_course, "hostile").read_text()
    text = " ".join(visible_text(page).split())
    for words in NOTES_READ + ["Plain notes", "Some emphasis, code[0] & $x^2$."]:
        assert " ".join(words.split()) in text, words
    elements = Elements(page)
    assert ("a", {"href": "https://numpy.org/doc/", "rel": "noopener noreferrer"}) in \
        elements.elements
    assert ("img", {"src": f"data:image/png;base64,{PNG}", "alt": "dot"}) in elements.elements
    assert elements.count("table") == 1 and elements.count("blockquote") == 1
    for tag, words in [("h2", "My notes on the RNN cell"), ("h3", "Plain notes"),
                       ("li", "the hidden state carries the past"), ("td", "1.25"),
                       ("code", "x[t] &lt;= y"), ("code", "code[0]"), ("em", "emphasis"),
                       ("b", "raw bold")]:
        assert re.search(fr"<{tag}\b[^>]*>{re.escape(words)}<", page), (tag, words)


@pytest.mark.slow
def test_autograded_notebook_keeps_plain_markdown_and_no_student_output(safe_course):
    nb = json.loads((safe_course / "autograded" / "hostile" / ASSIGNMENT / NOTEBOOK).read_text())
    sources = ["".join(cell["source"]) for cell in nb["cells"]]
    assert PLAIN in sources   # nothing in it can become HTML: kept as the student wrote it
    assert not any("<script" in source or "onerror" in source for source in sources)
    assert set(nb["metadata"]) <= {"kernelspec", "language_info"}
    for cell in nb["cells"]:
        assert "attachments" not in cell
        graded = cell["metadata"].get("nbgrader", {}).get("grade")
        if cell["cell_type"] == "code" and not graded:
            assert cell["outputs"] == []
        elif cell["cell_type"] == "code":   # the hidden test's feedback and points: text
            stream, points = cell["outputs"]
            assert stream["output_type"] == "stream" and list(points["data"]) == ["text/plain"]


def nbconvert_page(nb):
    """nbconvert's HTML of a notebook (classic template, as nbgrader's feedback), as it is."""
    import nbformat
    from nbconvert import HTMLExporter
    node = nbformat.reads(json.dumps(nb), as_version=4)
    return HTMLExporter(template_name="classic").from_notebook_node(node)[0]


@pytest.mark.slow
def test_control_the_same_notebook_runs_when_rendered_as_it_is(tmp_path):
    """nbconvert's own HTML of the notebook as submitted: the checks above would fail."""
    page = nbconvert_page(hostile_notebook())
    found = problems(page, nbconvert_page(notebook(ASSIGNMENT)))
    for expected in ["'javascript:' in the page", "'onerror=' in the page", "<img onerror=…>",
                     "scripts that an honest student's page does not have"]:
        assert expected in found, found
    if CHROMIUM:
        (tmp_path / "raw.html").write_text(page)
        assert MARK in chromium_dom(tmp_path / "raw.html")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs "
                                             "Debian's chromium)")
def test_no_payload_runs_in_a_browser(safe_course):
    dom = chromium_dom(feedback_page(safe_course, "hostile"))
    assert "Harmless words before the attack." in dom   # the page was rendered
    assert MARK not in dom


def test_every_notebook_copied_to_autograded_is_inert(tmp_path):
    """A second notebook in the student's folder reaches autograded/ too (and nbgrader's
    generate_feedback converts every notebook there)."""
    from autograder.frontends.nbgrader_course import copy_regular_files
    (tmp_path / "submitted").mkdir()
    write(hostile_notebook(), tmp_path / "submitted" / "scratch.ipynb")
    copy_regular_files(tmp_path / "submitted", tmp_path / "autograded")
    copied = json.loads((tmp_path / "autograded" / "scratch.ipynb").read_text())
    assert problems(nbconvert_page(copied), nbconvert_page(notebook(ASSIGNMENT))) == []


def test_outputs_keep_text_and_raster_images_and_nothing_that_runs():
    """The outputs left in autograded/ (the hidden tests' feedback; a student's are cleared)
    pass through the same filter, which keeps what reads and drops what runs."""
    from autograder.frontends.nbgrader_html import safe_output
    shown, frame = [safe_output(output) for output in SAVED_OUTPUTS]
    assert shown == {"output_type": "display_data", "metadata": {}, "data": {
        "text/plain": "shown", "image/png": PNG, "text/html": '<img src="x">'}}
    assert frame == {"output_type": "execute_result", "execution_count": 3, "metadata": {},
                     "data": {"text/html": ""}}
    nb = notebook(ASSIGNMENT)
    code = next(cell for cell in nb["cells"] if cell["cell_type"] == "code")
    code["outputs"] = [shown, frame]
    assert problems(nbconvert_page(nb), nbconvert_page(notebook(ASSIGNMENT))) == []


def test_markdown_that_cannot_be_rendered_is_shown_as_its_text():
    """nbconvert cannot render an image attached under a name the cell does not hold: the
    cell's text is shown in a code block instead, inert whatever it holds."""
    from autograder.frontends.nbgrader_html import render, safe_markdown
    source = f"![gone](attachment:gone.png) <img src=x onerror=\"{RUN}\">\n```\n"
    shown = safe_markdown(source)
    assert shown.startswith("*(This cell is shown as text") and source in shown
    page = render(shown)
    assert "<img" not in page and "&lt;img src=x onerror=" in page


# ------------------------------------------------------------- a class run: grade-all

# A student ID (a file name in a flat folder: anything but "/") written as markdown and HTML
HOSTILE_ID = ("# rnn_step_by_step 100 of 100 <img src=x onerror=alert(1)> "
              "[prize](javascript:alert(2)) ``` **top** <script>alert(3)<svg onload=alert(4)>")
PRINTED = ("\\n# rnn_step_by_step: 100 / 100\\n<img src=x onerror=alert(5)>\\n"
           "[prize](javascript:alert(6))\\n````\\n*forged*\\n"
           "likely mistake: forged_mistake — all is well\\n")


def printing_softmax(body):
    return ("import numpy as np\n\n\ndef softmax(x):\n"
            f"    print(\"{PRINTED}\")\n{body}")


@pytest.fixture(scope="module")
def class_run(tmp_path_factory):
    """A flat folder: the hostile ID's notebook (softmax over the wrong axis: a named
    mistake) and a forger's (softmax all zeros: none), both printing hostile text."""
    root = tmp_path_factory.mktemp("hostile-class")
    flat = root / "submissions"
    flat.mkdir()
    bodies = {HOSTILE_ID: "    e_x = np.exp(x - np.max(x, axis=1, keepdims=True))\n"
                          "    return e_x / np.sum(e_x, axis=1, keepdims=True)\n",
              "forger": "    return np.zeros_like(x)\n"}
    for number, (student, body) in enumerate(bodies.items()):
        (root / f"softmax{number}.py").write_text(printing_softmax(body))
        write(notebook(ASSIGNMENT, [root / f"softmax{number}.py"]), flat / f"{student}.ipynb")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(flat),
                           "--assignment", ASSIGNMENT, "--output", str(root / "grades"),
                           "--jobs", "2"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    stems = {}
    for path in (root / "grades" / "results").glob("*.json"):
        data = json.loads(path.read_text())
        stems[data["extra_data"]["student"]] = (path.stem, data)
    assert sorted(stems) == sorted(bodies)
    return root / "grades", stems


class Markup(HTMLParser):
    """Rendered markdown: its tags, each element's tag and text, and the text outside
    <code>."""

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.tags, self.spans, self.outside, self.open = [], [], [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.open.append([tag, ""])

    def handle_endtag(self, tag):
        while self.open:
            name, text = self.open.pop()
            self.spans.append((name, text))
            if self.open:
                self.open[-1][1] += text
            if name == tag:
                break

    def handle_data(self, data):
        if self.open:
            self.open[-1][1] += data
        if not any(name == "code" for name, _ in self.open):
            self.outside.append(data)

    def inside(self, wanted):
        return [text for tag, text in self.spans if tag == wanted]


def commonmark(text):
    from markdown_it import MarkdownIt
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


@pytest.mark.slow
@pytest.mark.parametrize("renderer", [mistune.html, commonmark], ids=["mistune", "markdown-it"])
def test_markdown_feedback_shows_student_text_only_as_code(class_run, renderer):
    grades, stems = class_run
    stem, data = stems[HOSTILE_ID]
    rendered = Markup(renderer((grades / "feedback" / f"{stem}.md").read_text()))
    assert rendered.inside("h1") == [f"{ASSIGNMENT}: {data['score']:g} / 100"]
    assert all(" / " in heading for heading in rendered.inside("h2"))   # exercises only
    assert len(rendered.inside("h2")) == len({t["name"].split(":")[0] for t in data["tests"]})
    for tag in ("img", "a", "script", "svg", "em"):
        assert tag not in rendered.tags, tag
    assert set(rendered.inside("strong")) <= {t["name"].split(": ", 1)[1] for t in data["tests"]}
    codes = "\n".join(rendered.inside("code"))
    assert HOSTILE_ID in codes and "<img src=x onerror=alert(5)>" in codes
    outside = "".join(rendered.outside)
    for student_text in ("onerror", "prize", "forged", "100 of 100", "alert"):
        assert student_text not in outside, student_text


@pytest.mark.slow
def test_html_feedback_and_class_report_show_student_text_as_text(class_run):
    grades, stems = class_run
    stem, _ = stems[HOSTILE_ID]
    page = (grades / "feedback" / f"{stem}.html").read_text()
    report = (grades / "report.html").read_text()
    for text in (page, report):
        elements = Elements(text)
        tags = [tag for tag, _ in elements.elements]
        assert "img" not in tags and "script" not in tags and "<script" not in text
        assert not [name for _, attrs in elements.elements for name in attrs
                    if name.startswith("on")]
        assert not [attrs for tag, attrs in elements.elements if tag == "a" and
                    not attrs.get("href", "").startswith("#")]   # only the page's own links
    assert f"Student: {HOSTILE_ID}" in visible_text(page)
    assert "<img src=x onerror=alert(5)>" in visible_text(page)
    assert HOSTILE_ID in visible_text(report)   # named as the student who made the mistake


def test_every_page_template_is_autoescaped_and_marks_nothing_safe():
    from autograder.pages import feedback
    folder = ROOT / "autograder" / "pages" / "templates"
    for path in folder.glob("*.html"):
        assert feedback.template(path.name).environment.autoescape is True
        source = path.read_text()
        assert not re.search(r"\|\s*safe\b|autoescape\s+false|Markup", source), path.name


@pytest.mark.slow
def test_printed_text_cannot_forge_a_named_mistake(class_run):
    """A line the student's code printed is not the grader's named mistake, on the pages or
    in the class report, even where the grader named none."""
    grades, stems = class_run
    report = visible_text((grades / "report.html").read_text())
    assert "softmax_wrong_axis" in report and "forged_mistake" not in report
    forger = visible_text((grades / "feedback" / f"{stems['forger'][0]}.html").read_text())
    assert "forged_mistake — all is well" in forger          # shown, in the test's output
    assert "Likely mistake:" not in forger                    # but not as the grader's
