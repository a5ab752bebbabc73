"""The command line (`python -m autograder`, `rnn-kit`): the contract CI and Gradescope rely
on, run as a real process."""
import argparse
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.submissions import HERE, ROOT, notebook, release_notebook, write

ASSIGNMENT = "rnn_step_by_step"
EXAMPLES = HERE / ASSIGNMENT
CORRECT = str(EXAMPLES / "correct.ipynb")
DINOSAURUS = str(HERE / "dinosaurus_island" / "correct.ipynb")
SCRIPT = Path(sys.executable).parent / "rnn-kit"  # what `pip install -e .` puts beside python


def autograder(*args, cwd=ROOT, env=None, program=(sys.executable, "-m", "autograder")):
    return subprocess.run([*map(str, program), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


def run_cli(submission, output, *extra):
    return run_cli_for(submission, output, ASSIGNMENT, *extra)


def run_cli_for(submission, output, assignment, *extra):
    result = autograder("grade", submission, "--assignment", assignment, "--output", output,
                        *extra)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(output.read_text()), result.stdout


def refused(done, phrase, code=2):
    """The run ended with `code` and said `phrase` in one line on stderr, and nothing else."""
    assert (done.returncode, done.stderr.splitlines(), done.stdout) == \
        (code, [done.stderr.strip()], ""), done.stderr
    assert done.stderr.startswith("rnn-kit: ") and phrase in done.stderr, done.stderr


def assert_gradescope_format(results):
    assert isinstance(results["score"], (int, float))
    assert isinstance(results["tests"], list) and results["tests"]
    exercises = {"softmax", "rnn_cell_forward", "rnn_forward", "rnn_cell_backward", "rnn_backward",
                 "lstm_cell_forward", "lstm_forward", "lstm_cell_backward", "lstm_backward"}
    for test in results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output"}
        assert test["name"].split(":")[0] in exercises
        assert test["status"] in ("passed", "failed")
        assert 0 <= test["score"] <= test["max_score"]
        assert (test["status"] == "passed") == (test["score"] == test["max_score"])
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))
    assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(100)


def test_correct_example(tmp_path):
    results, table = run_cli(EXAMPLES / "correct.ipynb", tmp_path / "results.json")
    assert_gradescope_format(results)
    assert results["score"] == 100
    assert "rnn_cell_backward" in table and "100 / 100" in table


def test_typical_bugs_example(tmp_path):
    results, table = run_cli(EXAMPLES / "typical_bugs.ipynb", tmp_path / "results.json")
    assert_gradescope_format(results)
    failed = {t["name"].split(":")[0] for t in results["tests"] if t["status"] == "failed"}
    assert failed == {"softmax", "rnn_cell_forward", "rnn_cell_backward", "rnn_backward",
                      "lstm_cell_backward"}
    named = [t for t in results["tests"] if t["name"] == "rnn_cell_backward: values, hidden case 2"]
    assert named and "da_prev: values differ" in named[0]["output"]


def test_untouched_release_notebook_scores_zero(tmp_path):
    submission = write(release_notebook("rnn_step_by_step"), tmp_path / "untouched.ipynb")
    results, _ = run_cli(submission, tmp_path / "results.json")
    assert_gradescope_format(results)
    assert results["score"] == 0
    assert "not implemented yet" in results["tests"][0]["output"]


@pytest.mark.parametrize("content, reason", [
    (b"this is not json", "not valid notebook JSON"),
    (b'{"cells": 3}', "not a Jupyter notebook"),
    (b'{"nbformat": 3, "cells": []}', "nbformat 3"),
    (b'\xff\xfe{"cells": []}', "not UTF-8"),
])
def test_unreadable_notebook_still_gets_results(tmp_path, content, reason):
    submission = tmp_path / "broken.ipynb"
    submission.write_bytes(content)
    results, _ = run_cli(submission, tmp_path / "out" / "results.json")
    assert_gradescope_format(results)
    assert results["score"] == 0
    assert reason in results["output"]


def test_missing_file_still_gets_results_and_fails(tmp_path):
    """Gradescope needs the file; whoever typed the command needs to hear of the typo."""
    done = autograder("grade", "nothing.ipynb", "--assignment", ASSIGNMENT, "--output",
                      "results.json", "--junit", "junit.xml", cwd=tmp_path)
    refused(done, "no such file: nothing.ipynb")
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["score"] == 0 and "cannot open nothing.ipynb" in results["output"]
    junit = ET.parse(tmp_path / "junit.xml").getroot()
    assert junit.get("failures") == str(len(results["tests"]))


@pytest.mark.slow  # two training runs
def test_dinosaurus_examples(tmp_path):
    folder = HERE.parent / "submissions" / "dinosaurus_island"
    results, _ = run_cli_for(folder / "correct.ipynb", tmp_path / "correct.json",
                             "dinosaurus_island")
    assert results["score"] == 100
    results, _ = run_cli_for(folder / "typical_bugs.ipynb", tmp_path / "bugs.json",
                             "dinosaurus_island")
    failed = {t["name"].split(":")[0] for t in results["tests"] if t["status"] == "failed"}
    assert failed == {"sample", "clip", "optimize", "rnn_backward"}


