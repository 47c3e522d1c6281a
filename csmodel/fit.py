"""Assumptions fitted to data: sBG retention curves and the understaffing churn sensitivity.

**Retention (sBG).** Fader, P. S. and Hardie, B. G. S. (2007), "How to project
customer retention", *Journal of Interactive Marketing* 21(1), 76-90 (DOMAIN.md
section 10). Each customer renews each period with a probability ``1 - θ``
drawn once from Beta(α, β): a customer is lost at renewal ``t`` (t = 1, 2, ...)
with ``P(T = t) = B(α + 1, β + t - 1) / B(α, β)`` and survives ``t`` renewals
with ``S(t) = B(α, β + t) / B(α, β)``. :func:`fit_sbg` maximises the paper's
log-likelihood, counts lost at each renewal plus the right-censored survivors,

    LL(α, β) = Σ_t lost_t · ln P(T = t) + Σ_n censored_n · ln S(n),

with the gradient and Hessian in closed form (digamma, trigamma), and reads the
standard errors off the observed information (the inverse Hessian of -LL at the
optimum). Fitting the paper's two cohorts on years 1-7 gives its estimates
(tests/data/README.md): regular α = 0.704, β = 1.182; high end α = 0.668,
β = 3.806, LL = -1611.2.

Input (:func:`read_survival`): a survival table (``period,alive`` rows, period
0 the cohort's starting count; an optional ``cohort`` column, several cohorts
fitted jointly, each with its own start and length) or an account list
(``start_date`` and ``churn_date`` or ``end_date``; yearly periods counted
from each account's start; accounts without a churn date are censored at the
``as_of`` date, by default the latest date in the file).

**Understaffing.** DOMAIN.md section 5.3: a book at coverage κ churns at
``min(1, c × (1 + s × (1 - κ)))``. :func:`fit_understaffing` fits ``s`` (the
scenario's ``understaffing.churn_sensitivity``, s ≥ 0) by maximum likelihood,
each book-year's churned accounts binomial, with the baseline churn ``c``
fitted jointly (profiled out) or given; its 95% interval is the profile
likelihood's: the values of s whose profile log-likelihood is within
χ²₁(0.95) / 2 = 1.92 of the maximum, cut at 0 and at :data:`MAX_SENSITIVITY`.

Data files (``-``: standard input) are read with the account book's CSV reader
(:func:`csmodel.book.read_csv_rows`: byte-order marks, UTF-16 with one, delimiters,
quoting) and every bad cell is a located :class:`csmodel.errors.Problem`; counts
are whole numbers up to :data:`MAX_COUNT`. Nothing here prints; scipy is imported
only when a fit runs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from csmodel.book import (
    SHOWN_NAMES,
    BadCell,
    CsvRows,
    RowProblems,
    check_widths,
    digits_hint,
    parse_date,
    read_csv_rows,
    show_cell,
)
from csmodel.errors import Problem, ScenarioError, UsageError
from csmodel.suggest import did_you_mean

CHI2_1_95 = 3.841458820694124
"""The 95% quantile of χ² with one degree of freedom: a profile-likelihood interval holds
the values whose log-likelihood is within half of it (1.92) of the maximum."""
MAX_SENSITIVITY = 100.0
"""Largest churn sensitivity searched (the largest a scenario accepts: ``schema``)."""
LOG_BOUND = 15.0
"""α and β are searched in [e^-15, e^15]; an estimate at either end means the data do not
identify it (no decline of churn with tenure, no churn at all...)."""
FIT_RATIO_LIMIT = 1e5
"""α + β beyond this: the sBG has become a constant churn rate (the beta distribution of
churn probabilities is a spike); refused as unidentified."""
COVERAGE_BANDS = ((0.0, 0.7), (0.7, 0.85), (0.85, 1.0), (1.0, math.inf))
"""Coverage bands of the understaffing fit's observed-vs-fitted table."""
MAX_COVERAGE = 10.0
"""Largest coverage read (1000%): a larger value is a percentage written without ``%``."""
MAX_COUNT = 10**12
"""Largest count of customers or accounts read from a cell (a trillion): more is a typo or
a value from another column, and sums of such counts stay exact in 64-bit integers."""
MAX_HOURS = 1e12
"""Largest number of hours read from a cell."""
MIN_PERIODS = 2
"""Fewest renewal periods an sBG fit takes: it has two parameters, and one period's churn
fits any ratio of them (``--periods`` may be from this to the periods observed)."""


class CannotFit(Exception):
    """The data hold nothing the model can be fitted to (the CLI says why and exits 1)."""


# --- the sBG model ------------------------------------------------------------------------


def sbg_survival(alpha: float, beta: float, periods: int) -> np.ndarray:
    """``S(t) = B(α, β + t) / B(α, β)`` for t = 0..periods, shape ``(periods + 1,)``."""
    from scipy.special import betaln

    t = np.arange(periods + 1, dtype=float)
    return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))


def sbg_retention(alpha: float, beta: float, periods: int) -> np.ndarray:
    """Retention at renewal t = 1..periods, ``(β + t - 1) / (α + β + t - 1)``, shape
    ``(periods,)``."""
    t = np.arange(1, periods + 1, dtype=float)
    return (beta + t - 1) / (alpha + beta + t - 1)


