"""A scenario document: the validated scenario with its source, and located problems.

``Document`` pairs the immutable :class:`Scenario` with the parsed YAML it came
from, so that any problem found later (a cross-key rule, a variant, a check)
points at the line and column of the key that caused it. This module owns
locating problems, describing schema errors and the rules that span several
keys (churn plus contraction above 100%, CSMs without a workload model, checks
naming unknown segments, unknown lint ids). ``csmodel.loader`` orchestrates
reading and validating; ``csmodel.overrides`` edits documents.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from typing import Any

from csmodel.errors import MAX_DESCRIBED, Problem, ScenarioError
from csmodel.schema import Scenario, show
from csmodel.suggest import closest, did_you_mean
from csmodel.yamlsrc import KeyPath, Source, dotted


@dataclass(frozen=True)
class Document:
    """A validated scenario together with the source it came from (for locating)."""

    scenario: Scenario
    source: Source

    @property
    def file(self) -> str:
        return self.source.file

    def problem(self, path: KeyPath, message: str, *, key: bool = False) -> Problem:
        """A problem located at ``path`` in this document."""
        return located(self.source, path, message, key=key)


def validate_data(data: dict, source: Source) -> Scenario:
    """Run the schema over plain data, mapping errors to the source's marks."""
    from pydantic import ValidationError

    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        omitted = max(0, exc.error_count() - MAX_DESCRIBED)
        raise ScenarioError(schema_problems(exc, source), omitted) from None


def located(source: Source, path: KeyPath, message: str, *, key: bool = False) -> Problem:
    pos = source.marks.locate(path, key=key)
    line, col = pos if pos else (None, None)
    return Problem(source.file, message, line, col, dotted(path) or None)


# --- schema errors --------------------------------------------------------


def _unwrap(tp: Any) -> Any:
    """Strip Annotated/Optional to the underlying type."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[0]
        else:
            return tp


def model_at(path: KeyPath) -> Any:
    """The schema type at ``path`` (a model class, dict or list type), or ``None``."""
    from pydantic import BaseModel

    tp: Any = Scenario
    for part in path:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(str(part))
            if field is None:
                return None
            tp = field.annotation
        elif typing.get_origin(tp) in (dict, list, tuple):
            tp = typing.get_args(tp)[-1 if typing.get_origin(tp) is dict else 0]
        else:
            return None
    return _unwrap(tp)


def keys_at(path: KeyPath) -> list[str]:
    """Valid keys of the mapping at ``path`` (empty for free-form mappings); where the
    schema allows one of several models (a segment's ``churn``: a flat rate or sBG), the
    keys of every one of them."""
    from pydantic import BaseModel

    tp = model_at(path)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        keys = list(tp.model_fields)
        for other in _alternatives(path):
            keys += [k for k in other.model_fields if k not in keys]
        return keys
    return []


def _alternatives(path: KeyPath) -> list[Any]:
    """The models a union at ``path`` allows besides :func:`model_at`'s (the first)."""
    from pydantic import BaseModel

    if not path:
        return []
    parent = model_at(path[:-1])
    field = getattr(parent, "model_fields", {}).get(str(path[-1]))
    if field is None:
        return []
    tp = field.annotation
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) not in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return []
    out = []
    for arg in typing.get_args(tp)[1:]:
        arg = _unwrap(arg)
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            out.append(arg)
    return out


_MOVEMENTS = {"churn", "contraction", "expansion", "price_increase"}


def schema_problems(exc: Any, source: Source) -> list[Problem]:
    """Located problems for a pydantic ``ValidationError`` over ``source``'s data."""
    return [p for _, p in located_schema_problems(exc, source)]


