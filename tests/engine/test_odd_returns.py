"""A check never costs a student more than the exercise it judges.

Whatever a graded function returns (None from a forgotten `return`, another type, an array
of the right shape holding strings, an object whose every method raises or lies), that
exercise scores 0 with a sentence saying what came back, no exception escapes, and every
other exercise of the notebook keeps full marks. One test per kind of check, graded for
real (the sandbox); then the notebook's kernel path, where the checks run beside the
student's own objects; then the one guard in check_exercise, for what no check foresaw.
"""
import textwrap

import numpy as np
import pytest

from rnn_checks import check as check_module
from rnn_checks import exercises
from rnn_checks.check import check_exercise
from autograder.frontends.release import generated_cells
from autograder.grade import grade_submission
from rnn_checks.notebook import KernelSession
from autograder.reference import SolutionReference
from rnn_checks.cases import PublicReference
from rnn_checks.session import GraderFailure
from tests.submissions import HERE, ROOT, functions, notebook, write

# An object a check might len(), compare, convert, iterate, index or test for truth: every
# one of these raises or lies.
LIAR = '''
import numpy as np


class Liar:
    def __len__(self):
        raise RuntimeError("len")

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __array__(self, *args, **kwargs):
        raise RuntimeError("array")

    def __float__(self):
        raise RuntimeError("float")

    def __iter__(self):
        raise RuntimeError("iter")

    def __getitem__(self, key):
        raise RuntimeError("getitem")

    def __bool__(self):
        raise RuntimeError("bool")

    def __repr__(self):
        raise RuntimeError("repr")

    __hash__ = None


class LyingDict(dict):
    def __getitem__(self, key):
        raise RuntimeError("getitem")

    def __contains__(self, key):
        return True

    def __len__(self):
        raise RuntimeError("len")

    def keys(self):
        raise RuntimeError("keys")

    def __iter__(self):
        raise RuntimeError("iter")

    def get(self, *args):
        raise RuntimeError("get")


class LyingArray(np.ndarray):
    @property
    def shape(self):
        raise RuntimeError("shape")
'''
LYING = {}
exec(LIAR, LYING)
Liar, LyingDict, LyingArray = LYING["Liar"], LYING["LyingDict"], LYING["LyingArray"]


def graded(tmp_path, assignment, cell, source):
    """The report of the correct submission with `source` (and the lying classes) typed
    into the cell of one graded function."""
    nb = notebook(assignment)
    for c in nb["cells"]:
        if c["metadata"].get("nbgrader", {}).get("grade_id") == cell:
            c["source"] = "import numpy as np\n" + LIAR + textwrap.dedent(source)
    return grade_submission(write(nb, tmp_path / "odd.ipynb"), assignment)


def assert_costs_only(report, exercise, said):
    """`exercise` scored 0 and its feedback says `said`; every other exercise full marks."""
    table = report.exercises()
    score, max_score, tests = table[exercise]
    feedback = "\n".join(test.output for test in tests)
    assert score == 0 and max_score > 0, feedback
    assert said in feedback, feedback
    assert "Traceback" not in feedback
    others = {name: (s, m) for name, (s, m, _) in table.items() if name != exercise}
    assert all(s == pytest.approx(m) for s, m in others.values()), others
    assert report.score == pytest.approx(report.max_score - max_score)


