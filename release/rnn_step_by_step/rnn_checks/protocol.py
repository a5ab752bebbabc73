"""The message format between the grading process and the student's process.

A message is a JSON header plus raw array buffers:

    frame  = 8-byte big-endian header length, header (UTF-8 JSON), buffers
    header = {"op": ..., "value": <node>, ..., "buffers": [n_bytes, ...]}

Values are encoded as tagged JSON nodes; arrays become plain buffers of a whitelisted
numeric dtype. Decoding never runs code from the sender: it builds fresh plain float/int
arrays, numbers, strings, tuples, lists and dicts, `Instance` for an object of a class the
assignment names (its attributes), `Code` for a function the grader passes as an argument
(its public source: only the student's process makes it a function), and `Opaque` for
anything else. This
module only imports the standard library and NumPy because the student's process loads
it by path (see child.py).
"""
import builtins
import json
import math
import struct
from dataclasses import dataclass, field

import numpy as np

MAX_HEADER_BYTES = 8 << 20
MAX_DEPTH = 32
MAX_TEXT = 4000        # for descriptions (repr of an object); strings cross whole
# dtype.str values accepted for arrays (native little-endian on every platform we grade on).
ARRAY_DTYPES = {"<f8", "<f4", "<f2", "<i8", "<i4", "<i2", "|i1", "<u8", "<u4", "<u2", "|u1", "|b1"}
DTYPES = {name: np.dtype(name) for name in ARRAY_DTYPES}


class ProtocolError(Exception):
    """The other side sent something that is not a valid message."""


@dataclass(frozen=True)
class Opaque:
    """A value that is not data (a function, a generator, an object of some class)."""
    type_name: str
    text: str


class Instance(dict):
    """The attributes of an object of a class the assignment names (e.g. the notebook's
    `RNN`): plain data on the grader's side, an object again in the student's process
    (`materialise`)."""

    def __init__(self, class_name, attributes=()):
        super().__init__(attributes)
        self.class_name = class_name

    def __repr__(self):
        return f"{self.class_name}({dict.__repr__(self)})"


@dataclass(frozen=True)
class Code:
    """A function passed as an argument (a test function for a gradient checker): public
    source defining `entry`, with `binds` (name -> path of another argument of the same
    call, e.g. [1] or [1, "W"]: the function reads that very object) and `constants` (name
    -> plain value). Inert data everywhere; `materialise` makes it a function only where the
    student's code runs, or for the reference, and only from the grader's own cases."""
    source: str
    entry: str
    binds: dict = field(default_factory=dict)
    constants: dict = field(default_factory=dict)

    def build(self, arguments):
        names = {"np": np, "__builtins__": builtins, **self.constants}
        for name, path in self.binds.items():
            names[name] = arguments[path[0]]
            for step in path[1:]:
                names[name] = names[name][step]
        exec(compile(self.source, f"<grader's {self.entry}>", "exec"), names)
        return names[self.entry]


# Names of the classes whose objects cross as Instance (register_classes); others are Opaque.
INSTANCE_CLASSES = set()


def register_classes(names):
    INSTANCE_CLASSES.update(str(name) for name in names)


def materialise(values, classes):
    """`values` (a list) with each Instance among them made an object of its class in
    `classes` ({name: class}), its attributes set without running the class's __init__, and
    each Code a function (reading the other, materialised arguments it binds)."""
    made = []
    for value in values:
        if isinstance(value, Instance):
            if not isinstance(classes.get(value.class_name), type):
                raise NameError(f"name '{value.class_name}' is not defined (run its cell)")
            instance = object.__new__(classes[value.class_name])
            vars(instance).update(value)
            value = instance
        made.append(value)
    return [value.build(made) if isinstance(value, Code) else value for value in made]


def _short(text):
    text = str(text)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "..."


def _safe_repr(value):
    try:
        return _short(repr(value))
    except BaseException:  # a hostile __repr__ must not break the encoder
        return "<unprintable>"


