"""Grade one exercise: call the student's function on every case, compare, diagnose, score.

The same function serves every path. A "session" runs the student's code: the sandboxed
child process (CLI), or the notebook's own kernel (public checks, nbgrader's hidden tests).
A session offers `call(name, args, standins)` and `call_many(name, args_list, standins)`;
the stand-ins (standins.py) answer the student's calls of the functions an exercise uses.
"""
import copy
from dataclasses import dataclass, field

import numpy as np

from .compare import argument_differences, compare, describe_type, relative_error
from .diagnose import described, exception_name, explain, explain_error, pictures, returned
from .text import readable
from .session import GraderFailure, Raised, SandboxFailure

INPUTS_SHARE = 0.1   # of an exercise's points, for leaving its inputs unchanged
STEP = 1e-6          # central-difference step of the gradient check
PROBES = 4           # entries probed per gradient in the check against the student's forward


@dataclass
class TestResult:
    name: str
    score: float
    max_score: float
    output: str
    pictures: list = field(default_factory=list)  # diagnose.pictures, of the public case

    @property
    def passed(self):
        return self.score >= self.max_score - 1e-9

    @property
    def exercise(self):
        return self.name.split(":")[0]


def _result(exercise, label, weight, ok, lines, pictures=()):
    return TestResult(f"{exercise.name}: {label}", round(weight if ok else 0.0, 6),
                      round(weight, 6), readable("\n".join(lines)), list(pictures))


@dataclass
class Checked:
    """What one case of an exercise graded by value gave."""
    ok: bool
    lines: list                 # the explanation
    parts: dict | None = None   # the student's value, by output name
    args_after: list | None = None
    raised: Raised | None = None
    pictures: list = field(default_factory=list)


def returned_parts(exercise, value, reveal=True):
    """Split a returned value into named parts, or say why its structure is wrong (without
    the student's count where reveal is False: code that saw a hidden case chose it)."""
    names = exercise.outputs
    if exercise.gradient and not names:
        if not isinstance(value, dict):
            keys = list(exercise.gradient.wrt)
            return None, f"expected a dict with keys {keys}, got {described(value, reveal)}"
        return value, None
    if len(names) <= 1:
        return {names[0] if names else f"{exercise.name}(...)": value}, None
    expected = f"expected {len(names)} return values ({', '.join(names)})"
    if not isinstance(value, (tuple, list)):
        return None, f"{expected}, got {described(value, reveal)}"
    if len(value) != len(names):
        return None, expected + (f", got {len(value)}" if reveal else "")
    return dict(zip(names, value)), None


def check_case(exercise, case, session):
    """A Checked: the student's function on one case, compared and explained."""
    try:
        outcome = session.call(exercise.name, case.args, case.standins(exercise))
    except SandboxFailure as failure:
        return Checked(False, [str(failure)])
    # The first call the grader would not answer explains a failure; the rest follow from it.
    refused = outcome.refusals[0].splitlines() if outcome.refusals else []
    if not outcome.ok:
        return Checked(False, explain_error(outcome.error, exercise.name, not case.hidden) +
                       refused, raised=Raised(str(outcome.error.get("type")),
                                              str(outcome.error.get("message"))))
    parts, problem = returned_parts(exercise, outcome.value, not case.hidden)
    expected, _ = returned_parts(exercise, case.expected)
    if not exercise.returns:  # graded by what it did to its arguments only
        parts, problem, expected = {}, None, {}
    elif outcome.value is None and case.expected is not None and not problem:
        problem = (f"{returned(exercise.name, None)}; expected "
                   f"{describe_type(case.expected)}")
    if problem:
        return Checked(False, [problem], args_after=outcome.args_after)
    differences = [d for name in expected
                   for d in compare(expected[name], parts.get(name), name, exercise.rtol,
                                    exercise.atol, name in exercise.caches)]
    if exercise.inputs_after == "updated":  # the in-place update is part of the result
        differences += [d for name, ref, st in zip(case.arg_names, case.args_after,
                                                   outcome.args_after or [])
                        for d in compare(ref, st, f"{name} (after the call)", exercise.rtol,
                                         exercise.atol)]
    lines = explain(differences, exercise.rtol, exercise.atol, bool(exercise.gradient),
                    not case.hidden, exercise.time_axis) + (refused if differences else [])
    if differences and outcome.printed and not case.hidden:
        lines.append(f"your function printed: {outcome.printed[:500]}")
    shown = pictures(differences, exercise.time_axis, bool(exercise.gradient), exercise.rtol,
                     exercise.atol) if differences and not case.hidden else []
    return Checked(not differences, lines, parts, outcome.args_after, None, shown)