# (cell source, what the feedback must say) per kind of check
SINGLE_VALUE = {
    "none": ("def softmax(x):\n    e = np.exp(x)\n",
             "your softmax returned None (a missing return?)"),
    "string": ("def softmax(x):\n    return 'softmax'\n", "got a string"),
    "liar": ("def softmax(x):\n    return Liar()\n", "got a Liar object"),
    "strings of the right shape": (
        "def softmax(x):\n    return np.full(x.shape, 'p', dtype=object)\n",
        "got a NumPy array of dtype object"),
}
MULTIPLE_VALUES = {
    "none": ("def rnn_cell_forward(xt, a_prev, parameters):\n    pass\n",
             "expected 3 return values (a_next, yt_pred, cache), got None (a missing return?)"),
    "string": ("def rnn_cell_forward(xt, a_prev, parameters):\n    return 'abc'\n",
               "expected 3 return values (a_next, yt_pred, cache), got a string"),
    "junk items": ("def rnn_cell_forward(xt, a_prev, parameters):\n"
                   "    return Liar(), LyingDict(a=1), np.zeros((0, 3))\n",
                   "a_next: expected a NumPy array of shape (5, 4), got a Liar object"),
}
GRADIENT_DICT = {
    "none": ("def rnn_cell_backward(da_next, cache):\n    pass\n",
             "expected a dict with keys ['dxt', 'da_prev', 'dWax', 'dWaa', 'dba'], got None "
             "(a missing return?)"),
    "list": ("def rnn_cell_backward(da_next, cache):\n    return [1, 2]\n",
             "expected a dict with keys ['dxt', 'da_prev', 'dWax', 'dWaa', 'dba'], got a list"),
    "lying dict": ("def rnn_cell_backward(da_next, cache):\n    return LyingDict(dxt=1)\n",
                   "got a LyingDict object"),
    "strings for gradients": (
        "def rnn_cell_backward(da_next, cache):\n"
        "    return {k: 'x' for k in ['dxt', 'da_prev', 'dWax', 'dWaa', 'dba']}\n",
        "dxt: expected a NumPy array of shape (3, 4), got a string"),
}


@pytest.mark.parametrize("source, said", SINGLE_VALUE.values(), ids=list(SINGLE_VALUE))
def test_a_value_check_costs_its_exercise_only(tmp_path, source, said):
    assert_costs_only(graded(tmp_path, "rnn_step_by_step", "softmax", source), "softmax", said)


@pytest.mark.parametrize("source, said", MULTIPLE_VALUES.values(), ids=list(MULTIPLE_VALUES))
def test_a_check_of_several_values_costs_its_exercise_only(tmp_path, source, said):
    report = graded(tmp_path, "rnn_step_by_step", "rnn_cell_forward", source)
    assert_costs_only(report, "rnn_cell_forward", said)


@pytest.mark.parametrize("source, said", GRADIENT_DICT.values(), ids=list(GRADIENT_DICT))
def test_a_gradient_dict_check_costs_its_exercise_only(tmp_path, source, said):
    report = graded(tmp_path, "rnn_step_by_step", "rnn_cell_backward", source)
    assert_costs_only(report, "rnn_cell_backward", said)


IN_PLACE = {
    "string attribute": ("def sgd_step(self, x, y, learning_rate):\n    self.U = 'gone'\n\n"
                         "RNN.sgd_step = sgd_step\n",
                         "self (after the call).U: expected a NumPy array of shape (4, 8), "
                         "got a string"),
    "lying attribute": ("def sgd_step(self, x, y, learning_rate):\n    self.W = Liar()\n"
                        "    return Liar()\n\nRNN.sgd_step = sgd_step\n",
                        "self (after the call).W: expected a NumPy array of shape (4, 4), "
                        "got a Liar object"),
}


@pytest.mark.parametrize("source, said", IN_PLACE.values(), ids=list(IN_PLACE))
def test_an_in_place_update_check_costs_its_exercise_only(tmp_path, source, said):
    report = graded(tmp_path, "rnn_language_model", "sgd_step", source)
    assert_costs_only(report, "sgd_step", said)


SCHEDULE = {
    "none": ("def train_with_sgd(model, X_train, y_train, learning_rate=0.005, nepoch=100,\n"
             "                   evaluate_loss_after=5):\n    pass\n",
             "your train_with_sgd returned None (a missing return?)"),
    "string": ("def train_with_sgd(model, X_train, y_train, learning_rate=0.005, nepoch=100,\n"
               "                   evaluate_loss_after=5):\n    return 'done'\n",
               "returned: expected a list, got a string"),
    "huge learning rate": (
        "def train_with_sgd(model, X_train, y_train, learning_rate=0.005, nepoch=100,\n"
        "                   evaluate_loss_after=5):\n"
        "    for i in range(len(y_train)):\n"
        "        model.sgd_step(X_train[i], y_train[i], 10 ** 400)\n"
        "    return [(0, Liar())]\n",
        "the learning rate of step 0 (counting from 0) is not the expected one: expected "
        "0.005, got 1000"),
}


@pytest.mark.parametrize("source, said", SCHEDULE.values(), ids=list(SCHEDULE))
def test_the_schedule_check_costs_its_exercise_only(tmp_path, source, said):
    report = graded(tmp_path, "rnn_language_model", "train_with_sgd", source)
    assert_costs_only(report, "train_with_sgd", said)


