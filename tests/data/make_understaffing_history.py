"""Write the synthetic staffing history the understaffing fit is tested on.

40 CSM books over 4 years (2022-2025), each book-year with 30-90 accounts at
the start, hours needed at 30 hours per account and CSM hours available at a
coverage drawn uniformly from 55% to 125%; churned accounts are drawn
Binomial(accounts, min(1, c × (1 + s × (1 − κ)))) (DOMAIN.md 5.3) with the known
``TRUE_BASELINE`` c = 8% and ``TRUE_SENSITIVITY`` s = 1.5, from a fixed seed.

Regenerate (never edit the CSV by hand):

    .venv/bin/python tests/data/make_understaffing_history.py

writes ``tests/data/understaffing-history.csv`` and the example
``scenarios/data/understaffing-history.csv`` (the same rows);
``tests/test_fit_understaffing.py`` checks both match this script.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

TRUE_SENSITIVITY = 1.5
TRUE_BASELINE = 0.08
SEED = 14
BOOKS = 40
YEARS = (2022, 2023, 2024, 2025)
HOURS_PER_ACCOUNT = 30
ROOT = Path(__file__).resolve().parents[2]
TARGETS = (
    ROOT / "tests" / "data" / "understaffing-history.csv",
    ROOT / "scenarios" / "data" / "understaffing-history.csv",
)


def generate(seed: int = SEED, sensitivity: float = TRUE_SENSITIVITY) -> str:
    """The history as CSV text (``book,year,accounts,churned,hours_needed,hours_available``)."""
    rng = np.random.default_rng(seed)
    out = io.StringIO()
    out.write("book,year,accounts,churned,hours_needed,hours_available\n")
    for b in range(1, BOOKS + 1):
        for year in YEARS:
            accounts = int(rng.integers(30, 91))
            needed = accounts * HOURS_PER_ACCOUNT
            coverage = rng.uniform(0.55, 1.25)
            available = round(coverage * needed)
            kappa = min(1.0, available / needed)
            p = min(1.0, TRUE_BASELINE * (1 + sensitivity * (1 - kappa)))
            churned = int(rng.binomial(accounts, p))
            out.write(f"csm-{b:02d},{year},{accounts},{churned},{needed},{available}\n")
    return out.getvalue()


def main() -> None:
    text = generate()
    for path in TARGETS:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
