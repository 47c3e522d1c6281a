"""``csmodel report``: one self-contained HTML report of a plan, to share.

Projects the scenario (with ``--simulate``, its Monte Carlo fan), sizes the team
(``headcount``), ranks the assumptions (``sensitivity`` of contribution), runs the
file's checks and lints on the plan shown (as ``check`` does, the variant's overrides
and ``--set`` applied, with the same Monte Carlo run settings), and hands it all to the
HTML renderer (``render.html``). An analysis this plan cannot have (a headcount or
tornado too large to compute) becomes a note in its section, not a failed report.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import typer

from csmodel.cli import montecarlo
from csmodel.cli.common import (
    FILE_ARGUMENT,
    FORCE_OPTION,
    OUTPUT_OPTION,
    SET_OPTION,
    VARIANT_OPTION,
    boundary,
    choices,
    emit,
    format_option,
    load_with_source,
)
from csmodel.cli.montecarlo import DISCRETE_OPTION, SEED_OPTION
from csmodel.render import REPORT

Format = choices("ReportFormat", REPORT)

SIMULATE_OPTION = copy.copy(montecarlo.SIMULATE_OPTION)  # its range, this command's words
SIMULATE_OPTION.help = (
    "Monte Carlo: draw every range this many times and show the ARR fan and percentiles "
    "(default: the file's simulate.paths, if any; 0 turns it off)."
)


def register(app: typer.Typer) -> None:
    @app.command("report")
    @boundary
    def report_cmd(
        file: Path = FILE_ARGUMENT,
        variant: str = VARIANT_OPTION,
        sets: list[str] = SET_OPTION,
        paths: int = SIMULATE_OPTION,
        seed: int = SEED_OPTION,
        discrete: bool = DISCRETE_OPTION,
        fmt: Format = format_option(REPORT, "html"),
        output: Path = OUTPUT_OPTION,
        force: bool = FORCE_OPTION,
    ) -> int:
        """Write one self-contained HTML report of a plan, to share.

        Headline, ARR (a fan with --simulate), bridge, years and segments, headcount,
        tornado, checks, assumptions and the scenario file. No network or JavaScript
        is needed to read it; it prints on A4 and Letter. Write it with
        --output report.html (it is not shown on a terminal).
        """
        from csmodel import __version__
        from csmodel.checks import MonteCarlo
        from csmodel.render.html import ReportData

        doc, scenario, _ = load_with_source(file, variant, sets)
        paths, seed, discrete = montecarlo.settings(scenario, paths, seed, discrete)
        analyses, missing = _analyses(scenario, paths, seed, discrete)
        data = ReportData(
            projection=analyses["projection"],
            document=doc,
            variant=variant,
            sets=tuple(sets or ()),
            headcount=analyses.get("headcount"),
            sensitivity=analyses.get("sensitivity"),
            checks=_checks(scenario, MonteCarlo(paths, seed, discrete=discrete), missing),
            missing=missing,
            version=__version__,
            file_sha256=file_sha256(doc),
        )
        emit(REPORT.renderer(fmt.value)(data), output, force=force, file_only="report.html")
        return 0


def _analyses(
    scenario: Any, paths: int, seed: int | None, discrete: bool = False
) -> tuple[dict, dict]:
    """The projection (simulated when ``paths``), headcount and sensitivity; each
    analysis that raises a csmodel error is left out with its message (``missing``)."""
    from csmodel.capacity import headcount
    from csmodel.engine import project
    from csmodel.errors import CsmodelError
    from csmodel.render.html import TORNADO_TOP
    from csmodel.sensitivity import sensitivity

    out: dict = {"projection": project(scenario)}
    missing: dict[str, str] = {}
    if paths:
        simulation = montecarlo.run(scenario, paths, seed, discrete=discrete)
        out["projection"] = replace(out["projection"], simulation=simulation)
    try:
        out["headcount"] = headcount(scenario)
    except CsmodelError as exc:
        missing["headcount"] = f"No headcount for this plan: {exc}"
    try:
        out["sensitivity"] = sensitivity(scenario, "contribution", top=TORNADO_TOP)
    except CsmodelError as exc:
        missing["tornado"] = f"No tornado for this plan: {exc}"
    return out, missing


def _checks(scenario: Any, mc: Any, missing: dict[str, str]) -> Any:
    """The file's check results on the plan the report shows, or ``None`` with the reason
    in ``missing`` (a check whose year the plan cannot answer, a check with probability
    and no simulation).

    ``check_document`` takes the overrides the scenario was made with (its variant's, then
    ``--set``) as its ``--set``, so its base is this plan: the base's checks, the ``*``
    checks and the lints are evaluated on it. Of the other results, the checks declared
    for this variant are kept; those of other variants (evaluated with this variant's
    overrides on top, so about no plan in the file) are dropped.
    """
    from csmodel.checks import check_document
    from csmodel.errors import ScenarioError

    origin = scenario._source
    try:
        report = check_document(origin.document, origin.overrides, (), mc)
    except ScenarioError as exc:
        missing["checks"] = "The checks could not be run: " + "; ".join(
            p.format() for p in exc.problems
        )
        return None
    if origin.variant is None:
        return report
    on_base = {r.line for r in report.results if r.kind == "check" and r.variant is None}
    kept = tuple(
        r
        for r in report.results
        if r.kind == "lint"
        or r.variant is None
        or (r.variant == origin.variant and r.line not in on_base)  # `*`: once, not twice
    )
    return replace(report, results=kept)


def file_sha256(doc: Any) -> str:
    """SHA-256 of the scenario file's bytes as on disk (``sha256sum`` agrees): read again,
    and used only when they decode to the text that was loaded; else (stdin, a file
    changed since) of the text loaded, as UTF-8."""
    raw = None
    if doc.file != "<stdin>":
        try:
            raw = Path(doc.file).read_bytes()
        except OSError:
            raw = None
    if raw is not None:
        try:
            same = raw.decode("utf-8-sig") == doc.source.text
        except UnicodeDecodeError:
            same = False
        if same:
            return hashlib.sha256(raw).hexdigest()
    return hashlib.sha256(doc.source.text.encode("utf-8")).hexdigest()