GRADIENT_CHECKING = {
    "rel_error returns a huge int": (
        "rel_error", "def rel_error(x, y):\n    return 10 ** 400\n",
        "rel_error(...): expected 1.0, got 1000"),
    "rel_error returns a string": (
        "rel_error", "def rel_error(x, y):\n    return '1e-8'\n", "got '1e-8'"),
    "eval_numerical_gradient returns None": (
        "eval_numerical_gradient", "def eval_numerical_gradient(f, x, h=1e-5):\n    f(x)\n",
        "your eval_numerical_gradient returned None (a missing return?); expected a NumPy "
        "array of shape (5, 4)"),
    "eval_numerical_gradient_array returns a liar": (
        "eval_numerical_gradient_array",
        "def eval_numerical_gradient_array(f, x, df, h=1e-5):\n    return Liar()\n",
        "got a Liar object"),
    "grad_check returns a list": (
        "grad_check", "def grad_check(f, params, grads, h=1e-5):\n    return [0.1, 0.2]\n",
        "grad_check(...): expected a dict, got a list"),
    "grad_check returns nan and huge ints": (
        "grad_check", "def grad_check(f, params, grads, h=1e-5):\n"
        "    return {'W': float('nan'), 'b': 10 ** 400, 'V': -10 ** 30}\n",
        "grad_check(...)['W']: expected"),
}


@pytest.mark.parametrize("exercise, source, said", GRADIENT_CHECKING.values(),
                         ids=list(GRADIENT_CHECKING))
def test_the_gradient_checking_exercises_cost_themselves_only(tmp_path, exercise, source, said):
    report = graded(tmp_path, "gradient_checking", exercise, source)
    assert_costs_only(report, exercise, said)


DINOSAURUS = {
    "sample returns None": (
        "sample", "def sample(parameters, char_to_ix, seed):\n    np.random.seed(seed)\n",
        "your sample returned None (a missing return?) where a list of indices is expected"),
    "sample returns a string": (
        "sample", "def sample(parameters, char_to_ix, seed):\n    return 'rex\\n'\n",
        "your sample returned a string where a list of indices is expected"),
    "sample returns letters": (
        "sample", "def sample(parameters, char_to_ix, seed):\n    return ['r', 'e', 'x', 0]\n",
        "your sample returned a list that holds something other than integer indices"),
    "sample returns a liar": (
        "sample", "def sample(parameters, char_to_ix, seed):\n    return Liar()\n",
        "your sample returned a Liar object where a list of indices is expected"),
    "model returns None": (
        "model", "def model(data_x, ix_to_char, char_to_ix, num_iterations=35000, n_a=50,\n"
        "          dino_names=7, vocab_size=27, verbose=False):\n    pass\n",
        "your model returned None (a missing return?) where (parameters, last_name) is "
        "expected"),
    "model returns a lying dict": (
        "model", "def model(data_x, ix_to_char, char_to_ix, num_iterations=35000, n_a=50,\n"
        "          dino_names=7, vocab_size=27, verbose=False):\n"
        "    return LyingDict(Wax=1), ''\n",
        "your model returned a LyingDict object as its parameters, where a dict of arrays is "
        "expected"),
    "model returns arrays of strings": (
        "model", "def model(data_x, ix_to_char, char_to_ix, num_iterations=35000, n_a=50,\n"
        "          dino_names=7, vocab_size=27, verbose=False):\n"
        "    shapes = {'Wax': (n_a, vocab_size), 'Waa': (n_a, n_a), 'Wya': (vocab_size, n_a),\n"
        "              'b': (n_a, 1), 'by': (vocab_size, 1)}\n"
        "    return {k: np.full(s, 'w', dtype=object) for k, s in shapes.items()}, ''\n",
        "Wax: expected shape (20, 27), got a NumPy array of dtype object"),
    "update_parameters breaks its input": (
        "update_parameters", "def update_parameters(parameters, gradients, lr):\n"
        "    parameters['Wax'] = Liar()\n",
        "your update_parameters returned None (a missing return?)"),
}


@pytest.mark.parametrize("exercise, source, said", [
    pytest.param(*case, id=name, marks=[pytest.mark.slow] if number else [])  # a sweep
    for number, (name, case) in enumerate(DINOSAURUS.items())])
