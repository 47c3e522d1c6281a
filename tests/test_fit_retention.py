"""``csmodel fit retention`` (issue 14, items 2 and 3): the sBG of Fader & Hardie (2007).

The paper's two cohorts (tests/data/README.md cites the source) fitted on years 1-7
must give its published estimates, to half a unit of their last published digit:
α, β ± 0.0005 and the high end log-likelihood -1611.2 ± 0.05. Its projection of
years 8-12 must stay within the paper's own year-12 error: 4% (high end), i.e.
every held-out year within 4.5% of the observed count, and the year-12 errors of
4% (high end) and 2% (regular) to the percent.

Every number the command prints is checked against a formula computed here
independently (the recursion of the paper's Appendix B for the likelihood,
``math.lgamma`` for the beta functions, finite differences for the information).
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from csmodel.fit import (
    CannotFit,
    Survival,
    fit_retention,
    fit_sbg,
    holdout_error,
    read_survival,
    renewal_lost_at,
    renewals_survived,
    sbg_hessian,
    sbg_log_likelihood,
    sbg_retention,
    sbg_survival,
)
from tests.conftest import ROOT, invoke_cli

DATA = Path(__file__).resolve().parent / "data"
REGULAR = DATA / "fader-hardie-2007-regular.csv"
HIGH_END = DATA / "fader-hardie-2007-high-end.csv"

REGULAR_ALIVE = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END_ALIVE = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]

PUBLISHED = {
    # cohort: (alpha, beta, log-likelihood or None, year-12 error in whole percent)
    "regular": (0.704, 1.182, None, 2),
    "high end": (0.668, 3.806, -1611.2, 4),
}
PARAM_TOL = 0.0005
"""Half a unit of the third decimal the paper prints α and β to."""
LL_TOL = 0.05
"""Half a unit of the one decimal the paper prints the log-likelihood to."""
PROJECTION_TOL = 0.045
"""The paper's largest stated projection error (4% at year 12, high end), to its rounding."""
REGULAR_LL = -1680.2652
"""The regular cohort's log-likelihood at the optimum, computed (the paper works the high end's)."""


def _source(cohort: str):
    return read_survival(str(REGULAR if cohort == "regular" else HIGH_END))


# --- independent formulas -----------------------------------------------------------------


def ln_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def survival_by_lgamma(alpha: float, beta: float, t: int) -> float:
    return math.exp(ln_beta(alpha, beta + t) - ln_beta(alpha, beta))


def ll_by_recursion(alpha: float, beta: float, alive: list[int]) -> float:
    """Fader & Hardie's Appendix B: P(T=1) = α/(α+β), P(T=t) = (β+t-2)/(α+β+t-1)·P(T=t-1),
    S(t) = S(t-1) - P(T=t); LL = Σ lost_t ln P(T=t) + alive_T ln S(T)."""
    p = alpha / (alpha + beta)
    s = 1.0 - p
    ll = (alive[0] - alive[1]) * math.log(p)
    for t in range(2, len(alive)):
        p = (beta + t - 2) / (alpha + beta + t - 1) * p
        s -= p
        ll += (alive[t - 1] - alive[t]) * math.log(p)
    return ll + alive[-1] * math.log(s)