def check_behaviour(exercise, session, cases, functions, notes, matcher=None):
    """Tests of an exercise graded by behaviour (rnn_checks.behaviour): per case and aspect."""
    graded, failures = [], []
    for case in cases:
        try:
            verdicts = exercise.behaviour.grade(exercise, session, case, functions)
        except SandboxFailure as failure:
            verdicts = exercise.behaviour.failed(str(failure))
        if not all(verdict.ok for verdict in verdicts):  # None: nothing to compare
            failures.append((case, verdicts[0].observed if verdicts else None))
        graded += [(case, verdict, [f"{case.label}: {'passed' if verdict.ok else 'failed'}"] +
                    list(notes if not verdict.ok else []) +
                    [f"  {line}" for line in verdict.lines]) for verdict in verdicts]

    def reproduces(function, case, observed):
        try:
            return exercise.behaviour.reproduces(function, case, observed)
        except Exception:  # a mistake may well fail where the student's code did not
            return False
    # Named only where every failing case can be compared: a mistake must explain them all.
    named = matcher.name(failures, reproduces) if matcher and failures and all(
        observed is not None for _, observed in failures) else None
    marked = with_mistake_line([(verdict.ok, lines) for _, verdict, lines in graded], named)
    return [_result(exercise, f"{verdict.label}, {case.label}",
                    exercise.points * verdict.share / len(cases), verdict.ok, lines)
            for (case, verdict, _), lines in zip(graded, marked)]


def with_mistake_line(tests, named):
    """The lines of each test ([(ok, lines)]), with the line of the named mistake (or two
    that compose) under the header of the first failed test: once per exercise."""
    marked = []
    for ok, lines in tests:
        if named and not ok:
            ids = " + ".join(mistake.id for mistake in named)
            lines = [lines[0], f"likely mistake: {ids} — " +
                     " ".join(mistake.hint for mistake in named)] + lines[1:]
            named = None
        marked.append(lines)
    return marked


def name_mistake(exercise, matcher, failures):
    """The named mistake (mistakes.py) that reproduces what the student's code gave on every
    failing case: its value, and for an in-place update, its arguments after the call."""
    def reproduces(function, case, student):
        got = matcher.run(function, case)
        if isinstance(got, Raised) or isinstance(student, Raised):
            # Raising is reproduced only by the same exception with the same message.
            return got == student
        (result, after), (parts, args_after) = got, student
        if exercise.returns:
            expected, problem = returned_parts(exercise, result)
            if problem or any(compare(expected[name], parts.get(name), name, exercise.rtol,
                                      exercise.atol, name in exercise.caches)
                              for name in expected):
                return False
        if exercise.inputs_after == "updated":
            return args_after is not None and not compare(after, args_after, "", exercise.rtol,
                                                          exercise.atol)
        return True
    # Named only where every failing case can be compared: a mistake must explain them all.
    if not matcher or not failures or any(student is None for _, student in failures):
        return None
    return matcher.name(failures, reproduces)


