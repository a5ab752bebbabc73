"""The process boundary: the grader answers the student's process, decodes what it sends,
and words its feedback so that none of it can be used against the grade.

Each test is a submission that broke the boundary before: an oracle for expected outputs,
feedback that carried values the student's code chose, replies that crashed the grader or
ate its memory, and reference work on the student's behalf without a bound."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from rnn_checks import exercises, standins
from rnn_checks.bounded import Bounded
from autograder.grade import grade_submission
from autograder.reference import SolutionReference
from autograder.sandbox import isolation as confinement
from autograder.sandbox.isolation import Limits, isolation
from autograder.secret import hidden_seed
from tests.submissions import ROOT, notebook, write

RNN = "rnn_step_by_step"
DINO = "dinosaurus_island"


def submission(tmp_path, assignment, cells):
    """The correct notebook with {cell: code} typed in."""
    nb = notebook(assignment)
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in cells:
            cell["source"] = textwrap.dedent(cells[grade_id])
    return write(nb, tmp_path / "submission.ipynb")


def scores(report):
    return {name: score for name, (score, _, _) in report.exercises().items()}


def everything(report):
    return json.dumps(report.to_gradescope())


def numbers(value):
    """Every entry of the arrays in `value`, as feedback would print them (6 digits)."""
    if isinstance(value, np.ndarray):
        return {f"{v:.6g}" for v in value.ravel() if abs(v) > 1e-3}
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return set().union(*[numbers(v) for v in value]) if value else set()
    return set()


# 1. The stand-ins are no oracle.

def test_a_stand_in_answers_only_the_calls_of_a_correct_solution(tmp_path):
    """rnn_forward asks the grader for rnn_cell_forward on the inputs of one of
    rnn_cell_forward's hidden cases (as if it had learnt them), and sends the answer out
    through the public case's error message, which the student reads."""
    reference = SolutionReference(exercises.load(RNN))
    hidden = reference.cases(reference.assignment.exercise("rnn_cell_forward"))[1]
    xt, a_prev, parameters = hidden.args
    code = f"""
        import numpy as np
        HIDDEN = ({xt.tolist()!r}, {a_prev.tolist()!r},
                  {({k: v.tolist() for k, v in parameters.items()})!r})

        def rnn_forward(x, a0, parameters):
            xt, a_prev = np.array(HIDDEN[0]), np.array(HIDDEN[1])
            p = {{k: np.array(v) for k, v in HIDDEN[2].items()}}
            a_next, yt_pred, _ = rnn_cell_forward(xt, a_prev, p)
            raise RuntimeError(repr(a_next.tolist()) + repr(yt_pred.tolist()))
        """
    report = grade_submission(submission(tmp_path, RNN, {"rnn_forward": code}), RNN)
    leaked = numbers(hidden.expected[:2]) & set(
        everything(report).replace("[", " ").replace("]", " ").replace(",", " ").split())
    assert scores(report)["rnn_forward"] == 0
    assert not leaked, f"{len(leaked)} expected hidden values reached the feedback"
    assert "never passes here" in "".join(t.output for t in report.tests
                                          if t.name == "rnn_forward: values, public case")


def test_free_stand_ins_answer_no_graded_case():
    """Behaviour-graded exercises call their dependencies freely (model runs optimize 1,500
    times), but only on arguments shaped like the reference's own calls on that case:
    no case of any exercise fits them, so their answers help no other exercise."""
    reference = SolutionReference(exercises.load(DINO))
    assignment = reference.assignment
    bounded = {name: standin for exercise in assignment.exercises if exercise.behaviour
               for case in reference.cases(exercise)
               for name, standin in case.standins(exercise).items()}
    assert set(bounded) == {"rnn_step_forward", "optimize", "sample"}
    for name, standin in bounded.items():
        assert isinstance(standin, Bounded)
        for case in reference.cases(assignment.exercise(name)):
            with pytest.raises(standins.Refused):
                standin.answer(case.args, {})
    # optimize computes rnn_forward, rnn_backward, clip and update_parameters too: on the
    # training case's hidden size only, which no case of theirs has.
    n_a = bounded["optimize"].limits["a_prev"][1]
    assert n_a == {(20, 1)}
    assert all(dims.n_a != 20 for dims in (assignment.public, *assignment.hidden))


