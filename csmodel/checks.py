"""Declared checks and the ``check`` report: scenario files in, pass/fail/warn results out.

A check (``checks:`` in a scenario, DOMAIN.md section 3) bounds one metric of
the results: ``metric`` (any id of ``ids.METRICS`` or ``ids.HEADCOUNT_METRICS``),
optionally for one ``segment``, one ``variant`` (``"*"`` = the base scenario
and every variant) and one ``year``, with ``min`` and/or ``max``.

A ``year`` is a plan year (``year: 2``: plan months 13 to 24, twelve months from
the plan's start, DOMAIN 7) or, in a plan with ``start``, a fiscal year
(``year: FY2028``). Revenue, CSM cost, contribution and the lowest coverage are
over the year's months and need the whole year inside the plan; ending ARR is the
year's closing ARR and needs its last month inside the plan; NRR, GRR and logo
retention follow the book of a plan year, so a fiscal year takes them only when it
is one (see ``results.YEAR_METRICS``). A year the plan cannot answer is a located
error (:func:`year_problems`). This module owns

- the value of a metric id for a scenario (book or segment), including the
  headcount ids, whose book-level values are defined here (see
  :func:`metric_value`);
- evaluating each declared check into a :class:`Result` (status, message and
  the line of the check in the file);
- the whole report of ``csmodel check``: files (directories expanded), each
  file's check results plus its lint findings (``csmodel.lints``), located
  problems of the files that could not be checked, and the exit code.

Plain functions over plain data: nothing here prints or exits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from csmodel.errors import Problem, ScenarioError
from csmodel.ids import metric_unit
from csmodel.results import (
    FAIL,
    PASS,
    TOLERANCE,
    WARN,
    YEAR_METRICS,
    FileReport,
    Report,
    Result,
    Results,
    Share,
    above,
    below,
    metric_value,
    undefined_reason,
    year_problem,
    year_text,
)
from csmodel.units import bound_text, show

# --- declared checks --------------------------------------------------------------------


def check_id(check: Any, variant: str | None) -> str:
    """A stable id: the check's ``name``, else
    ``[segment.]metric-min|max|range[@year][@variant]`` (``@Y2`` for a plan year,
    ``@FY2028`` for a fiscal year)."""
    if check.name:
        base = check.name
    else:
        kind = (
            "range"
            if check.min is not None and check.max is not None
            else ("min" if check.min is not None else "max")
        )
        base = f"{check.segment + '.' if check.segment else ''}{check.metric}-{kind}"
        year = getattr(check, "year", None)
        if year is not None:
            base += f"@Y{year}" if isinstance(year, int) else f"@{year}"
    if variant is not None and (check.variant == "*" or not check.name):
        base = f"{base}@{variant}"
    return base


def _subject(metric: str, segment: str | None, variant: str | None, year: str | None = None) -> str:
    out = metric
    if segment:
        out += f" of {segment}"
    if year:
        out += f" in {year}"
    if variant:
        out += f" in variant {variant}"
    return out


def evaluate_check(
    check: Any, value: float | None, variant: str | None, scenario: Any
) -> tuple[str, str]:
    """``(status, message)`` of ``check`` given the metric's ``value`` in ``scenario``."""
    unit = metric_unit(check.metric)
    currency = scenario.currency
    year = getattr(check, "year", None)
    when = year_text(scenario, year) if year is not None else None
    subject = _subject(check.metric, check.segment, variant, when)
    bad = FAIL if check.severity == "error" else WARN

    def s(x: float) -> str:
        return show(x, unit, currency, exact=True)

    if value is None or not math.isfinite(value):
        why = undefined_reason(check.metric, check.segment, scenario, year)
        because = f" ({why})" if why else ""
        return bad, f"{subject} is undefined{because}, so the check cannot pass"
    v = show(value, unit, currency)
    if check.min is not None and below(value, check.min):
        return bad, f"{subject} = {v}, below the minimum of {s(check.min)}"
    if check.max is not None and above(value, check.max):
        return bad, f"{subject} = {v}, above the maximum of {s(check.max)}"
    return PASS, f"{subject} = {v} ({bound_text(check.min, check.max, unit, currency)})"


