"""Grading methods of a model object: the `RNN` crosses the process boundary as its
attributes, the methods a graded method calls are stand-ins also when called as methods,
and the training loop is graded against a scripted model it cannot learn from."""
import copy

import numpy as np
import pytest

from rnn_checks import exercises
from rnn_checks.check import check_exercise
from autograder.extract import definitions
from rnn_checks.notebook import KernelSession
from autograder.read import Cell
from autograder.reference import SolutionReference
from autograder.frontends.release import generated_cells
from rnn_checks import protocol
from autograder.sandbox.session import SandboxSession
from tests.submissions import HERE, ROOT, functions

NAME = "rnn_language_model"
ASSIGNMENT = exercises.load(NAME)
REFERENCE = SolutionReference(ASSIGNMENT)
SETUP = generated_cells(ASSIGNMENT, (ROOT / "solutions" / f"{NAME}.py").read_text())["setup"][0] \
    .replace("from rnn_checks.notebook import check, validate", "")
CORRECT = functions((HERE / NAME / "correct.py").read_text())


def namespace(**overrides):
    """A notebook's namespace: the setup cell, then the correct cells, then `overrides`."""
    found = {"__name__": "__main__"}
    exec(SETUP, found)
    for source in {**CORRECT, **overrides}.values():
        exec(source, found)
    return found


class Model:  # a class of the registered name, as in a notebook
    pass


Model.__name__ = "RNN"


def test_an_object_crosses_as_its_attributes_and_becomes_an_object_again():
    model = Model()
    model.U, model.hidden_dim = np.arange(6.0).reshape(2, 3), 2
    (crossed,) = protocol.normalise([model])
    assert isinstance(crossed, protocol.Instance) and crossed.class_name == "RNN"
    assert crossed["hidden_dim"] == 2 and crossed["U"].shape == (2, 3)
    (made,) = protocol.materialise([copy.deepcopy(crossed)], {"RNN": Model})
    assert type(made) is Model and made.U is not model.U and np.array_equal(made.U, model.U)
    # Changes made in another process are written back onto the caller's own object.
    own_u = model.U
    protocol.write_back(model, protocol.Instance("RNN", {"U": np.ones((2, 3)), "hidden_dim": 2,
                                                         "cached": 1}))
    assert model.U is own_u and own_u.sum() == 6 and model.cached == 1


def test_objects_of_other_classes_stay_opaque():
    class Other:
        pass
    (crossed,) = protocol.normalise([Other()])
    assert isinstance(crossed, protocol.Opaque)


@pytest.mark.parametrize("node", [{"instance": 5, "attributes": {"dict": []}},
                                  {"instance": "RNN", "attributes": {"list": []}},
                                  {"instance": "RNN", "attributes": {"dict": [[{"int": 1},
                                                                               {"int": 2}]]}},
                                  {"instance": "RNN"}])
def test_a_malformed_object_is_a_protocol_error(node):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(node, [])


def test_a_missing_class_is_a_name_error_for_the_student():
    with pytest.raises(NameError, match="RNN"):
        protocol.materialise([protocol.Instance("RNN", {})], {})


def test_an_attribute_the_student_adds_is_not_a_difference():
    from rnn_checks.compare import compare
    expected = protocol.Instance("RNN", {"U": np.ones(2)})
    assert not compare(expected, protocol.Instance("RNN", {"U": np.ones(2), "cache": 3}), "", 0, 0)
    assert compare(expected, protocol.Instance("RNN", {"cache": 3}), "", 0, 0)


def test_the_attach_line_is_part_of_the_graded_cell():
    cell = Cell(0, "code", CORRECT["bptt"], "bptt", solution=True)
    sources = [statement["source"] for statement in definitions([cell]).statements]
    assert sources[-1] == "RNN.bptt = bptt"