def numeric_hessian(f, x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    out = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
            out[i, j] = (
                f(*(x + ei + ej)) - f(*(x + ei - ej)) - f(*(x - ei + ej)) + f(*(x - ei - ej))
            ) / (4 * h * h)
    return out


# --- the paper ------------------------------------------------------------------------------


@pytest.mark.parametrize("cohort", ["regular", "high end"])
def test_fitting_years_1_to_7_gives_the_published_estimates(cohort):
    alpha, beta, ll, _ = PUBLISHED[cohort]
    fit = fit_retention(_source(cohort), periods=7)
    assert fit.alpha == pytest.approx(alpha, abs=PARAM_TOL)
    assert fit.beta == pytest.approx(beta, abs=PARAM_TOL)
    expected_ll = REGULAR_LL if ll is None else ll
    assert fit.estimate.log_likelihood == pytest.approx(expected_ll, abs=LL_TOL)
    assert fit.periods_fitted == 7


@pytest.mark.parametrize("cohort", ["regular", "high end"])
def test_the_projection_of_years_8_to_12_is_as_accurate_as_the_papers(cohort):
    alive = REGULAR_ALIVE if cohort == "regular" else HIGH_END_ALIVE
    fit = fit_retention(_source(cohort), periods=7)
    assert fit.holdout_periods == (8, 9, 10, 11, 12)
    for t in range(8, 13):
        projected = 1000 * fit.fitted[t]
        assert abs(projected - alive[t]) / alive[t] <= PROJECTION_TOL, t
    year12 = abs(1000 * fit.fitted[12] - alive[12]) / alive[12]
    assert round(year12 * 100) == PUBLISHED[cohort][3]


@pytest.mark.parametrize("cohort", ["regular", "high end"])
def test_the_log_likelihood_is_the_papers_spreadsheet(cohort):
    alive = REGULAR_ALIVE if cohort == "regular" else HIGH_END_ALIVE
    data = _source(cohort).data.truncated(7)
    for a, b in [(0.704, 1.182), (0.668, 3.806), (1.0, 1.0), (0.01, 0.01), (5.0, 0.3)]:
        assert sbg_log_likelihood(a, b, data) == pytest.approx(
            ll_by_recursion(a, b, alive[:8]), rel=1e-12
        )
    # the paper's own check: from (1, 1) the high end LL is -2115.5
    if cohort == "high end":
        assert sbg_log_likelihood(1.0, 1.0, data) == pytest.approx(-2115.5, abs=0.05)


def test_survival_and_retention_are_the_beta_function_ratios():
    for a, b in [(0.704, 1.182), (0.668, 3.806), (2.5, 0.4)]:
        s = sbg_survival(a, b, 20)
        for t in range(21):
            assert s[t] == pytest.approx(survival_by_lgamma(a, b, t), rel=1e-12)
        r = sbg_retention(a, b, 20)
        for t in range(1, 21):
            assert r[t - 1] == pytest.approx(s[t] / s[t - 1], rel=1e-12)
            assert r[t - 1] == pytest.approx((b + t - 1) / (a + b + t - 1), rel=1e-15)


@pytest.mark.parametrize("cohort", ["regular", "high end"])
def test_standard_errors_come_from_the_observed_information(cohort):
    data = _source(cohort).data.truncated(7)
    est = fit_sbg(data)
    x = np.array([est.alpha, est.beta])
    h_num = numeric_hessian(lambda a, b: sbg_log_likelihood(a, b, data), x)
    h = sbg_hessian(est.alpha, est.beta, data)
    np.testing.assert_allclose(h, h_num, rtol=1e-4)
    cov = np.linalg.inv(-h_num)
    assert est.alpha_se == pytest.approx(math.sqrt(cov[0, 0]), rel=1e-4)
    assert est.beta_se == pytest.approx(math.sqrt(cov[1, 1]), rel=1e-4)
    # the optimum: the log-likelihood falls in every direction
    ll = est.log_likelihood
    for d in np.eye(2):
        assert sbg_log_likelihood(*(x + 1e-4 * d), data) < ll
        assert sbg_log_likelihood(*(x - 1e-4 * d), data) < ll


def test_holdout_error_is_the_mean_absolute_percentage_error_of_survival():
    fit = fit_retention(_source("regular"), periods=7)
    alive = np.array(REGULAR_ALIVE, dtype=float)
    errors = [
        abs(1000 * survival_by_lgamma(fit.alpha, fit.beta, t) - alive[t]) / alive[t]
        for t in range(8, 13)
    ]
    assert fit.holdout_error == pytest.approx(sum(errors) / 5, rel=1e-9)
    assert holdout_error(np.array([1.0, 0.5, 0.0]), np.array([1.0, 0.4, 0.1]), [1, 2]) == (
        pytest.approx(0.2)
    )  # a period observed at 0 is left out
    assert fit_retention(_source("regular")).holdout_error is None


# --- the command ---------------------------------------------------------------------------


def run_json(*args) -> dict:
    code, out, err = invoke_cli(["fit", "retention", *map(str, args), "--format", "json"])
    assert code == 0, err
    return json.loads(out)


REQUIRED_KEYS = {
    "schema_version", "model", "alpha", "beta", "alpha_se", "beta_se", "log_likelihood",
    "periods_fitted", "observed", "fitted", "holdout_error",
}  # fmt: skip


def test_json_has_the_issue_keys_and_their_values():
    rec = run_json(HIGH_END, "--periods", 7)
    assert set(rec) >= REQUIRED_KEYS
    assert rec["schema_version"] == 1 and rec["model"] == "sbg"
    est = fit_sbg(_source("high end").data.truncated(7))
    assert rec["alpha"] == pytest.approx(est.alpha, rel=1e-12)
    assert rec["beta"] == pytest.approx(est.beta, rel=1e-12)
    assert rec["alpha_se"] == pytest.approx(est.alpha_se, rel=1e-12)
    assert rec["beta_se"] == pytest.approx(est.beta_se, rel=1e-12)
    assert rec["log_likelihood"] == pytest.approx(-1611.2, abs=LL_TOL)
    assert rec["periods_fitted"] == 7
    assert rec["observed"] == [a / 1000 for a in HIGH_END_ALIVE]  # exactly
    assert rec["fitted"] == pytest.approx(
        [survival_by_lgamma(rec["alpha"], rec["beta"], t) for t in range(13)], rel=1e-12
    )
    errors = [abs(rec["fitted"][t] - rec["observed"][t]) / rec["observed"][t] for t in range(8, 13)]
    assert rec["holdout_error"] == pytest.approx(sum(errors) / 5, rel=1e-12)
    assert rec["holdout_periods"] == [8, 9, 10, 11, 12]
    assert rec["lost"] == [HIGH_END_ALIVE[t] - HIGH_END_ALIVE[t + 1] for t in range(12)]
    assert rec["at_risk"] == HIGH_END_ALIVE[:12]
    assert rec["observed_retention"] == pytest.approx(
        [HIGH_END_ALIVE[t + 1] / HIGH_END_ALIVE[t] for t in range(12)], rel=1e-12
    )
    a, b = rec["alpha"], rec["beta"]
    assert rec["fitted_retention"] == pytest.approx(
        [(b + t - 1) / (a + b + t - 1) for t in range(1, 13)], rel=1e-12
    )
    assert rec["first_renewal_churn"] == pytest.approx(a / (a + b), rel=1e-15)
    assert rec["customers"] == 1000
    assert rec["cohorts"] == [
        {
            "cohort": None,
            "start": 1000,
            "observed": HIGH_END_ALIVE,
            "fitted": pytest.approx([1000 * x for x in rec["fitted"]], rel=1e-12),
        }
    ]
    assert rec["yaml"] == f"churn: {{model: sbg, alpha: {a:.4g}, beta: {b:.4g}}}"


def test_json_without_periods_fits_everything_and_has_no_holdout():
    rec = run_json(REGULAR)
    assert rec["periods_fitted"] == 12
    assert rec["holdout_error"] is None
    assert rec["holdout_periods"] == []


def _row(out: str, period: int) -> list[str]:
    for line in out.splitlines():
        cells = line.split()
        if cells and cells[0].rstrip("*") == str(period) and len(cells) >= 5:
            return cells
    raise AssertionError(f"no row for period {period}")


def test_table_prints_the_estimates_the_rows_and_ends_with_the_yaml():
    code, out, err = invoke_cli(["fit", "retention", REGULAR, "--periods", "7"])
    assert code == 0, err
    rec = run_json(REGULAR, "--periods", 7)
    a, b = rec["alpha"], rec["beta"]
    assert f"alpha = {a:.4g} (SE {rec['alpha_se']:.3g})" in out
    assert f"beta = {b:.4g} (SE {rec['beta_se']:.3g})" in out
    assert f"log-likelihood {rec['log_likelihood']:,.1f}" in out
    assert "fitted on renewals 1-7 of 12" in out
    assert f"alpha/(alpha+beta) = {100 * a / (a + b):.1f}%" in out
    assert f"Holdout error (periods 8-12): {100 * rec['holdout_error']:.2f}%" in out
    for t in range(1, 13):
        cells = _row(out, t)
        assert cells[1] == f"{REGULAR_ALIVE[t - 1]:,}"
        assert cells[2] == f"{REGULAR_ALIVE[t - 1] - REGULAR_ALIVE[t]:,}"
        assert cells[3] == f"{100 * REGULAR_ALIVE[t] / 1000:.1f}%"
        assert cells[4] == f"{100 * survival_by_lgamma(a, b, t):.1f}%"
        assert cells[5] == f"{100 * REGULAR_ALIVE[t] / REGULAR_ALIVE[t - 1]:.1f}%"
        assert cells[6] == f"{100 * (b + t - 1) / (a + b + t - 1):.1f}%"
        assert cells[0] == (f"{t}*" if t > 7 else str(t))  # held out
        assert len(cells) == 7
    last = out.rstrip("\n").splitlines()[-1]
    assert last == f"churn: {{model: sbg, alpha: {a:.4g}, beta: {b:.4g}}}"
    assert last == "churn: {model: sbg, alpha: 0.7041, beta: 1.182}"


def test_the_yaml_snippet_parses_to_the_fit():
    import yaml

    rec = run_json(HIGH_END, "--periods", 7)
    churn = yaml.safe_load(rec["yaml"])["churn"]
    assert churn == {"model": "sbg", "alpha": 0.6681, "beta": 3.806}


def test_the_shipped_example_is_the_regular_cohort():
    example = ROOT / "scenarios" / "data" / "retention-regular.csv"
    assert example.read_text() == REGULAR.read_text()


# --- several cohorts ---------------------------------------------------------------------


def _write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_two_copies_of_a_cohort_give_the_same_fit_and_twice_the_log_likelihood(tmp_path):
    rows = ["cohort,period,alive"]
    for name in ("a", "b"):
        rows += [f"{name},{t},{x}" for t, x in enumerate(REGULAR_ALIVE[:8])]
    fit = fit_retention(read_survival(str(_write(tmp_path, "\n".join(rows) + "\n"))))
    one = fit_sbg(_source("regular").data.truncated(7))
    assert fit.alpha == pytest.approx(one.alpha, rel=1e-7)
    assert fit.beta == pytest.approx(one.beta, rel=1e-7)
    assert fit.estimate.log_likelihood == pytest.approx(2 * one.log_likelihood, rel=1e-10)
    assert fit.estimate.alpha_se == pytest.approx(one.alpha_se / math.sqrt(2), rel=1e-5)


def test_cohorts_of_different_lengths_are_fitted_jointly(tmp_path):
    cohorts = {"2021": [500, 320, 250, 210, 185], "2022": [800, 530, 410, 350], "2023": [300, 190]}
    text = "cohort,period,alive\n" + "".join(
        f"{c},{t},{x}\n" for c, xs in cohorts.items() for t, x in enumerate(xs)
    )
    src = read_survival(str(_write(tmp_path, text)))
    fit = fit_retention(src)

    def joint_ll(a: float, b: float) -> float:
        return sum(ll_by_recursion(a, b, xs) for xs in cohorts.values())

    assert fit.estimate.log_likelihood == pytest.approx(joint_ll(fit.alpha, fit.beta), rel=1e-12)
    for d in ([1e-4, 0], [0, 1e-4]):  # a maximum of the independent likelihood
        assert joint_ll(fit.alpha + d[0], fit.beta + d[1]) < fit.estimate.log_likelihood
        assert joint_ll(fit.alpha - d[0], fit.beta - d[1]) < fit.estimate.log_likelihood
    # observed survival is Kaplan-Meier: at renewal 2 the 2023 cohort (seen to renewal 1
    # only) is no longer at risk; renewal 4 is the 2021 cohort's alone
    assert list(fit.at_risk) == [1600, 320 + 530, 250 + 410, 210]
    assert list(fit.lost) == [180 + 270 + 110, 70 + 120, 40 + 60, 25]
    km = np.cumprod([1 - 560 / 1600, 1 - 190 / 850, 1 - 100 / 660, 1 - 25 / 210])
    np.testing.assert_allclose(fit.observed[1:], km, rtol=1e-12)
    rec = run_json(_write(tmp_path, text))
    assert [c["cohort"] for c in rec["cohorts"]] == ["2021", "2022", "2023"]
    assert rec["cohorts"][1]["fitted"] == pytest.approx(
        [800 * survival_by_lgamma(rec["alpha"], rec["beta"], t) for t in range(4)], rel=1e-12
    )
    code, out, _ = invoke_cli(["fit", "retention", _write(tmp_path, text)])
    assert code == 0
    assert "By cohort" in out
    line = next(x for x in out.splitlines() if x.startswith("2022"))
    assert line.split() == ["2022", "800", "3", "350", f"{rec['cohorts'][1]['fitted'][-1]:,.1f}"]


def test_cohort_names_are_escaped_in_the_table(tmp_path):
    text = (
        "cohort,period,alive\n"
        + "".join(f"[bold]x\x1b,{t},{x}\n" for t, x in enumerate(REGULAR_ALIVE[:6]))
        + "".join(f"b,{t},{x}\n" for t, x in enumerate(HIGH_END_ALIVE[:6]))
    )
    code, out, _ = invoke_cli(["fit", "retention", _write(tmp_path, text)])
    assert code == 0
    assert "[bold]x\\x1b" in out and "\x1b" not in out


# --- account lists -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "churn", "renewal"),
    [
        (date(2020, 1, 1), date(2020, 1, 1), 1),  # left on the day it started
        (date(2020, 1, 1), date(2020, 12, 31), 1),
        (date(2020, 1, 1), date(2021, 1, 1), 1),  # at the first renewal
        (date(2020, 1, 1), date(2021, 1, 2), 2),
        (date(2020, 3, 15), date(2023, 3, 15), 3),
        (date(2020, 3, 15), date(2023, 3, 16), 4),
        (date(2020, 2, 29), date(2021, 2, 28), 1),  # a leap-day start renews on the 28th
        (date(2020, 2, 29), date(2021, 3, 1), 2),
    ],
)
def test_the_renewal_an_account_was_lost_at(start, churn, renewal):
    assert renewal_lost_at(start, churn) == renewal


