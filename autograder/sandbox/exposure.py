"""Whether students' code could read classmates' work in the unprivileged user mode.

Without bubblewrap (root in Docker, as on Gradescope) a student's code runs as a uid of its
own but on the host's files: it can read whatever other users can. If that includes the
course directory, the class being graded or the output folder, it can copy a classmate's
notebook or results. So before grading in that mode the entry points (the command line's
grade, grade-all and demo, and the nbgrader path) ask that uid itself, in one short
process, what it can reach, and refuse unless the instructor accepts the risk.
"""
import os
import shlex

from ..course import course_directory
from .isolation import UID_BASE, _probe, isolation

FLAG = "--allow-readable-course"
# Prints 1 for each path the process can read, list or enter (then it can read what is
# below it by name), else 0. Asked of the students' uid: every folder above and every ACL
# counts, as they do for the students' code.
PROBE = ("import os, sys\n"
         "for path in sys.argv[1:]:\n"
         "    print(int(os.access(path, os.R_OK) or os.access(path, os.X_OK)))\n")


class Exposed(Exception):
    """Students' code could read the course or the class; the message is one line."""


def refuse_readable(paths, allow=False):
    """Raise Exposed if students' code runs as an unprivileged uid without bubblewrap and
    can read the course directory or any of `paths` (the class or the submission's folder,
    the output folder); not when `allow` (the instructor passed FLAG)."""
    if allow or os.geteuid() != 0:  # only root runs students' code as a uid of its own
        return
    mode = isolation()
    if not mode.user or mode.bubblewrap:
        return
    readable = readable_by_students([course_directory(), *paths], mode.python)
    if readable:
        quoted = " ".join(shlex.quote(path) for path in readable)
        raise Exposed(f"students' code runs as an unprivileged user here (no bubblewrap) and "
                      f"could read {', '.join(readable)}, so it could copy classmates' work: "
                      f"close them with `chmod o-rwx {quoted}`, or pass {FLAG} to grade anyway")


def readable_by_students(paths, python):
    """Those of `paths` (resolved, each once: a link's target is what can be reached) that
    the students' uid can read or enter; all of them if it cannot say."""
    paths = list(dict.fromkeys(os.path.realpath(path) for path in paths))
    answer = (_probe([python, "-I", "-c", PROBE, *paths], UID_BASE) or "").split()
    if len(answer) != len(paths):
        return paths
    return [path for path, flag in zip(paths, answer) if flag == "1"]
