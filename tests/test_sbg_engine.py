"""Tenure-based churn in the engine: ``churn: {model: sbg, alpha, beta}`` (DOMAIN 10, issue 14).

A cohort loses ``α / (α + β + t - 1)`` of its accounts at its t-th yearly renewal, so
a cohort alone survives ``S(t) = B(α, β + t) / B(α, β)`` after t renewals: computed
here independently with ``scipy.special.betaln``. New logos renew for the first time
a year after signing (t = 1); the starting book at ``tenure_years + 1``, or, with an
account book, from each account's ``start_date``. The published Fader & Hardie (2007)
estimates reproduce ``csmodel.fit``'s survival curve exactly.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from conftest import ROOT, SCENARIOS, invoke_cli, scenario_from
from scipy.special import betaln

from csmodel.engine import project, project_batch
from csmodel.fit import fit_retention, read_survival, sbg_survival
from csmodel.loader import parse_scenario

REGULAR = (0.704, 1.182)  # Fader & Hardie (2007), "regular" and "high end" customers
HIGH_END = (0.668, 3.806)
DATA = ROOT / "tests" / "data"
EXAMPLE = SCENARIOS / "sbg-retention.yaml"


def survival(alpha: float, beta: float, t) -> np.ndarray:
    """S(t) = B(α, β + t) / B(α, β), independently of csmodel."""
    t = np.asarray(t, dtype=float)
    return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))


def one_cohort(alpha, beta, *, years=12, extra="", segment="", accounts=1000) -> str:
    """A scenario of one segment with sBG churn; ``extra`` top-level lines, ``segment``
    lines of the segment (each unindented)."""
    lines = ["name: sbg", f"horizon_months: {12 * years}", *extra.splitlines(), "segments:"]
    lines += ["  book:", f"    accounts: {accounts}", "    acv: 12000"]
    lines += [f"    churn: {{model: sbg, alpha: {alpha}, beta: {beta}}}"]
    lines += ["    " + line for line in segment.splitlines()]
    return "\n".join(lines) + "\n"


# --- a single cohort ---------------------------------------------------------------------


@pytest.mark.parametrize("alpha,beta", [REGULAR, HIGH_END, (2.5, 0.4), (30.0, 270.0)])
def test_a_cohort_survives_as_the_beta_function_says(alpha, beta):
    pr = project(scenario_from(one_cohort(alpha, beta)))
    # timing end, aligned: renewal t lands at the end of month 12 t (engine month 12 t)
    months = np.arange(12 * 12)
    expected = 1000 * survival(alpha, beta, months // 12)
    np.testing.assert_allclose(pr.accounts[:-1, 0], expected, rtol=1e-12)
    # churn removes MRR with the accounts: nothing else moves
    np.testing.assert_allclose(pr.mrr[:-1, 0], expected * 1000.0, rtol=1e-12)


@pytest.mark.parametrize(
    "file,published", [("regular", REGULAR), ("high-end", HIGH_END)], ids=["regular", "high-end"]
)
def test_fader_hardie_cohorts_follow_csmodel_fit_survival(file, published):
    """1,000 customers, the published α and β, tenure 0, aligned renewals, 12 years:
    the engine's survivors each year are 1,000 × csmodel.fit's S(t); and so with the α, β
    csmodel.fit estimates on the first seven years of the paper's data."""
    fit = fit_retention(read_survival(str(DATA / f"fader-hardie-2007-{file}.csv")), periods=7)
    assert fit.periods == 12
    for alpha, beta in (published, (fit.alpha, fit.beta)):
        pr = project(scenario_from(one_cohort(alpha, beta, extra="renewals: aligned")))
        after = pr.accounts[12 * np.arange(1, 13), 0]  # renewal t at the end of month 12 t
        curve = np.concatenate([[pr.starting_accounts[0]], after])
        np.testing.assert_allclose(curve, 1000 * sbg_survival(alpha, beta, 12), rtol=1e-9)
    np.testing.assert_allclose(curve, 1000 * fit.fitted, rtol=1e-9)  # csmodel.fit's own


