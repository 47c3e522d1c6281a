"""A plain-Python reference of the revenue engine, for ``benchmarks/run.py``.

It shares no code with ``csmodel.engine``: DOMAIN.md sections 4, 5.3 and 11.1
written as nested loops over months, segments and cohorts, one number at a
time. The benchmark checks that both agree to 1e-9 before it reports how much
faster the numpy engine is.
"""

from __future__ import annotations

import math
from typing import Any

LENGTHS = {"month": 1, "quarter": 3, "year": 12}


def reference_project(sc: Any) -> dict[str, dict[str, Any]]:
    """DOMAIN.md section 4 in plain Python: months x segments x cohorts, one at a time.

    Same cohort structure as ``csmodel.engine``: the starting book (1 cohort,
    or 12 with anchors 0, -1, ..., -11 under ``spread``) and, when any segment
    signs logos, 12 new-logo cohorts keyed by join month mod 12 (anchor
    ``j mod 12``). Same order within a month: logos join after the month's
    changes under both timings (DOMAIN 11.1) but count in its coverage, expansion /
    churn / contraction on the opening MRR, then price increase. Also the
    year-window trackers behind NRR/GRR/logo retention.
    """
    horizon = sc.horizon_months
    start_timing = sc.timing == "start"
    n_start = 12 if sc.renewals == "spread" else 1
    segs = list(sc.segments.items())
    has_new = any(s.new_logos.per_month > 0 for _, s in segs)  # as the engine decides
    n_new = 12 if has_new else 0
    n_coh = n_start + n_new
    anchors = [-k for k in range(n_start)] + list(range(n_new))
    first = [0 if start_timing else 1] * n_start + [0] * n_new
    capacity = sc.team.productive_hours / 12.0
    cs_sens = sc.understaffing.churn_sensitivity
    ex_sens = sc.understaffing.expansion_sensitivity
    n_years = horizon // 12
    window_open = 0 if start_timing else 1
    out: dict[str, dict[str, Any]] = {}

    for name, s in segs:
        churn = s.churn.rate
        contraction = s.contraction.rate
        expansion = s.expansion.rate * s.expansion.share
        price = s.price_increase.rate * s.price_increase.share
        l_churn = LENGTHS[s.churn.every]
        l_contr = LENGTHS[s.contraction.every]
        l_exp = LENGTHS[s.expansion.every]
        l_price = LENGTHS[s.price_increase.every]
        j_mrr = s.new_logos.per_month * s.new_logos.onboarding_rate * s.new_logo_acv / 12
        j_acc = s.new_logos.per_month * s.new_logos.onboarding_rate
        logos = s.new_logos.per_month
        if s.meetings:
            hpa = float(s.hours_per_account or 0.0)
        elif s.accounts_per_csm:
            hpa = sc.team.productive_hours / s.accounts_per_csm
        else:
            hpa = 0.0
        onboarding = s.onboarding_hours
        csms = s.csms

        mrr = [0.0] * n_coh
        acc = [0.0] * n_coh
        for k in range(n_start):
            mrr[k] = s.accounts * s.acv / 12 / n_start
            acc[k] = s.accounts / n_start
        ex_mrr = [0.0] * n_coh
        ex_acc = [0.0] * n_coh

        rev = exp_sum = price_sum = contr_sum = churn_sum = 0.0
        min_cov = math.inf
        peak_fte = -math.inf
        mrr_h = acc_h = 0.0
        y_open = [0.0] * n_years
        y_open_acc = [0.0] * n_years
        y_close = [0.0] * n_years
        y_close_acc = [0.0] * n_years

        for m in range(horizon + 1):
            r = n_start + m % 12
            if (m - window_open) % 12 == 0 and (m - window_open) // 12 < n_years:
                ex_mrr = mrr[:]
                ex_acc = acc[:]
                if not start_timing and m > 0 and n_new:
                    prev = n_start + (m - 1) % 12
                    ex_mrr[prev] -= j_mrr
                    ex_acc[prev] -= j_acc
                    ex_mrr = [x if x > 0.0 else 0.0 for x in ex_mrr]
                    ex_acc = [x if x > 0.0 else 0.0 for x in ex_acc]
                y = (m - window_open) // 12
                y_open[y] = sum(ex_mrr)
                y_open_acc[y] = sum(ex_acc)

            opening_accounts = sum(acc) + j_acc

            need = opening_accounts * hpa / 12.0 + logos * min(m + 1, 3) * onboarding / 3.0
            fte = need / capacity
            kappa = min(1.0, csms / fte) if csms is not None and fte > 0 else 1.0
            gap = 1.0 - kappa
            churn_eff = min(1.0, churn * (1.0 + cs_sens * gap))
            exp_eff = expansion * max(0.0, 1.0 - ex_sens * gap)
            contr_eff = min(contraction, 1.0 - churn_eff)

            for k in range(n_coh):
                a = anchors[k]
                if m >= first[k]:
                    cr = churn_eff if (m - a) % l_churn == 0 else 0.0
                    dr = contr_eff if (m - a) % l_contr == 0 else 0.0
                    er = exp_eff if (m - a) % l_exp == 0 else 0.0
                    pr = price if (m - a) % l_price == 0 else 0.0
                else:
                    cr = dr = er = pr = 0.0
                opening = mrr[k]
                e = opening * er
                c = opening * cr
                d = opening * dr
                retained = opening + e - c - d
                p = retained * pr
                mrr[k] = retained + p
                acc[k] *= 1.0 - cr
                ex_mrr[k] *= (1.0 + er - cr - dr) * (1.0 + pr)
                ex_acc[k] *= 1.0 - cr
                if m < horizon:
                    exp_sum += e
                    price_sum += p
                    contr_sum += d
                    churn_sum += c

            if n_new:
                mrr[r] += j_mrr
                acc[r] += j_acc

            total = sum(mrr)
            if m < horizon:
                rev += total
                min_cov = min(min_cov, kappa)
                peak_fte = max(peak_fte, fte)
            else:
                mrr_h = total
                acc_h = sum(acc)

            y = (m - window_open + 1) // 12 - 1
            if (m - window_open + 1) % 12 == 0 and 0 <= y < n_years:
                y_close[y] = sum(ex_mrr)
                y_close_acc[y] = sum(ex_acc)

        out[name] = {
            "total_revenue": rev,
            "ending_mrr": mrr_h,
            "ending_accounts": acc_h,
            "expansion": exp_sum,
            "price_increase": price_sum,
            "contraction": contr_sum,
            "churn": churn_sum,
            "min_coverage": min_cov,
            "peak_fte": peak_fte,
            "year_open_mrr": y_open,
            "year_close_mrr": y_close,
            "year_open_accounts": y_open_acc,
            "year_close_accounts": y_close_acc,
        }
    return out
