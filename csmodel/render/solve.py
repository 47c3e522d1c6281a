"""``csmodel solve`` for people (a short statement) and machines (JSON)."""

from __future__ import annotations

from typing import Any

PER = {"month": "a month", "quarter": "a quarter", "year": "a year"}


def value_text(sol: Any) -> str:
    """The solved value in the input's own unit and period: ``4.73% a year``, ``5 CSMs``."""
    from csmodel.render.fmt import money, num

    leaf = sol.path.rsplit(".", 1)[-1]
    x = sol.value
    if sol.whole:
        return f"{x:,.0f}"
    if leaf in ("rate", "share", "onboarding_rate", "productivity", "cost_to_serve", "attrition"):
        text = f"{x * 100:.4g}%"
        return f"{text} {PER[sol.period]}" if sol.period in PER else text
    if leaf in ("acv", "cost_per_csm", "cac_per_logo"):
        return money(x, sol.currency)
    return num(x, 4)


def metric_text(sol: Any, x: float | None) -> str:
    from csmodel.ids import metric_unit
    from csmodel.units import show

    return show(x, metric_unit(sol.target.metric), sol.currency)


def lines(sol: Any) -> list[str]:
    lo, hi = sol.range
    t = sol.target
    out = [
        f"{sol.path} = {value_text(sol)}",
        f"{t.metric_path} = {metric_text(sol, sol.achieved)} (target {t.op} "
        f"{metric_text(sol, t.value)})",
        f"searched {sol.path} in {lo:g}..{hi:g} "
        f"({metric_text(sol, sol.at_low)} at {lo:g}, {metric_text(sol, sol.at_high)} at {hi:g}); "
        f"{sol.evaluations} projections",
    ]
    return out + list(sol.notes)


def table(sol: Any) -> Any:
    from rich.console import Group

    from csmodel.render.safe import rich_text

    first, *rest = lines(sol)
    return Group(rich_text(first, style="bold"), *(rich_text(x) for x in rest))


def record(sol: Any) -> dict[str, Any]:
    from csmodel.records import SCHEMA_VERSION, clean

    return clean(
        {
            "schema_version": SCHEMA_VERSION,
            "path": sol.path,
            "value": sol.value,
            "value_text": value_text(sol) if sol.value is not None else None,
            "metric": sol.target.metric_path,
            "op": sol.target.op,
            "target": sol.target.value,
            "achieved": sol.achieved,
            "range": list(sol.range),
            "at_range": [sol.at_low, sol.at_high],
            "evaluations": sol.evaluations,
        }
    )


def json(sol: Any) -> str:
    from csmodel.render.machine import dump_json

    return dump_json(record(sol))
