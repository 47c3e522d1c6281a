"""The supported Python API: load a scenario, project it, size its team, check it.

Four functions, for notebooks and scripts, that give the same numbers as the
command line (they call the same core and read the same records)::

    >>> from csmodel.api import load, project, headcount, check
    >>> plan = load("scenarios/saas-company.yaml", overrides={"horizon_months": 60})
    >>> result = project(plan)
    >>> result.metrics["nrr"]
    >>> result.to_dict()["years"]            # what `project --format json` prints
    >>> result.to_dataframe(by="quarter")    # needs pandas

- :func:`load` reads a file or YAML text, with a variant and overrides
  (``{"segments.smb.churn.rate": "3%"}`` or ``["horizon_months=60"]``, the
  ``--set`` syntax); errors raise :class:`ScenarioError`, whose ``problems``
  are located (``file:line:col``) as the CLI prints them.
- :func:`project`, :func:`headcount` and :func:`check` return frozen results
  that keep the core's objects (``projection``, ``report``) and give
  ``to_dict()`` — the plain data of ``--format json``, from
  :mod:`csmodel.records` — and ``to_dataframe()`` when pandas is installed
  (pandas stays optional: without it, a clear ``ImportError``).

Everything else in the package is private: its names may change between versions.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from csmodel.errors import CsmodelError, Problem, ScenarioError, UsageError

__all__ = [
    "CheckResult",
    "CsmodelError",
    "HeadcountResult",
    "LoadedScenario",
    "Problem",
    "ProjectResult",
    "ScenarioError",
    "check",
    "headcount",
    "load",
    "project",
]

PANDAS_MISSING = (
    "to_dataframe() needs pandas, which csmodel does not install: "
    "`pip install pandas` (to_dict() gives the same data without it)"
)


def _dataframe(rows: Iterable[Mapping[str, Any]], columns: Iterable[str] | None = None) -> Any:
    """A pandas DataFrame of ``rows``; a clear ImportError when pandas is missing."""
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError(PANDAS_MISSING) from exc
    return pd.DataFrame(list(rows), columns=None if columns is None else list(columns))


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario, with the variant and overrides it was loaded with.

    ``scenario`` is the immutable, validated model (what the engine projects);
    ``file`` names where it came from (``<string>`` for text). Load another
    variant or other overrides with :func:`load` again: nothing here changes.
    """

    scenario: Any
    file: str
    variant: str | None = None
    overrides: tuple[Any, ...] = ()
    _document: Any = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def segments(self) -> tuple[str, ...]:
        """Segment names, in file order."""
        return tuple(self.scenario.segments)

    @property
    def variants(self) -> tuple[str, ...]:
        """Names of the file's variants (whichever one was loaded)."""
        return tuple(self.scenario.variants)


def _overrides(overrides: Mapping[str, Any] | Iterable[str] | None) -> list[Any]:
    """``{"path": value}`` or ``["path=value", ...]`` (``--set`` syntax) -> overrides."""
    from csmodel.overrides import Origin, Override, parse_set

    if overrides is None:
        return []
    if isinstance(overrides, str):
        raise UsageError(
            "overrides must be a mapping {path: value} or a list of 'path=value' strings "
            f"(got the string {overrides!r})"
        )
    if isinstance(overrides, Mapping):
        out = []
        for path, value in overrides.items():
            if not isinstance(path, str) or not path.strip():
                raise UsageError(f"overrides: a path must be a dotted key (got {path!r})")
            where = f"overrides[{path!r}]"
            out.append(Override(path.strip(), value, Origin("<overrides>", flag=where)))
        return out
    items = list(overrides)
    bad = [item for item in items if not isinstance(item, str)]
    if bad:
        raise UsageError(f"overrides: expected 'path=value' strings (got {bad[0]!r})")
    return [parse_set(item) for item in items]