@dataclass(frozen=True)
class Survival:
    """Lifetimes as counts: ``lost[t - 1]`` customers lost at renewal t (t = 1..T) and
    ``censored[n]`` customers last seen alive after n renewals (n = 0..T)."""

    lost: np.ndarray
    censored: np.ndarray

    @property
    def periods(self) -> int:
        return len(self.lost)

    @property
    def customers(self) -> int:
        return int(self.lost.sum() + self.censored.sum())

    def at_risk(self) -> np.ndarray:
        """Customers observed at renewal t = 1..T (alive after t - 1 renewals, and observed
        through renewal t): lost at t or later plus censored at t or later."""
        lost_later = np.cumsum(self.lost[::-1])[::-1]
        censored_later = np.cumsum(self.censored[::-1])[::-1][1:]
        return lost_later + censored_later

    def observed_survival(self) -> np.ndarray:
        """Kaplan-Meier survival for t = 0..T: the product of observed retention
        ``(at_risk_t - lost_t) / at_risk_t`` (NaN from the first renewal nobody was at risk
        of). For one cohort it is ``alive_t / alive_0``: the product is taken in exact
        fractions, so it is that ratio to the last bit."""
        from fractions import Fraction

        out = [1.0]
        s: Fraction | None = Fraction(1)
        for risk, lost in zip(self.at_risk().tolist(), self.lost.tolist(), strict=True):
            s = None if s is None or risk == 0 else s * Fraction(risk - lost, risk)
            out.append(math.nan if s is None else float(s))
        return np.array(out)

    def truncated(self, periods: int) -> Survival:
        """The data as seen after ``periods`` renewals: later losses and later survivors are
        censored at ``periods``."""
        if periods >= self.periods:
            return self
        lost = self.lost[:periods].copy()
        censored = self.censored[: periods + 1].copy()
        censored[periods] += self.lost[periods:].sum() + self.censored[periods + 1 :].sum()
        return Survival(lost, censored)


def sbg_log_likelihood(alpha: float, beta: float, data: Survival) -> float:
    """Fader & Hardie's log-likelihood of ``data`` at (α, β) (no multinomial constant)."""
    return _sbg_terms(np.log([alpha, beta]), data, order=0)[0]


def _sbg_terms(x: np.ndarray, data: Survival, order: int) -> tuple[Any, ...]:
    """``(LL, gradient, Hessian)`` up to ``order`` at ``(α, β) = exp(x)``, derivatives with
    respect to (α, β). d/da ln B(a, b) = ψ(a) - ψ(a + b), d/db = ψ(b) - ψ(a + b); second
    derivatives with the trigamma ψ₁, the cross term -ψ₁(a + b)."""
    from scipy.special import betaln, digamma, polygamma

    a, b = np.exp(x)
    t = np.arange(1, data.periods + 1, dtype=float)
    n = np.arange(data.periods + 1, dtype=float)
    lost, cens = data.lost.astype(float), data.censored.astype(float)
    total = lost.sum() + cens.sum()
    ll = float(lost @ betaln(a + 1, b + t - 1) + cens @ betaln(a, b + n) - total * betaln(a, b))
    if order == 0:
        return (ll,)
    # lost at t: ln B(a + 1, b + t - 1); censored at n: ln B(a, b + n); all: -ln B(a, b)
    d_lost = digamma(a + b + t)
    d_cens = digamma(a + b + n)
    ga = lost @ (digamma(a + 1) - d_lost) + cens @ (digamma(a) - d_cens)
    gb = lost @ (digamma(b + t - 1) - d_lost) + cens @ (digamma(b + n) - d_cens)
    ga -= total * (digamma(a) - digamma(a + b))
    gb -= total * (digamma(b) - digamma(a + b))
    grad = np.array([ga, gb])
    if order == 1:
        return ll, grad
    t_lost = polygamma(1, a + b + t)
    t_cens = polygamma(1, a + b + n)
    t_all = polygamma(1, a + b)
    haa = lost @ (polygamma(1, a + 1) - t_lost) + cens @ (polygamma(1, a) - t_cens)
    hbb = lost @ (polygamma(1, b + t - 1) - t_lost) + cens @ (polygamma(1, b + n) - t_cens)
    hab = -(lost @ t_lost) - cens @ t_cens
    haa -= total * (polygamma(1, a) - t_all)
    hbb -= total * (polygamma(1, b) - t_all)
    hab += total * t_all
    return ll, grad, np.array([[haa, hab], [hab, hbb]])


def sbg_hessian(alpha: float, beta: float, data: Survival) -> np.ndarray:
    """The Hessian of the log-likelihood with respect to (α, β), shape ``(2, 2)``."""
    return _sbg_terms(np.log([alpha, beta]), data, order=2)[2]


def constant_churn(data: Survival) -> tuple[float, float]:
    """The constant-churn (geometric) model of ``data``, the sBG's limit as α + β grows:
    ``(rate, log-likelihood)`` at its maximum, rate = lost / at risk over all renewals."""
    lost = float(data.lost.sum())
    risk = float(data.at_risk().sum())
    rate = lost / risk
    kept = risk - lost
    ll = (lost * math.log(rate) if lost else 0.0) + (kept * math.log1p(-rate) if kept else 0.0)
    return rate, ll


@dataclass(frozen=True)
class SbgEstimate:
    alpha: float
    beta: float
    alpha_se: float | None
    beta_se: float | None
    log_likelihood: float