def test_notebook_of_another_assignment_scores_zero_with_a_reason(tmp_path):
    done = autograder("grade", DINOSAURUS, "--assignment", ASSIGNMENT, "--output",
                      tmp_path / "results.json")
    refused(done, "correct.ipynb is a dinosaurus_island notebook, not rnn_step_by_step")
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["score"] == 0 and all(test["score"] == 0 for test in results["tests"])
    assert "correct.ipynb is a dinosaurus_island notebook, not rnn_step_by_step" in \
        results["output"]


def test_empty_notebook_scores_zero_with_a_reason(tmp_path):
    submission = tmp_path / "empty.ipynb"
    submission.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                      "nbformat_minor": 5}))
    results, _ = run_cli(submission, tmp_path / "results.json")
    assert results["score"] == 0
    assert "no cell with grade_id 'softmax'" in json.dumps(results)


def test_duplicated_cell_grades_the_last_definition(tmp_path):
    nb = notebook("rnn_step_by_step")
    (cell,) = [c for c in nb["cells"]
               if c["metadata"].get("nbgrader", {}).get("grade_id") == "softmax"]
    broken = dict(cell, source="def softmax(x):\n    return x\n")
    nb["cells"].insert(nb["cells"].index(cell), broken)  # a stale copy above the good one
    results, _ = run_cli(write(nb, tmp_path / "dup.ipynb"), tmp_path / "results.json")
    assert results["score"] == 100
    nb["cells"].insert(nb["cells"].index(cell) + 1, dict(broken))  # now the stale one is last
    results, _ = run_cli(write(nb, tmp_path / "dup.ipynb"), tmp_path / "results.json")
    softmax = [t for t in results["tests"] if t["name"].startswith("softmax")]
    assert all(t["score"] == 0 for t in softmax)
    assert "3 cells with grade_id 'softmax'; the last definition of softmax was graded" in \
        softmax[0]["output"]


def test_a_100_megabyte_notebook_is_still_graded(tmp_path):
    nb = notebook("rnn_step_by_step")
    nb["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout",
                                  "text": "x" * (100 << 20)}]
    nb["cells"][0]["cell_type"] = "code"
    nb["cells"][0]["execution_count"] = 1
    submission = write(nb, tmp_path / "big.ipynb")
    assert submission.stat().st_size > 100 << 20
    results, _ = run_cli(submission, tmp_path / "results.json")
    assert results["score"] == 100


@pytest.mark.parametrize("assignment", ["rnn_step_by_step", "dinosaurus_island",
                                        "rnn_language_model"])
def test_a_missing_notebook_scores_zero_in_every_exercise(tmp_path, assignment):
    """Exercises graded by behaviour too: each is failed with the reason, never a crash."""
    output = tmp_path / "results.json"
    done = autograder("grade", tmp_path / "no.ipynb", "--assignment", assignment, "--output",
                      output)
    refused(done, "no such file")
    results = json.loads(output.read_text())
    assert results["score"] == 0 and "no.ipynb" in results["output"]
    exercises = {test["name"].split(":")[0] for test in results["tests"]}
    assert {"sample", "model"} <= exercises or assignment != "dinosaurus_island"
    assert "train_with_sgd" in exercises or assignment != "rnn_language_model"


def test_console_script_beside_python_m(tmp_path):
    """`rnn-kit` and `python -m autograder` are one program, each named as it was typed."""
    assert SCRIPT.is_file(), "install the kit: pip install -e ."
    version = re.search(r'^version = "(.+)"', (ROOT / "pyproject.toml").read_text(), re.M)[1]
    assert autograder("--version", program=[SCRIPT]).stdout == f"rnn-kit {version}\n"
    for program, shown in (([SCRIPT], "rnn-kit"),
                           ([sys.executable, "-m", "autograder"], "python -m autograder")):
        shown_help = autograder("grade", "--help", program=program).stdout
        assert shown_help.startswith(f"usage: {shown} grade ")
        assert f"example:\n  {shown} grade " in shown_help
    done = autograder("grade", CORRECT, ASSIGNMENT, "--output", tmp_path / "results.json",
                      program=[SCRIPT])
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "results.json").read_text())["score"] == 100


def commands(parser):
    return next(action for action in parser._actions
                if isinstance(action, argparse._SubParsersAction)).choices


@pytest.mark.parametrize("command", ["grade", "grade-all", "release", "nbgrader", "gradescope",
                                     "demo"])
def test_every_argument_has_help_and_every_command_an_example(command):
    from autograder.frontends.cli import build_parser
    parser = build_parser("rnn-kit")
    sub = commands(parser)[command]
    assert [action.dest for action in parser._actions + sub._actions if not action.help] == []
    assert f"example:\n  rnn-kit {command} " in sub.format_help()


