"""``csmodel fit retention`` and ``csmodel fit understaffing`` for people and machines.

One plain record per fit (:func:`retention_record`, :func:`understaffing_record`)
feeds the JSON; the terminal tables are :class:`csmodel.render.layout.Grid` s
drawn by ``Fit``, their user text (file and cohort names) escaped through
:mod:`csmodel.render.safe`. Each table output ends with the YAML to paste into a
scenario.
"""

from __future__ import annotations

import math
from typing import Any

from csmodel.render import safe
from csmodel.render.layout import Col, Fit, Grid

SCHEMA_VERSION = 1


def _num(x: float | None, digits: int = 4) -> str:
    """A parameter to ``digits`` significant figures (``0.704``, ``3.806``), ``—`` if none."""
    return "—" if x is None else f"{x:.{digits}g}"


def _pct(x: float | None, digits: int = 1) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x * 100:.{digits}f}%"


def _finite(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


# --- fit retention ------------------------------------------------------------------------


def sbg_yaml(fit: Any) -> str:
    """The scenario line the fit gives: ``churn: {model: sbg, alpha: 0.7041, beta: 1.182}``."""
    return f"churn: {{model: sbg, alpha: {_num(fit.alpha)}, beta: {_num(fit.beta)}}}"


def retention_record(fit: Any) -> dict[str, Any]:
    """The plain record of an sBG fit (the JSON). ``observed`` and ``fitted`` are survival
    at periods 0..T (fractions; observed is Kaplan-Meier across cohorts, ``alive_t /
    alive_0`` for one); ``holdout_error`` the mean absolute percentage error (a fraction)
    over ``holdout_periods``."""
    src = fit.source
    est = fit.estimate
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "model": "sbg",
        "alpha": est.alpha,
        "beta": est.beta,
        "alpha_se": est.alpha_se,
        "beta_se": est.beta_se,
        "log_likelihood": est.log_likelihood,
        "periods_fitted": fit.periods_fitted,
        "observed": [_finite(x) for x in fit.observed],
        "fitted": [float(x) for x in fit.fitted],
        "holdout_error": fit.holdout_error,
        "holdout_periods": list(fit.holdout_periods),
        "periods": list(range(fit.periods + 1)),
        "at_risk": [int(x) for x in fit.at_risk],
        "lost": [int(x) for x in fit.lost],
        "observed_retention": [_finite(x) for x in fit.observed_retention],
        "fitted_retention": [float(x) for x in fit.fitted_retention],
        "first_renewal_churn": fit.first_renewal_churn,
        "constant_churn": fit.constant_rate,
        "constant_log_likelihood": fit.constant_log_likelihood,
        "file": src.file,
        "source": src.source,
        "customers": src.data.customers,
        "yaml": sbg_yaml(fit),
    }
    if src.source == "survival table":
        record["cohorts"] = [
            {
                "cohort": c.name or None,
                "start": int(c.alive[0]),
                "observed": [int(x) for x in c.alive],
                "fitted": [float(x) for x in fit.cohort_fitted(c)],
            }
            for c in src.cohorts
        ]
    else:
        record["as_of"] = src.as_of.isoformat()
        record["accounts_left_out"] = src.accounts_left_out
    return record


def retention_json(fit: Any) -> str:
    from csmodel.render.machine import dump_json

    return dump_json(retention_record(fit))


def _headline(fit: Any) -> str:
    src = fit.source
    what = f"{src.data.customers:,} customers"
    if src.source == "survival table":
        n = len(src.cohorts)
        what = f"{n} cohort{'s' if n != 1 else ''}, {what}"
    else:
        what = f"{what}, as of {src.as_of.isoformat()}"
    return f"sBG retention fit: {src.file} ({src.source}, {what})"


def retention_lines(fit: Any) -> list[str]:
    """The statements above the table (plain text)."""
    est = fit.estimate
    se_a = "" if est.alpha_se is None else f" (SE {_num(est.alpha_se, 3)})"
    se_b = "" if est.beta_se is None else f" (SE {_num(est.beta_se, 3)})"
    fitted = (
        f"fitted on renewals 1-{fit.periods_fitted} of {fit.periods}"
        if fit.holdout_periods
        else f"fitted on all {fit.periods} renewals"
    )
    out = [
        f"alpha = {_num(est.alpha)}{se_a}, beta = {_num(est.beta)}{se_b}, "
        f"log-likelihood {est.log_likelihood:,.1f}; {fitted}",
        f"Churn at the first renewal alpha/(alpha+beta) = {_pct(fit.first_renewal_churn)}, "
        "falling with tenure as the customers likelier to leave are lost: at renewal t, "
        "(alpha)/(alpha+beta+t-1).",
    ]
    gain = est.log_likelihood - fit.constant_log_likelihood
    line = (
        f"A constant churn of {_pct(fit.constant_rate)} a period (no tenure effect) has "
        f"log-likelihood {fit.constant_log_likelihood:,.1f}; the sBG's is {gain:,.1f} higher"
    )
    if gain < TENURE_EFFECT_MIN:
        line += (
            f" (less than {TENURE_EFFECT_MIN}: churn barely falls with tenure in these data, "
            "and a constant rate describes them about as well)"
        )
    out.append(line + ".")
    if est.alpha_se is None:
        out.append("Standard errors: not available (the information matrix is singular).")
    if fit.source.source == "account list" and fit.source.accounts_left_out:
        n = fit.source.accounts_left_out
        out.append(f"{n:,} account{'s' if n != 1 else ''} starting after the as-of date left out.")
    return out