def fit_sbg(data: Survival) -> SbgEstimate:
    """Maximum-likelihood (α, β) of ``data``, standard errors from the observed information.

    Searched over log α and log β (L-BFGS-B with the exact gradient, from two starting
    points as Fader & Hardie advise, the better one kept), then polished by Newton steps
    on (α, β). Raises :class:`CannotFit` when the data cannot identify two parameters:
    fewer than two renewals observed, no customer lost, every customer lost at the first
    renewal, or churn that does not fall with tenure (α + β without bound: a constant rate).
    """
    from scipy.optimize import minimize

    observed = int(np.count_nonzero(data.at_risk() > 0))
    lost_total = int(data.lost.sum())
    if data.periods and data.lost[0] == data.customers:
        raise CannotFit("every customer was lost at the first renewal: nothing survives to fit")
    if observed < MIN_PERIODS:
        raise CannotFit(
            f"the data hold {observed} renewal period{'s' if observed != 1 else ''}: "
            f"fitting the sBG's two parameters needs at least {MIN_PERIODS}"
        )
    if lost_total == 0:
        raise CannotFit("no customer was lost in the periods fitted: there is no churn to fit")

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        ll, grad = _sbg_terms(x, data, order=1)
        return -ll, -grad * np.exp(x)  # chain rule: d/dx = d/dα · α

    churn1 = data.lost[0] / max(1, data.customers - data.censored[0])
    churn1 = min(max(churn1, 1e-3), 1 - 1e-3)
    starts = ([0.0, math.log((1 - churn1) / churn1)], [math.log(0.1), math.log(0.1)])
    bounds = [(-LOG_BOUND, LOG_BOUND)] * 2
    best = None
    for x0 in starts:
        res = minimize(
            objective,
            np.array(x0),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000},
        )
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    x = np.asarray(best.x, dtype=float)
    if np.any(np.abs(x) > LOG_BOUND - 0.5) or float(np.exp(x).sum()) > FIT_RATIO_LIMIT:
        rate = constant_churn(data)[0]
        raise CannotFit(
            "churn does not fall with tenure in these data: the sBG's alpha and beta grow "
            f"without bound (a constant churn of {rate:.2%} a period fits as well); use a "
            f"fixed rate instead, e.g. churn: {{rate: {rate * 100:.3g}%, every: year}} for "
            "yearly periods"
        )
    ab = np.exp(x)
    for _ in range(20):  # Newton on (α, β): the optimiser's answer to full precision
        _, grad, hess = _sbg_terms(np.log(ab), data, order=2)
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        new = ab - step
        if np.any(new <= 0) or not np.all(np.isfinite(new)):
            break
        if _sbg_terms(np.log(new), data, order=0)[0] < _sbg_terms(np.log(ab), data, 0)[0]:
            break
        ab = new
        if np.max(np.abs(step) / ab) < 1e-13:
            break
    alpha, beta = float(ab[0]), float(ab[1])
    _, _, hess = _sbg_terms(np.log(ab), data, order=2)
    se: list[float | None] = [None, None]
    info = -hess
    if np.all(np.isfinite(info)) and np.all(np.linalg.eigvalsh(info) > 0):
        cov = np.linalg.inv(info)
        se = [float(math.sqrt(cov[0, 0])), float(math.sqrt(cov[1, 1]))]
    return SbgEstimate(alpha, beta, se[0], se[1], sbg_log_likelihood(alpha, beta, data))


# --- fitting retention: the result ----------------------------------------------------------


@dataclass(frozen=True)
class Cohort:
    """One cohort of a survival table: its name (``""`` without a cohort column), the
    customers alive at periods 0..n (shape ``(n + 1,)``) and the line of each row."""

    name: str
    alive: np.ndarray
    lines: tuple[int, ...]


@dataclass(frozen=True)
class SurvivalFile:
    """What :func:`read_survival` read: the counts, and where they came from."""

    file: str
    source: str  # "survival table" | "account list"
    data: Survival
    cohorts: tuple[Cohort, ...] = ()
    as_of: date | None = None
    accounts_left_out: int = 0


@dataclass(frozen=True)
class RetentionFit:
    """An sBG fit and how it compares with the data, period by period.

    Arrays by period t = 0..T (``observed``, ``fitted``: survival) or renewal t = 1..T
    (``at_risk``, ``lost``, ``observed_retention``, ``fitted_retention``); T is the last
    period the data observe, ``periods_fitted`` the number the fit used. The holdout
    error is the mean absolute percentage error of fitted survival against observed
    survival over the held-out periods ``periods_fitted + 1 .. T`` (as a fraction; periods
    with observed survival 0 left out), ``None`` without held-out periods.
    ``constant_rate`` and ``constant_log_likelihood``: the constant-churn model on the
    same periods (:func:`constant_churn`), what the sBG's tenure effect is measured
    against.
    """

    source: SurvivalFile
    estimate: SbgEstimate
    periods_fitted: int
    at_risk: np.ndarray
    lost: np.ndarray
    observed: np.ndarray
    fitted: np.ndarray
    observed_retention: np.ndarray
    fitted_retention: np.ndarray
    holdout_error: float | None
    holdout_periods: tuple[int, ...]
    constant_rate: float
    constant_log_likelihood: float

    @property
    def periods(self) -> int:
        return len(self.lost)

    @property
    def alpha(self) -> float:
        return self.estimate.alpha

    @property
    def beta(self) -> float:
        return self.estimate.beta

    @property
    def first_renewal_churn(self) -> float:
        """Expected churn at the first renewal, ``α / (α + β)`` (the mean of θ)."""
        return self.alpha / (self.alpha + self.beta)

    def cohort_fitted(self, cohort: Cohort) -> np.ndarray:
        """Customers of ``cohort`` the fit expects alive at periods 0..n: start × S(t)."""
        n = len(cohort.alive) - 1
        return float(cohort.alive[0]) * sbg_survival(self.alpha, self.beta, n)


def holdout_error(observed: np.ndarray, fitted: np.ndarray, periods: list[int]) -> float | None:
    """Mean of ``|fitted_t - observed_t| / observed_t`` over ``periods`` (as a fraction);
    periods where nothing was observed alive (or nothing observed) are left out."""
    errs = [
        abs(fitted[t] - observed[t]) / observed[t]
        for t in periods
        if np.isfinite(observed[t]) and observed[t] > 0
    ]
    return float(np.mean(errs)) if errs else None


