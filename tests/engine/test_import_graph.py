"""The two packages' contract, read from their import statements (module level and inside
functions alike, so no import can hide from it):

- rnn_checks, what students' folders run, imports only the standard library, NumPy and
  itself: one import of the grader's added to a check would break every student's notebook;
- autograder imports rnn_checks, never the other way round;
- no module of either package takes part in an import cycle.
"""
import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("rnn_checks", "autograder")


def modules():
    """{dotted name: path} of every module of the two packages."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = modules()


def imports(name, path):
    """The absolute names `name` imports: a module where one exists by that name, else the
    package or module that the imported name comes from."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return found


GRAPH = {name: imports(name, path) for name, path in MODULES.items()}


def top(name):
    return name.split(".")[0]


@pytest.mark.parametrize("name", [n for n in MODULES if top(n) == "rnn_checks"])
def test_the_student_side_imports_only_the_standard_library_numpy_and_itself(name):
    foreign = {imported for imported in GRAPH[name]
               if top(imported) not in {"rnn_checks", "numpy", *sys.stdlib_module_names}}
    assert not foreign, f"{name} imports {sorted(foreign)}"


def test_the_grader_is_imported_by_no_student_side_module():
    assert not [(name, imported) for name, found in GRAPH.items() if top(name) == "rnn_checks"
                for imported in found if top(imported) == "autograder"]


def test_no_module_takes_part_in_an_import_cycle():
    edges = {name: {imported for imported in found if imported in MODULES and imported != name}
             for name, found in GRAPH.items()}
    cycles, state, stack = [], {}, []

    def visit(name):
        state[name] = "open"
        stack.append(name)
        for imported in sorted(edges[name]):
            if state.get(imported) == "open":
                cycles.append(stack[stack.index(imported):] + [imported])
            elif imported not in state:
                visit(imported)
        stack.pop()
        state[name] = "done"

    for name in sorted(edges):
        if name not in state:
            visit(name)
    assert not cycles, " ; ".join(" -> ".join(cycle) for cycle in cycles)


def test_the_graph_sees_the_imports_it_judges():
    """The reading of imports is itself right: known edges of both kinds are found."""
    assert "rnn_checks.compare" in GRAPH["rnn_checks.check"]
    assert "rnn_checks.check" in GRAPH["autograder.grade"]
    assert "numpy" in GRAPH["rnn_checks.protocol"]