def test_the_assignment_is_given_the_same_way_in_every_command(tmp_path):
    zips = [tmp_path / "old.zip", tmp_path / "new.zip"]
    for spelling, output in zip(([ASSIGNMENT], ["--assignment", ASSIGNMENT]), zips):
        done = autograder("gradescope", *spelling, "--output", output)
        assert done.returncode == 0, done.stderr
    assert zips[0].read_bytes() == zips[1].read_bytes()
    # grade: --assignment as before, positional as the others, or read from the notebook
    for number, spelling in enumerate((["--assignment", ASSIGNMENT], [ASSIGNMENT], [])):
        output = tmp_path / f"{number}.json"
        done = autograder("grade", CORRECT, *spelling, "--output", output)
        assert done.returncode == 0, done.stderr
        results = json.loads(output.read_text())
        assert results["score"] == 100 and results["extra_data"]["assignment"] == ASSIGNMENT


@pytest.fixture
def places(tmp_path):
    """A folder of things to get wrong: a file, a folder, a class, a course, a locked folder."""
    (tmp_path / "file").write_text("")
    (tmp_path / "folder").mkdir()
    (tmp_path / "class").mkdir()
    write(notebook(ASSIGNMENT), tmp_path / "class" / "ada.ipynb")
    course = tmp_path / "course"
    (course / "assignments" / ASSIGNMENT).mkdir(parents=True)
    (course / "submitted" / "ada").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text("")
    (tmp_path / "locked").mkdir(mode=0o555)
    return tmp_path


# root writes in any folder of its own: then /proc/self, which nobody can write in
UNWRITABLE = "locked" if os.geteuid() else "/proc/self"
BAD_INPUT = [  # (arguments, run in `places`; what the one line on stderr says; exit code)
    (["grade", "missing.ipynb", "--assignment", ASSIGNMENT], "no such file: missing.ipynb", 2),
    (["grade", DINOSAURUS, "--assignment", ASSIGNMENT],
     "correct.ipynb is a dinosaurus_island notebook, not rnn_step_by_step", 2),
    (["grade", "nothing/", ASSIGNMENT], "no such folder: nothing/", 2),
    (["grade-all", "nothing", "--assignment", ASSIGNMENT], "no such folder: nothing", 2),
    (["grade", CORRECT, ASSIGNMENT, "--output", "folder"], "folder: it is a folder, not a file", 2),
    (["grade", CORRECT, ASSIGNMENT, "--output", f"{UNWRITABLE}/results.json"],
     f"no permission to write in {UNWRITABLE}", 2),
    (["grade", CORRECT, ASSIGNMENT, "--junit", "file/junit.xml"], "file is not a folder", 2),
    (["grade-all", "class", ASSIGNMENT, "--output", "file"], "file: it is a file, not a folder", 2),
    (["nbgrader", ASSIGNMENT, "--course", "folder"], "folder is not an nbgrader course", 2),
    (["nbgrader", "--assignment", ASSIGNMENT, "--course", "course", "--student", "nobody"],
     "no submission from student nobody", 2),
    (["grade", CORRECT, ASSIGNMENT, "--timeout", "0"],
     "argument --timeout: must be a number of seconds above 0, got '0'", 2),
    (["grade-all", "class", ASSIGNMENT, "--timeout", "-1"], "argument --timeout: must be", 2),
    (["grade", CORRECT, ASSIGNMENT, "--jobs", "0"],
     "argument --jobs: must be a whole number of at least 1, got '0'", 2),
    (["nbgrader", ASSIGNMENT, "--jobs", "-2"], "argument --jobs: must be", 2),
    (["grade", CORRECT, "--assignment", "nope"], "invalid choice: 'nope'", 2),
    (["gradescope", "nope"], "invalid choice: 'nope'", 2),
    (["release", "--check"], "no assignment given", 2),
    (["gradescope", ASSIGNMENT, "--assignment", "dinosaurus_island"], "two assignments given", 2),
    (["grade", "missing.ipynb"], "no assignment given", 2),
    ([], "the following arguments are required: COMMAND", 2),
]


@pytest.mark.parametrize("arguments, phrase, code", BAD_INPUT,
                         ids=[" ".join(row[0])[-60:] for row in BAD_INPUT])
def test_bad_input_gets_one_line_and_an_exit_code(places, arguments, phrase, code):
    refused(autograder(*arguments, cwd=places), phrase, code)
    assert not list(places.rglob("*.partial"))


def test_an_internal_error_is_one_line_with_the_traceback_on_request(tmp_path):
    env = dict(os.environ, RNN_KIT_COURSE=str(tmp_path))  # a course without solutions/
    done = autograder("gradescope", ASSIGNMENT, "--output", tmp_path / "a.zip", env=env)
    refused(done, "rnn-kit: internal error: FileNotFoundError: ")
    assert "(please report it" in done.stderr
    debug = autograder("gradescope", ASSIGNMENT, "--output", tmp_path / "a.zip",
                       env=dict(env, RNN_KIT_DEBUG="1"))
    assert debug.returncode == 2 and debug.stderr.startswith("Traceback")
    assert debug.stderr.splitlines()[-1] == done.stderr.strip()