def check_exercise(assignment, exercise, session, cases, notes=(), functions=None,
                   matcher=None):
    """Tests for one exercise: one per case, plus one for leaving its inputs unchanged.

    functions: the reference's functions, where the grader has them (not in a notebook);
    matcher: the exercise's named mistakes (mistakes.Matcher), likewise.

    Whatever a check raises while judging costs this exercise only (see `unjudged`): a
    value no check foresaw must never take the rest of the notebook down with it."""
    watched = Watched(session, exercise.name)
    try:
        if exercise.behaviour:
            return check_behaviour(exercise, watched, cases, functions or {}, notes, matcher)
        return check_values(assignment, exercise, watched, cases, notes, matcher)
    except GraderFailure:
        raise  # the machine failed, not the student: the submission is graded again
    except Exception as error:  # the one place for what no check foresaw
        return unjudged(exercise, cases, notes, judging_failed(exercise, cases, watched, error))


class Watched:
    """A session that remembers what the exercise's function last returned, so that a
    check that fails on it can say what it was (calls of other functions are not kept)."""

    NOTHING = object()

    def __init__(self, session, name):
        self.session, self.name, self.returned = session, name, self.NOTHING

    def call(self, name, *args, **kwargs):
        outcome = self.session.call(name, *args, **kwargs)
        if name == self.name and outcome.ok:
            self.returned = outcome.value
        return outcome

    def call_many(self, name, *args, **kwargs):
        values = self.session.call_many(name, *args, **kwargs)
        if name == self.name and isinstance(values, list) and values:
            self.returned = values[0]  # calls of one function: alike, as far as words go
        return values


def judging_failed(exercise, cases, watched, error):
    """The sentence for a check that raised: what the student's function returned (its
    type, and its shape where every case is public), never the grader's message."""
    if isinstance(error, SandboxFailure):
        return [str(error)]
    cause = f"(the check stopped with {exception_name(type(error).__name__)})"
    if watched.returned is Watched.NOTHING:
        return [f"the grader could not judge your {exercise.name} {cause}; this costs this "
                "exercise only: tell the course staff"]
    try:
        what = returned(exercise.name, watched.returned, not any(c.hidden for c in cases))
    except Exception:  # an object that lies even about its shape
        what = f"your {exercise.name} returned an object that cannot even be described"
    return [f"{what}, which the grader could not judge {cause}: return what the docstring "
            "describes"]


def unjudged(exercise, cases, notes, lines):
    """The exercise's usual tests, each failed with `lines`: the same names and points as
    when it is judged, so reports and class tables line up."""
    if exercise.behaviour:
        tests = [(f"{label}, {case.label}", exercise.points * share / len(cases), case.label)
                 for case in cases for label, share in exercise.behaviour.aspects]
    else:
        share = INPUTS_SHARE if exercise.inputs_after == "unchanged" else 0.0
        tests = [(f"values, {case.label}", exercise.points * (1 - share) / len(cases),
                  f"{case.label} ({case.dims})") for case in cases]
        tests += [("inputs unchanged", exercise.points * share, "inputs unchanged")] * bool(share)
    return [_result(exercise, label, weight, False, [f"{header}: failed", *notes] +
                    [f"  {line}" for line in lines]) for label, weight, header in tests]


def check_values(assignment, exercise, session, cases, notes, matcher):
    """check_exercise for an exercise graded by value: per case, and its inputs."""
    policy = exercise.inputs_after
    inputs_share = INPUTS_SHARE if policy == "unchanged" else 0.0
    weight = exercise.points * (1 - inputs_share) / len(cases)
    results, failures, changed, passed_any, diagnosed = [], [], [], False, False
    for case in cases:
        checked = check_case(exercise, case, session)
        ok, lines, parts, args_after = checked.ok, checked.lines, checked.parts, checked.args_after
        header = f"{case.label} ({case.dims})"
        passed_any |= ok
        if args_after is not None and policy == "unchanged":
            changed += [name for name in argument_differences(case.args, args_after, case.arg_names)
                        if name not in changed]
        if (not ok and exercise.gradient and parts is not None and not diagnosed
                and exercise.gradient.applies(case.forward_inputs)):
            diagnosed = True
            gradients = parts.get(exercise.gradient.within) if exercise.gradient.within else parts
            if isinstance(gradients, dict):
                lines += own_forward_check(assignment, exercise, session, case, gradients)
        if not ok:  # None where nothing can be matched (a wrong structure, a crash)
            failures.append((case, checked.raised or (
                (parts, args_after) if parts is not None else None)))
        results.append((case, ok, [header + (": passed" if ok else ": failed")] +
                        list(notes if not ok else []) + [f"  {line}" for line in lines],
                        checked.pictures))
    marked = with_mistake_line([(ok, lines) for _, ok, lines, _ in results],
                               name_mistake(exercise, matcher, failures))
    tests = [_result(exercise, f"values, {case.label}", weight, ok, lines, shown)
             for (case, ok, _, shown), lines in zip(results, marked)]
    if policy != "unchanged":
        return tests
    if changed:
        lines = [f"your function changed its input {', '.join(changed)} in place; "
                 + exercise.inputs_advice]
    elif not passed_any:
        # Leaving the inputs alone is only worth points for a function that works somewhere.
        lines = ["not credited: the function did not pass any case"]
    else:
        lines = ["inputs are left unchanged: passed"]
    tests.append(_result(exercise, "inputs unchanged", exercise.points * INPUTS_SHARE,
                         passed_any and not changed, lines))
    return tests