def fit_retention(source: SurvivalFile, periods: int | None = None) -> RetentionFit:
    """Fit the sBG to ``source`` on its first ``periods`` renewals (all by default) and
    compare with every period observed. Raises :class:`CannotFit` when the data cannot be
    fitted (``periods`` aside), :class:`csmodel.errors.UsageError` when they can but
    ``periods`` is outside :data:`MIN_PERIODS`..T."""
    data = source.data
    risk = data.at_risk()
    last = int(np.flatnonzero(risk > 0).max()) + 1 if np.any(risk > 0) else 0
    if last < data.periods:  # trailing periods nobody was observed in
        data = Survival(data.lost[:last], data.censored[: last + 1])
        risk = risk[:last]
    if data.periods < MIN_PERIODS:
        periods = None  # no --periods could help: fit_sbg says why the data cannot be fitted
    if periods is not None and not MIN_PERIODS <= periods <= data.periods:
        give = (
            f"{MIN_PERIODS}" if data.periods == MIN_PERIODS else f"{MIN_PERIODS} to {data.periods}"
        )
        raise UsageError(
            f"--periods {periods}: the data hold {data.periods} periods of renewals and a "
            f"fit needs at least {MIN_PERIODS}; give {give} (or leave --periods out to fit "
            "them all)"
        )
    fitted_on = data.periods if periods is None else periods
    est = fit_sbg(data.truncated(fitted_on))
    rate, rate_ll = constant_churn(data.truncated(fitted_on))
    observed = data.observed_survival()
    fitted = sbg_survival(est.alpha, est.beta, data.periods)
    held = list(range(fitted_on + 1, data.periods + 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        obs_ret = np.where(risk > 0, 1.0 - data.lost / np.where(risk > 0, risk, 1), np.nan)
    return RetentionFit(
        source=source,
        estimate=est,
        periods_fitted=fitted_on,
        at_risk=risk,
        lost=data.lost,
        observed=observed,
        fitted=fitted,
        observed_retention=obs_ret,
        fitted_retention=sbg_retention(est.alpha, est.beta, data.periods),
        holdout_error=holdout_error(observed, fitted, held) if held else None,
        holdout_periods=tuple(held),
        constant_rate=rate,
        constant_log_likelihood=rate_ll,
    )


# --- reading CSV files ----------------------------------------------------------------------
#
# csmodel.book.read_csv_rows reads the bytes (size limit, BOM, UTF-16; NUL refused), finds the
# delimiter, splits rows with their line numbers (quoted fields spanning lines, unclosed
# quotes located), its messages naming a "data file". Header names here are fixed (period,
# alive...), matched without regard to case, spaces or dashes.

_HEADER_ONLY = "the file has a header but no data: expected rows after it"


def _norm(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


@dataclass
class _Table(CsvRows):
    """A data file's rows (:class:`csmodel.book.CsvRows`), its columns found by name."""

    def column(self, name: str) -> int | None:
        """Index of the header ``name`` (case, spaces and dashes aside), or ``None``."""
        want = _norm(name)
        for j, h in enumerate(self.header):
            if _norm(h) == want:
                return j
        return None

    def has(self, name: str) -> bool:
        return self.column(name) is not None


def _read_table(path: str, headers: list[str]) -> _Table:
    """The rows of the CSV file ``path`` (``-``: standard input; ``headers``: names expected,
    to find the delimiter). Raises ScenarioError, located, for a file that cannot be read;
    a header without rows is refused later, once its names are checked."""
    return _Table(**vars(read_csv_rows(path, noun="data file", wanted=headers, text_only=True)))


def _check_rows(table: _Table, fields: dict[str, int]) -> RowProblems:
    """Problems of ``table``'s rows (``fields``: name -> column): rows of another width are
    problems, rows of empty fields are dropped."""
    named = {f: table.header[j] for f, j in fields.items()}
    problems = RowProblems(table.file, named, fields)
    body, lines = check_widths(
        table.body, table.lines, len(table.header), table.delimiter, problems
    )
    keep = [i for i, r in enumerate(body) if any(c.strip() for c in r)]
    table.body = [body[i] for i in keep]
    table.lines = lines[keep]
    problems.lines = table.lines
    problems.raise_any()  # rows cut short or run long: their cells cannot be trusted
    return problems


def _missing(table: _Table, names: list[str], what: str, used: tuple = ()) -> ScenarioError:
    """The header lacks ``names``: one problem at the header row, with did-you-mean among
    the headers not ``used`` (matched to other names)."""
    shown = ", ".join(table.header[:SHOWN_NAMES])
    taken = {_norm(u) for u in used}
    free = [h for h in table.header if _norm(h) not in taken]
    problems = []
    for name in names:
        hint = did_you_mean(name, free)
        problems.append(
            Problem(
                table.file,
                f"no column `{name}` in the header{hint} ({what}; the header has: {shown})",
                table.header_line,
                1,
            )
        )
    return ScenarioError(problems)


def _repeated(table: _Table, names: list[str]) -> None:
    """A wanted column named twice in the header is a problem."""
    problems = []
    for name in names:
        cols = [j for j, h in enumerate(table.header) if _norm(h) == _norm(name)]
        if len(cols) > 1:
            listed = " and ".join(str(j + 1) for j in cols)
            problems.append(
                Problem(
                    table.file,
                    f"the header has this column more than once (columns {listed})",
                    table.header_line,
                    cols[1] + 1,
                    table.header[cols[1]],
                )
            )
    if problems:
        raise ScenarioError(problems)


_COUNT = re.compile(r"\+?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.0*)?")
"""A count: ``1000``, ``1,000``, ``1000.0`` (as spreadsheets write whole numbers)."""
_NEGATIVE = re.compile(r"[-\u2212]\s*[0-9][0-9,]*(?:\.[0-9]*)?")
_DECIMAL = re.compile(r"[0-9]*\.[0-9]+")


def _count(text: str, what: str) -> int | BadCell:
    """A whole, non-negative number of ``what`` from a cell, at most :data:`MAX_COUNT`."""
    if _COUNT.fullmatch(text):
        n = int(text.replace(",", "").lstrip("+").split(".")[0])  # exact, however long
        if n > MAX_COUNT:
            return BadCell(
                f"must be at most {MAX_COUNT:,} (got {show_cell(text)}): a number of {what}"
            )
        return n
    if not text:
        return BadCell(f"expected a number of {what} (the cell is empty)")
    if _NEGATIVE.fullmatch(text):
        return BadCell(f"must be 0 or more (got {show_cell(text)}): a number of {what}")
    if _DECIMAL.fullmatch(text):
        return BadCell(
            f"expected a whole number of {what} (got {show_cell(text)}): the fit needs "
            "counts, not percentages or averages"
        )
    return BadCell(f"expected a whole number of {what} (got {show_cell(text)}){digits_hint(text)}")


def _ratio(text: str, what: str) -> float | BadCell:
    """A non-negative number, ``0.8`` or ``80%``, at most :data:`MAX_COVERAGE`."""
    m = re.fullmatch(r"\+?([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(%?)", text)
    if m is None:
        if not text:
            return BadCell(f"expected {what} (the cell is empty)")
        if _NEGATIVE.fullmatch(text.rstrip("%").strip()):
            return BadCell(f"must be 0 or more (got {show_cell(text)})")
        return BadCell(f"expected {what}, e.g. 0.8 or 80% (got {show_cell(text)})")
    x = float(m[1]) / (100.0 if m[2] else 1.0)
    if x > MAX_COVERAGE:
        return BadCell(
            f"{show_cell(text)} is more than {MAX_COVERAGE:g} ({MAX_COVERAGE:.0%}): write "
            "coverage as a ratio (0.8) or a percentage with its sign (80%)"
        )
    return x


def _hours(text: str, what: str) -> float | BadCell:
    """A non-negative number of hours (``1,200``, ``1200.5``)."""
    m = re.fullmatch(r"\+?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+", text)
    if m is None:
        if not text:
            return BadCell(f"expected {what} (the cell is empty)")
        if _NEGATIVE.fullmatch(text):
            return BadCell(f"must be 0 or more (got {show_cell(text)})")
        return BadCell(f"expected {what} (got {show_cell(text)}){digits_hint(text)}")
    x = float(text.replace(",", ""))
    if not x <= MAX_HOURS:  # (a run of digits past 1e308 reads as inf)
        return BadCell(f"must be at most {MAX_HOURS:,.0f} (got {show_cell(text)})")
    return x


def _cells(
    table: _Table,
    problems: RowProblems,
    field: str,
    parse: Any,
) -> list[Any]:
    """Each row's ``field`` parsed (a :class:`csmodel.book.BadCell` where it is bad, reported)."""
    j = problems.col_of[field]
    out = []
    for i, row in enumerate(table.body):
        x = parse(row[j].strip())
        if isinstance(x, BadCell):
            problems.at(i, field, str(x))
        out.append(x)
    return out


SURVIVAL_COLUMNS = ("period", "alive")
ACCOUNT_COLUMNS = ("start_date",)
CHURN_DATE_COLUMNS = ("churn_date", "end_date")
"""Names the churn date column of an account list may have (the first found is read)."""


def read_survival(path: str, as_of: date | None = None) -> SurvivalFile:
    """Read a survival table or an account list (see the module docstring).

    Survival table: columns ``period`` and ``alive`` (any order, other columns
    ignored), optional ``cohort``. Each cohort's rows (in file order) run
    period 0, 1, 2... with no gap; ``alive`` is a whole number of customers,
    more than 0 at period 0, and never rises.

    Account list: ``start_date`` (required in every row) and ``churn_date`` (or
    ``end_date``; empty for an account still a customer), dates as
    ``YYYY-MM-DD``. Renewal t falls t years after the start; an account whose
    churn date is after renewal t - 1 and on or before renewal t (the start
    date itself counts as renewal 0) was lost at renewal t. An account without
    a churn date (or with one after ``as_of``) was alive at ``as_of`` (default:
    the latest date in the file) and survived every renewal on or before it.
    Accounts starting after ``as_of`` are left out (counted).
    """
    wanted = [*SURVIVAL_COLUMNS, "cohort", *ACCOUNT_COLUMNS, *CHURN_DATE_COLUMNS]
    table = _read_table(path, wanted)
    _repeated(table, wanted)
    is_table = any(table.has(c) for c in SURVIVAL_COLUMNS)
    is_accounts = table.has("start_date") or any(table.has(c) for c in CHURN_DATE_COLUMNS)
    what = (
        "a survival table has columns period and alive, optionally cohort; an account list "
        "has start_date and churn_date or end_date"
    )
    used = tuple(wanted)
    if is_table and not all(table.has(c) for c in SURVIVAL_COLUMNS):
        raise _missing(table, [c for c in SURVIVAL_COLUMNS if not table.has(c)], what, used)
    if is_table:
        return _read_survival_table(table)
    if is_accounts:
        if not table.has("start_date"):
            raise _missing(table, ["start_date"], what, used)
        if not any(table.has(c) for c in CHURN_DATE_COLUMNS):
            raise _missing(table, ["churn_date"], what, used)
        return _read_account_list(table, as_of)
    # Neither: suggest the names of whichever form the header is closer to.
    closest_table = sum(bool(did_you_mean(c, table.header)) for c in SURVIVAL_COLUMNS)
    closest_accounts = sum(
        bool(did_you_mean(c, table.header)) for c in ("start_date", "churn_date")
    )
    if closest_accounts > closest_table:
        raise _missing(table, ["start_date", "churn_date"], what)
    raise _missing(table, list(SURVIVAL_COLUMNS), what)


def _read_survival_table(table: _Table) -> SurvivalFile:
    fields = {c: table.column(c) for c in (*SURVIVAL_COLUMNS, "cohort")}
    cols = {f: j for f, j in fields.items() if j is not None}
    problems = _check_rows(table, cols)
    if not table.body:
        problems.raise_any()
        raise ScenarioError(Problem(table.file, _HEADER_ONLY, table.header_line, 1))
    periods = _cells(table, problems, "period", lambda s: _count(s, "periods"))
    alive = _cells(table, problems, "alive", lambda s: _count(s, "customers"))
    names = (
        [r[cols["cohort"]].strip() for r in table.body] if "cohort" in cols else [""] * len(periods)
    )
    order: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        order.setdefault(name, []).append(i)
    cohorts = []
    for name, rows in order.items():
        label = f"cohort {show_cell(name)}" if name else "the cohort"
        prev_p: int | None = None
        prev_a: int | None = None
        good = True
        for i in rows:
            p, a = periods[i], alive[i]
            if isinstance(p, BadCell) or isinstance(a, BadCell):
                good = False
                prev_p = prev_a = None
                continue
            if prev_p is None and i == rows[0] and p != 0:
                problems.at(
                    i,
                    "period",
                    f"{label} starts at period {p}: each cohort starts at period 0 with its "
                    "starting count",
                )
                good = False
            elif prev_p is not None and p <= prev_p:
                problems.at(
                    i,
                    "period",
                    f"periods must increase (got {p} after {prev_p} in {label}); each "
                    "cohort's rows run 0, 1, 2, ... in order",
                )
                good = False
            elif prev_p is not None and p != prev_p + 1:
                missing = (
                    f"period {prev_p + 1} is"
                    if p == prev_p + 2
                    else f"periods {prev_p + 1}-{p - 1} are"
                )
                problems.at(i, "period", f"{missing} missing in {label} (got {p} after {prev_p})")
                good = False
            if i == rows[0] and a == 0:
                problems.at(
                    i,
                    "alive",
                    f"{label} starts with 0 customers alive at period 0: nothing to follow",
                )
                good = False
            elif prev_a is not None and a > prev_a:
                problems.at(
                    i,
                    "alive",
                    f"survivors rose from {prev_a:,} to {a:,} in {label}: a cohort only "
                    "loses customers (new customers belong in a cohort of their own)",
                )
                good = False
            prev_p, prev_a = p, a
        if good:
            cohorts.append(
                Cohort(
                    name,
                    np.array([alive[i] for i in rows], dtype=np.int64),
                    tuple(int(table.lines[i]) for i in rows),
                )
            )
    problems.raise_any()
    periods_max = max(len(c.alive) - 1 for c in cohorts)
    lost = np.zeros(periods_max, dtype=np.int64)
    censored = np.zeros(periods_max + 1, dtype=np.int64)
    for c in cohorts:
        n = len(c.alive) - 1
        lost[:n] += c.alive[:-1] - c.alive[1:]
        censored[n] += c.alive[-1]
    return SurvivalFile(table.file, "survival table", Survival(lost, censored), tuple(cohorts))


def _anniversary(start: date, years: int) -> date:
    """``start`` plus ``years`` years (29 February becomes the 28th in other years)."""
    y = start.year + years
    try:
        return start.replace(year=y)
    except ValueError:
        return date(y, 2, 28)


def renewal_lost_at(start: date, churn: date) -> int:
    """The renewal (1, 2, ...) at which an account that started ``start`` and churned
    ``churn`` was lost: the t with ``anniversary(t - 1) < churn <= anniversary(t)``
    (a churn on the start date itself: renewal 1)."""
    t = max(1, churn.year - start.year)
    while t > 1 and churn <= _anniversary(start, t - 1):
        t -= 1
    while churn > _anniversary(start, t):
        t += 1
    return t


def renewals_survived(start: date, as_of: date) -> int:
    """Renewals on or before ``as_of`` of an account that started ``start``."""
    n = max(0, as_of.year - start.year)
    while n > 0 and _anniversary(start, n) > as_of:
        n -= 1
    return n


def _read_account_list(table: _Table, as_of: date | None) -> SurvivalFile:
    churn_name = next(c for c in CHURN_DATE_COLUMNS if table.has(c))
    cols = {"start_date": table.column("start_date"), "churn_date": table.column(churn_name)}
    problems = _check_rows(table, cols)  # type: ignore[arg-type]
    if not table.body:
        problems.raise_any()
        raise ScenarioError(Problem(table.file, _HEADER_ONLY, table.header_line, 1))
    starts = _cells(table, problems, "start_date", lambda s: parse_date(s, None))
    churns = _cells(table, problems, "churn_date", lambda s: parse_date(s, None) if s else None)
    for i, (s, c) in enumerate(zip(starts, churns, strict=True)):
        if isinstance(s, date) and isinstance(c, date) and c < s:
            problems.at(
                i,
                "churn_date",
                f"the churn date {c.isoformat()} is before the start date {s.isoformat()}",
            )
    problems.raise_any()
    dates = [d for d in (*starts, *churns) if isinstance(d, date)]
    as_of = as_of or max(dates)
    lost: dict[int, int] = {}
    censored: dict[int, int] = {}
    left_out = 0
    for s, c in zip(starts, churns, strict=True):
        if s > as_of:
            left_out += 1
        elif c is not None and c <= as_of:
            t = renewal_lost_at(s, c)
            lost[t] = lost.get(t, 0) + 1
        else:
            n = renewals_survived(s, as_of)
            censored[n] = censored.get(n, 0) + 1
    if not lost and not censored:
        raise UsageError(
            f"every account of {table.file} starts after {as_of.isoformat()} (--as-of): "
            "nothing to fit"
        )
    periods = max([*lost, *censored, 0])
    lost_a = np.zeros(periods, dtype=np.int64)
    cens_a = np.zeros(periods + 1, dtype=np.int64)
    for t, k in lost.items():
        lost_a[t - 1] = k
    for n, k in censored.items():
        cens_a[n] = k
    return SurvivalFile(
        table.file,
        "account list",
        Survival(lost_a, cens_a),
        as_of=as_of,
        accounts_left_out=left_out,
    )


# --- understaffing --------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffingHistory:
    """Book-years: ``accounts`` at the start, ``churned`` during the year and ``coverage``
    κ = min(1, available / needed hours), each shape ``(rows,)``; ``labels`` name each row
    (``book year`` as the file gives them, else the line)."""

    file: str
    accounts: np.ndarray
    churned: np.ndarray
    coverage: np.ndarray
    labels: tuple[str, ...]
    coverage_from: str  # "coverage" | "hours"


HISTORY_COLUMNS = ("accounts", "churned")
COVERAGE_COLUMNS = ("coverage",)
HOURS_COLUMNS = ("hours_needed", "hours_available")


def read_history(path: str) -> StaffingHistory:
    """Read a staffing history: one row per CSM book and year with ``accounts`` (at the
    start of the year), ``churned`` (during it) and either ``coverage`` (0.8 or 80%;
    capped at 1) or ``hours_needed`` and ``hours_available`` (κ = min(1, available /
    needed)); optional ``book`` and ``year`` label the rows (a book-year given twice is a
    problem)."""
    wanted = [*HISTORY_COLUMNS, *COVERAGE_COLUMNS, *HOURS_COLUMNS, "book", "year"]
    table = _read_table(path, wanted)
    _repeated(table, wanted)
    what = (
        "a staffing history has columns accounts, churned, and coverage or hours_needed "
        "and hours_available; book and year optional"
    )
    missing = [c for c in HISTORY_COLUMNS if not table.has(c)]
    has_cov = table.has("coverage")
    hours = [c for c in HOURS_COLUMNS if table.has(c)]
    if not has_cov and len(hours) < 2:
        missing += [c for c in HOURS_COLUMNS if c not in hours] if hours else ["coverage"]
    if missing:
        raise _missing(table, missing, what, tuple(wanted))
    if has_cov and hours:
        j = table.column(hours[0])
        raise ScenarioError(
            Problem(
                table.file,
                "give either coverage or hours_needed and hours_available, not both "
                "(they could disagree)",
                table.header_line,
                (j or 0) + 1,
                table.header[j or 0],
            )
        )
    names = [*HISTORY_COLUMNS, *(COVERAGE_COLUMNS if has_cov else HOURS_COLUMNS), "book", "year"]
    cols = {c: table.column(c) for c in names if table.has(c)}
    problems = _check_rows(table, cols)  # type: ignore[arg-type]
    if not table.body:
        problems.raise_any()
        raise ScenarioError(Problem(table.file, _HEADER_ONLY, table.header_line, 1))
    accounts = _cells(table, problems, "accounts", lambda s: _count(s, "accounts"))
    churned = _cells(table, problems, "churned", lambda s: _count(s, "accounts"))
    if has_cov:
        cov = _cells(table, problems, "coverage", lambda s: _ratio(s, "a coverage"))
    else:
        need = _cells(table, problems, "hours_needed", lambda s: _hours(s, "hours"))
        have = _cells(table, problems, "hours_available", lambda s: _hours(s, "hours"))
        cov = []
        for i, (n, h) in enumerate(zip(need, have, strict=True)):
            if isinstance(n, float) and n == 0:
                problems.at(i, "hours_needed", "must be more than 0 (coverage divides by it)")
                cov.append(BadCell(""))
            elif isinstance(n, float) and isinstance(h, float):
                cov.append(h / n)
            else:
                cov.append(BadCell(""))
    for i, (n, y) in enumerate(zip(accounts, churned, strict=True)):
        if isinstance(n, int) and n == 0:
            problems.at(i, "accounts", "must be more than 0 (a book-year with accounts)")
        elif isinstance(n, int) and isinstance(y, int) and y > n:
            problems.at(i, "churned", f"{y:,} churned of {n:,} accounts: at most the accounts")
    labels = []
    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(table.body):
        key = tuple(row[cols[c]].strip() if c in cols else "" for c in ("book", "year"))
        label = " ".join(k for k in key if k) or f"line {int(table.lines[i])}"
        labels.append(label)
        if any(key):
            first = seen.setdefault(key, i)  # type: ignore[arg-type]
            if first != i:
                field = "year" if "year" in cols else "book"
                problems.at(
                    i,
                    field,
                    f"{show_cell(label)} is given twice (also on line {int(table.lines[first])})",
                )
    problems.raise_any()
    return StaffingHistory(
        file=table.file,
        accounts=np.array(accounts, dtype=np.int64),
        churned=np.array(churned, dtype=np.int64),
        coverage=np.minimum(1.0, np.array(cov, dtype=float)),
        labels=tuple(labels),
        coverage_from="coverage" if has_cov else "hours",
    )


def understaffed_churn(
    baseline: float, sensitivity: float, coverage: np.ndarray | float
) -> np.ndarray:
    """DOMAIN.md 5.3: ``min(1, c × (1 + s × (1 − κ)))``."""
    return np.minimum(1.0, baseline * (1.0 + sensitivity * (1.0 - np.asarray(coverage))))


def understaffing_log_likelihood(
    history: StaffingHistory, baseline: float, sensitivity: float
) -> float:
    """Binomial log-likelihood of the churned counts (no binomial coefficients)."""
    p = understaffed_churn(baseline, sensitivity, history.coverage)
    y = history.churned.astype(float)
    n_y = (history.accounts - history.churned).astype(float)
    with np.errstate(divide="ignore"):
        terms = np.where(y > 0, y * np.log(p), 0.0) + np.where(n_y > 0, n_y * np.log1p(-p), 0.0)
    return float(terms.sum())


@dataclass(frozen=True)
class Band:
    """Book-years with coverage in ``[low, high)``: accounts, churned, and the churn the
    fit expects (Σ accounts × churn_eff)."""

    low: float
    high: float
    rows: int
    accounts: int
    churned: int
    expected: float

    @property
    def observed_rate(self) -> float:
        return self.churned / self.accounts

    @property
    def fitted_rate(self) -> float:
        return self.expected / self.accounts


@dataclass(frozen=True)
class UnderstaffingFit:
    """The fitted churn sensitivity and its 95% profile-likelihood interval.

    ``interval`` is ``(low, high)``: ``low`` is 0 when the data cannot exclude no
    effect at all (``lower_at_zero``); ``high`` is ``None`` when the profile stays
    within 1.92 of its maximum up to ``search_max`` (``upper_open``: the data set no
    upper bound). ``baseline_churn`` is fitted (at the estimate) or given.
    """

    history: StaffingHistory
    churn_sensitivity: float
    interval: tuple[float, float | None]
    lower_at_zero: bool
    upper_open: bool
    search_max: float
    baseline_churn: float
    baseline_fixed: bool
    log_likelihood: float
    bands: tuple[Band, ...]

    def churn_increase(self, coverage: float, sensitivity: float | None = None) -> float:
        """How much higher churn is at ``coverage`` than fully staffed: ``s × (1 − κ)``
        (before the cap at 100%)."""
        s = self.churn_sensitivity if sensitivity is None else sensitivity
        return s * (1.0 - coverage)


FLAT_LOG_LIKELIHOOD = 1e-9
"""A profile log-likelihood that varies less than this (relative) over every sensitivity
searched is flat: the data cannot tell one sensitivity from another."""


def _flat(history: StaffingHistory, s_max: float) -> str:
    """Why a flat profile likelihood teaches nothing."""
    covered = np.unique(history.coverage)
    if len(covered) == 1:
        why = (
            f"every book-year of {history.file} has the same coverage "
            f"({float(covered[0]):.0%}), so the baseline churn explains it at any "
            "sensitivity"
        )
    else:
        why = f"the history of {history.file} cannot tell the sensitivity from the baseline churn"
    return (
        f"the likelihood is the same at every churn sensitivity from 0 to {s_max:.3g}: {why}. "
        "Add book-years at other coverages (fully covered ones above all), or give the "
        "baseline churn with --churn"
    )


def fit_understaffing(history: StaffingHistory, baseline: float | None = None) -> UnderstaffingFit:
    """Fit the churn sensitivity of ``history`` (see the module docstring); ``baseline``
    fixes the churn of a fully covered book (else it is fitted jointly). Raises
    :class:`CannotFit` when no book-year was under-covered (κ < 1), no account churned,
    every account churned, the profile likelihood is flat (every book-year at one coverage,
    the baseline fitted), or it rises to the largest sensitivity searched (no finite
    estimate)."""
    from scipy.optimize import brentq, minimize_scalar

    short = 1.0 - history.coverage
    if not np.any(short > 0):
        raise CannotFit(
            f"no book-year in {history.file} has coverage below 100%: the history holds "
            "nothing to learn the churn sensitivity from (it shows churn at full coverage "
            "only). Add years or books that were under-staffed"
        )
    y_total = int(history.churned.sum())
    if y_total == 0:
        raise CannotFit("no account churned in the history: there is no churn to explain")
    if y_total == int(history.accounts.sum()):
        raise CannotFit("every account churned in the history: churn is 100% at any coverage")
    y = history.churned.astype(float)
    n_y = (history.accounts - history.churned).astype(float)
    survivors = n_y > 0
    short_max = float(short[survivors].max()) if np.any(survivors) else 0.0

    def c_limit(s: float) -> float:
        """Largest baseline at which every book with survivors churns below 100%."""
        return 1.0 / (1.0 + s * short_max)

    def best_baseline(s: float) -> tuple[float, float]:
        """(baseline maximising the likelihood at sensitivity s, that log-likelihood)."""
        if baseline is not None:
            return baseline, understaffing_log_likelihood(history, baseline, s)
        # The log-likelihood is concave in c: its maximum is where the derivative
        # Σ y/c (books below the 100% cap) − Σ (n − y)·k/(1 − c·k), k = 1 + s(1 − κ),
        # falls through 0 (a root, or the step where a book with no survivors hits the cap).
        k = 1.0 + s * short

        def slope(c: float) -> float:
            below = c * k < 1
            return float(y[below].sum() / c - (n_y * k / (1.0 - c * k).clip(1e-300)).sum())

        c = float(brentq(slope, 1e-12, c_limit(s) * (1 - 1e-12), xtol=1e-15, rtol=1e-14))
        return c, understaffing_log_likelihood(history, c, s)

    def profile(s: float) -> float:
        return best_baseline(s)[1]

    s_max = MAX_SENSITIVITY
    if baseline is not None and short_max > 0:
        s_max = min(s_max, (1.0 / baseline - 1.0) / short_max * (1 - 1e-9))
    grid = np.concatenate([[0.0], np.geomspace(1e-3, s_max, 30)])
    values = np.array([profile(s) for s in grid])
    if np.ptp(values) <= FLAT_LOG_LIKELIHOOD * max(1.0, abs(float(np.nanmax(values)))):
        raise CannotFit(_flat(history, s_max))
    k = int(np.nanargmax(values))
    lo_b, hi_b = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    res = minimize_scalar(
        lambda s: -profile(s), bounds=(lo_b, hi_b), method="bounded", options={"xatol": 1e-10}
    )
    s_hat, ll_hat = float(res.x), -float(res.fun)
    if values[k] > ll_hat:
        s_hat, ll_hat = float(grid[k]), float(values[k])
    if s_hat >= s_max * (1 - 1e-6):
        raise CannotFit(
            f"the likelihood keeps rising up to the largest churn sensitivity searched "
            f"({s_max:.3g}): the {len(history.accounts):,} book-years of {history.file} put "
            "no upper limit on it (as when books that lost every account at low coverage "
            "stand against fully covered books that lost none). Add book-years, or give "
            "the baseline churn with --churn"
        )
    target = ll_hat - CHI2_1_95 / 2

    def gap(s: float) -> float:
        return profile(s) - target

    at_zero = gap(0.0) >= 0
    low = 0.0 if at_zero else float(brentq(gap, 0.0, s_hat, xtol=1e-10))
    open_top = gap(s_max) >= 0
    high = None if open_top else float(brentq(gap, s_hat, s_max, xtol=1e-10))
    c_hat, _ = best_baseline(s_hat)
    p = understaffed_churn(c_hat, s_hat, history.coverage)
    bands = []
    for lo, hi in COVERAGE_BANDS:
        rows = (history.coverage >= lo) & (history.coverage < hi)
        if hi == math.inf:
            rows = history.coverage >= lo
        if not np.any(rows):
            continue
        bands.append(
            Band(
                lo,
                hi,
                int(rows.sum()),
                int(history.accounts[rows].sum()),
                int(history.churned[rows].sum()),
                float((history.accounts[rows] * p[rows]).sum()),
            )
        )
    return UnderstaffingFit(
        history=history,
        churn_sensitivity=s_hat,
        interval=(low, high),
        lower_at_zero=at_zero,
        upper_open=open_top,
        search_max=s_max,
        baseline_churn=c_hat,
        baseline_fixed=baseline is not None,
        log_likelihood=ll_hat,
        bands=tuple(bands),
    )
