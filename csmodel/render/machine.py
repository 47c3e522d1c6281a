"""Machine formats (JSON, CSV), made from ``csmodel.records``."""

from __future__ import annotations

import csv
import io
import json
from typing import Any


def dump_json(record: Any) -> str:
    return json.dumps(record, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def dump_csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    return buf.getvalue()


def project_json(pr: Any, by: str) -> str:
    from csmodel.records import project_record

    return dump_json(project_record(pr, by))


def project_csv(pr: Any, by: str) -> str:
    from csmodel.records import PERIOD_COLUMNS, period_rows

    return dump_csv(period_rows(pr, by), PERIOD_COLUMNS)


def headcount_json(report: Any) -> str:
    from csmodel.records import headcount_record

    return dump_json(headcount_record(report))


def compare_json(cols: Any, metrics: list[str]) -> str:
    from csmodel.records import compare_record

    return dump_json(compare_record(cols, metrics))


def compare_csv(cols: Any, metrics: list[str]) -> str:
    from csmodel.records import COMPARE_CSV_COLUMNS, compare_rows

    return dump_csv(compare_rows(cols, metrics), COMPARE_CSV_COLUMNS)


def sensitivity_json(result: Any) -> str:
    from csmodel.records import sensitivity_record

    return dump_json(sensitivity_record(result))
