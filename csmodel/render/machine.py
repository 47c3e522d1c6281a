"""Machine formats (JSON, CSV), made from ``csmodel.records``."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Streamed:
    """A document written piece by piece, so memory stays flat however long it is.

    ``kind`` is the format (``json``, ``csv``): what an ASCII-only stream may
    escape it with. ``chunks`` is consumed once, by the writer.
    """

    kind: str
    chunks: Iterable[str]


def dump_json(record: Any) -> str:
    return json.dumps(record, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


CSV_LINE_END = "\r\n"
"""RFC 4180 line ends: the writer then quotes any field holding CR or LF, so readers
and spreadsheets keep the row."""


def _csv_number(x: Any, money: bool) -> Any:
    """Money to cents, other numbers to 6 decimals (no ``55.600000000000016``)."""
    if isinstance(x, bool) or not isinstance(x, float):
        return x
    return round(x, 2 if money else 6) + 0.0  # + 0.0: no "-0.0"


def iter_csv(
    rows: Iterable[dict[str, Any]],
    columns: tuple[str, ...],
    money: Callable[[dict[str, Any]], Collection[str]] | Collection[str] = (),
) -> Iterator[str]:
    """CSV of ``rows``, a line at a time: text cells through ``safe.csv_cell``, numbers
    rounded. ``money`` names the columns holding money (or, given a function, the money
    columns of each row, for tables whose rows mix metrics)."""
    from csmodel.render.safe import csv_cell

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator=CSV_LINE_END)

    def take() -> str:
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return text

    writer.writeheader()
    yield take()
    for row in rows:
        cents = money(row) if callable(money) else money
        writer.writerow(
            {
                k: "" if row.get(k) is None else csv_cell(_csv_number(row.get(k), k in cents))
                for k in columns
            }
        )
        yield take()


def dump_csv(
    rows: Iterable[dict[str, Any]],
    columns: tuple[str, ...],
    money: Callable[[dict[str, Any]], Collection[str]] | Collection[str] = (),
) -> str:
    """CSV of ``rows`` as one text (see :func:`iter_csv`)."""
    return "".join(iter_csv(rows, columns, money))


_PLACEHOLDER = "\x00periods\x00"


def _scalar(v: Any) -> str:
    """A flat JSON value as ``json.dumps`` writes it (non-finite floats as null)."""
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else "null"
    if v is None:
        return "null"
    if isinstance(v, (bool, int)):
        return json.dumps(v)
    return json.dumps(v, ensure_ascii=False)


def project_json(pr: Any, by: str) -> Streamed:
    """``project --format json``, its ``periods`` streamed row by row (the same text as
    one ``json.dumps(record, indent=2)``)."""
    from csmodel.records import iter_period_rows, project_record

    head, _, tail = dump_json(project_record(pr, by, periods_rows=_PLACEHOLDER)).partition(
        json.dumps(_PLACEHOLDER)
    )

    def chunks() -> Iterator[str]:
        yield head + "["
        first = True
        for row in iter_period_rows(pr, by):
            # flat rows, laid out by hand as indent=2 would: json's indenting encoder is
            # pure Python and leaves a reference cycle per call (the CLI runs without gc)
            fields = ",\n".join(f"      {json.dumps(k)}: {_scalar(v)}" for k, v in row.items())
            yield ("\n" if first else ",\n") + "    {\n" + fields + "\n    }"
            first = False
        yield ("]" if first else "\n  ]") + tail

    return Streamed("json", chunks())


def project_csv(pr: Any, by: str) -> Streamed:
    from csmodel.records import project_csv_columns, project_csv_rows

    columns = project_csv_columns(pr, by)  # a dated plan adds its calendar columns
    money = {c for c in columns if c.endswith("_arr")} | {"revenue", "csm_cost"}
    return Streamed("csv", iter_csv(project_csv_rows(pr, by), columns, money))


def headcount_json(report: Any) -> str:
    from csmodel.records import headcount_record

    return dump_json(headcount_record(report))


_HEADCOUNT_MONEY = frozenset(
    {
        "total_revenue",
        "csm_cost",
        "gross_profit",
        "delta_gross_profit",
        "contribution",
        "contribution_delta",
        "exit_arr_delta",
        "revenue_change",
        "csm_cost_change",
        "gross_profit_change",
    }
)


def _union(rows: list[dict[str, Any]]) -> tuple[str, ...]:
    """Every key of ``rows``, in order of first appearance."""
    return tuple(dict.fromkeys(k for row in rows for k in row))


def headcount_csv_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    """``csmodel headcount --format csv``: one table, its rows tagged by ``table``.

    ``sweep`` rows (per segment and staffing level), ``staffing_plan`` rows (per month of
    a segment whose ``csms`` is a schedule: ``month``, ``date``, ``planned``,
    ``required_fte``, ``coverage``, ``csm_cost``), then ``hiring_plan`` rows (per
    quarter: each segment's, then the book's as segment ``total``). Every value is
    the JSON record's under the same key.
    """
    from csmodel.records import BOOK_TOTAL

    rows: list[dict[str, Any]] = []
    for name, sweep in record["sweep"].items():
        rows += [{"table": "sweep", "segment": name, **r} for r in sweep]
    for name, seg in record["segments"].items():
        plan = seg.get("staffing_plan")
        if not plan:
            continue
        dates = plan["dates"] or [None] * len(plan["months"])
        for i, month in enumerate(plan["months"]):
            rows.append(
                {
                    "table": "staffing_plan",
                    "segment": name,
                    "month": month,
                    "date": dates[i],
                    "planned": plan["planned"][i],
                    "required_fte": plan["required_fte"][i],
                    "coverage": plan["coverage"][i],
                    "csm_cost": plan["csm_cost"][i],
                }
            )
    for quarter in record["hiring_plan"]:
        segments = quarter.get("segments", {})
        for name, r in segments.items():
            rows.append({"table": "hiring_plan", "segment": name, **r})
        book = {k: v for k, v in quarter.items() if k != "segments"}
        rows.append({"table": "hiring_plan", "segment": BOOK_TOTAL, **book})
    return rows


def headcount_csv(report: Any) -> str:
    from csmodel.records import headcount_record

    rows = headcount_csv_rows(headcount_record(report))
    return dump_csv(rows, _union(rows), _HEADCOUNT_MONEY)


def sensitivity_csv(result: Any) -> str:
    """``csmodel sensitivity --format csv``: the tornado rows, largest swing first."""
    from csmodel.ids import metric_unit
    from csmodel.records import sensitivity_record

    record = sensitivity_record(result)
    rows = [
        {"rank": i, "metric": record["metric"], "base": record["base"], **r}
        for i, r in enumerate(record["rows"], 1)
    ]
    money = ("base", "low", "high", "swing") if metric_unit(record["metric"]) == "money" else ()
    return dump_csv(rows, _union(rows) or ("rank", "metric", "base"), money)


def compare_json(cols: Any, metrics: list[str], by_segment: bool = False) -> str:
    from csmodel.records import compare_record

    return dump_json(compare_record(cols, metrics, by_segment))


def compare_csv(cols: Any, metrics: list[str], by_segment: bool = False) -> str:
    from csmodel.ids import metric_unit
    from csmodel.records import COMPARE_BANDS, COMPARE_CSV_COLUMNS, compare_rows

    simulated = any(c.simulation is not None for c in cols)
    columns = COMPARE_CSV_COLUMNS + (COMPARE_BANDS if simulated else ())

    def money(row: dict[str, Any]) -> tuple[str, ...]:
        if metric_unit(row["metric"]) != "money":
            return ()
        return ("value", "delta", *COMPARE_BANDS)

    return dump_csv(compare_rows(cols, metrics, by_segment), columns, money)


def sensitivity_json(result: Any) -> str:
    from csmodel.records import sensitivity_record

    return dump_json(sensitivity_record(result))


# --- csmodel check ------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def check_summary(report: Any) -> str:
    """One line: the verdict, then counts (the same as JSON's ``summary``)."""
    s = report.summary
    verdict = {0: "ok", 1: "failed", 2: "invalid input"}[report.exit_code]
    line = (
        f"{verdict}: {_plural(len(report.files), 'file')} checked, {s['passed']} passed, "
        f"{s['failed']} failed, {_plural(s['warnings'], 'warning')}"
    )
    if report.problems:
        line += f"; {_plural(len(report.invalid_files), 'file')} invalid (errors on stderr)"
    if report.strict and s["warnings"]:
        line += "; --strict: warnings fail"
    return line


def check_json(report: Any) -> str:
    from csmodel.records import check_record

    return dump_json(check_record(report))


def _classname(file: str, kind: str) -> str:
    """``scenarios/plan.yaml`` -> ``scenarios.plan.check``: CI servers group by the dotted
    prefix (Jenkins shows ``scenarios.plan`` as the package and ``check``/``lint`` as classes).
    """
    from pathlib import PurePath

    parts = [p for p in PurePath(file).with_suffix("").parts if p not in ("/", ".", "..")]
    return ".".join([*(p.replace(".", "_") for p in parts), kind])


def junit_name(result: Any) -> str:
    """A test case's name: the result's id, with its segment when the id does not name it
    (a lint firing on two segments gives two distinct test names)."""
    seg = result.segment
    if seg and not result.id.startswith(f"{seg}."):
        return f"{result.id}[{seg}]"
    return result.id


def _junit_location(file: str, line: int | None, col: int | None = None) -> str:
    """``FILE``, ``FILE:LINE`` or ``FILE:LINE:COL``: where a result points, as editors read it."""
    if line is None:
        return file
    return f"{file}:{line}" if col is None else f"{file}:{line}:{col}"


def _junit_out(location: str, fields: dict[str, Any]) -> str:
    """A test case's ``<system-out>``: its location, then every field of its record that has
    a value (``key: value``), so a field added to the record shows here too."""
    shown = [f"{k}: {v}" for k, v in fields.items() if v is not None and k != "line"]
    return "\n".join([location, *shown])


def check_junit(report: Any) -> str:
    """JUnit XML: a ``testsuite`` per file, a ``testcase`` per check and lint result.

    The document is valid against Jenkins xunit's strict ``junit-10.xsd`` and
    pytest's ``xunit2`` family: ``<testsuites>`` carries ``name``, ``tests``,
    ``failures`` and ``errors`` (never ``skipped``); a ``<testcase>`` only
    ``name`` and ``classname`` (never ``file`` or ``line``). A result's
    location (``FILE:LINE``) opens its failure message and its
    ``<system-out>``, which then lists the result's record
    (``csmodel.records.check_record``) as ``key: value`` lines.

    A failed check is a ``<failure>``; a warning is ``<skipped>`` with the
    message (CI servers show it without failing the report, as the exit code
    does), or a ``<failure type="warning">`` under ``--strict``. A file that
    cannot be checked is a suite of ``<error>`` test cases, one per problem.
    Every text from a user passes ``safe.xml`` (characters XML 1.0 forbids are
    shown as escapes), so the document is always well-formed.
    """
    import xml.etree.ElementTree as ET

    from csmodel.records import check_record
    from csmodel.render.safe import xml

    root = ET.Element("testsuites", name="csmodel check")
    totals = {"tests": 0, "failures": 0, "errors": 0}

    def suite(name: str, counts: dict[str, int]) -> ET.Element:
        for k in totals:
            totals[k] += counts[k]
        return ET.SubElement(
            root, "testsuite", name=xml(name), **{k: str(v) for k, v in counts.items()}
        )

    def case(parent: ET.Element, name: str, file: str, kind: str) -> Any:
        return ET.SubElement(
            parent, "testcase", name=xml(name), classname=xml(_classname(file, kind))
        )

    def outcome(tc: ET.Element, tag: str, kind: str | None, message: str, detail: str) -> None:
        attrs = (
            {"message": xml(message)} if kind is None else {"type": kind, "message": xml(message)}
        )
        ET.SubElement(tc, tag, attrs).text = xml(detail)

    def system_out(tc: ET.Element, text: str) -> None:
        ET.SubElement(tc, "system-out").text = xml(text)

    records = check_record(report)["files"]
    for f, rec in zip(report.files, records, strict=True):
        counts = {"tests": len(f.results), "failures": 0, "errors": 0, "skipped": 0}
        for r in f.results:
            if r.status == "fail" or (r.status == "warn" and report.strict):
                counts["failures"] += 1
            elif r.status == "warn":
                counts["skipped"] += 1
        el = suite(f.file, counts)
        for r, fields in zip(f.results, rec["results"], strict=True):
            tc = case(el, junit_name(r), f.file, r.kind)
            where = _junit_location(f.file, r.line)
            detail = f"{where}: {r.message}"
            if r.value_text or r.bound_text:
                detail += f"\nvalue: {r.value_text or 'n/a'}; bound: {r.bound_text or 'none'}"
            if r.status == "fail":
                outcome(tc, "failure", r.kind, f"{where}: {r.message}", detail)
            elif r.status == "warn" and report.strict:
                outcome(tc, "failure", "warning", f"{where}: {r.message}", detail)
            elif r.status == "warn":
                outcome(tc, "skipped", None, f"{where}: warning: {r.message}", detail)
            system_out(tc, _junit_out(where, fields))
    by_file: dict[str, list[Any]] = {}
    for p in report.problems:
        by_file.setdefault(p.file, []).append(p)
    for file, problems in by_file.items():
        el = suite(
            file, {"tests": len(problems), "failures": 0, "errors": len(problems), "skipped": 0}
        )
        for p in problems:
            tc = case(el, "valid-scenario", file, "load")
            outcome(tc, "error", "invalid", p.format(), p.format())
            system_out(tc, _junit_location(file, p.line, (p.col or 1) if p.line else None))
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def github_data(text: str) -> str:
    """Escape a workflow command's message: ``%``, CR and LF; other control characters
    are shown as visible escapes (``safe.visible``), never written raw."""
    from csmodel.render.safe import visible

    text = visible(text, keep="\r\n")
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """Escape a workflow command's property value: as data, plus ``:`` and ``,``."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(level: str, message: str, **props: Any) -> str:
    """``::error file=F,line=L,title=T::message`` with every part escaped."""
    given = ",".join(f"{k}={github_property(str(v))}" for k, v in props.items() if v is not None)
    return (
        f"::{level} {given}::{github_data(message)}"
        if given
        else f"::{level}::{github_data(message)}"
    )


def check_github(report: Any) -> str:
    """GitHub Actions workflow commands: an annotation per failure and warning, then a summary.

    Failed checks are ``::error``; warnings are ``::warning`` (``::error``
    under ``--strict``); files that cannot be checked give an ``::error`` per
    problem. Passing results are only counted.
    """
    lines = []
    for p in report.problems:
        message = f"{p.key}: {p.message}" if p.key else p.message
        lines.append(
            github_command(
                "error", message, file=p.file, line=p.line, col=p.col, title="invalid scenario"
            )
        )
    for f in report.files:
        for r in f.results:
            if r.status == "pass":
                continue
            level = "error" if r.status == "fail" or report.strict else "warning"
            lines.append(github_command(level, r.message, file=f.file, line=r.line, title=r.id))
    lines.append(check_summary(report))
    return "\n".join(lines) + "\n"


def samples_csv(sim: Any) -> str:
    """``project --samples``: one row per simulated path (``records.sample_rows``); money
    metrics to the cent, other numbers to 6 decimals, header cells (they name segments)
    through ``safe.csv_cell`` like any user text."""
    from csmodel.ids import MONEY_METRICS
    from csmodel.records import sample_rows
    from csmodel.render.safe import csv_cell

    header, rows = sample_rows(sim)
    keys = tuple(f"c{i}" for i in range(len(header)))
    money = {k for k, h in zip(keys, header, strict=True) if h in MONEY_METRICS}
    head = ",".join(_csv_field(csv_cell(h)) for h in header) + CSV_LINE_END
    body = iter_csv((dict(zip(keys, r, strict=True)) for r in rows), keys, money)
    next(body)  # iter_csv's own header (the positional keys)
    return head + "".join(body)


def _csv_field(text: str) -> str:
    """One CSV field as the csv module quotes it (minimal quoting)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow([text])
    return buf.getvalue()
