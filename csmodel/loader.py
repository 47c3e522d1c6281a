"""Loading scenario files: YAML text -> validated, immutable :class:`Scenario`.

One boundary does all the checking: YAML safety (``csmodel.yamlsrc``), the
schema (``csmodel.schema``), the rules that span several keys and the located
problems (``csmodel.document``), and every variant applied once
(``csmodel.overrides``). Every problem comes back as a located
:class:`Problem`, all of them at once, so a person fixes a file in one pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from csmodel.document import (  # noqa: F401  (re-exported: the loader's public names)
    Document,
    cross_check,
    disable_problems,
    keys_at,
    located,
    located_schema_problems,
    model_at,
    schema_problems,
    validate_data,
)
from csmodel.errors import ScenarioError
from csmodel.schema import Scenario, show
from csmodel.yamlsrc import Source, dotted, load_source, parse_source  # noqa: F401


def load_document(path: str | Path) -> Document:
    """Read, parse and validate a scenario file (``-`` reads standard input)."""
    return build_document(load_source(path))


def load_scenario(path: str | Path) -> Scenario:
    """Read, parse and validate a scenario file into an immutable :class:`Scenario`."""
    return load_document(path).scenario


def parse_scenario(text: str, file: str = "<string>") -> Scenario:
    """Validate a scenario given as YAML text."""
    return build_document(parse_source(text, file)).scenario


def build_document(source: Source) -> Document:
    """Validate parsed YAML; raises :class:`ScenarioError` listing every problem."""
    if not isinstance(source.data, dict):
        raise ScenarioError(
            located(
                source,
                (),
                f"the top level must be a mapping of keys such as `name:` and `segments:` "
                f"(got {show(source.data)})",
            )
        )
    book = None
    if isinstance(source.data.get("book"), dict):  # accounts from a CSV (DOMAIN 8)
        source, book = with_book(source)
    scenario = validate_data(source.data, source)
    if book is not None:
        from csmodel.book import attach

        scenario = attach(scenario, book)
    doc = Document(scenario, source)
    problems = cross_check(doc)
    if scenario.variants:  # each variant's own problems, at its lines (base ones once)
        from csmodel.overrides import check_variants

        problems += [p for p in check_variants(doc) if p not in problems]
    if problems:
        raise ScenarioError(problems)
    return doc


def with_book(source: Source) -> tuple[Source, object]:
    """``source`` with each segment's ``accounts`` and ``acv`` taken from its book, and the
    book (``csmodel.book``). Problems of the file (the ``book:`` block included), of the
    CSV (located in it) and of segments that also write ``accounts`` or ``acv`` are raised
    together, the CSV's once the file itself is valid."""
    import copy

    from csmodel.book import read_book, segment_totals
    from csmodel.dates import parse_year_month
    from csmodel.errors import Problem

    data = source.data
    problems: list[Problem] = []
    if "start" not in data:  # (a `start` that is not a month is the schema's to report)
        problems.append(
            located(
                source,
                ("book",),
                "a book needs `start`: the plan's first month (YYYY-MM), to place renewal dates",
                key=True,
            )
        )
    if "renewals" in data:
        problems.append(
            located(
                source,
                ("renewals",),
                "with a book, renewals come from each account's renewal date; remove `renewals`",
                key=True,
            )
        )
    segments = data.get("segments") if isinstance(data.get("segments"), dict) else {}
    placeholder = copy.deepcopy(data)
    for name, seg in placeholder.get("segments", {}).items():
        if not isinstance(seg, dict):
            continue
        for key in ("accounts", "acv"):
            if key in seg:
                problems.append(
                    located(
                        source,
                        ("segments", name, key),
                        f"`{key}` comes from the book (`book.file`); remove it here",
                        key=True,
                    )
                )
        seg["accounts"], seg["acv"] = 0, 1.0  # stand-ins while the rest is validated
    try:
        validated = validate_data(placeholder, source)
        spec = validated.book
    except ScenarioError as exc:
        raise ScenarioError(problems + list(exc.problems)) from None
    if spec.columns.money is None:
        problems.append(
            located(
                source,
                ("book", "columns"),
                "give exactly one money column: `arr`, `acv` or `mrr`",
                key=True,
            )
        )
    if problems:
        raise ScenarioError(problems)
    base = Path(source.file).parent if source.file not in ("-", "<stdin>") else Path.cwd()
    start = parse_year_month(data["start"])
    book = read_book(spec, str(base), start, list(segments), timing=validated.timing)
    problems = _sbg_term_problems(source, validated, book)
    if problems:
        raise ScenarioError(problems)
    totals = segment_totals(book)
    injected = copy.deepcopy(data)
    for name, seg in injected.get("segments", {}).items():
        accounts, acv = totals.get(name, (0, None))
        if acv is None:  # no account of the book: only new logos, at their own ACV
            logos = seg.get("new_logos") if isinstance(seg.get("new_logos"), dict) else {}
            acv = logos.get("acv")
            if acv is None:
                raise ScenarioError(
                    located(
                        source,
                        ("segments", name),
                        f"no account of the book is in segment `{name}`: give its "
                        "`new_logos.acv`, or remove the segment",
                        key=True,
                    )
                )
        seg["accounts"], seg["acv"] = accounts, acv
    return Source(source.file, injected, source.marks, source.text), book


def _sbg_term_problems(source: Source, scenario: Any, book: Any) -> list:
    """A segment with tenure-based churn (``model: sbg``) whose book holds contracts of
    other than 12 months: the engine projects sBG churn at yearly renewals only, so the
    plan is refused at the churn's ``model``, before anything is projected."""
    out = []
    for name, seg in scenario.segments.items():
        if getattr(seg.churn, "model", None) != "sbg":
            continue
        terms = {int(t) for s, t in zip(book.segment, book.term, strict=True) if s == name}
        other = sorted(terms - {12})
        if other:
            out.append(
                located(
                    source,
                    ("segments", name, "churn", "model"),
                    f"tenure-based churn (sbg) renews yearly, but the book gives segment "
                    f"`{name}` contracts of {other[0]} months; give it a flat churn rate, "
                    "or 12-month terms",
                )
            )
    return out
