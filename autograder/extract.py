"""Step 2: the definitions a notebook makes, without its demos.

From every code cell we keep imports (except of the grader itself), function and class
definitions, and assignments that call nothing (constants, lambdas); calls, prints, plots
and magics are left out, so a notebook's demo code neither runs nor costs points. IPython
syntax (magics, `!cmd`) is translated by IPython's own input transformer, which is only
imported when plain Python cannot parse the cell.
"""
import ast
from dataclasses import dataclass

from .read import Cell

KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
GRADER = {"autograder", "solutions", "rnn_checks"}  # the notebook's checks import these


@dataclass(frozen=True)
class Program:
    """The statements to run in the student's process, and what could not be used."""
    statements: list        # [{"cell": label, "line": n, "source": text}] in notebook order
    problems: dict          # cell label -> message (syntax errors)


def parse_cell(source):
    try:
        return ast.parse(source), source
    except SyntaxError:
        pass
    except (ValueError, MemoryError, RecursionError) as error:  # NUL bytes, absurd nesting
        raise SyntaxError(str(error)) from None
    from IPython.core.inputtransformer2 import TransformerManager
    transformed = TransformerManager().transform_cell(source)
    return ast.parse(transformed), transformed


def imports_grader(node):
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] in GRADER for alias in node.names)
    return isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in GRADER


def is_definition(node):
    if imports_grader(node):
        return False
    if isinstance(node, KEPT):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        return not any(isinstance(sub, ast.Call) for sub in ast.walk(node.value))
    return False


def segment(source, node):
    """(first line, exact text) of a top-level statement, decorators included."""
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    if first == node.lineno:
        return first, ast.get_source_segment(source, node)
    return first, "\n".join(source.splitlines()[first - 1:node.end_lineno])


def definitions(cells):
    statements, problems = [], {}
    for cell in cells:
        try:
            tree, source = parse_cell(cell.source)
        except SyntaxError as error:
            line = f" at line {error.lineno}" if error.lineno else ""
            problems[cell.label] = f"syntax error{line}: {getattr(error, 'msg', error)}"
            continue
        for node in tree.body:
            if is_definition(node):
                line, text = segment(source, node)
                statements.append({"cell": cell.label, "line": line, "source": text})
    return Program(statements, problems)


def code_cells(cells):
    return [cell for cell in cells if cell.cell_type == "code"]


def submission_program(release_cells, submission_cells):
    """Setup comes from the release notebook's locked cells before the first exercise;
    everything else from the submission's unlocked cells (locked demos and checks never run)."""
    locked = {cell.grade_id for cell in release_cells if cell.locked and cell.grade_id}
    first_exercise = next((cell.index for cell in release_cells if cell.solution),
                          len(release_cells))
    setup = [cell for cell in code_cells(release_cells[:first_exercise]) if cell.locked]
    own = [cell for cell in code_cells(submission_cells) if cell.grade_id not in locked]
    return definitions(setup + own)


__all__ = ["Cell", "Program", "definitions", "submission_program"]