def located_schema_problems(exc: Any, source: Source) -> list[tuple[KeyPath, Problem]]:
    """As :func:`schema_problems`, each with the key path it is about."""
    errors = exc.errors(include_url=False)[:MAX_DESCRIBED]
    unknown = {
        (tuple(e["loc"][:-1]), str(e["loc"][-1])) for e in errors if e["type"] == "extra_forbidden"
    }
    problems: list[tuple[KeyPath, Problem]] = []
    for err in errors:
        loc: KeyPath = tuple(err["loc"])
        kind = err["type"]
        value = err.get("input")
        cause = (err.get("ctx") or {}).get("error")
        key = getattr(cause, "key", None)
        if key is not None:  # a schedule's key (csmodel.schedule.ScheduleError): locate there
            loc = (*loc, key)
            if getattr(cause, "on_key", False):
                msg = _message(kind, err, value, loc)
                problems.append((loc, located(source, loc, msg, key=True)))
                continue
        if kind == "extra_forbidden":
            parent, name = loc[:-1], str(loc[-1])
            msg = f"unknown key `{name}`{did_you_mean(name, keys_at(parent))}"
            pos = source.marks.locate(loc, key=True) or (None, None)
            problems.append((loc, Problem(source.file, msg, *pos, dotted(parent) or None)))
            continue
        if loc and loc[-1] == "[key]":  # a mapping key (a segment, variant or meeting name)
            parent = loc[:-2]
            pos = source.marks.locate(loc[:-1], key=True) or (None, None)
            msg = _message(kind, err, value, loc)
            problems.append((loc[:-1], Problem(source.file, msg, *pos, dotted(parent) or None)))
            continue
        if kind == "missing":
            parent, name = loc[:-1], str(loc[-1])
            # `segmnets:` already says "did you mean `segments`": don't also say it's missing.
            if any(p == parent and closest(u, [name]) for p, u in unknown):
                continue
            pos = source.marks.locate(parent, key=True) or (1, 1)
            missing = Problem(
                source.file, f"required key `{name}` is missing", *pos, dotted(parent) or None
            )
            problems.append((loc, missing))
            continue
        problems.append((loc, located(source, loc, _message(kind, err, value, loc))))
    return problems


_NOT_SCHEDULABLE = (
    "; only rates, shares, new logos, staffing, hours, productivity and costs may change "
    "over time (a schedule)"
)


def _message(kind: str, err: dict, value: Any, loc: KeyPath) -> str:
    if kind == "value_error":
        msg = re.sub(r"^(Value|Assertion) error, ", "", err["msg"])
        if isinstance(value, dict) and "(got a mapping)" in msg:
            msg += _NOT_SCHEDULABLE  # a schedule where only one number may be written
        return msg
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", err.get("ctx", {}).get("expected", ""))
        hint = did_you_mean(value, choices) if isinstance(value, str) else ""
        return f"must be one of {', '.join(choices)} (got {show(value)}){hint}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if loc and loc[-1] in _MOVEMENTS:
            return f"expected a mapping such as {{rate: 2%, every: year}} (got {show(value)})"
        return f"expected a mapping of keys (got {show(value)})"
    if kind == "string_type":
        return f"expected text (got {show(value)})"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list (got {show(value)})"
    return err["msg"]


# --- rules that span keys ---------------------------------------------------


def schedules(model: Any) -> list[tuple[KeyPath, Any]]:
    """Every scheduled number of a validated model, with its key path."""
    from csmodel.schedule import Schedule, instances

    return instances(model, Schedule)


def _schedule_problems(doc: Document) -> list[Problem]:
    from csmodel.dates import Calendar
    from csmodel.schedule import key_problems

    sc = doc.scenario
    cal = Calendar.of(sc)
    problems = []
    for path, sched in schedules(sc):
        if path[:1] == ("variants",) or path[:1] == ("checks",):
            continue
        for key, message in key_problems(sched, sc.horizon_months, cal):
            problems.append(doc.problem((*path, str(key)), message, key=True))
    return problems


