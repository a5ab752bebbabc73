"""The isolation modes every red-team test of the sandbox runs in."""
import pytest

from autograder.sandbox.isolation import isolation
from tests.submissions import ROOT

# The unprivileged modes need an interpreter (with NumPy) that other users may run: the
# grader's own lives under /root here, so Debian's python3-numpy stands in (.ci/run).
OPEN_PYTHON = {"RNN_KIT_SANDBOX_PYTHON": "/usr/bin/python3"}
MODES = {
    "bubblewrap": {},
    "bubblewrap, unprivileged user": OPEN_PYTHON,
    "unprivileged user": {**OPEN_PYTHON, "RNN_KIT_ISOLATION": "user"},
}


# The strongest mode in the fast loop; every mode in the whole suite (`-m slow` included).
@pytest.fixture(params=[pytest.param(name, marks=[pytest.mark.slow] if number else [])
                        for number, name in enumerate(MODES)])
def mode(request, monkeypatch):
    """Grade in one mode. Without bubblewrap the course must be closed to other users, as
    the README tells an instructor: here the course directory is, for the length of the test."""
    for name, value in MODES[request.param].items():
        monkeypatch.setenv(name, value)
    permissions = ROOT.stat().st_mode
    if "bubblewrap" not in request.param:
        ROOT.chmod(permissions & ~0o007)
    isolation.cache_clear()
    try:
        if str(isolation()) != request.param:
            pytest.skip(f"{request.param!r} cannot run on this machine (it has {isolation()})")
        yield isolation()
    finally:
        ROOT.chmod(permissions)
        monkeypatch.undo()
        isolation.cache_clear()