def load(
    source: str | os.PathLike[str],
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
    *,
    variant: str | None = None,
) -> LoadedScenario:
    """Load and validate a scenario: a file path, or YAML text (a ``str`` with a line break).

    ``overrides`` apply on top of ``variant`` (the file's base scenario when
    ``None``), as ``--variant`` and ``--set`` do. Raises :class:`ScenarioError`
    (located problems, ``exc.problems``) for an invalid file, variant or override.
    """
    from csmodel.loader import build_document, load_document
    from csmodel.overrides import resolve
    from csmodel.yamlsrc import parse_source

    if isinstance(source, str) and ("\n" in source or "\r" in source):
        doc = build_document(parse_source(source, "<string>"))
    elif isinstance(source, (str, os.PathLike)):
        doc = load_document(os.fspath(source))
    else:
        raise UsageError(f"load() takes a path or YAML text (got {type(source).__name__})")
    if variant is not None and (not isinstance(variant, str) or not variant.strip()):
        raise UsageError(f"variant must be a variant's name (got {variant!r})")
    sets = _overrides(overrides)
    scenario = resolve(doc, variant, sets)
    return LoadedScenario(scenario, doc.file, variant, tuple(sets), doc)


def _scenario_of(scenario: LoadedScenario | Any) -> Any:
    """The validated model inside a :class:`LoadedScenario` (or the model itself)."""
    if isinstance(scenario, LoadedScenario):
        return scenario.scenario
    from csmodel.schema import Scenario

    if isinstance(scenario, Scenario):
        return scenario
    raise UsageError(f"expected a scenario from csmodel.api.load() (got {type(scenario).__name__})")


@dataclass(frozen=True)
class ProjectResult:
    """A projection: ``metrics`` (book), ``segment_metrics`` (per segment) and the engine's
    ``projection`` (monthly numpy arrays, read-only, shape ``(months + 1, segments)``)."""

    projection: Any

    @property
    def metrics(self) -> dict[str, float | None]:
        """Book-level metrics by id (the keys of ``project --format json``'s ``metrics``)."""
        return dict(self.projection.metrics)

    @property
    def segment_metrics(self) -> dict[str, dict[str, float | None]]:
        return {k: dict(v) for k, v in self.projection.segment_metrics.items()}

    def to_dict(self, by: str = "year") -> dict[str, Any]:
        """What ``csmodel project --format json --by BY`` prints, as plain data."""
        from csmodel.records import project_record

        return project_record(self.projection, _period(by))

    def to_dataframe(self, by: str = "year") -> Any:
        """One row per segment and period, then the book's (segment ``total``): the rows
        and columns of ``csmodel project --format csv --by BY``."""
        from csmodel.records import project_csv_columns, project_csv_rows

        by = _period(by)
        rows = project_csv_rows(self.projection, by)
        return _dataframe(rows, project_csv_columns(self.projection, by))


def _period(by: str) -> str:
    if by not in ("month", "quarter", "year"):
        raise UsageError(f"by must be 'month', 'quarter' or 'year' (got {by!r})")
    return by


def project(scenario: LoadedScenario | Any) -> ProjectResult:
    """Project a loaded scenario month by month (``csmodel project``)."""
    from csmodel.engine import project as run

    return ProjectResult(run(_scenario_of(scenario)))


@dataclass(frozen=True)
class HeadcountResult:
    """CSMs needed, the staffing sweep and the hiring plan (``csmodel headcount``);
    ``report`` is the analysis' own object."""

    report: Any

    @property
    def recommended_csms(self) -> dict[str, int]:
        """Per segment, the peak required FTE rounded up."""
        record = self.to_dict()["segments"]
        return {name: seg["recommended_csms"] for name, seg in record.items()}

    def to_dict(self) -> dict[str, Any]:
        """What ``csmodel headcount --format json`` prints, as plain data."""
        from csmodel.records import headcount_record

        return headcount_record(self.report)

    def to_dataframe(self) -> Any:
        """The rows of ``csmodel headcount --format csv`` (column ``table``: ``sweep``,
        ``hiring_plan``, ...)."""
        from csmodel.render.machine import headcount_csv_rows

        rows = headcount_csv_rows(self.to_dict())
        return _dataframe(rows, dict.fromkeys(k for row in rows for k in row))


