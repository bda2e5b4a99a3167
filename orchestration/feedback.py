"""Feedback a company (or the factor database's publisher) reads: feedback/<id>.json and .md (SPEC §7).

Each report says how many rows were received, accepted and quarantined (received = accepted +
quarantined, always), and every problem with its row, column, reason code and a message in English
and Chinese. Reports are rewritten whole and atomically; the same warehouse state gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import orjson

from orchestration.home import Home
from orchestration.publish.files import replace_atomically
from orchestration.problems import Problem

PROBLEM_FIELDS = ("sheet", "row", "column", "product", "code", "severity", "message_en", "message_zh")


# In the feedback folder: a digest of the code that renders the submission reports' Markdown, written
# once every report of a night is in place. While it matches, a report whose JSON is unchanged keeps
# its Markdown as it is, neither rendered nor read again (20,000 reports: about 2 s a night).
MARKDOWN_RENDERER = ".markdown-renderer"


def _write_atomic(path: Path, data: bytes, exists: bool = True) -> bool:
    """Replace `path` with `data` unless it holds them already; `exists=False`: known not to exist
    yet. Returns whether the file was written."""
    if exists:
        try:
            if path.read_bytes() == data:
                return False
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
    replace_atomically(path, data, sync=False)
    return True


def _markdown_renderer() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _md_cell(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: dict[str, Any]) -> str:
    """A report a person can read: the counts, then every problem, in English and Chinese."""
    title = report.get("file_name") or report.get("release_id")
    lines = [
        f"# Feedback on {title} / 反馈报告",
        "",
        f"- Status / 状态: **{report['status']}**",
    ]
    for key, label in (
        ("submission_id", "Submission id / 报送编号"),
        ("release_id", "Release / 发布编号"),
        ("received_date", "Received / 接收日期"),
        ("format", "Format / 格式"),
        ("encoding", "Encoding / 编码"),
        ("rows_received", "Rows received / 接收行数"),
        ("rows_accepted", "Rows accepted / 接受行数"),
        ("rows_quarantined", "Rows quarantined / 隔离行数"),
    ):
        if report.get(key) is not None:
            lines.append(f"- {label}: {report[key]}")
    products = report.get("products") or []
    if products:
        lines += ["", "## Products / 产品", "", "| product / 产品 | period / 报告期 | status / 状态 |", "|---|---|---|"]
        for product in products:
            lines.append(f"| {_md_cell(product['product'])} | {_md_cell(product['period'])} | {_md_cell(product['status'])} |")
    problems = report.get("problems") or []
    lines += ["", f"## Problems / 问题 ({len(problems)})", ""]
    if not problems:
        lines.append("None. / 无。")
    else:
        lines += ["| sheet | row / 行 | column / 列 | code / 代码 | message | 说明 |", "|---|---|---|---|---|---|"]
        for problem in problems:
            lines.append(
                "| "
                + " | ".join(
                    _md_cell(problem.get(key)) for key in ("sheet", "row", "column", "code", "message_en", "message_zh")
                )
                + " |"
            )
    return "\n".join(lines) + "\n"


def report_json_bytes(report: dict[str, Any]) -> bytes:
    """A report as JSON: UTF-8, two-space indent, sorted keys, final newline.

    Written by orjson: the same bytes as `json.dumps(report, ensure_ascii=False, indent=2,
    sort_keys=True, default=str)` for what a report holds (text, integers, booleans, null, lists,
    objects; dates as text), where the standard library's indenting encoder is pure Python and
    takes about 10 s for the 20,000 reports of a 10M-line night.
    """
    option = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
    return orjson.dumps(report, default=str, option=option) + b"\n"


def write_report(
    home: Home, report_id: str, report: dict[str, Any], render: Callable[[dict[str, Any]], str] = render_markdown
) -> None:
    """feedback/<report_id>.json and .md, each replaced atomically (and only when it changed)."""
    _write_report_files(home, home.inside(home.feedback), report_id, report, render)


def _write_report_files(
    home: Home,
    folder: Path,
    report_id: str,
    report: dict[str, Any],
    render: Callable[[dict[str, Any]], str],
    present: set[str] | None = None,
    markdown_follows_json: bool = False,
) -> None:
    """`write_report` into `folder`, the feedback folder already resolved inside the home.

    `present`, when given, names every file the folder held before: a report not among them is
    written without first trying to read it (half the system calls of a first night).
    `markdown_follows_json`: the Markdown present was rendered by `render` from the JSON present,
    so while the JSON is unchanged the Markdown is left as it is.
    """
    json_name, markdown_name = f"{report_id}.json", f"{report_id}.md"
    json_written = _write_report_file(home, folder, json_name, report_json_bytes(report), present)
    if json_written or not markdown_follows_json or present is None or markdown_name not in present:
        _write_report_file(home, folder, markdown_name, render(report).encode(), present)


def _write_report_file(home: Home, folder: Path, name: str, data: bytes, present: set[str] | None) -> bool:
    path = folder / name
    # a plain file name stays in the resolved folder; any other name is resolved and checked
    if path.parent == folder:
        return _write_atomic(path, data, exists=present is None or name in present)
    return _write_atomic(home.inside(path), data)


def write_release_feedback(home: Home, outcome) -> None:
    """The report on one factor release: accepted, or rejected whole with every problem."""
    problems = [{key: p.get(key) for key in PROBLEM_FIELDS} for p in outcome.problems]
    write_report(
        home,
        f"factor-release-{outcome.release_id}",
        {
            "release_id": outcome.release_id,
            "status": outcome.status,
            "rows_received": outcome.rows_received,
            "rows_accepted": outcome.rows_received if outcome.status == "accepted" else 0,
            "rows_quarantined": 0 if outcome.status == "accepted" else outcome.rows_received,
            "problems": problems,
        },
    )


def _graph_problem(row: tuple) -> dict[str, Any]:
    submission_id, sheet, source_row, product_key, column, code, details = row
    problem = Problem(code, row=source_row, column=column, sheet=sheet, product=product_key, details=json.loads(details or "{}"))
    return {key: getattr(problem, key) for key in PROBLEM_FIELDS}


def _superseded_problems(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, dict[str, Any]]]:
    """A SUPERSEDED warning for every product and period a later submission replaced (SPEC §3.2)."""
    rows = connection.execute(
        """select distinct earlier.submission_id, earlier.product_key, later.submission_id
           from intermediate.int_submission_products as earlier
           inner join intermediate.int_submission_products as later
             on later.product_period_key = earlier.product_period_key and later.is_current
           where not earlier.is_current"""
    ).fetchall()
    return [
        (submission_id, _graph_problem((submission_id, None, None, product_key, None, "SUPERSEDED", json.dumps({"value": later}))))
        for submission_id, product_key, later in rows
    ]


def submission_reports(connection: duckdb.DuckDBPyConnection, as_of: str) -> dict[str, dict[str, Any]]:
    """Every submission received by `as_of`, as the report its company reads."""
    files = connection.execute(
        """select submission_id, file_name, received_date, format, encoding, file_status
           from raw.files where kind = 'submission' and received_date <= ? order by submission_id""",
        [as_of],
    ).fetchall()
    reports: dict[str, dict[str, Any]] = {}
    for submission_id, file_name, received_date, fmt, encoding, file_status in files:
        reports[submission_id] = {
            "submission_id": submission_id,
            "file_name": file_name,
            "received_date": str(received_date),
            "format": fmt,
            "encoding": encoding,
            "status": file_status,
            "rows_received": 0,
            "rows_accepted": 0,
            "rows_quarantined": 0,
            "products": [],
            "problems": [],
        }
    counts = connection.execute(
        """select submission_id, count(*), count(*) filter (where row_status = 'accepted')
           from intermediate.int_submission_row_outcomes group by submission_id"""
    ).fetchall()
    for submission_id, received, accepted in counts:
        if submission_id in reports:
            reports[submission_id].update(rows_received=received, rows_accepted=accepted, rows_quarantined=received - accepted)
    problems: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in connection.execute(
        """select submission_id, source_sheet, source_row, column_name, product_key, code, severity, message_en, message_zh
           from raw.problems"""
    ).fetchall():
        submission_id, sheet, source_row, column, product_key, code, severity, message_en, message_zh = row
        problems[submission_id].append(
            {"sheet": sheet or None, "row": source_row, "column": column, "product": product_key, "code": code,
             "severity": severity, "message_en": message_en, "message_zh": message_zh}
        )
    for row in connection.execute(
        """select submission_id, source_sheet, source_row, product_key, column_name, code, details
           from intermediate.int_product_problems"""
    ).fetchall():
        problems[row[0]].append(_graph_problem(row))
    for submission_id, problem in _superseded_problems(connection):
        problems[submission_id].append(problem)
    # each product's rows are reduced to one flag before the join, so the period text is made
    # once per product rather than once per row
    products = connection.execute(
        """with outcomes as (
               select submission_id, product_key, bool_and(row_status = 'accepted') as is_accepted
               from intermediate.int_submission_row_outcomes
               group by all
           )
           select p.submission_id, p.product_key,
                  strftime(p.reporting_period_start, '%Y-%m-%d') || '..' || strftime(p.reporting_period_end, '%Y-%m-%d'),
                  p.is_current, bool_and(o.is_accepted), p.disclosure
           from intermediate.int_submission_products p
           left join outcomes o
             on o.submission_id = p.submission_id and o.product_key = p.product_key
           group by all"""
    ).fetchall()
    for submission_id, product_key, period, is_current, accepted, disclosure in products:
        if submission_id not in reports:
            continue
        status = ("accepted" if accepted else "quarantined") if is_current else "superseded"
        reports[submission_id]["products"].append(
            {"product": product_key, "period": period, "status": status, "disclosure": disclosure}
        )
    for submission_id, report in reports.items():
        report["products"].sort(key=lambda p: (p["product"] or "", p["period"] or ""))
        report["problems"] = sorted(
            problems.get(submission_id, []),
            key=lambda p: (p.get("sheet") or "", p.get("row") or 0, p.get("column") or "", p.get("code") or "",
                           p.get("product") or "", p.get("message_en") or ""),
        )
        if report["status"] == "read":
            report["status"] = "accepted" if report["rows_quarantined"] == 0 else (
                "quarantined" if report["rows_accepted"] == 0 else "partially accepted"
            )
    return reports


def write_submission_feedback(home: Home, connection: duckdb.DuckDBPyConnection, as_of: str) -> dict[str, int]:
    """Write the report of every submission; returns totals of rows received, accepted, quarantined."""
    totals = {"submissions": 0, "rows_received": 0, "rows_accepted": 0, "rows_quarantined": 0, "files_quarantined": 0}
    folder = home.inside(home.feedback)
    folder.mkdir(parents=True, exist_ok=True)
    present = {entry.name for entry in os.scandir(folder)}
    renderer, marker = _markdown_renderer(), folder / MARKDOWN_RENDERER
    follows = MARKDOWN_RENDERER in present and marker.read_text(encoding="utf-8") == renderer
    for submission_id, report in submission_reports(connection, as_of).items():
        _write_report_files(home, folder, submission_id, report, render_markdown, present, markdown_follows_json=follows)
        totals["submissions"] += 1
        totals["files_quarantined"] += report["status"] == "quarantined" and report["rows_received"] == 0
        for key in ("rows_received", "rows_accepted", "rows_quarantined"):
            totals[key] += report[key]
    _write_atomic(marker, renderer.encode(), exists=MARKDOWN_RENDERER in present)
    return totals
