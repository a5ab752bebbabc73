"""Functions as arguments: the checkers are graded on test functions that cross the process
boundary as public source (protocol.Code), become functions only in the student's process
(or for the reference, from the grader's own cases), and read the very objects they bind."""
import numpy as np
import pytest

from rnn_checks import exercises
from autograder.reference import SolutionReference
from rnn_checks import protocol
from tests.submissions import ROOT

NAME = "gradient_checking"
ASSIGNMENT = exercises.load(NAME)
REFERENCE = SolutionReference(ASSIGNMENT)
SPEC = (ROOT / "rnn_checks" / "exercises" / f"{NAME}.py").read_text()


def test_a_function_crosses_as_source_and_reads_the_object_it_binds():
    code = protocol.Code("def f(_):\n    return float(np.sum(X) * k)\n", "f", {"X": [1]},
                         {"k": 2.0})
    x = np.ones(3)
    crossed = protocol.normalise([code, x])
    assert crossed[0] == code  # plain data on the way
    f, x_made = protocol.materialise(crossed, {})
    assert f(None) == 6.0
    x_made[0] = 4.0  # the function reads the argument itself, not a copy of it
    assert f(None) == 12.0


def test_decoding_a_function_never_runs_it(tmp_path):
    """What the student's process sends is decoded in the grader: a function in it stays
    text. Only `materialise`, which the grader calls on its own cases only, runs it."""
    marker = tmp_path / "ran"
    source = f"open({str(marker)!r}, 'w').close()\ndef f():\n    return 1\n"
    buffers = []
    node = protocol.encode(protocol.Code(source, "f"), buffers)
    decoded = protocol.decode(node, buffers)
    assert isinstance(decoded, protocol.Code) and not marker.exists()


@pytest.mark.parametrize("node", [
    {"code": "def f(): pass", "entry": 3, "binds": [], "constants": {"dict": []}},
    {"code": "def f(): pass", "entry": "f", "binds": [["X", []]], "constants": {"dict": []}},
    {"code": "def f(): pass", "entry": "f", "binds": [["X", ["a"]]], "constants": {"dict": []}},
    {"code": "def f(): pass", "entry": "f", "binds": {}, "constants": {"dict": []}},
    {"code": "def f(): pass", "entry": "f", "binds": [], "constants": {"list": []}},
])
def test_a_malformed_function_is_a_protocol_error(node):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(node, [])


def test_every_function_passed_is_public_code_from_the_spec():
    """No reference code reaches the student's process through a function argument: each
    one's source is text of the spec, which students have in rnn_checks/ anyway."""
    found = 0
    for exercise in ASSIGNMENT.exercises:
        for case in REFERENCE.cases(exercise):
            for arg in case.args:
                if isinstance(arg, protocol.Code):
                    found += 1
                    assert arg.source in SPEC
                    assert "solutions" not in arg.source
    assert found == 3 * 5  # three checkers, five cases each


def test_the_alias_case_catches_a_checker_that_probes_a_copy():
    """The test function of hidden case 2 reads x through another name: probing a copy of x
    gives zeros there, while the reference (probing in place) gets the true gradient."""
    exercise = ASSIGNMENT.exercise("eval_numerical_gradient")
    case = REFERENCE.cases(exercise)[2]
    f_code, x, h = case.args
    assert f_code.entry == "through_alias"
    x = x.copy()
    f, x = protocol.materialise([f_code, x], {})
    assert np.allclose(case.expected, np.cos(x) * x ** 2 + 2 * x * np.sin(x), rtol=1e-6)
    assert f(x.copy() + 1.0) == f(x)  # what a copy-probing checker sees: no change at all


def test_grad_check_must_single_out_the_planted_parameter():
    """Each case plants a wrong gradient on another parameter, and gives the gradients in
    another order than the parameters."""
    wrong = []
    for case in REFERENCE.cases(ASSIGNMENT.exercise("grad_check")):
        errors = case.expected
        assert list(case.args[2]) != list(case.args[1])
        (bad,) = [name for name, error in errors.items() if error > 1e-3]
        assert all(error < 1e-7 for name, error in errors.items() if name != bad)
        wrong.append(bad)
    assert set(wrong) == {"W", "b", "V"}
