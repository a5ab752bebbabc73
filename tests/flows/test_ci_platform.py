"""CI platforms: `grade --junit/--min-score`, run as real processes, and the GitHub Classroom
workflow template, whose `run:` steps are executed for real with bash."""
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml  # PyYAML: in the test environment through Jupyter (jupyter_events)

from rnn_checks import exercises
from tests.submissions import HERE, ROOT, notebook, write

ASSIGNMENT = "rnn_step_by_step"
EXAMPLES = HERE / ASSIGNMENT
WORKFLOW = ROOT / "autograder" / "frontends" / "platforms" / "github-classroom.yml"


def grade(submission, folder, *extra):
    """(exit code, results.json, JUnit root, stdout) of the real CLI; the files are new."""
    folder.mkdir(parents=True, exist_ok=True)
    results, junit = folder / "results.json", folder / "junit.xml"
    assert not results.exists() and not junit.exists()
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission),
                          "--assignment", ASSIGNMENT, "--output", str(results),
                          "--junit", str(junit), *extra],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert "Traceback" not in run.stderr, run.stderr
    return run.returncode, json.loads(results.read_text()), ET.parse(junit).getroot(), run.stdout


def assert_junit_matches(root, results):
    """The JUnit report holds the same tests as results.json, failures with their output."""
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    failed = [test for test in results["tests"] if test["status"] == "failed"]
    assert suite.get("name") == ASSIGNMENT
    assert int(suite.get("tests")) == len(cases) == len(results["tests"])
    assert int(suite.get("failures")) == len(failed) == len(suite.findall("testcase/failure"))
    assert float(suite.get("time")) > 0
    suite_points = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
    assert float(suite_points["score"]) == pytest.approx(results["score"])
    for case, test in zip(cases, results["tests"]):
        assert case.get("name") == test["name"]
        assert case.get("classname") == f"{ASSIGNMENT}.{test['name'].split(':')[0]}"
        case_points = {p.get("name"): p.get("value") for p in case.findall("properties/property")}
        assert float(case_points["score"]) == pytest.approx(test["score"])
        assert float(case_points["max_score"]) == pytest.approx(test["max_score"])
        failure = case.find("failure")
        assert (failure is not None) == (test["status"] == "failed")
        if failure is not None:
            assert failure.text == test["output"]
            assert failure.get("message") == test["output"].split("\n")[0]


@pytest.mark.parametrize("example", ["correct.ipynb", "typical_bugs.ipynb"])
def test_junit_report_and_min_score(tmp_path, example):
    code, results, root, _ = grade(EXAMPLES / example, tmp_path / "plain")
    assert code == 0  # without --min-score: 0 whenever the files were written
    assert_junit_matches(root, results)
    if example == "correct.ipynb":
        assert results["score"] == 100 and not root.findall(".//failure")
    else:
        assert 0 < results["score"] < 100 and root.findall(".//failure")
    score = results["score"]
    code, at, _, stdout = grade(EXAMPLES / example, tmp_path / "at", "--min-score", repr(score))
    assert code == 0 and at["score"] == score and "below the minimum" not in stdout
    code, above, root, stdout = grade(EXAMPLES / example, tmp_path / "above",
                                      "--min-score", repr(score + 0.1))
    assert code == 1  # and still both files, complete
    assert above == results and "below the minimum score" in stdout
    assert_junit_matches(root, above)


def test_control_characters_in_the_output_still_give_valid_xml(tmp_path):
    nb = notebook(ASSIGNMENT)
    (cell,) = [c for c in nb["cells"]
               if c["metadata"].get("nbgrader", {}).get("grade_id") == "rnn_cell_forward"]
    cell["source"] = ("def rnn_cell_forward(xt, a_prev, parameters):\n"
                      "    raise ValueError('nul \\x00 bell \\x07 escape \\x1b[31m red "
                      "surrogate \\ud800 non-character \\ufffe <tag> & end')\n")
    code, results, root, _ = grade(write(nb, tmp_path / "hostile.ipynb"), tmp_path / "out")
    assert code == 0
    (public,) = [t for t in results["tests"]
                 if t["name"] == "rnn_cell_forward: values, public case"]
    # the public case shows the message, with what no reader can show replaced
    assert "nul \ufffd bell \ufffd escape \ufffd[31m red surrogate \ufffd" in public["output"]
    assert not any(c in public["output"] for c in "\x00\x07\x1b\ud800\ufffe")
    raw = (tmp_path / "out" / "junit.xml").read_text(encoding="utf-8")
    assert not any(ord(c) < 32 and c not in "\t\n\r" for c in raw)
    (failure,) = [case.find("failure") for case in root.iter("testcase")
                  if case.get("name") == public["name"]]
    assert failure.text == public["output"] and "<tag> & end" in failure.text
    assert failure.get("message") == public["output"].split("\n")[0]


