"""Monte Carlo across the commands (DOMAIN 9, issue 13): probabilistic checks, the
``simulate:`` block, per-year and monthly bands, ``--samples``, ``compare``/``headcount``
``--simulate`` and sensitivity from ranges."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from csmodel.engine import project
from csmodel.results import Share
from csmodel.simulate import draw_quantiles, simulate
from tests.conftest import scenario_from
from tests.test_simulate import CHURN

# CHURN: one segment, yearly churn uniform on [2%, 12%]: GRR over the first year is 1 - c,
# so P(GRR >= 90%) = P(c <= 10%) = 0.8 exactly; GRR >= 85% on every path, >= 99% on none.


def _file(tmp_path, text: str, name: str = "plan.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _checks(*lines: str) -> str:
    return CHURN + "checks:\n" + "".join(f"  - {line}\n" for line in lines)


# --- the share and its interval -------------------------------------------------------


@pytest.mark.parametrize(
    ("met", "n", "low", "high"),
    [
        (8, 10, 0.4901624, 0.9433178),  # Wilson (1927); Newcombe (1998) table I, 81/263 style
        (0, 10, 0.0, 0.2775328),
        (10, 10, 0.7224672, 1.0),
        (1602, 2000, 0.7829327, 0.8179132),
    ],
)
def test_wilson_interval(met, n, low, high):
    lo, hi = Share(met, n, 0).interval
    assert lo == pytest.approx(low, abs=1e-6) and hi == pytest.approx(high, abs=1e-6)


def test_wilson_interval_by_its_definition():
    """The interval's ends are the p at which the share is z standard errors away."""
    s = Share(37, 120, 0)
    z = 1.959963984540054
    for p in s.interval:
        assert abs(s.share - p) == pytest.approx(z * (p * (1 - p) / s.paths) ** 0.5, rel=1e-9)


# --- probabilistic checks -------------------------------------------------------------


def test_probabilistic_checks_pass_and_fail_on_hand_computable_shares(run_cli, tmp_path):
    path = _file(
        tmp_path,
        _checks(
            "{metric: grr, min: 85%, probability: 100%, name: always}",
            "{metric: grr, min: 99%, probability: 1%, name: never}",
            "{metric: grr, min: 90%, probability: 70%, name: seventy}",
            "{metric: grr, min: 90%, probability: 90%, name: ninety}",
        ),
    )
    n = 4000
    code, out, err = run_cli(["check", path, "--simulate", str(n), "--seed", "9", "-f", "json"])
    assert code == 1, err
    results = {r["id"]: r for r in json.loads(out)["files"][0]["results"]}
    always, never = results["always"], results["never"]
    assert always["status"] == "pass" and always["simulation"]["share"] == 1.0
    assert never["status"] == "fail" and never["simulation"]["share"] == 0.0
    share = results["seventy"]["simulation"]["share"]
    assert share == pytest.approx(0.8, abs=5 * (0.8 * 0.2 / n) ** 0.5)  # 5 standard errors
    assert results["seventy"]["status"] == "pass" and results["ninety"]["status"] == "fail"
    sim = results["seventy"]["simulation"]
    assert (sim["paths"], sim["seed"], sim["met"]) == (n, 9, round(share * n))
    lo, hi = Share(sim["met"], n, 9).interval
    assert (sim["share_low"], sim["share_high"]) == (lo, hi)
    assert results["seventy"]["probability"] == 0.7
    assert "95% interval" in results["ninety"]["message"]
    assert f"of {n:,} paths" in results["ninety"]["message"]
    # the value is the metric's median over the paths: 1 - 7%
    assert results["seventy"]["value"] == pytest.approx(0.93, abs=0.01)


def test_probabilistic_check_in_text_junit_and_github(run_cli, tmp_path):
    path = _file(tmp_path, _checks("{metric: grr, min: 90%, probability: 90%, name: ninety}"))
    args = ["check", path, "--simulate", "500", "--seed", "1"]
    code, out, _ = run_cli([*args, "-f", "text"])
    assert code == 1 and "of paths" in out and "95% interval" in out
    code, out, _ = run_cli([*args, "-f", "junit"])
    assert code == 1 and "of 500 paths" in out and "95% interval" in out
    code, out, _ = run_cli([*args, "-f", "github"])
    assert code == 1 and "of 500 paths" in out


def test_a_probability_without_simulation_is_a_located_error(run_cli, tmp_path):
    path = _file(tmp_path, _checks("{metric: grr, min: 90%, probability: 80%}"))
    code, _, err = run_cli(["check", path])
    assert code == 2
    assert f"{path}:10:42: error: checks[0].probability:" in err
    assert "--simulate 1000" in err and "simulate: {paths: 1000}" in err
    code, _, err = run_cli(["check", path, "--simulate", "0"])  # the flag turns it off
    assert code == 2 and "checks[0].probability" in err