@dataclass(frozen=True)
class MonteCarlo:
    """How ``check`` simulates for checks with ``probability`` (DOMAIN 9): ``paths``,
    ``seed`` and ``discrete`` from the command line (``None``: the file's ``simulate:``
    block); ``new_seed()`` gives a seed when neither names one (the CLI draws and prints
    it)."""

    paths: int | None = None
    seed: int | None = None
    new_seed: Callable[[], int] | None = None
    discrete: bool | None = None

    def whole_accounts(self, scenario: Any) -> bool:
        """Whether paths also draw whole accounts (``--discrete``, else the file's
        ``simulate.discrete``)."""
        if self.discrete is not None:
            return self.discrete
        return bool(scenario.simulate and scenario.simulate.discrete)

    def of(self, scenario: Any) -> tuple[int, int | None]:
        """``(paths, seed)`` for ``scenario``; ``paths == 0``: no simulation."""
        block = scenario.simulate
        paths = self.paths if self.paths is not None else (block.paths if block else 0)
        if not paths:
            return 0, None
        seed = self.seed if self.seed is not None else (block.seed if block else None)
        if seed is None and self.new_seed is not None:
            seed = self.new_seed()
        return paths, seed if seed is not None else 0


def probability_problems(doc: Any, base: Any, montecarlo: MonteCarlo | None) -> list[Problem]:
    """A located error for each check with ``probability`` when the run simulates nothing."""
    if (montecarlo or MonteCarlo()).of(base)[0]:
        return []
    return [
        doc.problem(
            ("checks", i, "probability"),
            "a check with probability needs simulated paths: run `csmodel check --simulate "
            "1000` or add `simulate: {paths: 1000}` to the file",
        )
        for i, check in enumerate(base.checks)
        if check.probability is not None
    ]


def _meets(check: Any, values: np.ndarray) -> np.ndarray:
    """Which paths' values meet ``check``'s bounds (an undefined value never does)."""
    ok = np.isfinite(values)
    if check.min is not None:
        ok &= ~below(values, check.min)  # the same tolerance as a deterministic check
    if check.max is not None:
        ok &= ~above(values, check.max)
    return ok


def _reader(check: Any) -> Callable[[Any, Any], float | None]:
    def read(scenario: Any, projection: Any) -> float | None:
        return metric_value(Results(scenario, projection), check.metric, check.segment, check.year)

    return read


def evaluate_probability(
    check: Any,
    values: np.ndarray,
    seed: int,
    variant: str | None,
    scenario: Any,
    discrete: bool = False,
) -> tuple[str, str, Share, float | None]:
    """``(status, message, share, median)`` of a check with ``probability`` over the
    metric's value on each simulated path (``values``, nan where undefined; ``discrete``:
    drawn with whole accounts)."""
    unit = metric_unit(check.metric)
    year = getattr(check, "year", None)
    when = year_text(scenario, year) if year is not None else None
    subject = _subject(check.metric, check.segment, variant, when)
    met = _meets(check, values)
    share = Share(int(met.sum()), int(values.size), seed, discrete)
    lo, hi = share.interval
    needed = check.probability
    passed = share.met >= needed * share.paths - 1e-9
    status = PASS if passed else (FAIL if check.severity == "error" else WARN)
    finite = values[np.isfinite(values)]
    median = float(np.median(finite)) if finite.size else None

    def pct(x: float) -> str:
        return show(x, "rate")

    bound = bound_text(check.min, check.max, unit, scenario.currency)
    message = (
        f"{subject} meets {bound} in {pct(share.share)} of {share.paths:,} paths "
        f"(95% interval {pct(lo)} to {pct(hi)}; seed {seed}"
        f"{', whole accounts drawn' if discrete else ''}); "
        f"{'at least' if passed else 'below the'} {show(needed, 'rate', exact=True)} needed"
    )
    return status, message, share, median