def encode(value, buffers, depth=0, objects=()):
    """Return the JSON node for `value`, appending array bytes to `buffers`.

    objects: ids of the objects being encoded around it: an object holding itself (a
    model with `self.me = self`) is described, not unrolled."""
    if depth > MAX_DEPTH:
        return {"opaque": "nesting", "text": "nested too deeply"}
    kind = type(value)
    if value is None:
        return {"none": 1}
    if kind is bool or isinstance(value, np.bool_):
        return {"bool": bool(value)}
    if isinstance(value, (int, np.integer)):
        return {"int": int(value)}
    if isinstance(value, (float, np.floating)):
        return {"float": float(value)}
    if kind is str:
        return {"str": value}
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value.view(np.ndarray))
        if array.dtype.str not in ARRAY_DTYPES:
            return {"opaque": f"ndarray of {array.dtype}", "text": _safe_repr(value)}
        buffers.append(array.tobytes())
        node = {"array": len(buffers) - 1, "dtype": array.dtype.str, "shape": list(array.shape)}
        if kind is not np.ndarray:
            node["subclass"] = _short(kind.__name__)
        return node
    if kind in (tuple, list):
        return {kind.__name__: [encode(item, buffers, depth + 1, objects) for item in value]}
    if kind is Code:
        return {"code": _short(value.source), "entry": _short(value.entry),
                "binds": [[str(name), list(path)] for name, path in value.binds.items()],
                "constants": encode(dict(value.constants), buffers, depth + 1, objects)}
    if kind is Instance or (getattr(kind, "__name__", None) in INSTANCE_CLASSES
                            and type(getattr(value, "__dict__", None)) is dict):
        name = value.class_name if kind is Instance else kind.__name__
        if id(value) in objects:
            return {"opaque": "cycle", "text": f"the {_short(name)} object itself"}
        return {"instance": _short(name),
                "attributes": encode(dict(value if kind is Instance else vars(value)), buffers,
                                     depth + 1, (*objects, id(value)))}
    if kind is dict:
        return {"dict": [[encode(k, buffers, depth + 1, objects),
                          encode(v, buffers, depth + 1, objects)] for k, v in value.items()]}
    return {"opaque": _short(getattr(kind, "__name__", "object")), "text": _safe_repr(value)}


def decode(node, buffers, depth=0, used=None):
    """Inverse of `encode`, validating everything; raises ProtocolError.

    Each buffer may back one array only, so the decoded bytes never exceed the bytes read
    (a buffer referenced many times would multiply them)."""
    used = set() if used is None else used
    if depth > MAX_DEPTH or not isinstance(node, dict) or len(node) == 0:
        raise ProtocolError("malformed value")
    if "none" in node:
        return None
    if "bool" in node:
        return bool(node["bool"])
    if "int" in node and type(node["int"]) is int:
        return node["int"]
    if "float" in node and type(node["float"]) in (int, float):
        return float(node["float"])
    if "str" in node and type(node["str"]) is str:
        return node["str"]
    if "array" in node:
        index, dtype, shape = node.get("array"), node.get("dtype"), node.get("shape")
        if (type(index) is not int or not 0 <= index < len(buffers) or dtype not in ARRAY_DTYPES
                or not isinstance(shape, list)
                or not all(type(n) is int and n >= 0 for n in shape)):
            raise ProtocolError("malformed array")
        dtype = DTYPES[dtype]
        data = buffers[index]
        if len(data) != dtype.itemsize * math.prod(shape):
            raise ProtocolError("array size does not match its shape")
        if index in used:
            raise ProtocolError("an array buffer is used twice")
        used.add(index)
        return np.frombuffer(data, dtype=dtype).reshape(shape).copy()
    for kind in (tuple, list):
        if kind.__name__ in node and isinstance(node[kind.__name__], list):
            return kind(decode(item, buffers, depth + 1, used) for item in node[kind.__name__])
    if "dict" in node and isinstance(node["dict"], list):
        result = {}
        for pair in node["dict"]:
            if not isinstance(pair, list) or len(pair) != 2:
                raise ProtocolError("malformed dict")
            key = decode(pair[0], buffers, depth + 1, used)
            if not isinstance(key, (str, int, float, bool, type(None))):
                raise ProtocolError("dict keys must be plain values")
            result[key] = decode(pair[1], buffers, depth + 1, used)
        return result
    if "code" in node and type(node["code"]) is str and type(node.get("entry")) is str:
        binds, constants = node.get("binds"), decode(node.get("constants"), buffers, depth + 1,
                                                      used)
        if (not isinstance(binds, list) or not isinstance(constants, dict)
                or not all(isinstance(b, list) and len(b) == 2 and type(b[0]) is str
                           and isinstance(b[1], list) and b[1] and type(b[1][0]) is int
                           and all(type(step) in (int, str) for step in b[1]) for b in binds)
                or not all(type(k) is str for k in constants)):
            raise ProtocolError("malformed function argument")
        return Code(node["code"], node["entry"], {name: path for name, path in binds}, constants)
    if "instance" in node and type(node["instance"]) is str:
        attributes = decode(node.get("attributes"), buffers, depth + 1, used)
        if not isinstance(attributes, dict) or not all(type(k) is str for k in attributes):
            raise ProtocolError("malformed instance")
        return Instance(node["instance"][:200], attributes)
    if "opaque" in node:
        return Opaque(str(node["opaque"])[:200], str(node.get("text", ""))[:MAX_TEXT])
    raise ProtocolError("unknown value kind")