def cross_check(doc: Document) -> list[Problem]:
    """Problems the schema cannot see key by key."""
    from csmodel.dates import Calendar
    from csmodel.schedule import series, values_of

    sc = doc.scenario
    problems: list[Problem] = _schedule_problems(doc)
    if problems:  # months cannot be read off schedules whose keys are wrong
        return problems
    if not sc.segments:
        problems.append(doc.problem(("segments",), "needs at least one segment"))
    cal = Calendar.of(sc)
    for name, seg in sc.segments.items():
        base = ("segments", name)
        h = sc.horizon_months
        churn, contraction = series(seg.churn.rate, h, cal), series(seg.contraction.rate, h, cal)
        both = [
            (c, d, k + 1)
            for k, (c, d) in enumerate(zip(churn, contraction, strict=True))
            if c + d > 1
        ]
        if both:
            c, d, k = both[0]
            when = f" from {cal.month_label(k)}" if k > 1 else ""
            problems.append(
                doc.problem(
                    (*base, "contraction", "rate"),
                    f"churn ({c:.0%}) plus contraction ({d:.0%}) "
                    f"exceed 100% of revenue in one period{when}",
                )
            )
        if seg.meetings and seg.accounts_per_csm is not None:
            problems.append(
                doc.problem(
                    (*base, "accounts_per_csm"),
                    "give either `meetings` (bottom-up workload) or `accounts_per_csm` "
                    "(top-down ratio), not both",
                    key=True,
                )
            )
        owners = _book_owners(sc, name)
        if seg.csms is not None and owners and min(values_of(seg.csms)) < owners:
            problems.append(
                doc.problem(
                    (*base, "csms"),
                    f"{min(values_of(seg.csms)):g} CSMs is fewer than the segment's {owners} "
                    "CSM owners in the book (each owner is one CSM); leave `csms` out to "
                    "staff it with its owners, or set at least their number",
                )
            )
        if seg.csms is not None and not seg.meetings and seg.accounts_per_csm is None:
            problems.append(
                doc.problem(
                    (*base, "csms"),
                    "staffed CSMs need a workload to cover: add `meetings` or `accounts_per_csm`",
                    key=True,
                )
            )
        hpa = seg.hours_per_account
        if seg.meetings and not hpa:
            problems.append(
                doc.problem((*base, "meetings"), "meetings add up to 0 hours per account", key=True)
            )
    for i, check in enumerate(sc.checks):
        where = ("checks", i)
        if check.segment is not None and check.segment not in sc.segments:
            problems.append(
                doc.problem(
                    (*where, "segment"),
                    f"unknown segment `{check.segment}`{did_you_mean(check.segment, sc.segments)}",
                )
            )
        if check.variant not in (None, "*") and check.variant not in sc.variants:
            problems.append(
                doc.problem(
                    (*where, "variant"),
                    f"unknown variant `{check.variant}`{did_you_mean(check.variant, sc.variants)}",
                )
            )
        if check.min is None and check.max is None:
            problems.append(doc.problem(where, "a check needs `min`, `max` or both"))
        elif check.min is not None and check.max is not None and check.min > check.max:
            problems.append(doc.problem((*where, "min"), "`min` is above `max`"))
    if sc.lint.disable:
        problems.extend(disable_problems(doc))
    return problems


def _book_owners(sc: Scenario, name: str) -> int:
    """How many CSM owners segment ``name`` has in the scenario's account book."""
    from csmodel.book import book_of

    book = book_of(sc)
    if book is None or book.owner is None:
        return 0
    return len({book.owner[i] for i in book.of_segment(name)} - {""})


def disable_problems(doc: Document) -> list[Problem]:
    """Located problems for ids in the file's ``lint.disable`` that name no lint."""
    from csmodel.ids import unknown_lint

    out = []
    for i, lint_id in enumerate(doc.scenario.lint.disable):
        why = unknown_lint(lint_id)
        if why:
            out.append(doc.problem(("lint", "disable", i), why))
    return out
