"""Variants and ``--set`` overrides: dotted paths into the scenario schema.

An override is ``(path, value, origin)``: ``segments.mid-market.churn.rate``,
``3%`` and where the override was written (a variant's ``set:`` entry in the
file, or a ``--set`` on the command line). Overrides are applied to the plain
data the file was parsed into (never re-reading or re-parsing the file) and
the result is validated again as a whole, so a variant is exactly "a file
written with the overrides by hand". Errors point at the override that caused
them: the variant's line in the file, or the ``--set`` argument.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from csmodel.document import Document, keys_at, model_at
from csmodel.errors import Problem, ScenarioError
from csmodel.schema import Scenario, schedulable
from csmodel.suggest import did_you_mean
from csmodel.yamlsrc import KeyPath, dotted, parse_source


@dataclass(frozen=True)
class Origin:
    """Where an override was written: a file position, or a command-line flag."""

    file: str
    line: int | None = None
    col: int | None = None
    flag: str | None = None  # e.g. "--set segments.x.churn.rate=150%"

    def problem(self, message: str, key: str | None = None) -> Problem:
        if self.flag:
            return Problem(self.flag, message, None, None, key)
        return Problem(self.file, message, self.line, self.col, key)


@dataclass(frozen=True)
class Override:
    path: str
    value: Any
    origin: Origin


FLAG_SHOWN = 80
"""Longest ``--set`` argument echoed whole in messages (a 400-digit value is cut)."""


def _abridged(item: str) -> str:
    if len(item) <= FLAG_SHOWN:
        return item
    return f"{item[: FLAG_SHOWN - 20]}... ({len(item):,} characters)"


def parse_set(item: str) -> Override:
    """``"segments.mm.churn.rate=3%"`` -> an :class:`Override`.

    The value is read as YAML by the same loader as files (YAML 1.2 core
    scalars: ``010`` is refused, ``1:30`` and ``no`` are text, a 400-digit
    number is refused by the field's range).
    """
    flag = f"--set {_abridged(item)}"
    path, sep, raw = item.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ScenarioError(Problem(flag, "expected PATH=VALUE, e.g. --set horizon_months=60"))
    try:
        value = parse_source(raw, flag).data if raw.strip() else None
    except ScenarioError as exc:
        raise ScenarioError(
            [Problem(flag, p.message, None, None, path) for p in exc.problems]
        ) from None
    return Override(path, value, Origin("<command line>", flag=flag))


def _split(doc_data: Any, path: str, origin: Origin) -> KeyPath:
    """Resolve a dotted path against the schema and the data; names must exist.

    Keys of free-form mappings (segment and meeting names) may themselves
    contain dots: the longest existing name wins.
    """
    parts = path.split(".")
    resolved: list[Hashable] = []
    node: Any = doc_data
    i = 0
    while i < len(parts):
        here = tuple(resolved)
        tp = model_at(here)
        fields = keys_at(here)
        if fields:  # a schema model: the next part is a field name
            name = parts[i]
            if name not in fields:
                raise ScenarioError(
                    origin.problem(
                        f"names nothing: no key `{name}` at "
                        f"`{dotted(here) or 'top level'}`{did_you_mean(name, fields)}",
                        path,
                    )
                )
            resolved.append(name)
            node = node.get(name) if isinstance(node, dict) else None
            i += 1
            continue
        origin_type = getattr(tp, "__origin__", None)
        if isinstance(node, dict) and origin_type is dict:
            for j in range(len(parts), i, -1):
                name = ".".join(parts[i:j])
                if name in node:
                    resolved.append(name)
                    node = node[name]
                    i = j
                    break
            else:
                choices = list(node)
                raise ScenarioError(
                    origin.problem(
                        f"names nothing: no `{parts[i]}` in `{dotted(here)}`"
                        f"{did_you_mean(parts[i], choices)}",
                        path,
                    )
                )
            continue
        if here and schedulable(model_at(here[:-1]), str(here[-1])):
            # a month of a schedule (`...per_month.13`): written in the file, or a new one
            if not isinstance(node, dict):
                raise ScenarioError(
                    origin.problem(
                        f"names nothing: `{dotted(here)}` is a plain number, not a schedule; "
                        f"set the whole schedule, e.g. --set '{dotted(here)}={{1: 10, 13: 20}}'",
                        path,
                    )
                )
            name = ".".join(parts[i:])
            month = _month_of(name, doc_data)
            found = next(
                (
                    k
                    for k in node
                    if str(k) == name or (month is not None and _month_of(k, doc_data) == month)
                ),
                name,
            )
            resolved.append(found)
            node = node.get(found)
            i = len(parts)
            continue
        if isinstance(node, list) and parts[i].isdigit() and int(parts[i]) < len(node):
            resolved.append(int(parts[i]))
            node = node[int(parts[i])]
            i += 1
            continue
        raise ScenarioError(
            origin.problem(f"names nothing: `{dotted(here)}` has no `{parts[i]}`", path)
        )
    return tuple(resolved)


def _assign(data: dict, path: KeyPath, value: Any) -> None:
    node: Any = data
    for part in path[:-1]:
        if isinstance(node, dict):
            if not isinstance(node.get(part), (dict, list)):
                node[part] = {}
            node = node[part]
        else:
            node = node[part]
    node[path[-1]] = copy.deepcopy(value)
    if len(path) >= 2 and schedulable(model_at(path[:-2]), str(path[-2])):
        _in_month_order(node, data)


def _month_of(key: Any, data: Any) -> int | None:
    """The plan month a schedule key names (``13``, or ``2028-01`` with the file's
    ``start``), or ``None`` when it names none."""
    from csmodel.dates import Calendar, parse_year_month

    text = str(key)
    if text.isdigit():
        return int(text)
    ym = parse_year_month(text)
    start = parse_year_month(data.get("start")) if isinstance(data, dict) else None
    if ym is None or start is None:
        return None
    return Calendar(start=start).plan_month(*ym)


def _in_month_order(schedule: dict, data: Any) -> None:
    """A schedule's keys in month order after one was set (``--set ...per_month.13=25``):
    plan months and YYYY-MM months (with ``start``) by the month they name; keys that
    name no month are left where they are written."""
    months = [k for k in schedule if k != "interpolate"]
    numbered = [_month_of(k, data) for k in months]
    if any(m is None for m in numbered):
        return
    order = [k for _, k in sorted(zip(numbered, months, strict=True), key=lambda t: t[0])]
    items = [(k, schedule[k]) for k in order]
    if "interpolate" in schedule:
        items.append(("interpolate", schedule["interpolate"]))
    schedule.clear()
    schedule.update(items)


def apply(doc: Document, overrides: list[Override]) -> Scenario:
    """The document's scenario with ``overrides`` applied in order, validated again."""
    from pydantic import ValidationError

    from csmodel.document import cross_check, located_schema_problems

    if not overrides:
        return doc.scenario
    from csmodel.book import book_of

    data = copy.deepcopy(doc.source.data)
    applied: list[tuple[KeyPath, Override]] = []
    booked = book_of(doc.scenario) is not None
    for ov in overrides:
        path = _split(data, ov.path, ov.origin)
        if booked and path[:1] in (("book",), ("start",), ("renewals",), ("timing",)):
            raise ScenarioError(
                ov.origin.problem(
                    f"`{dotted(path)}` cannot be changed by a variant or --set in a file with "
                    "an account book: the book is read once, against the file's own `start`; "
                    "edit the file",
                    ov.path,
                )
            )
        _assign(data, path, ov.value)
        applied.append((path, ov))

    def blame(loc: KeyPath) -> Override | None:
        for path, ov in reversed(applied):
            if loc[: len(path)] == path or path[: len(loc)] == loc:
                return ov
        return None

    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for loc, p in located_schema_problems(exc, doc.source):
            ov = blame(loc)
            problems.append(ov.origin.problem(p.message, p.key) if ov else p)
        raise ScenarioError(problems) from None
    from csmodel.book import attach, book_of

    if book_of(doc.scenario) is not None:  # the file's account book carries to its variants
        scenario = attach(scenario, book_of(doc.scenario))
    new_doc = Document(scenario, doc.source)
    problems = []
    for p in cross_check(new_doc):
        ov = next(
            (o for path, o in reversed(applied) if (p.key or "").startswith(dotted(path))), None
        )
        problems.append(ov.origin.problem(p.message, p.key) if ov else p)
    if problems:
        raise ScenarioError(problems)
    return scenario


def variant_overrides(doc: Document, name: str) -> list[Override]:
    """The overrides of variant ``name``, each located at its line in the file."""
    variants = doc.scenario.variants
    if name not in variants:
        choices = list(variants)
        known = f"; variants are: {', '.join(choices)}" if choices else "; the file has no variants"
        raise ScenarioError(
            Problem(doc.file, f"unknown variant `{name}`{did_you_mean(name, choices)}{known}")
        )
    out = []
    for path, value in variants[name].set.items():
        pos = doc.source.marks.locate(("variants", name, "set", path), key=True)
        line, col = pos if pos else (None, None)
        out.append(Override(path, value, Origin(doc.file, line, col)))
    return out


@dataclass(frozen=True)
class Provenance:
    """Where a resolved scenario came from: its document, its variant (``None``: the base)
    and the overrides applied, in order (the variant's, then ``--set``). :func:`resolve`
    keeps it on the scenario (``scenario._source``); copies and edits of the scenario
    (``model_copy``, ``edit``, ``book.sizing_view``) carry it along."""

    document: Document
    variant: str | None
    overrides: tuple[Override, ...]


def resolve(
    doc: Document, variant: str | None = None, sets: list[Override] | None = None
) -> Scenario:
    """The scenario for ``variant`` (``None`` = base) with ``--set`` overrides applied last,
    carrying its :class:`Provenance` (a copy: the document's own scenario is never marked)."""
    overrides = (variant_overrides(doc, variant) if variant else []) + list(sets or [])
    scenario = apply(doc, overrides).model_copy()
    scenario._source = Provenance(doc, variant, tuple(overrides))
    return scenario


def check_variants(doc: Document) -> list[Problem]:
    """Problems of every variant (each must yield a valid scenario); used at load time."""
    problems: list[Problem] = []
    for name in doc.scenario.variants:
        try:
            apply(doc, variant_overrides(doc, name))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    return problems


__all__ = [
    "Origin",
    "Override",
    "Provenance",
    "apply",
    "check_variants",
    "parse_set",
    "resolve",
    "variant_overrides",
]
