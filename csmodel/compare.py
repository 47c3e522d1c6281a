"""Scenarios and variants side by side (``csmodel compare``).

A column is one scenario file with one variant (or its base); every column is
projected once and compared with the first column, the baseline. Files are
read and parsed once; variants are overrides on the parsed data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csmodel.engine import Projection, project_batch
from csmodel.errors import UsageError
from csmodel.ids import METRICS
from csmodel.loader import Document, load_document
from csmodel.overrides import Override, resolve
from csmodel.suggest import did_you_mean

BASE = "base"
"""Name that selects a file's base scenario in ``--variants``."""

LOWER_IS_BETTER = frozenset({"csm_cost", "csms_required", "csms_recommended"})
NEUTRAL = frozenset({"flat_revenue", "starting_arr", "accounts_per_csm"})


@dataclass(frozen=True)
class Column:
    """One scenario or variant. ``break_even_month`` is set on a column whose staffing
    differs from the first column's (DOMAIN 11.2): the first horizon, projecting both on
    to 240 months, at which the cumulative contribution difference changes sign."""

    file: str
    variant: str | None
    label: str
    projection: Projection
    staffing_differs: bool = False
    break_even_month: int | None = None
    simulation: Any = None  # a Monte Carlo run of this column (``csmodel.simulate``)

    @property
    def metrics(self) -> dict[str, float | None]:
        return self.projection.metrics

    @property
    def segment_metrics(self) -> dict[str, dict[str, float | None]]:
        """Metrics of each of this column's segments on its own (``compare --by segment``)."""
        return self.projection.segment_metrics


def direction(metric: str) -> int:
    """+1 when a higher value is better, -1 when lower is better, 0 when neither."""
    if metric in NEUTRAL:
        return 0
    return -1 if metric in LOWER_IS_BETTER else 1


def parse_metrics(spec: str | None, flag: str = "--metrics") -> list[str]:
    """``"nrr,grr"`` -> ids, checked against the metric ids; ``None`` -> all.

    A flag given with no metric in it (``--metrics ,`` or ``--metrics ""``) is
    a usage error naming the flag, never an empty table.
    """
    if spec is None:
        return list(METRICS)
    ids = [s.strip() for s in spec.split(",") if s.strip()]
    if not ids:
        raise UsageError(
            f"{flag}: no metric named (got {spec!r}); give metric ids such as "
            f"`{flag} nrr,grr`, or leave the flag out for all"
        )
    for m in ids:
        if m not in METRICS:
            raise UsageError(f"{flag}: unknown metric `{m}`{did_you_mean(m, METRICS)}")
    return ids


def columns(
    files: list[Path], variants: list[str] | None = None, sets: list[Override] | None = None
) -> list[Column]:
    """One column per file and variant: base then every variant, or those named."""
    docs: list[Document] = [load_document(f) for f in files]
    if variants:
        known = {BASE} | {v for d in docs for v in d.scenario.variants}
        for v in variants:
            if v not in known:
                raise UsageError(
                    f"--variants: no file has a variant `{v}`{did_you_mean(v, known)} "
                    f"(known: {', '.join(sorted(known))})"
                )
    stems = [Path(d.file).stem for d in docs]
    if len(set(stems)) < len(stems):  # a/plan.yaml and b/plan.yaml: use the paths
        stems = [str(Path(d.file).with_suffix("")) for d in docs]
    many = len(docs) > 1
    wanted = []
    for doc, stem in zip(docs, stems, strict=True):
        names = variants if variants else [BASE, *doc.scenario.variants]
        for v in names:
            if v != BASE and v not in doc.scenario.variants:
                continue
            variant = None if v == BASE else v
            label = f"{stem}:{v}" if many else v
            wanted.append((doc.file, variant, label, resolve(doc, variant, sets)))
    if not wanted:
        raise UsageError("nothing to compare: no file has the variants named")
    # every column in as few month loops as their time grids allow
    projections = project_batch([sc for *_, sc in wanted])
    cols = [
        Column(file, variant, label, pr)
        for (file, variant, label, _), pr in zip(wanted, projections, strict=True)
    ]
    return with_staffing_values(cols)


def _staffing(sc: Any) -> dict[str, float | None]:
    return {name: seg.csms for name, seg in sc.segments.items()}


def _monthly_contribution(pr: Projection) -> Any:
    """Contribution of each month, the whole book (``metrics.monthly_contribution``)."""
    from csmodel.metrics import monthly_contribution

    return monthly_contribution(pr).sum(axis=-1)


def with_staffing_values(cols: list[Column]) -> list[Column]:
    """Columns whose staffing differs from the first's get their ``break_even_month``:
    both projected with the same assumptions to :data:`capacity.FAR_HORIZON` months (one
    batched call) and the cumulative contribution difference followed past the horizon."""
    from dataclasses import replace

    from csmodel.capacity import FAR_HORIZON, break_even_month

    base = cols[0].projection.scenario
    differ = [
        i
        for i, c in enumerate(cols[1:], 1)
        if _staffing(c.projection.scenario) != _staffing(base)
        and c.projection.horizon == cols[0].projection.horizon
    ]
    if not differ:
        return cols
    h = cols[0].projection.horizon
    far = max(FAR_HORIZON, h)
    scenarios = [base, *(cols[i].projection.scenario for i in differ)]
    long = project_batch([sc.model_copy(update={"horizon_months": far}) for sc in scenarios])
    base_curve = _monthly_contribution(long[0])[:far]
    out = list(cols)
    for i, pr in zip(differ, long[1:], strict=True):
        delta = _monthly_contribution(pr)[:far] - base_curve
        out[i] = replace(
            cols[i], staffing_differs=True, break_even_month=break_even_month(delta, h)
        )
    return out


def segment_names(cols: list[Column]) -> list[str]:
    """Every segment of any column, in first-seen order."""
    names: dict[str, None] = {}
    for c in cols:
        names.update(dict.fromkeys(c.projection.segments))
    return list(names)


def segment_rows(
    cols: list[Column], metrics: list[str]
) -> list[tuple[str, str, list[float | None]]]:
    """``compare --by segment``: ``(segment, metric, value per column)`` rows.

    A column without that segment holds ``None``. Rows run segment by segment,
    metrics in the order asked; per-segment values follow the same formulas as
    the book's (``csmodel.metrics.metrics_for``).
    """
    rows = []
    for name in segment_names(cols):
        for m in metrics:
            values = [c.segment_metrics.get(name, {}).get(m) for c in cols]
            rows.append((name, m, values))
    return rows


def delta(
    metric: str, value: float | None, base: float | None
) -> tuple[float | None, float | None]:
    """(absolute change, relative change) of ``value`` against ``base``."""
    if value is None or base is None:
        return None, None
    rel = (value - base) / abs(base) if abs(base) > 1e-12 else None
    return value - base, rel


def with_simulations(cols: list[Column], simulate: Any) -> list[Column]:
    """Every column with its simulation: ``simulate(scenario)`` for each, all with the
    same seed, so that the columns differ by their assumptions, not by their luck
    (common random numbers)."""
    from dataclasses import replace

    return [replace(c, simulation=simulate(c.projection.scenario)) for c in cols]