TENURE_EFFECT_MIN = 1.92
"""Log-likelihood gain of the sBG over a constant rate below which the table says churn
barely falls with tenure (χ²₁(0.95) / 2, a likelihood-ratio test's threshold)."""


def holdout_line(fit: Any) -> str:
    if not fit.holdout_periods:
        return (
            "Holdout error: none (every period was fitted; --periods N fits the first N "
            "and measures the error on the rest)."
        )
    first, last = fit.holdout_periods[0], fit.holdout_periods[-1]
    span = f"period {first}" if first == last else f"periods {first}-{last}"
    return (
        f"Holdout error ({span}): {_pct(fit.holdout_error, 2)}, the mean absolute "
        "percentage error of fitted against observed survival."
    )


def retention_grid(fit: Any) -> Grid:
    cols = [
        Col("Period", key=True),
        Col("At risk"),
        Col("Lost"),
        Col("Survival obs."),
        Col("Survival fit"),
        Col("Retention obs."),
        Col("Retention fit"),
    ]
    caption = (
        "Survival: share of customers still customers after t renewals (observed: "
        "Kaplan-Meier across cohorts and accounts). Retention: share of those at risk who "
        "renewed at renewal t."
    )
    held = set(fit.holdout_periods)
    if held:
        caption += f" * held out: not used by the fit (--periods {fit.periods_fitted})."
    g = Grid("Observed and fitted, by period", cols, caption=caption)
    g.add("0", "", "", _pct(fit.observed[0]), _pct(fit.fitted[0]), "", "")
    for t in range(1, fit.periods + 1):
        g.add(
            f"{t}*" if t in held else str(t),
            f"{int(fit.at_risk[t - 1]):,}",
            f"{int(fit.lost[t - 1]):,}",
            _pct(fit.observed[t]),
            _pct(fit.fitted[t]),
            _pct(fit.observed_retention[t - 1]),
            _pct(fit.fitted_retention[t - 1]),
        )
    return g


def cohorts_grid(fit: Any) -> Grid:
    cols = [
        Col("Cohort", right=False, wrap=True, key=True),
        Col("Start"),
        Col("Periods"),
        Col("Alive at last"),
        Col("Fitted at last"),
    ]
    g = Grid("By cohort", cols)
    for c in fit.source.cohorts:
        expected = fit.cohort_fitted(c)
        g.add(
            safe.rich_text(c.name),
            f"{int(c.alive[0]):,}",
            str(len(c.alive) - 1),
            f"{int(c.alive[-1]):,}",
            f"{expected[-1]:,.1f}",
        )
    return g


def retention_table(fit: Any) -> Any:
    from rich.console import Group

    parts: list[Any] = [safe.rich_text(_headline(fit), "bold")]
    parts += [safe.rich_text(x) for x in retention_lines(fit)]
    parts.append(Fit(retention_grid(fit)))
    if len(fit.source.cohorts) > 1:
        parts.append(Fit(cohorts_grid(fit)))
    parts.append(safe.rich_text(holdout_line(fit)))
    parts.append(safe.rich_text(ASSUMPTIONS_RETENTION, "dim"))
    parts.append(safe.rich_text("Paste under a segment of your scenario:"))
    parts.append(safe.rich_text(sbg_yaml(fit), "bold"))
    return Group(*parts)


ASSUMPTIONS_RETENTION = (
    "Assumes each customer keeps one renewal probability for life, the probabilities "
    "spread as a beta distribution, and every cohort drawn from the same one (Fader & "
    "Hardie 2007). Do not trust the projection far past the periods observed with few "
    "cohorts or customers, fewer than 4 periods, or when a change (pricing, product, "
    "onboarding) splits old and new cohorts: fit them apart and compare."
)


# --- fit understaffing ----------------------------------------------------------------------


def understaffing_yaml(fit: Any) -> str:
    return f"understaffing: {{churn_sensitivity: {_num(fit.churn_sensitivity, 3)}}}"