def _locate(inputs, target):
    """The array at a path such as "parameters.Wax" inside the forward's named inputs."""
    node = inputs
    for key in target.split("."):
        node = node[key]
    return node


def own_forward_check(assignment, exercise, session, case, gradients):
    """Compare the student's gradients with central differences of the student's own forward.

    Diagnostic only (no points): it tells a student whether the backward pass is wrong, or
    consistent with a forward pass that is itself wrong.
    """
    check = exercise.gradient
    rng = np.random.default_rng(0)
    probes, args_list = [], []
    for key, target in check.wrt.items():
        shape = _locate(case.forward_inputs, target).shape
        for flat in rng.choice(int(np.prod(shape)), size=min(PROBES, int(np.prod(shape))),
                               replace=False):
            index = np.unravel_index(flat, shape)
            probes.append((key, index))
            for sign in (1, -1):
                inputs = copy.deepcopy(case.forward_inputs)
                _locate(inputs, target)[index] += sign * STEP
                args_list.append(check.arguments(inputs))
    try:
        outputs = session.call_many(check.forward, args_list)
    except SandboxFailure:
        return []
    def loss(out):
        if not check.upstream and not check.objective:
            return float(out if check.loss is None else out[check.loss])
        total = sum(float(np.sum(case.upstream[name] * np.asarray(out[i], dtype=float)))
                    for name, i in check.upstream.items())
        return total + (float(check.objective(out, case.forward_inputs)) if check.objective else 0)

    try:
        losses = [loss(out) for out in outputs]
    except Exception:  # the student's forward is missing, failing or returns other shapes
        return [f"(no gradient check against your own {check.forward}: it did not run on these "
                "inputs)"]
    numeric, analytic = {}, {}
    for number, (key, index) in enumerate(probes):
        difference = losses[2 * number] - losses[2 * number + 1]
        numeric.setdefault(key, []).append(difference / (2 * STEP))
        value = gradients.get(key)
        ok_shape = isinstance(value, np.ndarray) and value.shape == _locate(
            case.forward_inputs, check.wrt[key]).shape
        analytic.setdefault(key, []).append(float(value[index]) if ok_shape else np.nan)
    lines = [f"gradient check against your own {check.forward} (central differences at "
             f"{PROBES} entries per gradient):"]
    consistent = True
    for key in check.wrt:
        if np.isnan(analytic[key]).any():
            lines.append(f"  {key}: missing or wrong shape")
            consistent = False
            continue
        error = relative_error(numeric[key], analytic[key])
        consistent &= error < 1e-5
        shown = f"relative error {error:.2g} " if not case.hidden else ""
        lines.append(f"  {key}: {shown}({'consistent' if error < 1e-5 else 'INCONSISTENT'})")
    lines.append(f"  so your {exercise.name} is the gradient of your own {check.forward}, but "
                 f"not of the expected one: make {check.forward} pass first" if consistent else
                 f"  so your {exercise.name} is not the gradient of your own {check.forward} "
                 "either")
    return lines