def test_the_sampling_training_and_update_checks_cost_their_exercise_only(tmp_path, exercise,
                                                                          source, said):
    report = graded(tmp_path, "dinosaurus_island", exercise, source)
    assert_costs_only(report, exercise, said)


# The notebook's kernel path: the public check runs beside the student's own objects.

def kernel_namespace(assignment_name, **overrides):
    """A notebook's namespace: the setup cell, the correct cells, then `overrides`."""
    assignment = exercises.load(assignment_name)
    solutions = (ROOT / "solutions" / f"{assignment_name}.py").read_text()
    setup = generated_cells(assignment, solutions)["setup"][0]
    names = {"__name__": "__main__"}
    exec(setup.replace("from rnn_checks.notebook import check, validate", ""), names)
    for source in functions((HERE / assignment_name / "correct.py").read_text()).values():
        exec(source, names)
    names.update(overrides)
    return names


def returning(value):
    return lambda *args, **kwargs: value


ODD_VALUES = {
    "None": None, "a string": "text", "a liar": Liar(), "a lying dict": LyingDict(a=1),
    "strings in an array": np.full((3, 4), "x", dtype=object), "a huge int": 10 ** 400,
    "nan": float("nan"), "an empty array": np.zeros((0, 3)), "a 0-d array": np.array(1.0),
    "a complex array": np.ones(3, complex), "a NumPy scalar": np.float32(0.5), "a bool": True,
    "strings in a list": ["a", "b"], "a tuple of liars": (Liar(), Liar()),
    "an array lying about its shape": np.zeros((2, 4)).view(LyingArray),
}
# One exercise of each kind of check.
KINDS = {"single value": ("rnn_step_by_step", "softmax"),
         "several values": ("rnn_step_by_step", "rnn_cell_forward"),
         "gradient dict": ("rnn_step_by_step", "rnn_cell_backward"),
         "in-place update": ("dinosaurus_island", "update_parameters"),
         "sampling": ("dinosaurus_island", "sample"),
         "training": ("dinosaurus_island", "model"),
         "schedule": ("rnn_language_model", "train_with_sgd"),
         "numerical gradient": ("gradient_checking", "eval_numerical_gradient"),
         "gradient check": ("gradient_checking", "grad_check")}


class Unconverted(KernelSession):
    """The kernel session, minus the conversion of what a function returns into plain data:
    the checks get the student's own objects, so only they (and the guard) stand between a
    lying object and the grade."""

    def _run(self, function, args):
        self.returned, printed = super()._run(function, args)
        return self.returned, printed

    def call(self, name, args, standins=None):
        outcome = super().call(name, args, standins)
        if outcome.ok:
            outcome.value = self.returned
        return outcome


def public_check(kind, value, session=KernelSession):
    assignment_name, name = KINDS[kind]
    assignment = exercises.load(assignment_name)
    exercise = assignment.exercise(name)
    (case,) = PublicReference(assignment).cases(exercise)
    names = kernel_namespace(assignment_name, **{name: returning(value)})
    return check_exercise(assignment, exercise, session(names), [case])


# Sampling and training run the student's sampler and training loop many times over.
SWEEPS = [pytest.param(kind, marks=[pytest.mark.slow] if kind in ("sampling", "training")
                       else []) for kind in KINDS]


@pytest.mark.parametrize("kind", SWEEPS)
def test_the_public_check_of_every_kind_fails_odd_values_in_words(kind):
    """In the kernel: what comes back is made plain data first, and every check says what
    it was; none raises."""
    for label, value in ODD_VALUES.items():
        tests = public_check(kind, value)
        feedback = "\n".join(test.output for test in tests)
        assert sum(test.score for test in tests) == 0, (label, feedback)
        assert "returned" in feedback or "got" in feedback, (label, feedback)
        if value is None:
            assert "(a missing return?)" in feedback, feedback


@pytest.mark.parametrize("kind", SWEEPS)
def test_every_kind_survives_the_students_own_lying_objects(kind):
    """Given the student's objects themselves, each check either says what they are or
    the guard turns what it raised into this exercise's failure, in words."""
    for label in ("a liar", "a lying dict", "a tuple of liars", "strings in an array",
                  "a complex array", "a NumPy scalar", "a 0-d array",
                  "an array lying about its shape"):
        tests = public_check(kind, ODD_VALUES[label], Unconverted)
        feedback = "\n".join(test.output for test in tests)
        assert sum(test.score for test in tests) == 0, (label, feedback)
        assert "Traceback" not in feedback and "RuntimeError('" not in feedback
        assert "returned" in feedback or "got" in feedback, (label, feedback)


