"""The cases of an exercise: inputs and expected outputs, and the public case students get.

The grader computes every case from the reference solutions (autograder.reference). A
student's notebook has only the public case of each exercise, from the file `release`
writes into public/ beside this module, so the notebook's checks need no reference code.
"""
import base64
import json
from dataclasses import dataclass
from pathlib import Path

from . import protocol, standins

PUBLIC = Path(__file__).resolve().parent / "public"


@dataclass
class Case:
    label: str                 # "public case", "hidden case 2"
    dims: str
    arg_names: list
    args: list
    expected: object
    forward_inputs: dict | None = None   # for a backward: the forward's named inputs
    upstream: dict | None = None         # for a backward: upstream argument -> gradient
    args_after: list | None = None       # the arguments after the reference's call
    # The reference's own calls of the functions this exercise uses, made on this case:
    # {name: {"signature": standins.signature_data, "calls": [standins.recorder's records]}}
    replies: dict | None = None
    bounded: dict | None = None          # behaviour-graded: {name: bounded.Bounded}

    @property
    def hidden(self):
        """Feedback on a hidden case reveals none of its values (diagnose.py)."""
        return self.label != "public case"

    def standins(self, exercise):
        """{name: stand-in} for each function the exercise uses (see standins.py): Replay of
        exactly the calls the reference made on this case, or for a behaviour-graded
        exercise, Bounded (bounded.py)."""
        if self.bounded is not None:
            return self.bounded
        return {name: standins.Replay(name, standins.signature_of(data["signature"]),
                                      data["calls"], exercise, not self.hidden)
                for name, data in (self.replies or {}).items()}


def dump_value(value):
    buffers = []
    node = protocol.encode(value, buffers)
    return {"value": node, "buffers": [base64.b64encode(b).decode() for b in buffers]}


def load_value(data):
    return protocol.decode(data["value"], [base64.b64decode(b) for b in data["buffers"]])


class PublicReference:
    """The public case of each exercise, read from the data file.

    It holds no reference code. For the functions an exercise uses, it replays the answers
    the reference gave while computing the public case (Case.standins).
    """

    def __init__(self, assignment):
        self.assignment = assignment
        path = PUBLIC / f"{assignment.name}.json"
        self.data = json.loads(path.read_text())

    def cases(self, exercise):
        return [Case(**load_value(self.data[exercise.name]))]