def understaffing_record(fit: Any) -> dict[str, Any]:
    """The plain record of an understaffing fit (the JSON). ``interval`` is the 95%
    profile-likelihood interval ``[low, high]``, ``high`` null when open;
    ``churn_increase_at_80pct`` is ``s × 0.2`` (churn at 80% coverage relative to full)."""
    h = fit.history
    lo, hi = fit.interval
    return {
        "schema_version": SCHEMA_VERSION,
        "model": "understaffing",
        "churn_sensitivity": fit.churn_sensitivity,
        "interval": [lo, hi],
        "interval_level": 0.95,
        "lower_at_zero": fit.lower_at_zero,
        "upper_open": fit.upper_open,
        "search_max": fit.search_max,
        "baseline_churn": fit.baseline_churn,
        "baseline_fixed": fit.baseline_fixed,
        "log_likelihood": fit.log_likelihood,
        "churn_increase_at_80pct": fit.churn_increase(0.8),
        "churn_increase_at_80pct_interval": [
            fit.churn_increase(0.8, lo),
            None if hi is None else fit.churn_increase(0.8, hi),
        ],
        "file": h.file,
        "book_years": len(h.accounts),
        "under_covered": int((h.coverage < 1).sum()),
        "lowest_coverage": float(h.coverage.min()),
        "accounts": int(h.accounts.sum()),
        "churned": int(h.churned.sum()),
        "coverage_from": h.coverage_from,
        "bands": [
            {
                "coverage_low": b.low,
                "coverage_high": None if math.isinf(b.high) else b.high,
                "book_years": b.rows,
                "accounts": b.accounts,
                "churned": b.churned,
                "observed_churn": b.observed_rate,
                "fitted_churn": b.fitted_rate,
            }
            for b in fit.bands
        ],
        "yaml": understaffing_yaml(fit),
    }


def understaffing_json(fit: Any) -> str:
    from csmodel.render.machine import dump_json

    return dump_json(understaffing_record(fit))


def _interval_text(fit: Any) -> str:
    lo, hi = fit.interval
    low = "0 (no effect cannot be ruled out)" if fit.lower_at_zero else _num(lo, 3)
    high = f"open (still plausible at {_num(fit.search_max, 3)})" if hi is None else _num(hi, 3)
    return f"95% interval {low} to {high}"


def understaffing_lines(fit: Any) -> list[str]:
    h = fit.history
    s = fit.churn_sensitivity
    lo, hi = fit.interval
    base = (
        f"baseline churn {_pct(fit.baseline_churn)} a year (given with --churn)"
        if fit.baseline_fixed
        else f"baseline churn {_pct(fit.baseline_churn)} a year (fitted jointly)"
    )
    rise_hi = "an open-ended" if hi is None else f"{_pct(fit.churn_increase(0.8, hi), 0)}"
    meaning = (
        f"At 80% coverage churn is {_pct(fit.churn_increase(0.8))} higher than fully "
        f"staffed (interval {_pct(fit.churn_increase(0.8, lo), 0)} to {rise_hi} higher)"
        f": {_pct(fit.baseline_churn)} becomes "
        f"{_pct(min(1.0, fit.baseline_churn * (1 + fit.churn_increase(0.8))))}."
    )
    return [
        f"churn_sensitivity = {_num(s, 3)}, {_interval_text(fit)} (profile likelihood); "
        f"{base}; log-likelihood {fit.log_likelihood:,.1f}",
        meaning,
        f"From {len(h.accounts):,} book-years ({int((h.coverage < 1).sum()):,} under-covered, "
        f"lowest coverage {_pct(float(h.coverage.min()), 0)}), {int(h.accounts.sum()):,} "
        f"accounts, {int(h.churned.sum()):,} churned.",
    ]


def _band_label(b: Any) -> str:
    if math.isinf(b.high):
        return "100% or more (fully covered)"
    return f"{b.low * 100:.0f}%-{b.high * 100:.0f}%"


def understaffing_grid(fit: Any) -> Grid:
    cols = [
        Col("Coverage", right=False, key=True),
        Col("Book-years"),
        Col("Accounts"),
        Col("Churned"),
        Col("Observed churn"),
        Col("Fitted churn"),
    ]
    g = Grid("Observed and fitted churn, by coverage", cols)
    for b in fit.bands:
        g.add(
            _band_label(b),
            f"{b.rows:,}",
            f"{b.accounts:,}",
            f"{b.churned:,}",
            _pct(b.observed_rate),
            _pct(b.fitted_rate),
        )
    return g


ASSUMPTIONS_UNDERSTAFFING = (
    "Assumes churn rises in a straight line with the coverage shortfall, min(1, c x (1 + s x "
    "(1 - coverage))), the same baseline churn in every book and year, and accounts churning "
    "independently (books that differ in other ways make the interval too narrow). It "
    "reads an association: if hard books get fewer CSM hours, or low coverage follows "
    "churn, s is not the effect of staffing. Few under-covered book-years give a wide or "
    "open interval."
)


def understaffing_table(fit: Any) -> Any:
    from rich.console import Group

    h = fit.history
    parts: list[Any] = [
        safe.rich_text(f"Understaffing fit: {h.file}", "bold"),
        *(safe.rich_text(x) for x in understaffing_lines(fit)),
        Fit(understaffing_grid(fit)),
        safe.rich_text(ASSUMPTIONS_UNDERSTAFFING, "dim"),
        safe.rich_text("Paste into your scenario:"),
        safe.rich_text(understaffing_yaml(fit), "bold"),
    ]
    return Group(*parts)
