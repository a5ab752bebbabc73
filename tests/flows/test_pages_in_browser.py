"""The feedback page and the class report, rendered by a real browser (headless Chromium).

Each page is written by a real class run (`grade-all`), opened by Chromium, and checked in the
DOM Chromium built: the tables are whole, the pictures are there, nothing of a hidden case
leaks, and no script runs. Screenshots are kept in test-artifacts/ for people to look at."""
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from rnn_checks import exercises
from tests.submissions import HERE, ROOT, notebook, write

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run "
                                                          "installs Debian's chromium)")]
ARTIFACTS = ROOT / "test-artifacts"
NAME = "rnn_step_by_step"
BUGS = ["missing_waa_transpose", "da_prev_not_carried", "softmax_wrong_axis"]


def chromium(*args):
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           "--hide-scrollbars", *args], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class Page(HTMLParser):
    """The elements of a DOM that matter here: tables' rows, svg pictures, scripts, text."""

    def __init__(self, dom):
        super().__init__()
        self.tags, self.rows, self.text, self.table = [], {}, [], None
        self.feed(dom)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "table":
            self.table = dict(attrs).get("id")
        if tag == "tr" and self.table:
            self.rows[self.table] = self.rows.get(self.table, 0) + 1

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def class_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    submissions = root / "submissions"
    submissions.mkdir()
    write(notebook(NAME), submissions / "correct.ipynb")
    write(notebook(NAME, [HERE / NAME / "bugs" / f"{bug}.py" for bug in BUGS]),
          submissions / "buggy.ipynb")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(submissions),
                           "--assignment", NAME, "--output", str(root / "out"), "--jobs", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    return root / "out"


def render(path, screenshot):
    chromium("--window-size=1100,2400", f"--screenshot={ARTIFACTS / screenshot}", path.as_uri())
    assert (ARTIFACTS / screenshot).stat().st_size > 10_000
    return Page(chromium("--dump-dom", path.as_uri()))


def test_the_feedback_page_renders_whole(class_run):
    page = render(class_run / "feedback" / "buggy.html", "feedback.png")
    assert page.rows["scores"] == len(exercises.load(NAME).exercises) + 1
    assert "script" not in page.tags
    assert page.tags.count("details") == len(exercises.load(NAME).exercises)
    text = " ".join(page.text)
    assert "Likely mistake:" in text and "missing_transpose" in text
    # The public case's pictures: a heatmap over time for rnn_backward and gradient errors.
    assert page.tags.count("svg") >= 2 and "rect" in page.tags
    assert "|yours - expected| of dx" in text


def test_the_feedback_page_shows_no_hidden_values(class_run):
    """A hidden case's feedback is words, shapes and counts: no number of its values appears
    in the page, in text or in a picture."""
    html = (class_run / "feedback" / "buggy.html").read_text()
    for block in re.findall(r"hidden case \d[^<]*", html):
        assert "expected -" not in block and "got " not in block, block
    titles = re.findall(r"<figcaption>([^<]*)</figcaption>", html)
    assert titles and all("hidden" not in title for title in titles)


def test_the_class_report_renders_whole(class_run):
    page = render(class_run / "report.html", "class_report.png")
    text = " ".join(page.text)
    assert page.rows["exercises"] == len(exercises.load(NAME).exercises) + 1
    assert page.rows["mistakes"] >= 2 and "missing_transpose" in text and "buggy" in text
    assert "histogram" in text and "script" not in page.tags
    assert "2 submissions" in text