def test_a_lying_dict_meets_the_guard_with_a_sentence_on_what_came_back():
    tests = public_check("gradient dict", LyingDict(dxt=1), Unconverted)
    assert all(not test.passed for test in tests) and len(tests) == 2
    assert ("your rnn_cell_backward returned a LyingDict object, which the grader could not "
            "judge") in tests[0].output


# The one guard: whatever a check raises costs its exercise only.

ASSIGNMENT = exercises.load("rnn_step_by_step")
REFERENCE = SolutionReference(ASSIGNMENT)


def test_anything_a_check_raises_costs_that_exercise_only(monkeypatch):
    """A check that raises (here: the comparison itself) fails its exercise with the same
    tests, names and points as usual, and the sentence names what came back."""
    exercise = ASSIGNMENT.exercise("softmax")
    (case,) = PublicReference(ASSIGNMENT).cases(exercise)
    names = kernel_namespace("rnn_step_by_step")
    usual = check_exercise(ASSIGNMENT, exercise, KernelSession(names), [case])

    def broken(*args, **kwargs):
        raise ValueError("a bug in the grader")
    monkeypatch.setattr(check_module, "compare", broken)
    tests = check_exercise(ASSIGNMENT, exercise, KernelSession(names), [case])
    assert [(t.name, t.max_score) for t in tests] == [(t.name, t.max_score) for t in usual]
    assert all(test.score == 0 for test in tests)
    assert ("your softmax returned a NumPy array of shape (2, 4), which the grader could not "
            "judge (the check stopped with ValueError)") in tests[0].output
    assert "a bug in the grader" not in tests[0].output


def test_a_behaviour_check_that_raises_keeps_its_tests_and_points(monkeypatch):
    assignment = exercises.load("rnn_language_model")
    exercise = assignment.exercise("train_with_sgd")
    cases = SolutionReference(assignment).cases(exercise)
    names = kernel_namespace("rnn_language_model")
    usual = check_exercise(assignment, exercise, KernelSession(names), cases)
    monkeypatch.setattr(type(exercise.behaviour), "summary",
                        staticmethod(lambda *args: 1 / 0))
    tests = check_exercise(assignment, exercise, KernelSession(names), cases)
    assert [(t.name, t.max_score) for t in tests] == [(t.name, t.max_score) for t in usual]
    assert all(test.score == 0 for test in tests)
    # Hidden cases are graded: no class or shape the student's code chose is named.
    assert "your train_with_sgd returned a list, which the grader could not judge " \
           "(the check stopped with ZeroDivisionError)" in tests[-1].output


def test_the_guard_names_no_class_of_the_students_on_hidden_cases():
    exercise = ASSIGNMENT.exercise("rnn_cell_backward")
    names = kernel_namespace("rnn_step_by_step", rnn_cell_backward=returning(LyingDict(a=1)))
    tests = check_exercise(ASSIGNMENT, exercise, Unconverted(names), REFERENCE.cases(exercise))
    feedback = "\n".join(test.output for test in tests)
    assert sum(test.score for test in tests) == 0
    assert "returned an object of another type" in feedback and "LyingDict" not in feedback


def test_a_failure_of_the_grading_machine_is_not_the_students():
    """GraderFailure (no process could be set up) is the grader's: the submission is graded
    again, so it propagates instead of scoring 0."""
    class Broken:
        def call(self, *args, **kwargs):
            raise GraderFailure("no process")
        call_many = call
    exercise = ASSIGNMENT.exercise("softmax")
    with pytest.raises(GraderFailure):
        check_exercise(ASSIGNMENT, exercise, Broken(), REFERENCE.cases(exercise))


def test_a_check_that_raises_before_anything_returned_says_so():
    class Raising:
        def call(self, *args, **kwargs):
            raise KeyError("state")
        call_many = call
    exercise = ASSIGNMENT.exercise("softmax")
    tests = check_exercise(ASSIGNMENT, exercise, Raising(), REFERENCE.cases(exercise))
    assert all(test.score == 0 for test in tests)
    assert "the grader could not judge your softmax" in tests[0].output