def test_reference_work_for_the_student_is_bounded(tmp_path):
    """model asks for one optimize step on a 300,000-character name with 250 hidden units:
    refused at once (its own, unimplemented optimize answers), so the time limit holds."""
    code = """
        def model(data_x, ix_to_char, char_to_ix, num_iterations=35000, n_a=50, dino_names=7,
                  vocab_size=27, verbose=False):
            parameters = initialize_parameters(250, vocab_size, vocab_size)
            X = [None] + [1] * 300_000
            try:
                optimize(X, X[1:] + [0], np.zeros((250, 1)), parameters, 0.01)
            except Exception:
                pass
            return parameters, "a"
        """
    started = time.monotonic()
    report = grade_submission(submission(tmp_path, DINO, {"model": code, "optimize": """
        def optimize(X, Y, a_prev, parameters, learning_rate=0.01):
            raise NotImplementedError
        """}), DINO, Limits(seconds=5))
    assert time.monotonic() - started < 40
    assert scores(report)["model"] == 0


def test_hidden_seeds_come_from_the_course_secret(monkeypatch):
    """The hidden inputs cannot be computed from the published code: they are seeded by
    the course's secret. The public case is the same for every course."""
    spec = exercises.load(RNN)
    monkeypatch.setenv("RNN_KIT_SECRET", "one course")
    first = list(spec.cases("softmax", hidden_seed))
    monkeypatch.setenv("RNN_KIT_SECRET", "another course")
    second = list(spec.cases("softmax", hidden_seed))
    assert first[0] == second[0]
    assert all(a[2] != b[2] for a, b in zip(first[1:], second[1:]))


def test_grading_under_another_secret_gives_the_same_scores(tmp_path):
    path = submission(tmp_path, RNN, {})
    env = dict(os.environ, RNN_KIT_SECRET="a course of our own")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(path),
                           "--assignment", RNN, "--output", str(tmp_path / "r.json")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 100


# 2. Hidden-case feedback is in the grader's words only.

def test_hidden_feedback_carries_nothing_the_students_code_chose(tmp_path):
    code = """
        import numpy as np

        def softmax(x):
            if x.shape == (2, 4):  # the public case: correct
                e = np.exp(x - x.max(axis=0, keepdims=True))
                return e / e.sum(axis=0, keepdims=True)
            if x.shape[0] == 3:
                raise type("Leak_857927", (Exception,), {})("857927")
            if x.shape[0] == 4:
                return np.zeros((0, 857927, 7))
            namespace = {}
            exec(compile("\\n" * 57928 + "def leak_857927():\\n    raise ValueError(857927)\\n",
                         "<cell softmax>", "exec"), namespace)
            namespace["leak_857927"]()
        """
    report = grade_submission(submission(tmp_path, RNN, {"softmax": code}), RNN)
    text = everything(report)
    assert "857927" not in text and "57929" not in text
    assert "raised an exception" in text and "wrong shape (expected" in text


def test_hidden_errors_say_where_in_the_submission(tmp_path):
    code = """
        def softmax(x):
            if x.shape == (2, 4):
                e = np.exp(x - x.max(axis=0, keepdims=True))
                return e / e.sum(axis=0, keepdims=True)
            return x[10 ** 6]
        """
    report = grade_submission(submission(tmp_path, RNN, {"softmax": code}), RNN)
    hidden = next(t.output for t in report.tests if t.name == "softmax: values, hidden case 1")
    assert "raised IndexError" in hidden and "at cell 'softmax', line 6" in hidden


# 3 and 4. Whatever the student's process sends, the grader answers, in bounded memory.

FORGE = """
    import os, struct, sys
    def send(header, payload=b""):
        fd = int(sys.argv[2])  # the channel to the grader
        os.write(fd, struct.pack(">Q", len(header)) + header)
        for start in range(0, len(payload), 1 << 20):
            os.write(fd, payload[start:start + (1 << 20)])

    def softmax(x):
        {body}
        os._exit(0)
    """