def test_the_simulate_block_gives_defaults_and_the_command_line_wins(run_cli, tmp_path):
    text = _checks("{metric: grr, min: 90%, probability: 70%}") + (
        "simulate: {paths: 300, seed: 17}\n"
    )
    path = _file(tmp_path, text)
    code, out, err = run_cli(["check", path, "-f", "json"])
    assert code == 0, err
    sim = json.loads(out)["files"][0]["results"][0]["simulation"]
    assert (sim["paths"], sim["seed"]) == (300, 17) and err == ""  # no seed drawn
    code, out, _ = run_cli(["check", path, "-f", "json", "--simulate", "200", "--seed", "3"])
    sim = json.loads(out)["files"][0]["results"][0]["simulation"]
    assert (sim["paths"], sim["seed"]) == (200, 3)
    code, out, err = run_cli(["project", path, "-f", "json"])
    assert json.loads(out)["simulation"]["paths"] == 300 and err == ""
    code, out, err = run_cli(["project", path, "-f", "json", "--simulate", "0"])
    assert "simulation" not in json.loads(out)


def test_a_seed_is_drawn_once_for_a_check_run(run_cli, tmp_path):
    a = _file(tmp_path, _checks("{metric: grr, min: 90%, probability: 70%}"), "a.yaml")
    b = _file(tmp_path, _checks("{metric: grr, min: 90%, probability: 70%}"), "b.yaml")
    _, out, err = run_cli(["check", a, b, "--simulate", "50", "-f", "json"])
    seeds = {f["results"][0]["simulation"]["seed"] for f in json.loads(out)["files"]}
    assert len(seeds) == 1 and err.count("--seed") == 1 and f"--seed {seeds.pop()}" in err


def test_a_probabilistic_check_on_a_year_and_a_segment(run_cli, tmp_path):
    """year 1's GRR of the segment is the horizon's: the same share either way."""
    text = CHURN.replace("horizon_months: 12", "horizon_months: 24") + (
        "checks:\n"
        "  - {metric: grr, min: 90%, probability: 50%, name: whole}\n"
        "  - {metric: grr, segment: s, year: 1, min: 90%, probability: 50%, name: year1}\n"
    )
    path = _file(tmp_path, text)
    code, out, err = run_cli(["check", path, "--simulate", "400", "--seed", "2", "-f", "json"])
    assert code == 0, err
    r = {x["id"]: x["simulation"] for x in json.loads(out)["files"][0]["results"][:2]}
    assert r["whole"]["met"] == r["year1"]["met"]


# --- project: bands per year and per month, samples ------------------------------------


def test_without_ranges_year_and_month_bands_are_the_plan():
    from csmodel.loader import load_scenario
    from csmodel.metrics import closing_arr_series, yearly
    from tests.conftest import SCENARIOS

    sc = load_scenario(SCENARIOS / "fy27-plan.yaml")  # no ranges
    sim = simulate(sc, 5, seed=1)
    pr = project(sc)
    for y, row in enumerate(yearly(pr)):
        for key, values in sim.years[y].items():
            if row[key] is None:
                assert np.isnan(values).all()
            else:
                assert values == pytest.approx(row[key], rel=1e-12), (y, key)
    arr = closing_arr_series(pr)
    for band in sim.arr_bands().values():
        assert band == pytest.approx(arr, rel=1e-12)


def test_year_bands_match_the_closed_form():
    """NRR of year 1 is 1 - c with c uniform on [2%, 12%]: P10 = 1 - 11%, P90 = 1 - 3%."""
    n = 20_000
    sim = simulate(scenario_from(CHURN), n, seed=3)
    year = sim.years[0]["nrr"]
    se = (0.1 * 0.9 / n) ** 0.5 * 0.10
    assert np.percentile(year, 10) == pytest.approx(0.89, abs=5 * se)
    assert np.percentile(year, 90) == pytest.approx(0.97, abs=5 * se)


def test_project_json_has_year_and_arr_bands(run_cli, tmp_path):
    path = _file(tmp_path, CHURN.replace("horizon_months: 12", "horizon_months: 30"))
    _, out, _ = run_cli(["project", path, "--simulate", "40", "--seed", "1", "-f", "json"])
    sim = json.loads(out)["simulation"]
    assert [y["year"] for y in sim["years"]] == [1, 2, 3]
    assert sim["years"][2]["nrr"]["p50"] is None  # a partial year has no NRR
    assert sim["years"][2]["revenue"]["p50"] > 0
    assert set(sim["arr"]) == {"p10", "p50", "p90"} and len(sim["arr"]["p50"]) == 30
    bands = zip(*(sim["arr"][k] for k in ("p10", "p50", "p90")), strict=True)
    assert all(a <= b <= c for a, b, c in bands)


