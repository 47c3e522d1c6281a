"""``csmodel fit understaffing`` (issue 14, item 4): the churn sensitivity of DOMAIN.md 5.3.

The shipped history is drawn from the model with a known sensitivity (1.5) and
baseline churn (8%) by ``tests/data/make_understaffing_history.py``; the fit must
recover the sensitivity within its 95% interval. The estimate, the baseline and
the interval are checked against an independent maximisation of the same binomial
likelihood (scipy's Nelder-Mead over both parameters; the profile by a bounded
search over the baseline), and the interval's coverage is checked by simulation.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

from csmodel.fit import (
    CHI2_1_95,
    CannotFit,
    StaffingHistory,
    fit_understaffing,
    read_history,
    understaffed_churn,
    understaffing_log_likelihood,
)
from tests.conftest import ROOT, invoke_cli

DATA = Path(__file__).resolve().parent / "data"
HISTORY = DATA / "understaffing-history.csv"


def _generator():
    spec = importlib.util.spec_from_file_location(
        "make_understaffing_history", DATA / "make_understaffing_history.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


def independent_ll(history: StaffingHistory, c: float, s: float) -> float:
    """Σ y ln p + (n - y) ln(1 - p), p = min(1, c (1 + s (1 - κ))), row by row."""
    total = 0.0
    for n, y, k in zip(history.accounts, history.churned, history.coverage, strict=True):
        p = min(1.0, c * (1 + s * (1 - min(1.0, k))))
        if y:
            total += y * math.log(p)
        if n - y:
            if p >= 1:
                return -math.inf
            total += (n - y) * math.log(1 - p)
    return total


def independent_profile(history: StaffingHistory, s: float) -> float:
    from scipy.optimize import minimize_scalar

    short = 1 - history.coverage[history.accounts > history.churned].min()
    hi = 1 / (1 + s * short) - 1e-12
    res = minimize_scalar(
        lambda c: -independent_ll(history, c, s),
        bounds=(1e-9, hi),
        method="bounded",
        options={"xatol": 1e-12},
    )
    return -res.fun


# --- the shipped history -----------------------------------------------------------------


def test_the_shipped_histories_are_what_the_generator_writes():
    text = GEN.generate()
    assert HISTORY.read_text(encoding="utf-8") == text
    assert (ROOT / "scenarios" / "data" / "understaffing-history.csv").read_text() == text


def test_the_fit_recovers_the_known_sensitivity_within_its_interval():
    fit = fit_understaffing(read_history(str(HISTORY)))
    lo, hi = fit.interval
    assert hi is not None and lo > 0
    assert lo <= GEN.TRUE_SENSITIVITY <= hi
    assert not fit.lower_at_zero and not fit.upper_open
    assert fit.baseline_churn == pytest.approx(GEN.TRUE_BASELINE, abs=0.01)


def test_the_estimate_is_the_joint_maximum_likelihood():
    from scipy.optimize import minimize

    history = read_history(str(HISTORY))
    fit = fit_understaffing(history)
    res = minimize(
        lambda x: -independent_ll(history, x[0], x[1]),
        [0.1, 1.0],
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-11, "maxiter": 5000},
    )
    assert fit.churn_sensitivity == pytest.approx(res.x[1], abs=1e-4)
    assert fit.baseline_churn == pytest.approx(res.x[0], abs=1e-6)
    assert fit.log_likelihood == pytest.approx(-res.fun, abs=1e-7)
    assert understaffing_log_likelihood(history, 0.09, 1.2) == pytest.approx(
        independent_ll(history, 0.09, 1.2), rel=1e-12
    )


def test_the_interval_ends_are_where_the_profile_drops_by_1_92():
    history = read_history(str(HISTORY))
    fit = fit_understaffing(history)
    lo, hi = fit.interval
    top = independent_profile(history, fit.churn_sensitivity)
    assert top == pytest.approx(fit.log_likelihood, abs=1e-7)
    for end in (lo, hi):
        assert independent_profile(history, end) == pytest.approx(top - CHI2_1_95 / 2, abs=1e-6)
    assert pytest.approx(3.841458820694124, rel=1e-12) == CHI2_1_95  # χ²₁ 95% quantile


def test_with_a_given_baseline_the_sensitivity_maximises_the_likelihood_alone():
    history = read_history(str(HISTORY))
    fit = fit_understaffing(history, baseline=0.08)
    assert fit.baseline_fixed and fit.baseline_churn == 0.08
    s = fit.churn_sensitivity
    ll = independent_ll(history, 0.08, s)
    assert fit.log_likelihood == pytest.approx(ll, abs=1e-9)
    assert independent_ll(history, 0.08, s + 1e-4) < ll
    assert independent_ll(history, 0.08, s - 1e-4) < ll
    for end in fit.interval:
        assert independent_ll(history, 0.08, end) == pytest.approx(ll - 1.920729, abs=1e-5)
    assert fit.interval[0] <= GEN.TRUE_SENSITIVITY <= fit.interval[1]


def test_the_interval_covers_the_truth_about_95_percent_of_the_time():
    """100 histories drawn with the known sensitivity: the 95% profile interval should hold
    it in about 95; fewer than 88 (a 3.2-sigma shortfall) means the interval is wrong."""
    import io

    from csmodel import fit as fitmod

    held = 0
    runs = 100
    for seed in range(1000, 1000 + runs):
        text = GEN.generate(seed=seed)
        rows = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1, usecols=(2, 3, 4, 5))
        history = fitmod.StaffingHistory(
            file="sim",
            accounts=rows[:, 0].astype(np.int64),
            churned=rows[:, 1].astype(np.int64),
            coverage=np.minimum(1.0, rows[:, 3] / rows[:, 2]),
            labels=(),
            coverage_from="hours",
        )
        lo, hi = fit_understaffing(history).interval
        held += lo <= GEN.TRUE_SENSITIVITY <= (hi if hi is not None else math.inf)
    assert 88 <= held <= runs, held


def _history(rows: list[tuple[int, int, float]]) -> StaffingHistory:
    return StaffingHistory(
        file="h.csv",
        accounts=np.array([r[0] for r in rows]),
        churned=np.array([r[1] for r in rows]),
        coverage=np.minimum(1.0, np.array([r[2] for r in rows], dtype=float)),
        labels=tuple(str(i) for i in range(len(rows))),
        coverage_from="coverage",
    )


def test_an_interval_reaching_zero_says_no_effect_cannot_be_ruled_out():
    # churn is the same at full and at 80% coverage: s near 0
    fit = fit_understaffing(_history([(100, 10, 1.0), (100, 11, 0.8), (100, 9, 0.9)]))
    assert fit.lower_at_zero and fit.interval[0] == 0.0
    assert fit.interval[1] is not None
    code, out, _ = invoke_cli(["fit", "understaffing", _csv(fit.history)])
    assert code == 0
    assert "95% interval 0 (no effect cannot be ruled out) to" in out


def test_an_interval_without_an_upper_end_is_open():
    # one small under-covered book with much churn: large s (70), no upper bound within 100
    # (with 3 of its 5 churned at 95% coverage the estimate itself, 220, would lie past 100:
    # refused, test_a_history_that_bounds_no_sensitivity_is_refused_not_reported_at_the_limit)
    fit = fit_understaffing(_history([(200, 10, 1.0), (5, 2, 0.9)]))
    assert fit.churn_sensitivity == pytest.approx(70, rel=1e-6)
    assert fit.upper_open and fit.interval[1] is None
    assert fit.search_max == 100.0
    rec = json.loads(invoke_cli(["fit", "understaffing", _csv(fit.history), "-f", "json"])[1])
    assert rec["interval"][1] is None and rec["upper_open"] is True
    out = invoke_cli(["fit", "understaffing", _csv(fit.history)])[1]
    assert "to open (still plausible at 100)" in out


def _csv(history: StaffingHistory) -> Path:
    import tempfile

    d = Path(tempfile.mkdtemp())
    p = d / "history.csv"
    rows = zip(history.accounts, history.churned, history.coverage, strict=True)
    p.write_text(
        "accounts,churned,coverage\n" + "".join(f"{n},{y},{k}\n" for n, y, k in rows),
        encoding="utf-8",
    )
    return p


# --- refusals ------------------------------------------------------------------------------


def test_a_history_without_under_covered_books_is_refused_with_exit_1(tmp_path):
    p = tmp_path / "full.csv"
    p.write_text("book,year,accounts,churned,coverage\na,2024,50,5,100%\nb,2024,40,4,1.2\n")
    with pytest.raises(CannotFit, match="no book-year"):
        fit_understaffing(read_history(str(p)))
    code, out, err = invoke_cli(["fit", "understaffing", p])
    assert code == 1 and out == ""
    assert err.startswith("csmodel: cannot fit: no book-year in ")
    assert "has coverage below 100%" in err


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("50,0,0.8\n40,0,1\n", "no account churned"),
        ("50,50,0.8\n40,40,1\n", "every account churned"),
    ],
)
def test_histories_without_contrast_are_refused(tmp_path, rows, message):
    p = tmp_path / "h.csv"
    p.write_text("accounts,churned,coverage\n" + rows)
    code, _, err = invoke_cli(["fit", "understaffing", p])
    assert code == 1 and message in err


def test_a_history_that_bounds_no_sensitivity_is_refused_not_reported_at_the_limit(tmp_path):
    """The reviewer's three book-years: a book lost every account at 60% coverage, the fully
    covered one none. The likelihood rises without end (s up, the baseline down); the search's
    limit (100) is no estimate: refused with exit 1, no paste line."""
    p = tmp_path / "extreme.csv"
    p.write_text(
        "book,year,accounts,churned,coverage\na,2022,10,1,0.5\nb,2022,10,10,0.6\nc,2022,10,0,1\n"
    )
    with pytest.raises(CannotFit, match="keeps rising up to the largest churn sensitivity"):
        fit_understaffing(read_history(str(p)))
    for fmt in ("table", "json"):
        code, out, err = invoke_cli(["fit", "understaffing", p, "-f", fmt])
        assert (code, out) == (1, ""), out
        assert err == (
            "csmodel: cannot fit: the likelihood keeps rising up to the largest churn "
            f"sensitivity searched (100): the 3 book-years of {p} put no upper limit on it (as "
            "when books that lost every account at low coverage stand against fully covered "
            "books that lost none). Add book-years, or give the baseline churn with --churn\n"
        )
    with pytest.raises(CannotFit, match=r"searched \(100\)"):
        fit_understaffing(_history([(200, 10, 1.0), (5, 3, 0.95)]))
    # with the baseline given, the same rows bound it: a fit, inside the search
    fit = fit_understaffing(read_history(str(p)), baseline=0.05)
    assert 0 < fit.churn_sensitivity < fit.search_max * 0.99


def test_a_flat_likelihood_is_refused(tmp_path):
    """Every book-year at one coverage: with the baseline fitted, c × (1 + s × 0.2) is all
    the data see, and every s fits as well as any other."""
    p = tmp_path / "flat.csv"
    p.write_text("accounts,churned,coverage\n100,10,0.8\n100,12,0.8\n100,9,80%\n")
    code, out, err = invoke_cli(["fit", "understaffing", p])
    assert (code, out) == (1, "")
    assert err == (
        "csmodel: cannot fit: the likelihood is the same at every churn sensitivity from 0 to "
        f"100: every book-year of {p} has the same coverage (80%), so the baseline churn "
        "explains it at any sensitivity. Add book-years at other coverages (fully covered ones "
        "above all), or give the baseline churn with --churn\n"
    )
    assert invoke_cli(["fit", "understaffing", p, "--churn", "8%"])[0] == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "more than 0% and below 100%"),
        ("100%", "more than 0% and below 100%"),
        ("lots", 'expected a rate such as 0.04 or "4%"'),
    ],
)
def test_a_bad_churn_option_is_a_usage_error(value, message):
    code, _, err = invoke_cli(["fit", "understaffing", HISTORY, "--churn", value])
    assert code == 2 and message in err


# --- outputs -------------------------------------------------------------------------------


def test_json_gives_the_estimate_interval_and_bands():
    code, out, err = invoke_cli(["fit", "understaffing", HISTORY, "--format", "json"])
    assert code == 0, err
    rec = json.loads(out)
    history = read_history(str(HISTORY))
    fit = fit_understaffing(history)
    assert rec["schema_version"] == 1 and rec["model"] == "understaffing"
    assert rec["churn_sensitivity"] == pytest.approx(fit.churn_sensitivity, rel=1e-12)
    assert rec["interval"] == pytest.approx(list(fit.interval), rel=1e-12)
    assert rec["interval_level"] == 0.95
    assert rec["baseline_churn"] == pytest.approx(fit.baseline_churn, rel=1e-12)
    assert rec["baseline_fixed"] is False
    assert rec["log_likelihood"] == pytest.approx(
        independent_ll(history, rec["baseline_churn"], rec["churn_sensitivity"]), abs=1e-8
    )
    assert rec["churn_increase_at_80pct"] == pytest.approx(0.2 * rec["churn_sensitivity"])
    assert rec["churn_increase_at_80pct_interval"] == pytest.approx(
        [0.2 * x for x in rec["interval"]]
    )
    assert rec["book_years"] == 160
    assert rec["accounts"] == int(history.accounts.sum())
    assert rec["churned"] == int(history.churned.sum())
    assert rec["under_covered"] == int((history.coverage < 1).sum())
    assert rec["lowest_coverage"] == pytest.approx(float(history.coverage.min()))
    assert rec["coverage_from"] == "hours"
    c, s = rec["baseline_churn"], rec["churn_sensitivity"]
    assert sum(b["book_years"] for b in rec["bands"]) == 160
    for b in rec["bands"]:
        hi = math.inf if b["coverage_high"] is None else b["coverage_high"]
        rows = (history.coverage >= b["coverage_low"]) & (history.coverage < hi)
        if hi == math.inf:
            rows = history.coverage >= b["coverage_low"]
        n = history.accounts[rows]
        assert b["accounts"] == int(n.sum())
        assert b["observed_churn"] == pytest.approx(history.churned[rows].sum() / n.sum())
        p = [min(1, c * (1 + s * (1 - k))) for k in history.coverage[rows]]
        assert b["fitted_churn"] == pytest.approx(float(np.dot(n, p) / n.sum()), rel=1e-12)
    assert rec["yaml"] == f"understaffing: {{churn_sensitivity: {s:.3g}}}"


def test_table_says_what_the_estimate_means_and_ends_with_the_yaml():
    code, out, err = invoke_cli(["fit", "understaffing", HISTORY])
    assert code == 0, err
    rec = json.loads(invoke_cli(["fit", "understaffing", HISTORY, "-f", "json"])[1])
    s, (lo, hi), c = rec["churn_sensitivity"], rec["interval"], rec["baseline_churn"]
    flat = out.replace("\n", " ")
    assert f"churn_sensitivity = {s:.3g}, 95% interval {lo:.3g} to {hi:.3g}" in flat
    assert f"baseline churn {100 * c:.1f}% a year (fitted jointly)" in flat
    assert f"log-likelihood {rec['log_likelihood']:,.1f}" in flat
    assert (
        f"At 80% coverage churn is {20 * s:.1f}% higher than fully staffed "
        f"(interval {20 * lo:.0f}% to {20 * hi:.0f}% higher): {100 * c:.1f}% becomes "
        f"{100 * c * (1 + 0.2 * s):.1f}%." in flat
    )
    assert (
        f"From 160 book-years ({rec['under_covered']} under-covered, lowest coverage "
        f"{100 * rec['lowest_coverage']:.0f}%), {rec['accounts']:,} accounts, "
        f"{rec['churned']:,} churned." in flat
    )
    for b in rec["bands"]:
        label = (
            "100% or more"
            if b["coverage_high"] is None
            else f"{100 * b['coverage_low']:.0f}%-{100 * b['coverage_high']:.0f}%"
        )
        line = next(x for x in out.splitlines() if x.startswith(label))
        cells = line[len(label) :].split()
        if b["coverage_high"] is None:
            cells = cells[2:]  # "(fully covered)"
        assert cells == [
            f"{b['book_years']:,}",
            f"{b['accounts']:,}",
            f"{b['churned']:,}",
            f"{100 * b['observed_churn']:.1f}%",
            f"{100 * b['fitted_churn']:.1f}%",
        ]
    assert "Assumes churn rises in a straight line" in flat
    assert out.rstrip("\n").splitlines()[-1] == f"understaffing: {{churn_sensitivity: {s:.3g}}}"


def test_the_given_baseline_is_said_to_be_given():
    code, out, _ = invoke_cli(["fit", "understaffing", HISTORY, "--churn", "8%"])
    assert code == 0
    assert "baseline churn 8.0% a year (given with --churn)" in out


def test_coverage_and_hours_give_the_same_fit(tmp_path):
    history = read_history(str(HISTORY))
    p = tmp_path / "cov.csv"
    rows = zip(history.accounts, history.churned, history.coverage, strict=True)
    p.write_text(
        "accounts,churned,coverage\n"
        + "".join(f"{n},{y},{100 * float(k)!r}%\n" for n, y, k in rows)
    )
    a = fit_understaffing(history)
    b = fit_understaffing(read_history(str(p)))
    assert b.churn_sensitivity == pytest.approx(a.churn_sensitivity, rel=1e-9)
    assert b.interval == pytest.approx(a.interval, rel=1e-9)


def test_the_formula_is_the_engines():
    assert understaffed_churn(0.1, 1.5, 0.8) == pytest.approx(0.1 * 1.3)
    assert understaffed_churn(0.5, 10.0, 0.5) == 1.0  # capped at 100%
    assert understaffed_churn(0.1, 2.0, 1.0) == pytest.approx(0.1)