def run_checks(
    doc: Any,
    scenario_for: Callable[[str | None], Any],
    cache: dict[str | None, Results] | None = None,
    montecarlo: MonteCarlo | None = None,
) -> list[Result]:
    """Every declared check of ``doc`` against the results of the scenario of each variant.

    ``scenario_for(variant)`` gives the (validated) scenario of a variant,
    ``None`` being the base; each is projected at most once (``cache`` keeps
    the :class:`Results` by variant, and may be shared with the lints). Checks with
    ``probability`` are evaluated on one simulation per variant (``montecarlo``; every
    variant draws with the same seed), each path read as the plan is.
    """
    base = scenario_for(None)
    checks = base.checks
    cache = {} if cache is None else cache
    simulated = _simulate_probabilities(base, checks, scenario_for, montecarlo)

    def results_for(variant: str | None) -> Results:
        if variant not in cache:
            cache[variant] = Results(base if variant is None else scenario_for(variant))
        return cache[variant]

    out: list[Result] = []
    seen: dict[str, int] = {}
    for i, check in enumerate(checks):
        pos = doc.source.marks.locate(("checks", i))
        line = pos[0] if pos else None
        if check.variant == "*":
            variants: list[str | None] = [None, *base.variants]
        else:
            variants = [check.variant]
        for variant in variants:
            share = None
            if check.probability is not None:
                sc = scenario_for(variant)
                values, seed, discrete = simulated[variant]
                status, message, share, value = evaluate_probability(
                    check, values[str(i)], seed, variant, sc, discrete
                )
                currency = sc.currency
            else:
                res = results_for(variant)
                value = metric_value(res, check.metric, check.segment, check.year)
                status, message = evaluate_check(check, value, variant, res.scenario)
                currency = res.scenario.currency
            rid = check_id(check, variant)
            seen[rid] = seen.get(rid, 0) + 1
            if seen[rid] > 1:  # two checks on the same metric and bound: keep ids unique
                rid = f"{rid}-{seen[rid]}"
            out.append(
                Result(
                    id=rid,
                    kind="check",
                    status=status,
                    message=message,
                    line=line,
                    metric=check.metric,
                    segment=check.segment,
                    variant=variant,
                    value=value,
                    min=check.min,
                    max=check.max,
                    unit=metric_unit(check.metric),
                    currency=currency,
                    year=check.year,
                    probability=check.probability,
                    simulation=share,
                )
            )
    return out


def _simulate_probabilities(
    base: Any,
    checks: Sequence[Any],
    scenario_for: Callable[[str | None], Any],
    montecarlo: MonteCarlo | None,
) -> dict[str | None, tuple[dict[str, np.ndarray], int, bool]]:
    """For each variant with checks that carry ``probability``: the metric of each such
    check on every path (keyed by the check's index), the seed drawn with, and whether
    whole accounts were drawn."""
    from csmodel.ids import DEPRECATED_METRICS, METRICS

    wanted: dict[str | None, dict[str, Any]] = {}
    for i, check in enumerate(checks):
        if check.probability is None:
            continue
        variants = [None, *base.variants] if check.variant == "*" else [check.variant]
        for variant in variants:
            wanted.setdefault(variant, {})[str(i)] = check
    if not wanted:
        return {}
    from csmodel.simulate import simulate

    def kept(check: Any) -> str | None:
        """The metric a simulation keeps per path anyway (over the horizon), if any."""
        metric = DEPRECATED_METRICS.get(check.metric, check.metric)
        return metric if check.year is None and metric in METRICS else None

    mc = montecarlo or MonteCarlo()
    paths, seed = mc.of(base)
    discrete = mc.whole_accounts(base)
    out = {}
    for variant, by_index in wanted.items():
        observe = {k: _reader(c) for k, c in by_index.items() if kept(c) is None}
        sim = simulate(scenario_for(variant), paths, seed, observe=observe, discrete=discrete)
        values = dict(sim.observed)
        for k, c in by_index.items():
            metric = kept(c)
            if metric is not None:
                values[k] = (
                    sim.metrics[metric] if c.segment is None else sim.segments[c.segment][metric]
                )
        out[variant] = (values, seed, discrete)
    return out


def year_problems(
    doc: Any, scenario_for: Callable[[str | None], Any] | None = None
) -> list[Problem]:
    """Located errors of checks whose ``year`` the plan cannot answer: a metric with no
    value per year, a fiscal year without ``start``, a year outside the horizon, NRR of
    a fiscal year that is not a plan year (``results.year_problem`` says why).

    Each check is judged against the scenario of the base and of every variant it runs
    on (``scenario_for(variant)``; by default the document's variants, no ``--set``),
    since a variant may change the horizon or the calendar; one error per check, at its
    ``year``, naming the variant when only a variant is at fault.
    """
    if scenario_for is None:
        from csmodel.overrides import resolve

        def scenario_for(variant: str | None) -> Any:
            return doc.scenario if variant is None else resolve(doc, variant)

    base = scenario_for(None)
    problems: list[Problem] = []
    for i, check in enumerate(base.checks):
        if check.year is None:
            continue
        if check.variant == "*":
            variants: list[str | None] = [None, *base.variants]
        else:
            variants = [check.variant]
        for variant in variants:
            if variant is not None and variant not in base.variants:
                break  # an unknown variant is reported where variants are validated
            why = year_problem(scenario_for(variant), check.metric, check.year)
            if why:
                where = f"in variant `{variant}`: " if variant is not None else ""
                problems.append(doc.problem(("checks", i, "year"), where + why))
                break
    return problems