def test_project_table_shows_the_fan_and_the_seed_in_the_conventions(run_cli, tmp_path):
    path = _file(tmp_path, CHURN)
    code, out, _ = run_cli(["project", path, "--simulate", "30", "--seed", "8"])
    assert code == 0
    assert "P10, P50 and P90 of the simulated paths" in out
    assert "simulated: 30 paths, seed 8" in " ".join(out.split())
    assert "P90" in out and "P10" in out


def test_samples_csv_has_a_row_per_path(run_cli, tmp_path):
    path = _file(tmp_path, CHURN)
    samples = tmp_path / "paths.csv"
    args = ["project", path, "--simulate", "25", "--seed", "6", "--samples", samples]
    code, _, err = run_cli([*args, "-f", "json"])
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(samples.read_text(encoding="utf-8"))))
    assert len(rows) == 25 and [r["path"] for r in rows[:3]] == ["1", "2", "3"]
    sim = simulate(scenario_from(CHURN), 25, seed=6)
    drawn = [float(r["segments.s.churn.rate"]) for r in rows]
    assert drawn == pytest.approx(list(sim.inputs["segments.s.churn.rate"]), abs=1e-6)
    assert [float(r["grr"]) for r in rows] == pytest.approx(list(sim.metrics["grr"]), abs=1e-6)
    code, _, err = run_cli(args)  # never overwritten without --force
    assert code == 2 and "--force" in err
    code, _, err = run_cli(["project", path, "--samples", tmp_path / "x.csv"])
    assert code == 2 and "--simulate" in err


def test_samples_header_is_inert_text(run_cli, tmp_path):
    text = CHURN.replace("  s:\n", '  "=cmd":\n')
    path = _file(tmp_path, text)
    samples = tmp_path / "paths.csv"
    run_cli(["project", path, "--simulate", "3", "--seed", "1", "--samples", samples])
    header = next(csv.reader(io.StringIO(samples.read_text(encoding="utf-8"))))
    assert not any(h.startswith("=") for h in header)


# --- common random numbers ---------------------------------------------------------------


def test_a_range_draws_the_same_whatever_else_the_scenario_holds():
    """Draws are keyed by driver or by the range's path: adding a range elsewhere leaves
    the others' draws unchanged (common random numbers across variants and files)."""
    one = scenario_from(CHURN)
    two = scenario_from(CHURN + "    expansion: {rate: {low: 1%, high: 5%}}\n")
    from csmodel.ranges import ranges_of

    a = draw_quantiles(ranges_of(one), 50, seed=4)
    b = draw_quantiles(ranges_of(two), 50, seed=4)
    keys = [".".join(p) for p, _ in ranges_of(two)]
    assert np.array_equal(a[:, 0], b[:, keys.index("segments.s.churn.rate")])


