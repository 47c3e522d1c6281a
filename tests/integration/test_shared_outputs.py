"""The report and the workbook as a person opens them (issue 15, item 3).

- The HTML report is rendered by headless Chromium to a PNG (and printed to PDF on
  A4), with networking off: the page draws from the file alone.
- The workbook's formulas are recalculated by headless LibreOffice: the workbook is
  copied without its cached values (openpyxl keeps formulas, drops results), so
  LibreOffice must compute every formula to convert it; the recalculated closing ARR,
  totals, NRR and GRR are compared with csmodel's JSON to 1e-6.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from .conftest import need

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
TIMEOUT = 180


def csmodel(*args: object) -> bytes:
    out = subprocess.run(
        [sys.executable, "-m", "csmodel", *map(str, args)],
        capture_output=True,
        cwd=ROOT,
        check=False,
        timeout=TIMEOUT,
    )
    assert out.returncode == 0, out.stderr.decode()
    return out.stdout


def chromium(tmp_path: Path, *args: str) -> None:
    exe = need("chromium")
    profile = tmp_path / "chromium-profile"
    profile.mkdir(exist_ok=True)
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    subprocess.run(cmd, capture_output=True, check=False, timeout=TIMEOUT)


@pytest.mark.parametrize("simulate", [[], ["--simulate", "50", "--seed", "1"]], ids=["plan", "sim"])
def test_chromium_renders_the_report(tmp_path, simulate):
    html = tmp_path / "report.html"
    csmodel("report", SCENARIOS / "fy27-plan.yaml", "-o", html, *simulate)
    png, pdf = tmp_path / "report.png", tmp_path / "report.pdf"
    url = html.as_uri()
    chromium(tmp_path, "--window-size=1200,4000", f"--screenshot={png}", url)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1200, 4000)
    assert len(data) > 50_000  # charts and tables, not a blank page
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.read_bytes().count(b"/Type /Page") >= 4  # pages: it prints


def recalculated(tmp_path: Path, workbook: Path) -> openpyxl.Workbook:
    """``workbook`` recalculated by LibreOffice: formulas only in, values out."""
    exe = need("soffice")
    bare = tmp_path / "bare" / workbook.name
    bare.parent.mkdir()
    openpyxl.load_workbook(workbook).save(bare)  # formulas kept, cached values dropped
    assert openpyxl.load_workbook(bare, data_only=True)["ARR bridge"]["J2"].value is None
    out = tmp_path / "recalculated"
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--calc",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(bare),
        ],
        capture_output=True,
        check=True,
        timeout=TIMEOUT,
    )
    return openpyxl.load_workbook(out / workbook.name, data_only=True)


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


@pytest.mark.parametrize("name", ["saas-company.yaml", "fy27-plan.yaml"])
def test_libreoffice_recalculates_the_workbook_to_the_json(tmp_path, name):
    path = SCENARIOS / name
    workbook = tmp_path / "plan.xlsx"
    csmodel("project", path, "-o", workbook)
    rec = json.loads(csmodel("project", path, "--format", "json"))
    wb = recalculated(tmp_path, workbook)

    ws = wb["ARR bridge"]
    head = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(head)}
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    for row, want in zip(rows, rec["totals"], strict=False):
        assert close(row[col["Closing ARR"]], want["closing_arr"])
        assert close(row[col["Opening ARR"]], want["opening_arr"])
    total = rows[len(rec["totals"])]
    assert total[0] == "Total"
    assert close(total[col["Revenue"]], rec["metrics"]["total_revenue"])
    assert close(total[col["Closing ARR"]], rec["metrics"]["ending_arr"])
    for key, header in (("new_arr", "New"), ("churn_arr", "Churn")):
        assert close(total[col[header]], sum(r[key] for r in rec["totals"]))

    ws = wb["By year"]
    head = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(head)}
    for row, y in zip(ws.iter_rows(min_row=2, values_only=True), rec["years"], strict=False):
        if y["nrr"] is None:
            continue
        assert close(row[col["NRR"]], y["nrr"])
        assert close(row[col["GRR"]], y["grr"])
        assert close(row[col["Closing ARR"]], y["starting_book"]["closing_arr"])
