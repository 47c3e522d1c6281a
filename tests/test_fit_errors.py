"""Malformed data files for ``csmodel fit`` (issue 14): located ``file:line:col`` problems
on stderr, exit 2, never a traceback.

Each case is a file's text and the exact problem lines expected (``{f}`` stands for the
file's path). The files are read with the account book's CSV reader
(``csmodel.book.read_csv_rows``), so byte-order marks, semicolons and quoting behave as they
do for books; ``-`` reads standard input.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import csmodel.fit
from csmodel.book import RowProblems, check_widths, read_csv_rows
from csmodel.errors import ScenarioError
from tests.conftest import ROOT, invoke_cli

WHAT_SURVIVAL = (
    "a survival table has columns period and alive, optionally cohort; an account list has "
    "start_date and churn_date or end_date"
)
WHAT_HISTORY = (
    "a staffing history has columns accounts, churned, and coverage or hours_needed and "
    "hours_available; book and year optional"
)

RETENTION_CASES = {
    "missing column, did you mean": (
        "period,alvie\n0,100\n1,50\n",
        [
            "{f}:1:1: error: no column `alive` in the header; did you mean `alvie`? "
            f"({WHAT_SURVIVAL}; the header has: period, alvie)"
        ],
    ),
    "periods not increasing": (
        "period,alive\n0,1000\n1,631\n1,600\n",
        [
            "{f}:4:1: error: period: periods must increase (got 1 after 1 in the cohort); "
            "each cohort's rows run 0, 1, 2, ... in order"
        ],
    ),
    "periods going back": (
        "cohort,period,alive\nA,0,1000\nA,2,631\nA,1,600\n",
        [
            "{f}:3:2: error: period: period 1 is missing in cohort 'A' (got 2 after 0)",
            "{f}:4:2: error: period: periods must increase (got 1 after 2 in cohort 'A'); "
            "each cohort's rows run 0, 1, 2, ... in order",
        ],
    ),
    "a gap": (
        "period,alive\n0,1000\n1,631\n4,500\n",
        ["{f}:4:1: error: period: periods 2-3 are missing in the cohort (got 4 after 1)"],
    ),
    "not starting at 0": (
        "period,alive\n1,1000\n2,631\n",
        [
            "{f}:2:1: error: period: the cohort starts at period 1: each cohort starts at "
            "period 0 with its starting count"
        ],
    ),
    "survivors rising": (
        "alive,period\n1000,0\n631,1\n640,2\n",
        [
            "{f}:4:1: error: alive: survivors rose from 631 to 640 in the cohort: a cohort "
            "only loses customers (new customers belong in a cohort of their own)"
        ],
    ),
    "negative count": (
        "period,alive\n0,1000\n1,-5\n",
        ["{f}:3:2: error: alive: must be 0 or more (got '-5'): a number of customers"],
    ),
    "not a number": (
        "period,alive\n0,1000\n1,abc\n2,63.1\nx,50\n",
        [
            "{f}:3:2: error: alive: expected a whole number of customers (got 'abc')",
            "{f}:4:2: error: alive: expected a whole number of customers (got '63.1'): the "
            "fit needs counts, not percentages or averages",
            "{f}:5:1: error: period: expected a whole number of periods (got 'x')",
        ],
    ),
    "a count past the largest read": (
        "period,alive\n0,99999999999999999999999\n1,9223372036854775807\n2,1000000000000\n",
        [
            "{f}:2:2: error: alive: must be at most 1,000,000,000,000 "
            "(got '99999999999999999999999'): a number of customers",
            "{f}:3:2: error: alive: must be at most 1,000,000,000,000 "
            "(got '9223372036854775807'): a number of customers",
        ],
    ),
    "empty cell": (
        "period,alive\n0,1000\n1,\n",
        ["{f}:3:2: error: alive: expected a number of customers (the cell is empty)"],
    ),
    "empty file": (
        "",
        [
            "{f}: error: the file is empty: expected a header row naming its columns, then "
            "rows of data"
        ],
    ),
    "blank file": (
        "  \n\n",
        [
            "{f}: error: the file is empty: expected a header row naming its columns, then "
            "rows of data"
        ],
    ),
    "header only": (
        "period,alive\n",
        ["{f}:1:1: error: the file has a header but no data: expected rows after it"],
    ),
    "zero alive at period 0": (
        "period,alive\n0,0\n1,0\n",
        [
            "{f}:2:2: error: alive: the cohort starts with 0 customers alive at period 0: "
            "nothing to follow"
        ],
    ),
    "row too long": (
        "period,alive\n0,1000,5\n1,600\n",
        [
            "{f}:2:3: error: the row has 3 fields, the header 2 (an amount such as 36,000 "
            'needs quotes: "36,000")'
        ],
    ),
    "column twice": (
        "period,alive,alive\n0,1000,1\n",
        ["{f}:1:3: error: alive: the header has this column more than once (columns 2 and 3)"],
    ),
    "neither form": (
        "foo,bar\n1,2\n",
        [
            f"{{f}}:1:1: error: no column `period` in the header ({WHAT_SURVIVAL}; the header "
            "has: foo, bar)",
            f"{{f}}:1:1: error: no column `alive` in the header ({WHAT_SURVIVAL}; the header "
            "has: foo, bar)",
        ],
    ),
    "account list without a churn date column": (
        "start_date,cancel\n2020-01-01,\n",
        [
            f"{{f}}:1:1: error: no column `churn_date` in the header ({WHAT_SURVIVAL}; the "
            "header has: start_date, cancel)"
        ],
    ),
    "account list with bad dates": (
        "start_date,end_date\n2020-01-01,2019-05-01\n2020-13-01,\n,2021-01-01\n",
        [
            "{f}:2:2: error: end_date: the churn date 2019-05-01 is before the start date "
            "2020-01-01",
            "{f}:3:1: error: start_date: no such date: '2020-13-01' (month must be in 1..12)",
            "{f}:4:1: error: start_date: expected a date as YYYY-MM-DD (the cell is empty)",
        ],
    ),
}

HISTORY_CASES = {
    "bad cells": (
        "book,year,accounts,churned,coverage\n"
        "a,2024,50,60,0.8\na,2024,40,4,80\nb,2024,0,0,-0.2\nc,2024,x,1,0.9\n",
        [
            "{f}:2:4: error: churned: 60 churned of 50 accounts: at most the accounts",
            "{f}:3:2: error: year: 'a 2024' is given twice (also on line 2)",
            "{f}:3:5: error: coverage: '80' is more than 10 (1000%): write coverage as a "
            "ratio (0.8) or a percentage with its sign (80%)",
            "{f}:4:3: error: accounts: must be more than 0 (a book-year with accounts)",
            "{f}:4:5: error: coverage: must be 0 or more (got '-0.2')",
            "{f}:5:3: error: accounts: expected a whole number of accounts (got 'x')",
        ],
    ),
    "coverage and hours": (
        "accounts,churned,coverage,hours_needed,hours_available\n5,1,0.8,10,8\n",
        [
            "{f}:1:4: error: hours_needed: give either coverage or hours_needed and "
            "hours_available, not both (they could disagree)"
        ],
    ),
    "missing columns": (
        "book,year,acounts,churned\n",
        [
            "{f}:1:1: error: no column `accounts` in the header; did you mean `acounts`? "
            f"({WHAT_HISTORY}; the header has: book, year, acounts, churned)",
            f"{{f}}:1:1: error: no column `coverage` in the header ({WHAT_HISTORY}; the "
            "header has: book, year, acounts, churned)",
        ],
    ),
    "half the hours": (
        "accounts,churned,hours_needed\n50,5,100\n",
        [
            f"{{f}}:1:1: error: no column `hours_available` in the header ({WHAT_HISTORY}; "
            "the header has: accounts, churned, hours_needed)"
        ],
    ),
    "counts and hours past the largest read": (
        "accounts,churned,hours_needed,hours_available\n"
        "99999999999999999999999,1,10,8\n20,2,1e3,8\n20,2,1" + "0" * 400 + ",8\n",
        [
            "{f}:2:1: error: accounts: must be at most 1,000,000,000,000 "
            "(got '99999999999999999999999'): a number of accounts",
            "{f}:3:3: error: hours_needed: expected hours (got '1e3')",
            "{f}:4:3: error: hours_needed: must be at most 1,000,000,000,000 (got '1"
            + "0" * 29
            + "'... (401 characters))",
        ],
    ),
    "bad hours": (
        "accounts,churned,hours_needed,hours_available\n50,5,0,10\n50,5,100,-3\n",
        [
            "{f}:2:3: error: hours_needed: must be more than 0 (coverage divides by it)",
            "{f}:3:4: error: hours_available: must be 0 or more (got '-3')",
        ],
    ),
}


def _run(tmp_path: Path, command: str, text: str) -> tuple[int, str, str, str]:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    code, out, err = invoke_cli(["fit", command, path])
    return code, out, err, str(path)


@pytest.mark.parametrize(("text", "expected"), RETENTION_CASES.values(), ids=RETENTION_CASES)
def test_malformed_survival_files_are_located(tmp_path, text, expected):
    code, out, err, f = _run(tmp_path, "retention", text)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert err.splitlines() == [e.format(f=f) for e in expected]


@pytest.mark.parametrize(("text", "expected"), HISTORY_CASES.values(), ids=HISTORY_CASES)
def test_malformed_histories_are_located(tmp_path, text, expected):
    code, out, err, f = _run(tmp_path, "understaffing", text)
    assert code == 2
    assert out == ""
    assert err.splitlines() == [e.format(f=f) for e in expected]


@pytest.mark.parametrize("command", ["retention", "understaffing"])
def test_a_missing_file_or_a_folder_is_one_line(tmp_path, command):
    code, _, err = invoke_cli(["fit", command, tmp_path / "nope.csv"])
    assert code == 2
    missing = tmp_path / "nope.csv"
    assert err == f"{missing}: error: cannot read the file: no such file or directory\n"
    code, _, err = invoke_cli(["fit", command, tmp_path])
    assert code == 2
    assert err == (
        f"{tmp_path}: error: the path is a folder, not a file: give the path of a CSV file\n"
    )


def test_a_spreadsheet_export_reads_like_a_book(tmp_path):
    """A byte-order mark, semicolons, quoted counts, CRLF line ends and headers in another
    case all read as the plain file does."""
    plain = tmp_path / "plain.csv"
    plain.write_text("period,alive\n0,1000\n1,631\n2,468\n3,382\n", encoding="utf-8")
    excel = tmp_path / "excel.csv"
    excel.write_bytes(
        b'\xef\xbb\xbfPeriod;Alive\r\n0;"1,000"\r\n1;631\r\n\r\n2;468\r\n3;382\r\n;\r\n'
    )
    a = invoke_cli(["fit", "retention", plain, "-f", "json"])
    b = invoke_cli(["fit", "retention", excel, "-f", "json"])
    assert a[0] == b[0] == 0
    assert a[1].replace(str(plain), "F") == b[1].replace(str(excel), "F")


def test_a_file_with_a_hundred_bad_rows_reports_them_and_counts_the_rest(tmp_path):
    rows = "".join(f"{t},x\n" for t in range(1, 150))
    code, _, err = _run(tmp_path, "retention", "period,alive\n0,1000\n" + rows)[:3]
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 51  # csmodel.cli.common.MAX_PROBLEMS, then the count
    assert lines[-1] == "csmodel: 99 more problems not shown; fix these first"


def test_the_largest_count_is_read(tmp_path):
    """:data:`csmodel.fit.MAX_COUNT` itself is a count (its sums stay exact in int64)."""
    top = csmodel.fit.MAX_COUNT
    code, _, err = _run(
        tmp_path, "retention", f"period,alive\n0,{top}\n1,{top // 2}\n2,{top // 3}\n"
    )[:3]
    assert code == 0, err
    code, _, err = _run(
        tmp_path,
        "understaffing",
        f"accounts,churned,coverage\n{top},{top // 10},1\n{top},{top // 5},0.5\n",
    )[:3]
    assert code == 0, err


# --- standard input ------------------------------------------------------------------------


SURVIVAL = "period,alive\n0,1000\n1,631\n2,468\n3,382\n"
HISTORY_ROWS = "accounts,churned,coverage\n100,10,1\n100,12,0.8\n100,20,0.6\n100,9,1\n"


@pytest.mark.parametrize(
    ("command", "text"), [("retention", SURVIVAL), ("understaffing", HISTORY_ROWS)]
)
def test_a_dash_reads_standard_input(tmp_path, command, text):
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    from_file = invoke_cli(["fit", command, path, "-f", "json"])
    from_stdin = invoke_cli(["fit", command, "-", "-f", "json"], input=text)
    assert from_file[0] == from_stdin[0] == 0, from_stdin[2]
    a, b = json.loads(from_file[1]), json.loads(from_stdin[1])
    assert a.pop("file") == str(path) and b.pop("file") == "<stdin>"
    assert a == b


def test_problems_in_standard_input_are_located_there():
    code, out, err = invoke_cli(["fit", "retention", "-"], input="period,alive\n0,1000\n1,-5\n")
    assert (code, out) == (2, "")
    assert err == "<stdin>:3:2: error: alive: must be 0 or more (got '-5'): a number of customers\n"
    code, _, err = invoke_cli(["fit", "understaffing", "-"], input="")
    assert code == 2
    assert err.startswith("<stdin>: error: the file is empty: expected a header row")


# --- encodings -----------------------------------------------------------------------------


def test_utf16_with_a_byte_order_mark_reads_like_utf8(tmp_path):
    """Excel's "Unicode Text" (UTF-16 with a byte-order mark, tabs): read as the plain file."""
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.txt"
    plain.write_text(SURVIVAL, encoding="utf-8")
    excel.write_bytes(SURVIVAL.replace(",", "\t").encode("utf-16"))
    a = invoke_cli(["fit", "retention", plain, "-f", "json"])
    b = invoke_cli(["fit", "retention", excel, "-f", "json"])
    assert a[0] == b[0] == 0, b[2]
    assert a[1].replace(str(plain), "F") == b[1].replace(str(excel), "F")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            SURVIVAL.encode("utf-16-le"),
            "{f}:1:1: error: the file is UTF-16 text without a byte-order mark (NUL bytes "
            "between its characters), which is not read; save it as CSV UTF-8",
        ),
        (
            SURVIVAL.encode("utf-16-be"),
            "{f}:1:1: error: the file is UTF-16 text without a byte-order mark (NUL bytes "
            "between its characters), which is not read; save it as CSV UTF-8",
        ),
        (
            b"period,alive\n0,1000\n1,6\x0031\n",
            "{f}:3:1: error: the file holds a NUL byte on this line: it is not CSV text; save "
            "it as CSV UTF-8",
        ),
        (
            SURVIVAL.encode("utf-32"),
            "{f}:1:1: error: the file holds a NUL character on this line: it is not UTF-16 "
            "text (UTF-32?); save it as CSV UTF-8",
        ),
    ],
    ids=["utf-16-le", "utf-16-be", "nul-byte", "utf-32"],
)
def test_nul_bytes_are_refused_as_an_encoding_not_read(tmp_path, data, expected):
    path = tmp_path / "data.csv"
    path.write_bytes(data)
    for command in ("retention", "understaffing"):
        code, out, err = invoke_cli(["fit", command, path])
        assert (code, out) == (2, "")
        assert err.splitlines() == [expected.format(f=path)]