def test_compare_simulates_every_column_with_the_same_seed(run_cli, tmp_path):
    text = CHURN + ("variants:\n  pricier:\n    set: {segments.s.price_increase.rate: 5%}\n")
    path = _file(tmp_path, text)
    args = ["compare", path, "--simulate", "60", "--seed", "5"]
    code, out, err = run_cli([*args, "-f", "json"])
    assert code == 0, err
    cols = json.loads(out)["columns"]
    sims = [c["simulation"] for c in cols]
    assert sims[0]["seed"] == sims[1]["seed"] == 5
    # same churn draws: GRR is the same on every path in both columns
    for k, v in sims[0]["metrics"]["grr"].items():
        assert sims[1]["metrics"]["grr"][k] == pytest.approx(v, rel=1e-12), k
    assert sims[1]["metrics"]["nrr"]["p50"] > sims[0]["metrics"]["nrr"]["p50"]
    code, out, _ = run_cli([*args, "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(out)))
    grr = [r for r in rows if r["metric"] == "grr"]
    assert float(grr[0]["p50"]) == pytest.approx(sims[0]["metrics"]["grr"]["p50"], abs=1e-6)
    code, out, _ = run_cli(args)
    assert "Simulated: 60 paths per column, seed 5" in out and "P90" in out


# --- headcount -----------------------------------------------------------------------------


STAFFED = """
name: t
horizon_months: 24
segments:
  s:
    accounts: 200
    acv: 20000
    csms: 3
    churn: {rate: RATE, every: year}
    meetings:
      check_in: {per_year: 12, hours: 1, prep_hours: 1}
"""


def test_headcount_simulate_without_ranges_is_the_sweep(run_cli, tmp_path):
    path = _file(tmp_path, STAFFED.replace("RATE", "8%"))
    code, out, err = run_cli(["headcount", path, "--simulate", "5", "--seed", "1", "-f", "json"])
    assert code == 0, err
    doc = json.loads(out)
    assert doc["simulation"] == {"paths": 5, "seed": 1, "discrete": False}
    for row in doc["sweep"]["s"]:
        sim = row["simulated"]
        assert sim["covered_share"] == (1.0 if row["coverage"] >= 1 - 1e-9 else 0.0)
        for k in ("contribution_p10", "contribution_p50", "contribution_p90"):
            assert sim[k] == pytest.approx(row["gross_profit"], rel=1e-9)


def test_headcount_simulate_with_ranges(run_cli, tmp_path):
    text = STAFFED.replace("RATE", "{low: 4%, high: 14%}") + (
        "team: {productivity: {low: 50%, high: 90%}}\n"
    )
    path = _file(tmp_path, text)
    code, out, err = run_cli(["headcount", path, "--simulate", "200", "--seed", "3", "-f", "json"])
    assert code == 0, err
    rows = json.loads(out)["sweep"]["s"]
    shares = [r["simulated"]["covered_share"] for r in rows]
    assert shares == sorted(shares) and max(shares) > 0 and min(shares) < 1
    assert any(0 < s < 1 for s in shares)  # the level near the requirement is uncertain
    for r in rows:
        s = r["simulated"]
        assert s["contribution_p10"] <= s["contribution_p50"] <= s["contribution_p90"]
    code, out, _ = run_cli(["headcount", path, "--simulate", "50", "--seed", "3"])
    assert "staffing under uncertainty" in out and "of paths" in out


def test_row_csms_is_where_segment_row_keeps_the_csms():
    from csmodel.engine import _ROW_FIELDS, ROW_CHURN_SENSITIVITY, ROW_CSMS

    assert _ROW_FIELDS[ROW_CSMS] == "csms"
    assert _ROW_FIELDS[ROW_CHURN_SENSITIVITY] == "churn_sensitivity"


# --- sensitivity from ranges -----------------------------------------------------------------


def test_sensitivity_swings_a_range_between_its_p5_and_p95():
    from csmodel.edit import edit
    from csmodel.sensitivity import sensitivity

    text = CHURN.replace("dist: uniform", "dist: normal") + "    expansion: {rate: 3%}\n"
    sc = scenario_from(text)
    result = sensitivity(sc, "total_revenue")
    rows = {r.assumption: r for r in result.rows}
    r = rows["segments.s.churn.rate"]
    rate = sc.segments["s"].churn.rate
    assert r.step_kind == "range" and r.step == "P5 to P95"
    assert (r.low_input, r.high_input) == pytest.approx((0.02, 0.12), rel=1e-9)
    assert (r.low_input, r.high_input) == (rate.quantile(0.05), rate.quantile(0.95))
    path = ("segments", "s", "churn", "rate")
    lo = project(edit(sc, path, r.low_input)).metrics["total_revenue"]
    hi = project(edit(sc, path, r.high_input)).metrics["total_revenue"]
    assert (r.low, r.high) == pytest.approx((lo, hi), rel=1e-9)
    assert rows["segments.s.expansion.rate"].step_kind == "annualised"  # unranged: as before
    assert "P5 and P95" in result.method


# --- the progress bar ------------------------------------------------------------------------


def test_progress_shows_on_a_terminal_after_a_second_only(monkeypatch, capsys):
    from csmodel.cli import montecarlo

    clock = iter([0.0, 0.5, 2.0])
    monkeypatch.setattr(montecarlo, "_now", lambda: next(clock))
    monkeypatch.setattr(montecarlo, "_stderr_is_terminal", lambda: True)
    with montecarlo._Progress(1000) as progress:  # started at 0.0
        progress(500)  # 0.5 s: too soon, nothing shown
        assert progress.bar is None
        progress(600)  # 2.0 s: the bar appears
        assert progress.bar is not None
        progress(1000)
    assert capsys.readouterr().out == ""  # never on stdout


def test_no_progress_when_stderr_is_not_a_terminal(monkeypatch):
    from csmodel.cli import montecarlo

    monkeypatch.setattr(montecarlo, "_stderr_is_terminal", lambda: False)
    with montecarlo._Progress(1000) as progress:
        progress(1)
        assert progress.bar is None