FORGED = {
    "a header nested 100,000 levels deep":
        'send(b\'{"op": "result", "buffers": [], "value": \''
        ' + b"[" * 100000 + b"]" * 100000 + b"}")',
    "an error reply whose where is a number":
        'send(b\'{"op": "error", "buffers": [], '
        '"error": {"type": "X", "message": "m", "where": 5}}\')',
    "an error reply whose frames are odd":
        'send(b\'{"op": "error", "buffers": [], '
        '"error": {"type": 5, "where": [[1, 2], [[], 1, 2, 3]]}}\')',
    "a reply of the wrong kind": 'send(b\'{"op": "loaded", "buffers": [], "errors": 5}\')',
    "one 32 MB buffer referenced 40 times":
        'send(b\'{"op": "result", "buffers": [33554432], "value": {"dict": [[{"str": "result"}, '
        '{"list": [\' + b", ".join([b\'{"array": 0, "dtype": "<f8", "shape": [4194304]}\'] * 40) + '
        'b"]}]]}}", bytes(33554432))',
}


@pytest.mark.parametrize("body", FORGED.values(), ids=list(FORGED))
def test_a_forged_reply_costs_its_exercise_in_bounded_memory(tmp_path, body):
    path = submission(tmp_path, RNN, {"softmax": FORGE.format(body=body)})
    # VmHWM, the peak of this process's own memory: ru_maxrss would start from the RSS of
    # the process that forked it (the test session's), which Linux keeps across exec.
    probe = ("import re, sys; from autograder.grade import grade_submission; "
             "r = grade_submission(sys.argv[1], 'rnn_step_by_step'); "
             "peak = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()); "
             "print(r.score, int(peak.group(1)) // 1024)")
    done = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    score, peak_mb = done.stdout.split()
    assert float(score) == 95
    assert int(peak_mb) < 500, f"the grader reached {peak_mb} MB"


def test_a_forged_load_reply_is_answered(tmp_path):
    body = FORGE.format(body="pass").replace("    def softmax(x):", """
    class Forged:  # runs while the definitions load
        send(b'{"op": "loaded", "buffers": [], "errors": [{"cell": 5, "line": [1]}, 7]}')

    def softmax(x):""")
    report = grade_submission(submission(tmp_path, RNN, {"softmax": body}), RNN)
    assert report.max_score == 100 and len(report.tests) == 54


def test_student_uids_differ_beyond_65536_pids(monkeypatch):
    """pid_max may be up to 2**22: uids computed from pids 65,536 apart must differ."""
    uids = []
    for pid in (100, 100 + 65536, 2 ** 22 - 1):
        monkeypatch.setattr(os, "getpid", lambda pid=pid: pid)
        uids.append(confinement.student_uid())
    assert len(set(u - u % 64 for u in uids)) == 3
    assert max(uids) < 2 ** 31


def test_an_open_course_is_named_in_the_mode(monkeypatch):
    """With only solutions/ closed, a uid of its own could still read classmates'
    notebooks in submitted/ and their results: the mode says the course is readable. The
    course is one of the test's own, in an open folder: wherever the checkout lies (a home
    folder may be closed to others), this course is open."""
    if os.geteuid() != 0 or not os.path.exists("/usr/bin/python3"):
        pytest.skip("the unprivileged user mode needs root and an interpreter others can run")
    course = Path(tempfile.mkdtemp(prefix="rnn-kit-open-course-", dir="/tmp"))
    course.chmod(0o755)  # open, as a course left as it was unpacked is
    (course / "solutions").mkdir(mode=0o700)
    (course / "solutions" / f"{RNN}.py").write_text("SECRET = 1\n")
    monkeypatch.setenv("RNN_KIT_COURSE", str(course))
    monkeypatch.setenv("RNN_KIT_SANDBOX_PYTHON", "/usr/bin/python3")
    monkeypatch.setenv("RNN_KIT_ISOLATION", "user")
    isolation.cache_clear()
    try:
        found = isolation()
        if not found.user:
            pytest.skip(f"no unprivileged user mode here (it has {found})")
        assert str(found) == "unprivileged user (course files readable)"
    finally:
        monkeypatch.undo()
        isolation.cache_clear()
        shutil.rmtree(course)