def test_only_a_data_file_refuses_nul_a_book_reads_it_in_a_cell(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_bytes(b"id,owner\nA-1,\x00\n")
    assert read_csv_rows(str(path)).body == [["A-1", "\x00"]]
    with pytest.raises(ScenarioError, match="NUL byte on this line"):
        read_csv_rows(str(path), noun="data file", text_only=True)


# --- the reader fit shares with the account book -------------------------------------------


def test_fit_reads_through_the_books_public_reader_only():
    """No reaching into ``csmodel.book``'s private functions, no rewording of its messages:
    the reader names the file by its ``noun``."""
    source = (ROOT / "csmodel" / "fit.py").read_text(encoding="utf-8")
    assert not re.search(r"\bbook\._|_csv\._|\.replace\(old, new\)", source)


def test_the_reader_names_the_file_by_its_noun(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    for noun, says in [
        ("book", "a book is a header row naming its columns, then one row per account"),
        ("data file", "expected a header row naming its columns, then rows of data"),
    ]:
        with pytest.raises(ScenarioError) as caught:
            read_csv_rows(str(empty), noun=noun)
        assert caught.value.problems[0].message == f"the file is empty: {says}"
    with pytest.raises(ScenarioError) as caught:
        read_csv_rows(str(tmp_path), noun="data file")
    assert caught.value.problems[0].message == (
        "the path is a folder, not a file: give the path of a CSV file"
    )


def test_a_header_alone_reads_as_no_rows_and_checks_no_widths(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("\n  \nperiod;alive\n\n", encoding="utf-8")
    rows = read_csv_rows(str(path), noun="data file", wanted=["period", "alive"])
    assert (rows.header, rows.header_line, rows.body, rows.delimiter) == (
        ["period", "alive"],
        3,
        [],
        ";",
    )
    problems = RowProblems(rows.file, {}, {})
    body, lines = check_widths(rows.body, rows.lines, 2, rows.delimiter, problems)
    assert body == [] and len(lines) == 0 and problems.found == []
    assert isinstance(lines, np.ndarray)