def test_stand_ins_answer_methods_and_the_class_is_restored():
    """sgd_step calls self.bptt: in a kernel, the stand-in answers that call and the class
    has the student's own bptt again afterwards."""
    names = namespace(bptt="def bptt(self, x, y):\n    raise RuntimeError('own bptt')\n\n"
                           "RNN.bptt = bptt\n")
    own = names["RNN"].bptt
    tests = check_exercise(ASSIGNMENT, ASSIGNMENT.exercise("sgd_step"), KernelSession(names),
                           REFERENCE.cases(ASSIGNMENT.exercise("sgd_step")))
    assert all(test.passed for test in tests), [test.output for test in tests]
    assert names["RNN"].bptt is own


def test_the_script_never_reaches_the_students_process():
    """The student's train_with_sgd gets the six documented arguments; the scripted losses
    are not among them."""
    seen = []
    names = namespace()
    names["train_with_sgd"] = lambda *args, **kwargs: seen.append((args, kwargs)) or []
    exercise = ASSIGNMENT.exercise("train_with_sgd")
    (case, *_) = REFERENCE.cases(exercise)
    check_exercise(ASSIGNMENT, exercise, KernelSession(names), [case])
    ((args, kwargs),) = seen
    assert len(args) == 6 and not kwargs and type(args[0]).__name__ == "RNN"
    script = case.args[-1]
    assert not any(isinstance(arg, list) and arg == script for arg in args)


def test_hidden_cases_script_other_losses():
    """A student cannot hard-code the public case's schedule: every case reports other
    losses, and so expects other results."""
    cases = REFERENCE.cases(ASSIGNMENT.exercise("train_with_sgd"))
    scripts = [case.args[-1] for case in cases]
    assert len(cases) == 4 and len({tuple(script) for script in scripts}) == 4
    results = [[loss for _, loss in case.expected["result"]] for case in cases]
    assert all(not set(a) & set(b) for i, a in enumerate(results) for b in results[i + 1:])


def test_a_loop_that_evaluates_too_often_is_told_so_without_more_losses():
    """Evaluating every epoch asks for more losses than the script holds: the extra calls
    are refused, and the schedule fails."""
    source = CORRECT["train_with_sgd"].replace("if (epoch % evaluate_loss_after == 0):",
                                               "if True:")
    tests = check_exercise(ASSIGNMENT, ASSIGNMENT.exercise("train_with_sgd"),
                           KernelSession(namespace(train_with_sgd=source)),
                           REFERENCE.cases(ASSIGNMENT.exercise("train_with_sgd")))
    failed = {test.name.split(": ")[1].split(",")[0] for test in tests if not test.passed}
    assert {"evaluations", "returned list"} <= failed


def test_a_method_graded_in_the_sandbox_gets_its_object_back_updated():
    """sgd_step through the real sandbox: the model object's arrays updated in place by the
    student's process are what is graded."""
    cells = [Cell(0, "code", SETUP, "setup", locked=True)] + [
        Cell(i + 1, "code", "import numpy as np\n" + source, name, solution=True)
        for i, (name, source) in enumerate(CORRECT.items())]
    statements = definitions(cells).statements
    exercise = ASSIGNMENT.exercise("sgd_step")
    session = SandboxSession(statements)
    try:
        with session.exercise():
            tests = check_exercise(ASSIGNMENT, exercise, session, REFERENCE.cases(exercise))
    finally:
        session.close()
    assert all(test.passed for test in tests), [test.output for test in tests]


def test_an_object_holding_itself_is_described_not_unrolled():
    model = Model()
    model.me, model.again, model.U = model, model, np.zeros(2)
    (crossed,) = protocol.normalise([model])
    assert isinstance(crossed["me"], protocol.Opaque) and crossed["U"].shape == (2,)


def test_an_object_is_not_a_dict():
    from rnn_checks.compare import compare
    (difference,) = compare({"U": 1}, protocol.Instance("RNN", {"U": 1}), "", 0, 0)
    assert difference.detail == "expected a dict, got an RNN object"
    (difference,) = compare(protocol.Instance("RNN", {"U": 1}), {"U": 1}, "", 0, 0)
    assert difference.kind == "type"
