"""What every session (the sandbox, or a notebook's kernel) gives the checks: the outcome of
one call of a student's function, or the sentence why the student's process stopped."""
from dataclasses import dataclass, field


@dataclass
class Outcome:
    """What one call of a student function produced."""
    ok: bool
    value: object = None                # the returned value, decoded (when ok)
    args_after: list = None             # the arguments as they were after the call
    error: dict = field(default_factory=dict)  # type, message, where (when not ok)
    printed: str = ""
    refusals: list = field(default_factory=list)  # calls the stand-ins would not answer


class GraderFailure(Exception):
    """The grading machine failed, not the student's code (e.g. a process for it could not
    be set up even on a second try): the submission is the grader's failure, which
    `grade-all --resume` grades again."""


class SandboxFailure(Exception):
    """The student's process stopped answering: timeout, crash, exit or garbage.

    The message is a sentence for the student."""


@dataclass(frozen=True)
class Raised:
    """What a call raised: the exception's name and message (as sent, at most 4000
    characters): a named mistake that raises reproduces a student's code that raised the same."""
    type: str
    message: str

    def __post_init__(self):
        object.__setattr__(self, "message", str(self.message)[:4000])