def normalise(value):
    """What the grading process would receive if `value` crossed the process boundary."""
    buffers = []
    return decode(encode(value, buffers), buffers)


def write_back(original, updated):
    """Change `original` in place to equal `updated` where it can; return the result.

    A function run in another process (a reference answering for the student's process)
    changes copies of its arguments; this replays those changes on the caller's objects.
    """
    if (isinstance(original, np.ndarray) and isinstance(updated, np.ndarray)
            and original.shape == updated.shape and original.flags.writeable):
        original[...] = updated
        return original
    if isinstance(updated, Instance) and type(getattr(original, "__dict__", None)) is dict:
        write_back(vars(original), dict(updated))  # an object's attributes, as a dict's items
        return original
    if type(original) is dict and isinstance(updated, dict):
        for key in [key for key in original if key not in updated]:
            del original[key]
        for key, value in updated.items():
            original[key] = write_back(original[key], value) if key in original else value
        return original
    if type(original) is list and isinstance(updated, list) and len(original) == len(updated):
        original[:] = [write_back(o, u) for o, u in zip(original, updated)]
        return original
    return updated


def apply_answer(args, kwargs, answer, aliases):
    """The result of a stand-in's answer, replayed on the caller's own objects.

    answer: {"result", "args": state after the call per positional argument (None:
    unchanged), "kwargs": likewise per keyword}; aliases: [result path, ["args", i, ...] or
    ["kwargs", name, ...]]: where the callee returned (a part of) one of its arguments, the
    caller gets its own object there, as it would in one process."""
    for original, updated in zip(args, answer["args"]):
        if updated is not None:
            write_back(original, updated)
    for name, updated in answer["kwargs"].items():
        if updated is not None and name in kwargs:
            write_back(kwargs[name], updated)
    result = answer["result"]
    for path, (where, key, *inner) in aliases:
        own = args[key] if where == "args" else kwargs[key]
        for step in inner:
            own = own[step]
        result = _put(result, path, own)
    return result


def _put(value, path, item):
    """`value` with the part at `path` replaced by `item` (tuples are rebuilt)."""
    if not path:
        return item
    head, rest = path[0], path[1:]
    if isinstance(value, tuple):
        return tuple(_put(v, rest, item) if i == head else v for i, v in enumerate(value))
    value[head] = _put(value[head], rest, item)
    return value


def send(fd_file, header, value=None, has_value=False):
    """Write one message; `value` (if given) is encoded into the header's "value" node."""
    buffers = []
    if has_value or value is not None:
        header = dict(header, value=encode(value, buffers))
    header["buffers"] = [len(b) for b in buffers]
    data = json.dumps(header, allow_nan=True).encode()
    fd_file.write(struct.pack(">Q", len(data)))
    fd_file.write(data)
    for buffer in buffers:
        fd_file.write(buffer)
    fd_file.flush()


def read_exactly(fd_file, n):
    data = fd_file.read(n)
    if data is None or len(data) != n:
        raise EOFError("connection closed")
    return data


def receive(fd_file, max_bytes):
    """Read one message; return (header, value or None). Raises ProtocolError or EOFError."""
    (length,) = struct.unpack(">Q", read_exactly(fd_file, 8))
    if length > MAX_HEADER_BYTES:
        raise ProtocolError("message header too large")
    try:
        header = json.loads(read_exactly(fd_file, length).decode())
    except (UnicodeDecodeError, ValueError) as error:
        raise ProtocolError(f"message header is not JSON: {str(error)[:200]}") from None
    except RecursionError:
        raise ProtocolError("message header is nested too deeply") from None
    sizes = header.get("buffers") if isinstance(header, dict) else None
    if not isinstance(sizes, list) or not all(type(n) is int and n >= 0 for n in sizes):
        raise ProtocolError("malformed message header")
    if sum(sizes) > max_bytes:
        raise ProtocolError(f"message larger than {max_bytes} bytes")
    buffers = [read_exactly(fd_file, n) for n in sizes]
    try:
        value = decode(header["value"], buffers) if "value" in header else None
    except (RecursionError, MemoryError, ValueError, TypeError, OverflowError) as error:
        raise ProtocolError(f"malformed value ({type(error).__name__})") from None
    return header, value