# --- the GitHub Classroom workflow template --------------------------------------------------

def workflow():
    return yaml.safe_load(WORKFLOW.read_text())


def steps_using(steps, action):
    return [step for step in steps if step.get("uses", "").split("@")[0] == action]


def test_workflow_template_has_the_described_steps():
    text = WORKFLOW.read_text()
    flow = workflow()
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"push", "workflow_dispatch"}
    env = flow["env"]
    assert env["ASSIGNMENT"] in exercises.ASSIGNMENTS
    assert 0 <= float(env["MIN_SCORE"]) <= 100 and "/" in env["COURSE_REPOSITORY"]
    (job,) = flow["jobs"].values()
    steps = job["steps"]
    student, course = steps_using(steps, "actions/checkout")
    assert "repository" not in student.get("with", {})
    assert course["with"] == {"repository": "${{ env.COURSE_REPOSITORY }}",
                              "token": "${{ secrets.COURSE_TOKEN }}", "path": "course",
                              "persist-credentials": False}
    (python,) = steps_using(steps, "actions/setup-python")
    assert str(python["with"]["python-version"]) == "3.11"
    runs = [step["run"] for step in steps if "run" in step]
    assert runs[0] == "python -m pip install ./course"  # the grading core, no extras
    assert runs[1].startswith("RNN_KIT_COURSE=course python -m autograder grade")
    assert all("${{" not in run for run in runs)  # values reach the shell as env vars only
    (upload,) = steps_using(steps, "actions/upload-artifact")
    assert upload["if"] == "always()" and steps[-1] is upload
    assert upload["with"]["path"].split() == ["results.json", "junit.xml"]
    for words in ("Trust limit", "feedback, not tamper-proof", "COURSE_TOKEN", "MIN_SCORE"):
        assert words in text


def run_workflow(student, **env_overrides):
    """Run the template's job in `student` as GitHub would: `run:` steps with bash, the
    others simulated; after a failed step only `if: always()` steps run. Returns (whether
    the job failed, the uploaded artifact's folder)."""
    flow = workflow()
    env = {**os.environ, **{k: str(v) for k, v in flow["env"].items()}, **env_overrides}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # setup-python
    env.pop("RNN_KIT_COURSE", None)
    uploaded = student.parent / "artifact"
    failed = False
    for step in next(iter(flow["jobs"].values()))["steps"]:
        if failed and step.get("if") != "always()":
            continue
        action = step.get("uses", "").split("@")[0]
        if action == "actions/checkout" and "repository" in step["with"]:
            (student / step["with"]["path"]).symlink_to(ROOT)  # the instructor's course repo
        elif action == "actions/upload-artifact":
            uploaded.mkdir()
            for name in step["with"]["path"].split():
                shutil.copy(student / name, uploaded / name)
        elif "run" in step:
            script = step["run"]
            if "pip install" in script:  # the test installs nothing: the package must be there
                script = "python -c 'import autograder, numpy, IPython'"
            run = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                                  script], cwd=student, env=env, capture_output=True, text=True,
                                 timeout=300)
            assert "Traceback" not in run.stderr, run.stderr
            failed |= run.returncode != 0
    return failed, uploaded


@pytest.mark.parametrize("example", ["correct.ipynb", "typical_bugs.ipynb"])
def test_workflow_template_runs(tmp_path, example):
    assignment = workflow()["env"]["ASSIGNMENT"]
    student = tmp_path / "student-repository"
    student.mkdir()
    shutil.copy(HERE / assignment / example, student / f"{assignment}.ipynb")
    overrides = {"MIN_SCORE": "100"} if example == "typical_bugs.ipynb" else {}
    failed, artifact = run_workflow(student, **overrides)
    results = json.loads((artifact / "results.json").read_text())
    assert_junit_matches(ET.parse(artifact / "junit.xml").getroot(), results)
    minimum = float(overrides.get("MIN_SCORE", workflow()["env"]["MIN_SCORE"]))
    assert failed == (results["score"] < minimum)
    assert failed == (example == "typical_bugs.ipynb")  # the threshold branch ran both ways