def test_timing_start_takes_the_first_renewal_in_month_one():
    a, b = REGULAR
    pr = project(scenario_from(one_cohort(a, b, years=3, extra="timing: start")))
    months = np.arange(36)
    np.testing.assert_allclose(pr.accounts[:-1, 0], 1000 * survival(a, b, months // 12 + 1))


def test_spread_renewals_each_twelfth_renews_from_t_1():
    a, b = REGULAR
    pr = project(scenario_from(one_cohort(a, b, years=3, extra="renewals: spread")))
    # cohort i (anchor -i) renews in months 12 - i, 24 - i, ... (timing end): after month m
    # it has renewed (m + i) // 12 times
    expected = [
        sum(1000 / 12 * survival(a, b, (m + i) // 12) for i in range(12)) for m in range(36)
    ]
    np.testing.assert_allclose(pr.accounts[:-1, 0], expected, rtol=1e-12)
    assert pr.accounts[12, 0] == pytest.approx(1000 * survival(a, b, 1))  # all renewed once


# --- tenure bookkeeping ------------------------------------------------------------------


@pytest.mark.parametrize("timing", ["end", "start"])
def test_a_logo_signed_in_month_k_first_renews_twelve_months_later(timing):
    a, b = 0.9, 2.1
    text = one_cohort(
        a, b, years=4, accounts=0, extra=f"timing: {timing}", segment="new_logos: {per_month: 3}\n"
    )
    pr = project(scenario_from(text))
    m = np.arange(48)
    # logos of month j join at its end; by month m they have renewed (m - j) // 12 times
    expected = [3 * survival(a, b, (mm - np.arange(mm + 1)) // 12).sum() for mm in m]
    np.testing.assert_allclose(pr.accounts[:-1, 0], expected, rtol=1e-12)
    # month 12: only month 0's logos renew, for the first time (t = 1)
    assert pr.churn[12, 0] == pytest.approx(3 * 1000.0 * a / (a + b))
    assert pr.churn[:12, 0].sum() == 0


@pytest.mark.parametrize("tenure", [0, 1, 3, 10])
def test_the_starting_book_renews_at_tenure_plus_one(tenure):
    a, b = REGULAR
    text = one_cohort(a, b, years=2, segment=f"tenure_years: {tenure}\n")
    pr = project(scenario_from(text))
    first = a / (a + b + tenure)  # α / (α + β + t − 1) at t = tenure + 1
    assert pr.accounts[12, 0] == pytest.approx(1000 * (1 - first), rel=1e-12)
    second = a / (a + b + tenure + 1)
    assert pr.accounts[24, 0] == pytest.approx(1000 * (1 - first) * (1 - second), rel=1e-12)
    assert pr.metrics["logo_retention"] == pytest.approx(1 - first, rel=1e-12)


def test_tenure_years_does_not_move_a_flat_churn():
    flat = "name: t\nsegments:\n  s: {accounts: 10, acv: 1200, churn: {rate: 10%}EXTRA}\n"
    one = project(parse_scenario(flat.replace("EXTRA", "")))
    other = project(parse_scenario(flat.replace("EXTRA", ", tenure_years: 7")))
    np.testing.assert_array_equal(one.mrr, other.mrr)


BOOK = """\
id,segment,arr,renewal,start,owner
a1,smb,12000,2027-03-15,2026-03-15,ann
a2,smb,12000,2027-03-15,2024-03-15,bob
a3,smb,24000,2027-07-01,,ann
a4,smb,12000,2026-05-01,2023-05-01,bob
"""


def book_scenario(tmp_path, owner: bool = False, meetings: str = "") -> str:
    (tmp_path / "accounts.csv").write_text(BOOK, encoding="utf-8")
    owner_col = ", owner: owner" if owner else ""
    (tmp_path / "s.yaml").write_text(
        textwrap.dedent(f"""\
            name: book sbg
            start: 2027-01
            horizon_months: 24
            book:
              file: accounts.csv
              columns: {{id: id, segment: segment, arr: arr, renewal_date: renewal,
                        start_date: start{owner_col}}}
            segments:
              smb:
                tenure_years: 3
                churn: {{model: sbg, alpha: 1, beta: 2}}
            """)
        + meetings,
        encoding="utf-8",
    )
    return str(tmp_path / "s.yaml")


def test_an_account_book_takes_each_accounts_tenure_from_its_start_date(tmp_path):
    from csmodel.loader import load_scenario

    pr = project(load_scenario(book_scenario(tmp_path)))

    def c(t):  # churn at renewal t of α = 1, β = 2
        return 1 / (1 + 2 + t - 1)

    # a1 renews in March 2027 for the 1st time, a2 (since 2024) the 3rd; a4 (May 2023,
    # rolled to May 2027) the 4th; a3 has no start date: tenure_years 3, its 4th
    a1, a2, a3, a4 = 1 - c(1), 1 - c(3), 1 - c(4), 1 - c(4)
    assert pr.accounts[1, 0] == 4
    assert pr.accounts[2, 0] == pytest.approx(1 + a1 + a2 + 1)  # March: engine month 2
    assert pr.accounts[4, 0] == pytest.approx(1 + a1 + a2 + a4)
    assert pr.accounts[6, 0] == pytest.approx(a3 + a1 + a2 + a4)
    year2 = a3 * (1 - c(5)) + a1 * (1 - c(2)) + a2 * (1 - c(4)) + a4 * (1 - c(5))
    assert pr.accounts[18, 0] == pytest.approx(year2)
    # the MRR follows each account's own ARR (a3 is 24,000)
    assert pr.mrr[18, 0] == pytest.approx(1000 * (year2 - a3 * (1 - c(5))) + 2000 * a3 * (1 - c(5)))


def test_owner_books_project_as_the_pooled_book(tmp_path):
    """With owners each owner's accounts are a column of their own (DOMAIN 8); fully
    covered, the tenure groups give the same book as without owners."""
    from csmodel.loader import load_scenario

    meetings = "    meetings: {call: {per_year: 1, hours: 0.1}}\n"
    pooled = project(load_scenario(book_scenario(tmp_path / "..", meetings=meetings)))
    (tmp_path / "o").mkdir()
    owned = project(load_scenario(book_scenario(tmp_path / "o", owner=True, meetings=meetings)))
    assert owned.owners is not None
    np.testing.assert_allclose(owned.accounts, pooled.accounts, rtol=1e-12)
    np.testing.assert_allclose(owned.mrr, pooled.mrr, rtol=1e-12)
    assert owned.metrics["lifetime_value"] == pytest.approx(pooled.metrics["lifetime_value"])


def test_multi_year_terms_with_sbg_are_refused(tmp_path):
    from csmodel.errors import ScenarioError
    from csmodel.loader import load_scenario

    (tmp_path / "accounts.csv").write_text(
        "id,segment,arr,renewal,term\na1,smb,12000,2027-03-15,24\n", encoding="utf-8"
    )
    (tmp_path / "s.yaml").write_text(
        textwrap.dedent("""\
            name: t
            start: 2027-01
            book:
              file: accounts.csv
              columns: {id: id, segment: segment, arr: arr, renewal_date: renewal,
                        term_months: term}
            segments:
              smb: {churn: {model: sbg, alpha: 1, beta: 2}}
            """),
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match="renews yearly") as exc:  # refused at load,
        load_scenario(str(tmp_path / "s.yaml"))
    (problem,) = exc.value.problems  # located at the churn's `model`
    assert (problem.line, problem.key) == (8, "segments.smb.churn.model")
    # an edit that makes the segment sBG after loading is refused by the engine
    from csmodel.edit import edit

    text = (tmp_path / "s.yaml").read_text(encoding="utf-8")
    (tmp_path / "s.yaml").write_text(
        text.replace("{model: sbg, alpha: 1, beta: 2}", "{rate: 5%}"), encoding="utf-8"
    )
    flat = load_scenario(str(tmp_path / "s.yaml"))
    sbg = edit(flat, ("segments", "smb", "churn"), {"model": "sbg", "alpha": 1, "beta": 2})
    with pytest.raises(ScenarioError, match="yearly renewals only"):
        project(sbg)


# --- with the rest of the engine -------------------------------------------------------------

RICH = """\
name: rich
horizon_months: 40
renewals: spread
timing: {timing}
segments:
  sbg:
    accounts: 300
    acv: 12000
    csms: 1
    accounts_per_csm: 200
    tenure_years: 2
    churn: {{model: sbg, alpha: 0.8, beta: 1.5}}
    contraction: {{rate: 60%, every: year}}
    expansion: {{rate: 1%, every: month, share: 50%}}
    price_increase: {{rate: 5%, every: year}}
    new_logos: {{per_month: {{1: 5, 13: 8}}}}
  flat:
    accounts: 100
    acv: 24000
    churn: {{rate: 1%, every: month}}
    new_logos: {{per_month: 2}}
"""


@pytest.mark.parametrize("timing", ["end", "start"])
def test_movements_reconcile_and_years_bridge(timing):
    pr = project(parse_scenario(RICH.format(timing=timing)))
    prev = np.vstack([pr.starting_mrr[None, :], pr.mrr[:-1]])
    flows = pr.new + pr.expansion + pr.price_increase - pr.contraction - pr.churn
    np.testing.assert_allclose(pr.mrr, prev + flows, rtol=1e-11, atol=1e-6)
    bridge = (
        pr.year_open_mrr
        + pr.year_expansion
        + pr.year_price_increase
        - pr.year_contraction
        - pr.year_churn
    )
    np.testing.assert_allclose(bridge, pr.year_close_mrr, rtol=1e-11, atol=1e-6)
    assert (pr.mrr >= 0).all()
    assert pr.coverage[:, 0].min() < 1  # understaffed: churn raised


def test_understaffing_raises_sbg_churn_as_a_rate():
    a, b = REGULAR
    text = one_cohort(
        a, b, years=2, segment="csms: 0.5\naccounts_per_csm: 800\n", extra="timing: start"
    )
    pr = project(scenario_from(text))
    kappa = pr.coverage[0, 0]
    assert kappa == pytest.approx(0.5 * 800 / 1000)
    churn = min(1.0, a / (a + b) * (1 + 1.0 * (1 - kappa)))
    assert pr.churn[0, 0] == pytest.approx(1000 * 1000 * churn, rel=1e-12)


def test_a_sharp_beta_distribution_is_a_flat_rate():
    """α, β large with α / (α + β) = c: every renewal loses ≈ c, as `{rate: c, every: year}`."""
    sbg = scenario_from(one_cohort(1e5, 9e5, years=5, extra="renewals: spread"))
    flat = sbg.model_copy(
        update={
            "segments": {
                "book": sbg.segments["book"].model_copy(
                    update={
                        "churn": parse_scenario(
                            "name: x\nsegments: {b: {accounts: 1, acv: 1, churn: {rate: 10%}}}"
                        )
                        .segments["b"]
                        .churn
                    }
                )
            }
        }
    )
    one, other = project_batch([sbg, flat])
    np.testing.assert_allclose(one.mrr, other.mrr, rtol=1e-4)
    for key in ("total_revenue", "grr", "ending_arr"):
        assert one.metrics[key] == pytest.approx(other.metrics[key], rel=1e-4)


def test_a_batch_of_sbg_and_flat_scenarios_equals_each_alone():
    base = parse_scenario(RICH.format(timing="end"))
    other = parse_scenario(RICH.format(timing="end").replace("beta: 1.5", "beta: 3"))
    flat = parse_scenario(
        RICH.format(timing="end").replace(
            "{model: sbg, alpha: 0.8, beta: 1.5}", "{rate: 20%, every: year}"
        )
    )
    together = project_batch([base, other, flat])
    for sc, pr in zip([base, other, flat], together, strict=True):
        np.testing.assert_allclose(pr.mrr, project(sc).mrr, rtol=1e-12)


# --- value past the horizon ------------------------------------------------------------------


def test_lifetime_value_continues_each_cohort_by_its_tenure():
    a, b = REGULAR
    text = one_cohort(
        a,
        b,
        years=3,
        extra="discount_rate: 10%\neconomics: {cost_to_serve: 0}",
        segment="tenure_years: 2\nnew_logos: {per_month: 1}\n",
    )
    pr = project(scenario_from(text))
    v = 1.1 ** (-1 / 12)
    i = np.arange(12 * 4000)
    # a starting account: renewal t = 3 at the end of month 12 (engine month 12), then 4...
    kept = survival(a, b + 2, i // 12)  # S(t + 2) / S(2) = B(α, β + 2 + n) / B(α, β + 2)
    assert pr.metrics["lifetime_value"] == pytest.approx((1000 * kept * v**i).sum(), rel=1e-9)
    logo = survival(a, b, i // 12)  # a new logo from t = 1, a year after it signs
    assert pr.metrics["new_logo_value"] == pytest.approx((1000 * logo * v**i).sum(), rel=1e-9)


def test_lifetime_value_is_none_with_a_reason_when_survivors_do_not_shrink():
    from csmodel.value import SBG_DIVERGES, values

    pr = project(scenario_from(one_cohort(*REGULAR, years=3)))  # no discounting
    assert pr.metrics["lifetime_value"] is None
    assert values(pr).reasons["lifetime_value"] == SBG_DIVERGES


# --- commands ------------------------------------------------------------------------------


def test_the_example_projects_and_explains():
    code, out, err = invoke_cli(["project", EXAMPLE])
    assert code == 0, err
    assert "Lifetime value per starting account" in out


@pytest.mark.parametrize(
    "args",
    [
        ["headcount"],
        ["sensitivity"],
        ["compare"],
        ["check"],
        ["project", "--simulate", "50", "--seed", "7"],
        [
            "solve",
            "--vary",
            "segments.self-serve.churn.beta",
            "--target",
            "grr=85%",
            "--range",
            "0.5..50",
        ],
    ],
)
def test_every_command_runs_with_sbg(args, tmp_path):
    text = (
        EXAMPLE.read_text(encoding="utf-8")
        .replace(
            "    tenure_years: 2\n", "    tenure_years: 2\n    csms: 3\n    accounts_per_csm: 300\n"
        )
        .replace("alpha: 0.704, beta: 1.182", "alpha: {low: 0.5, high: 0.9}, beta: 1.182")
    )
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = invoke_cli([args[0], path, *args[1:]])
    assert code in (0, 1), err
    assert out


def test_ranges_on_alpha_and_beta_are_drawn_per_path():
    from csmodel.simulate import simulate

    sc = scenario_from(
        one_cohort("{low: 0.5, high: 1.0}", "{low: 1.0, high: 2.0, dist: uniform}", years=2)
    )
    sim = simulate(sc, 64, seed=5)
    alpha, beta = sim.inputs["segments.book.churn.alpha"], sim.inputs["segments.book.churn.beta"]
    assert alpha.std() > 0 and beta.min() >= 1.0
    np.testing.assert_allclose(sim.metrics["logo_retention"], beta / (alpha + beta), rtol=1e-12)
    assert project(sc).metrics["logo_retention"] == pytest.approx(
        1 - float(sc.segments["book"].churn.alpha) / (float(sc.segments["book"].churn.alpha) + 1.5)
    )


def test_sensitivity_moves_alpha_beta_and_tenure():
    from csmodel.sensitivity import sensitivity

    sc = scenario_from(one_cohort(*REGULAR, years=3, segment="tenure_years: 1\n"))
    rows = {r.assumption: r for r in sensitivity(sc, "total_revenue").rows}
    alpha, beta = rows["segments.book.churn.alpha"], rows["segments.book.churn.beta"]
    assert (alpha.low_input, alpha.high_input) == pytest.approx((0.704 * 0.9, 0.704 * 1.1))
    assert alpha.low > alpha.high  # more alpha, more churn
    assert beta.low < beta.high
    tenure = rows["segments.book.tenure_years"]
    assert (tenure.low_input, tenure.high_input) == (0, 2)
    assert tenure.low < tenure.high  # the longer the book has stayed, the less it churns


def test_a_variant_switches_a_segment_to_sbg():
    from csmodel.document import keys_at

    assert {"rate", "every", "model", "alpha", "beta"} <= set(keys_at(("segments", "x", "churn")))
    code, _, err = invoke_cli(["compare", EXAMPLE, "--format", "json"])
    assert code == 0, err


@pytest.mark.parametrize("contraction", ["2%", "50%"])
def test_lifetime_value_with_every_movement_equals_a_month_by_month_sum(contraction):
    """Expansion every month, contraction and a price increase at renewal: the closed
    form past the horizon against the cohort's life summed month by month (3,000 years)."""
    a, b, tenure = 3.0, 4.0, 1
    text = one_cohort(
        a,
        b,
        years=2,
        extra="discount_rate: 15%\neconomics: {cost_to_serve: 0}",
        segment=(
            f"tenure_years: {tenure}\nexpansion: {{rate: 1%, every: month}}\n"
            f"contraction: {{rate: {contraction}, every: year}}\n"
            "price_increase: {rate: 3%, every: year}\n"
        ),
        accounts=1,
    )
    pr = project(scenario_from(text))
    d = float(contraction.rstrip("%")) / 100
    v = 1.15 ** (-1 / 12)
    mrr, total = 1000.0, 0.0
    for m in range(12 * 3000):
        if m >= 1:  # timing end: the first month runs at the starting value
            e = 0.01
            c = a / (a + b + tenure + m // 12 - 1) if m % 12 == 0 else 0.0
            dd = min(d, 1 - c) if m % 12 == 0 else 0.0
            price = 0.03 if m % 12 == 0 else 0.0
            mrr *= (1 + e - c - dd) * (1 + price)
        total += mrr * v**m
    assert pr.metrics["lifetime_value"] == pytest.approx(total, rel=1e-9)


def test_sbg_on_a_book_with_multi_year_terms_is_a_located_error(run_cli, tmp_path):
    """The shipped book gives enterprise 24- and 36-month contracts: sBG churn renews
    yearly, so the plan is refused at the churn's `model`, before anything runs."""
    import shutil

    from tests.conftest import SCENARIOS

    shutil.copy(SCENARIOS / "book" / "accounts.csv", tmp_path / "accounts.csv")
    text = (SCENARIOS / "book" / "plan.yaml").read_text(encoding="utf-8")
    old = "    churn:          {rate: 5%, every: year}"
    assert text.count(old) == 1
    text = text.replace(old, "    churn:          {model: sbg, alpha: 0.7, beta: 1.2}")
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    line = text[: text.index("model: sbg")].count("\n") + 1
    code, _, err = run_cli(["validate", path])
    assert code == 2
    assert f"{path}:{line}:" in err and "segments.enterprise.churn.model" in err
    assert "contracts of 24 months" in err and "Traceback" not in err