@pytest.mark.parametrize(
    ("start", "as_of", "renewals"),
    [
        (date(2020, 1, 1), date(2020, 12, 31), 0),
        (date(2020, 1, 1), date(2021, 1, 1), 1),
        (date(2020, 6, 1), date(2025, 5, 31), 4),
        (date(2020, 6, 1), date(2025, 6, 1), 5),
        (date(2020, 2, 29), date(2024, 2, 28), 3),
        (date(2020, 2, 29), date(2024, 2, 29), 4),
    ],
)
def test_the_renewals_an_account_survived(start, as_of, renewals):
    assert renewals_survived(start, as_of) == renewals


def test_an_account_list_becomes_lost_and_censored_counts(tmp_path):
    text = (
        "id,start_date,churn_date\n"
        "a,2020-01-01,2020-11-30\n"  # lost at renewal 1
        "b,2020-01-01,2022-01-01\n"  # lost at renewal 2
        "c,2020-01-01,\n"  # alive 2024-06-30: survived 4 renewals
        "d,2023-09-01,\n"  # survived 0
        "e,2021-05-01,2024-06-30\n"  # lost at renewal 4 (after 2024-05-01)
        "f,2024-07-01,\n"  # starts after --as-of: left out
    )
    src = read_survival(str(_write(tmp_path, text)), as_of=date(2024, 6, 30))
    assert src.source == "account list"
    assert list(src.data.lost) == [1, 1, 0, 1]
    assert list(src.data.censored) == [1, 0, 0, 0, 1]
    assert src.accounts_left_out == 1
    default = read_survival(str(_write(tmp_path, text)))
    assert default.as_of == date(2024, 7, 1)  # the latest date in the file


