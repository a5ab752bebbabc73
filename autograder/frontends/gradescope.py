"""`python -m autograder gradescope ASSIGNMENT`: the autograder zip for Gradescope.

Gradescope unpacks the zip into /autograder/source, runs `setup.sh` there once (as root, on
Ubuntu) and then, for each submission, /autograder/run_autograder, which must leave
/autograder/results/results.json. The zip holds only what grading this one assignment
needs: the engine, the assignment's reference solutions, its release notebook (the locked
setup cells come from there) and its data folder. Never the tests or another assignment.
"""
import importlib.metadata
import json
import zipfile
from pathlib import Path

from rnn_checks import exercises
from ..grade import release_notebook
from rnn_checks.cases import PUBLIC

from ..course import CHECKOUT, course_directory
from ..secret import SECRET_FILE, course_secret

SETUP = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
cd "$(dirname "$0")"
# Installed files must be readable by others: students' code runs as an unprivileged uid
# with this interpreter and these packages.
umask 022
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends python3 python3-pip
python3 -c 'import sys; assert sys.version_info >= (3, 10)' || {
  echo "rnn-kit needs Python 3.10 or later: choose Ubuntu 22.04 or later as the base image" >&2
  exit 1
}
# The image is ours alone, so installing into the system Python is what we want (newer
# Ubuntu marks it "externally managed"; older pip ignores both variables).
PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore \
  python3 -m pip install --no-cache-dir -r requirements.txt
python3 -c 'import numpy, IPython'   # fail here, not on every submission
# Students' code runs as another uid only if that uid can import NumPy too.
runuser -u nobody -- python3 -I -c 'import numpy' ||
  echo "warning: other users cannot import numpy; students' code will not get its own uid" >&2
# The strongest isolation needs user namespaces, which Gradescope's Docker may not allow;
# without bubblewrap the engine runs students' code as an unprivileged uid instead.
apt-get install -y --no-install-recommends bubblewrap ||
  echo "bubblewrap not installed: students' code will run as an unprivileged uid"
"""

RUN = r"""#!/usr/bin/env bash
# Gradescope runs this as root for every submission. Whatever fails, it leaves a results.json.
set -uo pipefail
ASSIGNMENT=@ASSIGNMENT@
ROOT=${AUTOGRADER_ROOT:-/autograder}
SOURCE=$ROOT/source
SUBMISSION=$ROOT/submission
RESULTS=$ROOT/results/results.json

# Students' code may run as an unprivileged uid, which must read none of the course, the
# submission or the results (the grader refuses to grade in that mode if it can).
chmod -R go-rwx "$SOURCE"
mkdir -p "$SUBMISSION" "${RESULTS%/*}"
chmod go-rwx "$SUBMISSION" "${RESULTS%/*}"

# The notebook: $ASSIGNMENT.ipynb anywhere below the submission, else the first .ipynb by
# path; never in hidden folders (Jupyter's .ipynb_checkpoints) or macOS's zip metadata.
mapfile -d '' found < <(find "$SUBMISSION" -mindepth 1 \( -name '.*' -o -name __MACOSX \) \
  -prune -o -type f -name '*.ipynb' -print0 2>/dev/null | LC_ALL=C sort -z)
notebook=
for candidate in "${found[@]}"; do
  if [ "${candidate##*/}" = "$ASSIGNMENT.ipynb" ]; then notebook=$candidate; break; fi
done
# Nothing submitted: the grader then scores 0 and says this file is missing.
notebook=${notebook:-${found[0]:-$SUBMISSION/$ASSIGNMENT.ipynb}}
# %q: a file name's control characters (a terminal escape, a newline) are shown quoted.
printf 'grading %q\n' "$notebook"

rm -f "$RESULTS"
mkdir -p "${RESULTS%/*}"
(cd "$SOURCE" && RNN_KIT_COURSE=$SOURCE python3 -m autograder grade "$notebook" \
  --assignment "$ASSIGNMENT" --output "$RESULTS")
status=$?
# The grader writes the file whole or not at all (and exits 0 when it did). No file: the
# fault is ours, not the student's, and the results must say so.
if [ ! -s "$RESULTS" ]; then
  echo "the grader wrote no results (exit status $status); writing a results.json that says so" >&2
  cat > "$RESULTS" <<'EOF'
@FAILED@
EOF
fi
"""

PACKAGES = ("autograder", "rnn_checks")  # the grader, and the checks it shares with students
# What run_autograder writes when the grader wrote nothing.
FAILED = json.dumps({"score": 0, "output": "Grading failed because of a problem with the "
                     "autograder, not with your submission. Please contact the course staff.",
                     "tests": [], "extra_data": {"grading_failed": True}}, indent=1)
# Fixed entry times and modes: the same sources always give the same zip, byte for byte.
EPOCH = (1980, 1, 1, 0, 0, 0)
EXECUTABLE, REGULAR, PRIVATE = 0o100755, 0o100644, 0o100600


def dependencies():
    """The grading core's requirements: `[project] dependencies` of pyproject.toml."""
    pyproject = CHECKOUT / "pyproject.toml"
    try:
        import tomllib
        return tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    except (ImportError, OSError):  # Python 3.10, or an installed kit: its metadata says it
        return [requirement for requirement in importlib.metadata.requires("rnn-kit")
                if "extra ==" not in requirement]


def course_files(assignment):
    """{name in the zip: file} for the kit's two packages and what it reads to grade
    `assignment`."""
    course = course_directory()

    def engine(path):  # the packages' code, data and templates; no caches, no others' cases
        return (path.is_file() and path.suffix in (".py", ".json", ".html") and
                "__pycache__" not in path.parts and
                (path.parent != PUBLIC or path.stem == assignment))
    files = {str(path.relative_to(CHECKOUT)): path for package in PACKAGES
             for path in (CHECKOUT / package).rglob("*") if engine(path)}
    data = course / "assignments" / assignment / "data"  # what the specs read, e.g. small.txt
    files.update({str(path.relative_to(course)): path
                  for path in data.rglob("*") if path.is_file()})
    mistakes = course / "solutions" / "mistakes" / f"{assignment}.py"  # named mistakes
    for path in (course / "solutions" / f"{assignment}.py", release_notebook(assignment),
                 *([mistakes] if mistakes.is_file() else [])):
        files[str(path.relative_to(course))] = path
    return files


def build(assignment, output="autograder.zip"):
    """Write the Gradescope autograder zip for `assignment` to `output`; returns its path."""
    exercises.load(assignment)  # an unknown name: KeyError naming the known ones
    entries = {name: (path.read_bytes(), REGULAR)
               for name, path in course_files(assignment).items()}
    entries["requirements.txt"] = ("\n".join(dependencies()) + "\n").encode(), REGULAR
    # The hidden cases the course grades with here are the ones Gradescope grades with: the
    # course's secret (made now if it has none), never one anybody could know.
    entries[SECRET_FILE] = (course_secret() + "\n").encode(), PRIVATE
    entries["setup.sh"] = SETUP.encode(), EXECUTABLE
    run = RUN.replace("@ASSIGNMENT@", assignment).replace("@FAILED@", FAILED)
    entries["run_autograder"] = run.encode(), EXECUTABLE
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            content, mode = entries[name]
            info = zipfile.ZipInfo(name, EPOCH)
            info.create_system = 3  # Unix: unzip then restores the modes below
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return output
