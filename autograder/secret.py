"""The course's secret, from which the hidden cases are drawn. Host only.

It lives in the host-side package, never released to students: code that students have
cannot hold or find the secret, so it cannot recompute a hidden input.

The secret is $RNN_KIT_SECRET, else the contents of .rnn-kit-secret in the course
directory. A course without one gets a random one there the first time it is needed
(release, grading, a Gradescope build), and the process that creates it says so once.
"""
import hashlib
import os
import secrets
import shlex
import sys
import tempfile
from contextlib import suppress
from pathlib import Path

from .course import course_directory

SECRET_FILE = ".rnn-kit-secret"
ENVIRONMENT = "RNN_KIT_SECRET"


class SecretError(Exception):
    """The course has no usable secret and none can be made; the message is one line."""


def course_secret():
    """The course's secret (see the module's docstring), created if the course has none.
    Raises SecretError when it cannot be read or created."""
    if os.environ.get(ENVIRONMENT):
        return os.environ[ENVIRONMENT]
    path = secret_path()
    return read_secret(path) if os.path.lexists(path) else create_secret(path)


def hidden_seed(exercise, number):
    """The seed of hidden case `number` of `exercise`: fixed, so that a regrade gives the
    same result, and drawn from the course's secret, so that students cannot compute it."""
    digest = hashlib.sha256(f"{course_secret()}/{exercise}/{number}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def secret_path():
    return Path(os.path.abspath(course_directory() / SECRET_FILE))


def read_secret(path):
    """The secret in `path`, stripped (as it has always been read: existing courses keep
    their hidden cases)."""
    try:
        secret = Path(path).read_text().strip()
    except (OSError, UnicodeDecodeError) as error:
        raise SecretError(f"cannot read the course secret {path}: "
                          f"{getattr(error, 'strerror', None) or error}") from None
    if not secret:
        raise SecretError(f"the course secret {path} is empty: write the course's secret in "
                          "it, or delete it to have a new one made")
    return secret


def create_secret(path):
    """A new random secret in `path` (0600). The file appears complete or not at all: a
    private temporary file (O_CREAT|O_EXCL) is written, then hard-linked to `path`, which
    fails if it exists; so of several grading processes racing, every one ends up with
    the winner's secret, and only the winner says so."""
    secret = secrets.token_hex(32)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f"{SECRET_FILE}.", dir=path.parent)
    except OSError as error:
        raise SecretError(cannot_create(path, error)) from None
    try:
        with os.fdopen(handle, "w") as file:
            file.write(secret + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.link(temporary, path)
    except FileExistsError:
        return read_secret(path)
    except OSError as error:
        raise SecretError(cannot_create(path, error)) from None
    finally:
        with suppress(OSError):
            os.unlink(temporary)
    print(f"rnn-kit: created the course secret {path} (hidden cases are drawn from it; keep "
          "it: regrading, and grading anywhere else, needs this same file)", file=sys.stderr)
    return secret


def cannot_create(path, error):
    """One line: why the secret cannot be made, and how the instructor makes one."""
    quoted = shlex.quote(str(path))
    return (f"cannot create the course secret {path} ({error.strerror or error}); as the "
            "course directory's owner, create it with: python3 -c 'import secrets; "
            f"print(secrets.token_hex(32))' > {quoted} && chmod 600 {quoted} "
            f"(or set {ENVIRONMENT})")