def test_an_account_list_drawn_from_an_sbg_recovers_it(tmp_path):
    rng = np.random.default_rng(7)
    alpha, beta = 0.9, 2.5
    rows = ["start_date,end_date"]
    as_of = date(2025, 12, 31)
    for _ in range(4000):
        start = date(
            int(rng.integers(2016, 2025)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
        )
        theta = rng.beta(alpha, beta)
        t = int(rng.geometric(theta))  # lost at renewal t
        end = start.replace(year=start.year + t) if t <= 10 else None
        rows.append(f"{start},{end if end is not None and end <= as_of else ''}")
    path = _write(tmp_path, "\n".join(rows) + "\n")
    fit = fit_retention(read_survival(str(path), as_of=as_of))
    # within three standard errors of the truth
    assert abs(fit.alpha - alpha) < 3 * fit.estimate.alpha_se
    assert abs(fit.beta - beta) < 3 * fit.estimate.beta_se
    rec = run_json(path, "--as-of", "2025-12-31")
    assert rec["source"] == "account list" and rec["as_of"] == "2025-12-31"
    assert rec["customers"] == 4000


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alive", "message"),
    [
        ([1000, 500, 250, 125, 62, 31, 15], "churn does not fall with tenure"),
        ([1000, 1000, 1000, 1000], "no customer was lost"),
        ([1000, 0, 0], "every customer was lost at the first renewal"),
        ([1000, 600], "needs at least 2"),
    ],
)
def test_data_the_sbg_cannot_fit_are_refused_with_exit_1(tmp_path, alive, message):
    text = "period,alive\n" + "".join(f"{t},{x}\n" for t, x in enumerate(alive))
    with pytest.raises(CannotFit, match=message):
        fit_retention(read_survival(str(_write(tmp_path, text))))
    code, out, err = invoke_cli(["fit", "retention", _write(tmp_path, text)])
    assert code == 1
    assert out == ""
    assert err.startswith("csmodel: cannot fit: ") and message in err


