"""Step 2: which statements of a cell count as definitions, with their notebook line numbers."""
from autograder.extract import definitions
from autograder.read import Cell


def extract(source):
    program = definitions([Cell(0, "code", source, "softmax")])
    return [(s["line"], s["source"]) for s in program.statements], program.problems


def test_definitions_are_kept_with_their_line_numbers():
    statements, problems = extract(
        "import os; import sys\n"
        "print('demo')\n"
        "SCALE = 2.0\n"
        "square = lambda z: z * z\n"
        "result = square(3)\n"
        "@staticmethod\n"
        "def helper(x):\n"
        "    return x\n"
        "class Model:\n"
        "    pass\n")
    assert problems == {}
    assert statements == [(1, "import os"), (1, "import sys"), (3, "SCALE = 2.0"),
                          (4, "square = lambda z: z * z"),
                          (6, "@staticmethod\ndef helper(x):\n    return x"),
                          (9, "class Model:\n    pass")]


def test_ipython_syntax_is_translated_not_run():
    statements, problems = extract("%matplotlib inline\n!pip install torch\n"
                                   "def f():\n    return 1\n")
    assert problems == {}
    assert statements == [(3, "def f():\n    return 1")]


def test_the_graders_own_imports_are_left_out():
    statements, _ = extract("import numpy as np\nfrom autograder.notebook import check\n"
                            "import solutions.rnn_step_by_step\n")
    assert statements == [(1, "import numpy as np")]


def test_a_syntax_error_is_reported_for_its_cell():
    statements, problems = extract("def f(:\n    pass\n")
    assert statements == []
    assert problems["softmax"].startswith("syntax error at line 1")
