"""Public identifiers: metric ids (JSON keys and ``check`` metric names).

Kept in a module of its own, free of numpy and pydantic, so that the schema,
the CLI and ``check`` can name metrics without importing the engine.
"""

from __future__ import annotations

METRICS: dict[str, str] = {
    "total_revenue": "revenue recognised over the horizon, all segments",
    "flat_revenue": "revenue had nothing changed (starting book flat, new logos flat)",
    "uplift": "total_revenue - flat_revenue (the paper's upsell revenue)",
    "uplift_share": "uplift / total_revenue",
    "equivalent_new_logos": "uplift / average ACV of the starting book",
    "starting_arr": "12 x MRR before any change",
    "ending_arr": "exit ARR: closing ARR of month H, after every change dated in it (DOMAIN 11.1)",
    "nrr": "starting book's bridge over the first 12 months of dated changes: closing / opening",
    "grr": "(opening - contraction - churn) / opening of that bridge (MRR actually removed)",
    "logo_retention": "starting accounts left after 12 months of change / starting accounts",
    "revenue_per_account": "starting book's revenue over the horizon / starting accounts",
    "clv": "revenue_per_account over the horizon after cost to serve, discounted at discount_rate",
    "contribution": "revenue x (1 - cost_to_serve) - CSM cost - acquisition cost of new logos",
    "csm_cost": "staffed CSMs (or required FTE) x cost_per_csm, over the horizon",
    "csms_required": "peak required CSM FTE over the horizon (fractional)",
    "csms_recommended": "peak required CSM FTE rounded up",
    "accounts_per_csm": "productive hours per CSM / hours per account (starting book)",
    "coverage": "lowest monthly coverage (available / needed CSM hours, at most 1)",
    "lifetime_value": "per starting account: all its future MRR after cost to serve, discounted "
    "(the file's rates continuing past the horizon at full coverage)",
    "new_logo_value": "the same for one logo signed (onboarding rate x its ACV), from signing",
    "ltv_to_cac": "new_logo_value / cac_per_logo",
    "cac_payback_months": "cac_per_logo / (MRR of one logo signed x (1 - cost_to_serve))",
    "new_logos_to_match": "uplift / horizon revenue of one logo signed in month 1 (like for like)",
    "acquisition_cost_avoided": "new_logos_to_match x cac_per_logo",
}
"""Every metric id, with a one-line definition (DOMAIN.md sections 4.5 and 11.3)."""

DEPRECATED_METRICS: dict[str, str] = {"gross_profit": "contribution"}
"""Old metric ids still accepted (JSON and ``check``) with the same value: old -> new."""

METRIC_LABELS: dict[str, str] = {
    "total_revenue": "Total revenue",
    "flat_revenue": "Revenue had nothing changed",
    "uplift": "Uplift",
    "uplift_share": "Uplift share of revenue",
    "equivalent_new_logos": "Uplift in years of ACV",
    "starting_arr": "Starting ARR",
    "ending_arr": "Exit ARR",
    "nrr": "NRR (first 12 months)",
    "grr": "GRR (first 12 months)",
    "logo_retention": "Logo retention (first 12 months)",
    "revenue_per_account": "Revenue per starting account",
    "clv": "CLV over the horizon",
    "gross_profit": "Contribution",
    "contribution": "Contribution",
    "csm_cost": "CSM cost",
    "csms_required": "CSMs required (peak FTE)",
    "csms_recommended": "CSMs recommended",
    "accounts_per_csm": "Accounts per CSM",
    "coverage": "Lowest coverage",
    "lifetime_value": "Lifetime value per account",
    "new_logo_value": "Value of one new logo",
    "ltv_to_cac": "LTV:CAC",
    "cac_payback_months": "CAC payback (months)",
    "new_logos_to_match": "New logos to match the uplift",
    "acquisition_cost_avoided": "Acquisition cost avoided",
}
"""How people read each metric id (tables, markdown, reports); JSON and CSV keep the id."""


def metric_label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric.replace("_", " ").capitalize())


RATE_METRICS = frozenset({"uplift_share", "nrr", "grr", "logo_retention", "coverage"})
"""Metrics that are fractions (shown as percents)."""

MONEY_METRICS = frozenset(
    {
        "total_revenue",
        "flat_revenue",
        "uplift",
        "starting_arr",
        "ending_arr",
        "revenue_per_account",
        "clv",
        "gross_profit",
        "contribution",
        "csm_cost",
        "lifetime_value",
        "new_logo_value",
        "acquisition_cost_avoided",
    }
)
"""Metrics in the scenario's currency."""

HEADCOUNT_METRICS: dict[str, str] = {
    "hours_per_account": "CSM hours one account needs per year (meetings + prep)",
    "accounts_per_csm": "productive hours per CSM / hours per account",
    "fte_required": "peak required CSM FTE over the horizon",
    "recommended_csms": "peak required FTE rounded up",
    "staffed_csms": "CSMs staffed in the scenario (segment `csms`)",
    "coverage": "lowest monthly coverage",
}
"""Headcount ids that ``check`` also accepts."""

PERIODS = {"month": 1, "quarter": 3, "year": 12}
"""Length in months of each ``every:`` period."""


_COUNT_METRICS = frozenset({"recommended_csms", "staffed_csms", "csms_recommended"})
_UNITS = {"ltv_to_cac": "ratio", "cac_payback_months": "months"}


def metric_unit(metric: str) -> str:
    """How values of ``metric`` are shown."""
    if metric in MONEY_METRICS:
        return "money"
    if metric in RATE_METRICS:
        return "rate"
    if metric in _COUNT_METRICS:
        return "count"
    if metric == "hours_per_account":
        return "hours"
    if metric in _UNITS:
        return _UNITS[metric]
    return "number"


LINT_IDS = (
    "productivity-out-of-range",
    "extreme-churn",
    "extreme-expansion",
    "understaffed",
    "meetings-exceed-capacity",
    "short-horizon",
    "partial-share-monthly",
    "expansion-without-churn",
    "new-logo-acv-mismatch",
    "schedule-jump",
    "deprecated-metric",
)
"""Every built-in lint id, in the order they run (``csmodel.lints`` implements each; a
test keeps the two equal). The scenario layer checks ``lint.disable`` against these."""


def unknown_lint(lint_id: str) -> str | None:
    """Why ``lint_id`` names no lint (with a did-you-mean), or ``None`` when it does."""
    if lint_id in LINT_IDS:
        return None
    from csmodel.suggest import did_you_mean

    hint = did_you_mean(lint_id, list(LINT_IDS))
    return f"unknown lint `{lint_id}`" + (hint or f" (lints are: {', '.join(LINT_IDS)})")