def test_a_constant_churn_refusal_gives_the_rate_to_use(tmp_path):
    alive = [1000, 500, 250, 125, 62, 31, 15]
    text = "period,alive\n" + "".join(f"{t},{x}\n" for t, x in enumerate(alive))
    code, _, err = invoke_cli(["fit", "retention", _write(tmp_path, text)])
    assert code == 1
    rate = (1000 - 15) / sum(alive[:-1])
    assert f"a constant churn of {rate:.2%} a period" in err
    assert "churn: {rate: 50.1%, every: year}" in err


def _constant_ll(alive: list[int]) -> tuple[float, float]:
    lost = alive[0] - alive[-1]
    risk = sum(alive[:-1])
    rate = lost / risk
    return rate, lost * math.log(rate) + (risk - lost) * math.log(1 - rate)


def test_the_sbg_is_compared_with_a_constant_rate(tmp_path):
    rec = run_json(REGULAR, "--periods", 7)
    rate, ll = _constant_ll(REGULAR_ALIVE[:8])
    assert rec["constant_churn"] == pytest.approx(rate, rel=1e-12)
    assert rec["constant_log_likelihood"] == pytest.approx(ll, rel=1e-12)
    code, out, _ = invoke_cli(["fit", "retention", REGULAR, "--periods", "7"])
    gain = rec["log_likelihood"] - ll
    assert (
        f"A constant churn of {100 * rate:.1f}% a period (no tenure effect) has "
        f"log-likelihood {ll:,.1f}; the sBG's is {gain:,.1f} higher." in out.replace("\n", " ")
    )
    # nearly constant churn (rounded counts of 20% a year): fitted, with a warning
    alive = [1000, 800, 640, 512, 410, 328]
    path = _write(tmp_path, "period,alive\n" + "".join(f"{t},{x}\n" for t, x in enumerate(alive)))
    code, out, _ = invoke_cli(["fit", "retention", path])
    assert code == 0
    assert "churn barely falls with tenure in these data" in out.replace("\n", " ")