# --- files and the report -------------------------------------------------------------------


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[str], list[Problem]]:
    """Files to check: each path as given; a directory gives every ``*.yaml``/``*.yml``
    below it (recursively, sorted, skipping hidden directories).

    Returns the files and a problem for each directory that holds none.
    """
    files: list[str] = []
    problems: list[Problem] = []
    for path in paths:
        p = Path(path)
        if str(path) != "-" and p.is_dir():
            found = sorted(
                str(f)
                for f in p.rglob("*")
                if f.suffix in (".yaml", ".yml")
                and f.is_file()
                and not any(part.startswith(".") for part in f.relative_to(p).parts[:-1])
            )
            if not found:
                problems.append(Problem(str(path), "directory holds no *.yaml or *.yml files"))
            files.extend(found)
        else:
            files.append(str(path))
    seen: set[str] = set()
    unique = [f for f in files if not (f in seen or seen.add(f))]
    return unique, problems


def load_checked(path: str | Path) -> Any:
    """Load and validate a scenario file, including its ``lint.disable`` ids and the
    ``year`` of its checks (:func:`year_problems`)."""
    from csmodel.lints import disable_problems
    from csmodel.loader import load_document

    doc = load_document(path)
    problems = disable_problems(doc) + year_problems(doc)
    if problems:
        raise ScenarioError(problems)
    return doc


def check_document(
    doc: Any,
    sets: Sequence[Any] = (),
    disable: Iterable[str] = (),
    montecarlo: MonteCarlo | None = None,
) -> FileReport:
    """Every declared check and every enabled lint of one loaded document.

    ``sets`` are ``--set`` overrides (applied to the base and to every
    variant); ``disable`` are lint ids switched off for this run (the file's
    ``lint.disable`` ids are switched off too). Raises :class:`ScenarioError`
    when an override makes the scenario invalid, or a check's ``year`` one the plan
    cannot answer (:func:`year_problems`).
    """
    from csmodel.lints import run_lints
    from csmodel.overrides import resolve

    scenarios: dict[str | None, Any] = {}

    def scenario_for(variant: str | None) -> Any:
        if variant not in scenarios:
            scenarios[variant] = resolve(doc, variant, list(sets))
        return scenarios[variant]

    base = scenario_for(None)
    problems = year_problems(doc, scenario_for)  # `--set` may move the horizon or calendar
    problems += probability_problems(doc, base, montecarlo)
    if problems:
        raise ScenarioError(problems)
    cache = {None: Results(base)}  # the base is projected once, for checks and lints
    results = run_checks(doc, scenario_for, cache, montecarlo)
    off = set(disable) | set(base.lint.disable)
    results += run_lints(doc, cache[None], off)
    return FileReport(doc.file, tuple(results))


def check_paths(
    paths: Iterable[str | Path],
    sets: Sequence[Any] = (),
    disable: Iterable[str] = (),
    *,
    strict: bool = False,
    montecarlo: MonteCarlo | None = None,
) -> Report:
    """``csmodel check``: every file (directories expanded), all problems collected."""
    files, problems = expand_paths(paths)
    disable = tuple(disable)
    reports: list[FileReport] = []
    for file in files:
        try:
            reports.append(check_document(load_checked(file), sets, disable, montecarlo))
        except ScenarioError as exc:
            problems.extend(_with_omitted(exc))
    return Report(tuple(reports), tuple(problems), strict)


def _with_omitted(exc: ScenarioError) -> list[Problem]:
    """A file's problems, with one more line saying how many were left out (a CSV book
    reports its first 100 bad rows)."""
    out = list(exc.problems)
    if exc.omitted and out:
        out.append(Problem(out[-1].file, f"{exc.omitted:,} more problems not shown"))
    return out


def validate_paths(paths: Iterable[str | Path]) -> tuple[list[str], list[Problem]]:
    """``csmodel validate``: the files that are valid scenarios, and the problems of the rest.

    Schema only (load and cross-key rules, variants, lint ids): nothing is projected.
    """
    files, problems = expand_paths(paths)
    valid: list[str] = []
    for file in files:
        try:
            load_checked(file)
        except ScenarioError as exc:
            problems.extend(_with_omitted(exc))
        else:
            valid.append(file)
    return valid, problems


__all__ = [
    "FAIL",
    "PASS",
    "TOLERANCE",
    "WARN",
    "YEAR_METRICS",
    "FileReport",
    "Report",
    "Result",
    "Results",
    "above",
    "below",
    "bound_text",
    "check_document",
    "check_id",
    "check_paths",
    "evaluate_check",
    "expand_paths",
    "metric_unit",
    "metric_value",
    "run_checks",
    "show",
    "undefined_reason",
    "validate_paths",
    "year_problems",
]