def headcount(
    scenario: LoadedScenario | Any, csms: Mapping[str, float] | None = None
) -> HeadcountResult:
    """Size the CSM team (``csmodel headcount``); ``csms`` = ``{segment: n}`` evaluates a
    flat staffing instead of the file's (``--csms segment=n``)."""
    from csmodel.capacity import headcount as run
    from csmodel.suggest import did_you_mean

    model = _scenario_of(scenario)
    segments = list(model.segments)
    plan: dict[str, float] = {}
    for name, n in dict(csms or {}).items():
        if name not in segments:
            raise UsageError(
                f"csms: unknown segment `{name}`{did_you_mean(str(name), segments)}; "
                f"segments are: {', '.join(segments)}"
            )
        if isinstance(n, bool) or not isinstance(n, (int, float)) or not 0 <= n < float("inf"):
            raise UsageError(f"csms: {name} needs a number of CSMs, 0 or more (got {n!r})")
        plan[name] = float(n)
    return HeadcountResult(run(model, plan))


@dataclass(frozen=True)
class CheckResult:
    """The declared checks and assumption lints of one scenario (``csmodel check``).

    ``ok`` is true when nothing failed (warnings allowed unless ``strict``);
    ``exit_code`` is the CLI's (0, 1); ``results`` one plain dict per result
    (the keys of ``check --format json``).
    """

    report: Any

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def exit_code(self) -> int:
        return self.report.exit_code

    @property
    def results(self) -> list[dict[str, Any]]:
        return [r for f in self.to_dict()["files"] for r in f["results"]]

    def to_dict(self) -> dict[str, Any]:
        """What ``csmodel check --format json`` prints, as plain data."""
        from csmodel.records import check_record

        return check_record(self.report)

    def to_dataframe(self) -> Any:
        """One row per result: ``file`` and the keys of ``check --format json``'s results."""
        from csmodel.records import CHECK_RESULT_KEYS

        rows = [{"file": f["file"], **r} for f in self.to_dict()["files"] for r in f["results"]]
        return _dataframe(rows, ("file", *CHECK_RESULT_KEYS))


def check(
    scenario: LoadedScenario | str | os.PathLike[str],
    *,
    disable: Iterable[str] = (),
    strict: bool = False,
) -> CheckResult:
    """Evaluate the file's declared checks and lints, as ``csmodel check`` does.

    Checks name their own variants (``variant: "*"``), so they run on the
    file's base scenario and the variants they name, with the overrides given
    to :func:`load` applied to each; the variant picked at load does not change
    that. ``disable`` switches lints off for this run (``--disable``).
    """
    from csmodel.checks import check_document, year_problems
    from csmodel.ids import unknown_lint
    from csmodel.lints import disable_problems
    from csmodel.results import Report

    if isinstance(scenario, (str, os.PathLike)):
        scenario = load(scenario)
    if not isinstance(scenario, LoadedScenario) or scenario._document is None:
        raise UsageError(
            "check() needs a scenario from csmodel.api.load() or a path "
            f"(got {type(scenario).__name__})"
        )
    disable = [disable] if isinstance(disable, str) else list(disable)
    for lint_id in disable:
        why = unknown_lint(lint_id)
        if why:
            raise UsageError(f"disable: {lint_id}: {why}")
    doc = scenario._document
    problems = disable_problems(doc) + year_problems(doc)  # as `csmodel check` loads a file
    if problems:
        raise ScenarioError(problems)
    report = check_document(doc, scenario.overrides, disable)
    return CheckResult(Report((report,), (), strict))