@pytest.mark.parametrize("periods", ["0", "1", "13"])
def test_periods_outside_the_data_are_a_usage_error(periods):
    """One rule: an sBG fit takes 2 periods or more (MIN_PERIODS), and --periods may be from
    that to the periods observed; 1 is refused as bad usage, not accepted then refused as
    unfittable."""
    code, out, err = invoke_cli(["fit", "retention", REGULAR, "--periods", periods])
    assert code == 2 and out == ""
    assert err == (
        f"csmodel: error: --periods {periods}: the data hold 12 periods of renewals and a fit "
        "needs at least 2; give 2 to 12 (or leave --periods out to fit them all)\n"
    )


def test_the_fewest_periods_stated_are_the_fewest_fitted(tmp_path):
    from csmodel.fit import MIN_PERIODS

    assert MIN_PERIODS == 2
    two = _write(tmp_path, "period,alive\n0,100\n1,80\n2,70\n")
    rec = run_json(two, "--periods", MIN_PERIODS)
    assert rec["periods_fitted"] == MIN_PERIODS
    code, _, err = invoke_cli(["fit", "retention", two, "--periods", "1"])
    assert code == 2 and "give 2 (or leave --periods out" in err
    # data too short for any fit: the reason, whatever --periods says
    one = _write(tmp_path, "period,alive\n0,100\n1,80\n")
    for extra in ([], ["--periods", "1"], ["--periods", "5"]):
        code, out, err = invoke_cli(["fit", "retention", one, *extra])
        assert (code, out) == (1, ""), extra
        assert err == (
            "csmodel: cannot fit: the data hold 1 renewal period: fitting the sBG's two "
            "parameters needs at least 2\n"
        )
    help_text = invoke_cli(["fit", "retention", "--help"])[1]
    assert "N from 2" in " ".join(help_text.split())


def test_periods_equal_to_the_data_leave_no_holdout():
    rec = run_json(REGULAR, "--periods", 12)
    assert rec["periods_fitted"] == 12 and rec["holdout_error"] is None


def test_a_bad_as_of_is_a_usage_error(tmp_path):
    code, _, err = invoke_cli(["fit", "retention", REGULAR, "--as-of", "June"])
    assert code == 2 and "--as-of expects a date as YYYY-MM-DD" in err


def test_truncation_censors_what_comes_later():
    data = Survival(np.array([5, 3, 2, 1]), np.array([0, 1, 0, 2, 4]))
    cut = data.truncated(2)
    assert list(cut.lost) == [5, 3]
    assert list(cut.censored) == [0, 1, 2 + 1 + 2 + 4]
    assert cut.customers == data.customers
