"""Student submissions for the tests, written as Python files and put into real notebooks.

`correct.py` holds a complete correct submission in a student's style; `bugs/*.py` each hold
one graded function with one realistic bug; `variants/*.py` hold correct functions written
differently. `notebook(...)` puts them into the cells of the released notebook, exactly
where a student would type them.
"""
import ast
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def functions(source):
    """{function name: its source} for the top-level functions of a file, each with the
    statements that attach it to a class (`RNN.bptt = bptt`), which belong in its cell."""
    lines = source.splitlines()
    body = ast.parse(source).body
    found = {node.name: "\n".join(lines[node.lineno - 1:node.end_lineno]) + "\n"
             for node in body if isinstance(node, ast.FunctionDef)}
    for node in body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Name)
                and node.value.id in found):
            found[node.value.id] += "\n\n" + ast.get_source_segment(source, node) + "\n"
    return found


def release_notebook(assignment):
    return json.loads((ROOT / "release" / assignment / f"{assignment}.ipynb").read_text())


def notebook(assignment, overrides=(), base="correct.py"):
    """The release notebook filled with `base`, then with each override file's functions.

    A file's graded functions go into their own cells; helper functions go into the cell of
    the first graded function in that file (as a student would write them).
    """
    nb = release_notebook(assignment)
    cells = {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"]
             if c["metadata"].get("nbgrader", {}).get("solution")}
    for path in [HERE / assignment / base, *overrides]:
        defined = functions(Path(path).read_text())
        graded = [name for name in defined if name in cells]
        helpers = "".join(f"{src}\n\n" for name, src in defined.items() if name not in cells)
        for number, name in enumerate(graded):
            cells[name]["source"] = (helpers if number == 0 else "") + defined[name]
    return nb


def write(nb, path):
    Path(path).write_text(json.dumps(nb, indent=1, sort_keys=True) + "\n")
    return Path(path)


def bug_files(assignment):
    return sorted((HERE / assignment / "bugs").glob("*.py"))


def variant_files(assignment):
    return sorted((HERE / assignment / "variants").glob("*.py"))


def declared_mistake(path):
    """The named mistake a bug file says the grader must name (its docstring's `mistake: id`
    line), or None for `mistake: none` or no such line."""
    docstring = ast.get_docstring(ast.parse(Path(path).read_text())) or ""
    found = re.search(r"^mistake: (\S+)$", docstring, re.M)
    return None if not found or found[1] == "none" else found[1]


def broken_function(path):
    """The one graded function a bug file defines."""
    (name,) = functions(Path(path).read_text())
    return name


# The bundled examples with typical bugs: each one is caught and explained by the grader.
TYPICAL_BUGS = {
    "rnn_step_by_step": ["softmax_wrong_axis", "yt_pred_from_a_prev", "missing_waa_transpose",
                         "da_prev_not_carried", "lstm_dc_prev_missing_a_path"],
    "dinosaurus_island": ["sample_x_not_reset", "clip_hard_coded", "optimize_learning_rate_ignored",
                          "rnn_backward_dy_not_shifted"],
    "rnn_language_model": ["forward_no_tanh", "loss_per_sentence", "bptt_w_not_transposed",
                           "train_lr_compared_with_first"],
    "gradient_checking": ["restores_a_copy", "rel_error_no_floor",
                          "cell_backward_w2_not_transposed", "rnn_loss_log_of_sum"],
}


def examples():
    """{path under tests/submissions: notebook} of the bundled examples (`autograder demo`)."""
    found = {}
    for assignment, names in TYPICAL_BUGS.items():
        bugs = [HERE / assignment / "bugs" / f"{name}.py" for name in names]
        found[f"{assignment}/correct.ipynb"] = notebook(assignment)
        found[f"{assignment}/typical_bugs.ipynb"] = notebook(assignment, bugs)
    return found


def write_examples():
    for path, nb in examples().items():
        print("wrote", write(nb, HERE / path))
