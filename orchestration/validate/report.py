"""The release's validation report: one offline HTML page and one JSON file, byte-for-byte reproducible.

GX's own Data Docs load their styles and scripts from a CDN, so the public report is rendered here:
inline CSS, no scripts, no external links, no timestamps. Every value is escaped with
`html.escape`. English text with Chinese headings, like the rest of the portal.

Besides GX suites the report lists "other checks" (dbt tests, Dagster asset checks) given as dicts:
`{"name": str, "kind": str, "success": bool, "message": str, "blocking": bool (optional, default
true)}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from orchestration.validate.gx import ExpectationOutcome, SuiteResult, jsonable

#: Longest rendering of one unexpected value in the HTML table.
VALUE_MAX_CHARS = 80

_CSS = """
:root { --ink:#1d2733; --muted:#5b6876; --line:#d9dee4; --pass:#1e7b45; --pass-bg:#e3f4ea;
  --fail:#b42318; --fail-bg:#fde8e6; --warn:#8a5a00; --warn-bg:#fff4d6; --head:#f3f5f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "PingFang SC",
  "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 17px; margin: 28px 0 6px; }
p.sub, p.meta, .zh, footer { color: var(--muted); }
p.sub { margin: 0 0 16px; }
.zh { font-size: 13px; display: block; }
.status { display: inline-block; padding: 8px 14px; border-radius: 6px; font-weight: 600; margin: 8px 0 16px; }
.badge { display: inline-block; min-width: 64px; text-align: center; padding: 1px 8px; border-radius: 10px;
  font-size: 12px; font-weight: 600; white-space: nowrap; }
.pass { color: var(--pass); background: var(--pass-bg); }
.fail { color: var(--fail); background: var(--fail-bg); }
.warn { color: var(--warn); background: var(--warn-bg); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: var(--head); font-weight: 600; }
th .zh { font-weight: 400; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.row-fail td { background: #fffafa; }
tr.row-warn td { background: #fffdf5; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; }
.message { color: var(--fail); font-size: 13px; }
details summary { cursor: pointer; color: var(--muted); font-size: 12px; }
ul.toc { padding-left: 20px; }
table.summary { width: auto; }
footer { margin-top: 40px; font-size: 13px; border-top: 1px solid var(--line); padding-top: 12px; }
@media print { .table-wrap { overflow: visible; } details { display: block; } }
""".strip()


# --------------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------------


def normalize_tests(tests: Iterable[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Other checks as dicts with exactly `name, kind, success, message, blocking`, in input order."""
    normalized = []
    for index, test in enumerate(tests or []):
        if "name" not in test or "success" not in test:
            raise ValueError(f"check #{index} needs at least 'name' and 'success': {dict(test)!r}")
        normalized.append(
            {
                "name": str(test["name"]),
                "kind": str(test.get("kind") or "check"),
                "success": bool(test["success"]),
                "message": "" if test.get("message") is None else str(test["message"]),
                "blocking": bool(test.get("blocking", True)),
            }
        )
    return normalized


def summarize(suites: list[SuiteResult], tests: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts over everything; `blocked` is true when any blocking expectation or check failed."""
    outcomes = [outcome for suite in suites for outcome in suite.results]
    blocking_failures = sum(1 for suite in suites for _ in suite.blocking_failures)
    warnings = sum(1 for suite in suites for _ in suite.warnings)
    failed_tests = [test for test in tests if not test["success"]]
    blocking_tests = sum(1 for test in failed_tests if test["blocking"])
    return {
        "suites": len(suites),
        "suites_failed": sum(1 for suite in suites if not suite.success),
        "expectations_evaluated": len(outcomes),
        "expectations_successful": sum(1 for outcome in outcomes if outcome.success),
        "expectations_failed_blocking": blocking_failures,
        "expectations_failed_warning": warnings,
        "other_checks": len(tests),
        "other_checks_failed_blocking": blocking_tests,
        "other_checks_failed_warning": len(failed_tests) - blocking_tests,
        "blocked": blocking_failures + blocking_tests > 0,
        "success": blocking_failures + warnings + len(failed_tests) == 0,
    }


def results_json(suites: list[SuiteResult], tests: list[dict] | None = None) -> bytes:
    """Everything in the report as deterministic UTF-8 JSON (sorted keys, 2-space indent, final newline)."""
    normalized = normalize_tests(tests)
    document = {
        "summary": summarize(suites, normalized),
        "suites": [suite.to_dict() for suite in suites],
        "other_checks": normalized,
    }
    text = json.dumps(jsonable(document), sort_keys=True, ensure_ascii=False, allow_nan=False, indent=2)
    return (text + "\n").encode("utf-8")


# --------------------------------------------------------------------------------------------------
# HTML pieces
# --------------------------------------------------------------------------------------------------


def _e(value: Any) -> str:
    """Escape any value for HTML text or attribute use."""
    return escape("" if value is None else str(value), quote=True)


def _heading(en: str, zh: str) -> str:
    """`English <span class=zh>中文</span>` for a table header cell."""
    return f'{_e(en)}<span class="zh">{_e(zh)}</span>'


def _badge(success: bool, blocking: bool) -> str:
    """PASS / FAIL (blocking) / WARN (non-blocking failure) badge."""
    if success:
        return '<span class="badge pass">PASS 通过</span>'
    if blocking:
        return '<span class="badge fail">FAIL 未通过</span>'
    return '<span class="badge warn">WARN 警告</span>'


def _anchor(suite: SuiteResult) -> str:
    """In-page anchor id for a suite's result (ids stay ASCII-safe)."""
    name = suite.suite_name if suite.batch is None else f"{suite.suite_name}-{suite.batch}"
    return "suite-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)


def _suite_title(suite: SuiteResult) -> str:
    """`<suite>`, followed by the batch it checked when the suite runs once per batch."""
    return f"<code>{_e(suite.suite_name)}</code>" + ("" if suite.batch is None else f" · <code>{_e(suite.batch)}</code>")


def _value_text(value: Any) -> str:
    """A JSON rendering of one value, shortened for the table."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= VALUE_MAX_CHARS else text[: VALUE_MAX_CHARS - 1] + "…"


def _unexpected_cell(outcome: ExpectationOutcome) -> str:
    """`count (percent %)` of unexpected values, or a dash for aggregate rules."""
    if outcome.unexpected_count is None:
        return "—"
    text = f"{outcome.unexpected_count:,}"
    if isinstance(outcome.unexpected_percent, (int, float)):
        text += f" ({outcome.unexpected_percent:.2f} %)"
    if outcome.element_count is not None:
        text += f" of {outcome.element_count:,}"
    return _e(text)


def _sample_cell(outcome: ExpectationOutcome) -> str:
    """The sample of unexpected values as inline code chips."""
    if not outcome.partial_unexpected_list:
        return "—"
    return ", ".join(f"<code>{_e(_value_text(value))}</code>" for value in outcome.partial_unexpected_list)


def _observed_cell(outcome: ExpectationOutcome) -> str:
    """Observed value of aggregate rules, or a dash."""
    if outcome.observed_value is None:
        return "—"
    return f"<code>{_e(_value_text(outcome.observed_value))}</code>"


def _rule_cell(outcome: ExpectationOutcome) -> str:
    """Description in English and Chinese, any error message, and the raw GX rule folded away."""
    parts = [_e(outcome.description_en)]
    if outcome.description_zh:
        parts.append(f'<span class="zh">{_e(outcome.description_zh)}</span>')
    if outcome.message:
        parts.append(f'<div class="message">{_e(outcome.message)}</div>')
    rule = json.dumps(outcome.kwargs, ensure_ascii=False, sort_keys=True)
    parts.append(
        f"<details><summary>rule 规则</summary><code>{_e(outcome.expectation_type)}</code> "
        f"<code>{_e(rule)}</code></details>"
    )
    return "".join(parts)


def _row_class(success: bool, blocking: bool) -> str:
    """Row tint: none when passed, red for blocking failures, amber for warnings."""
    if success:
        return ""
    return ' class="row-fail"' if blocking else ' class="row-warn"'


def _suite_section(suite: SuiteResult) -> str:
    """One suite: heading with badge, counts, and one table row per expectation."""
    stats = suite.statistics
    blocking = len(suite.blocking_failures)
    warnings = len(suite.warnings)
    rows_text = "unknown" if suite.row_count is None else f"{suite.row_count:,}"
    lines = [
        f'<section id="{_e(_anchor(suite))}">',
        f"<h3>{_suite_title(suite)} {_badge(suite.success, blocking > 0)}</h3>",
        (
            f'<p class="meta">Rows validated 校验行数: {_e(rows_text)} · expectations 期望: '
            f"{_e(stats.get('evaluated_expectations', len(suite.results)))}, passed 通过: "
            f"{_e(stats.get('successful_expectations', 0))}, failed 未通过: "
            f"{_e(stats.get('unsuccessful_expectations', 0))} "
            f"(blocking 阻断: {blocking}, warnings 警告: {warnings})</p>"
        ),
        '<div class="table-wrap"><table>',
        (
            "<thead><tr>"
            f"<th>#</th><th>{_heading('Rule', '规则')}</th><th>{_heading('Column', '字段')}</th>"
            f"<th>{_heading('Result', '结果')}</th><th>{_heading('Blocking', '阻断发布')}</th>"
            f"<th>{_heading('Observed', '观测值')}</th><th>{_heading('Unexpected', '异常数')}</th>"
            f"<th>{_heading('Sample of unexpected values', '异常值示例')}</th>"
            "</tr></thead>"
        ),
        "<tbody>",
    ]
    for number, outcome in enumerate(suite.results, start=1):
        column = (
            outcome.column or ", ".join(map(str, outcome.kwargs.get("column_list") or [])) or "(table 整表)"
        )
        lines.append(
            f"<tr{_row_class(outcome.success, outcome.blocking)}>"
            f'<td class="num">{number}</td>'
            f"<td>{_rule_cell(outcome)}</td>"
            f"<td><code>{_e(column)}</code></td>"
            f"<td>{_badge(outcome.success, outcome.blocking)}</td>"
            f"<td>{'yes 是' if outcome.blocking else 'no 否'}</td>"
            f"<td>{_observed_cell(outcome)}</td>"
            f'<td class="num">{_unexpected_cell(outcome)}</td>'
            f"<td>{_sample_cell(outcome)}</td>"
            "</tr>"
        )
    lines += ["</tbody></table></div>", "</section>"]
    return "\n".join(lines)


def _tests_section(tests: list[dict[str, Any]]) -> str:
    """The table of other checks (dbt tests, asset checks)."""
    lines = ['<section id="other-checks">', "<h2>Other checks / 其他检查</h2>"]
    if not tests:
        lines.append("<p>No other checks were reported. 未报告其他检查。</p>")
    else:
        lines += [
            '<div class="table-wrap"><table>',
            (
                "<thead><tr>"
                f"<th>#</th><th>{_heading('Check', '检查')}</th><th>{_heading('Kind', '类型')}</th>"
                f"<th>{_heading('Result', '结果')}</th><th>{_heading('Blocking', '阻断发布')}</th>"
                f"<th>{_heading('Message', '说明')}</th>"
                "</tr></thead>"
            ),
            "<tbody>",
        ]
        for number, test in enumerate(tests, start=1):
            lines.append(
                f"<tr{_row_class(test['success'], test['blocking'])}>"
                f'<td class="num">{number}</td>'
                f"<td><code>{_e(test['name'])}</code></td>"
                f"<td>{_e(test['kind'])}</td>"
                f"<td>{_badge(test['success'], test['blocking'])}</td>"
                f"<td>{'yes 是' if test['blocking'] else 'no 否'}</td>"
                f"<td>{_e(test['message']) or '—'}</td>"
                "</tr>"
            )
        lines.append("</tbody></table></div>")
    lines.append("</section>")
    return "\n".join(lines)


def _status_banner(summary: Mapping[str, Any]) -> str:
    """Overall verdict: blocked, passed with warnings, or passed."""
    if summary["blocked"]:
        return (
            '<div class="status fail">Blocked: at least one blocking check failed; this data is not '
            "published. 已阻断：存在未通过的阻断性检查，数据不予发布。</div>"
        )
    if not summary["success"]:
        return (
            '<div class="status warn">Passed with warnings: only non-blocking checks failed. '
            "通过（有警告）：仅非阻断性检查未通过。</div>"
        )
    return '<div class="status pass">All checks passed. 全部检查通过。</div>'


def _summary_table(summary: Mapping[str, Any]) -> str:
    """Key counts as a small two-column table."""
    rows = [
        ("Expectation suites", "期望套件", summary["suites"]),
        ("Suites with failures", "未通过的套件", summary["suites_failed"]),
        ("Expectations evaluated", "已评估期望", summary["expectations_evaluated"]),
        ("Expectations passed", "通过的期望", summary["expectations_successful"]),
        ("Blocking expectation failures", "阻断性期望失败", summary["expectations_failed_blocking"]),
        ("Non-blocking expectation failures", "非阻断性期望失败", summary["expectations_failed_warning"]),
        ("Other checks", "其他检查", summary["other_checks"]),
        ("Other checks failed (blocking)", "其他检查失败（阻断）", summary["other_checks_failed_blocking"]),
        (
            "Other checks failed (non-blocking)",
            "其他检查失败（非阻断）",
            summary["other_checks_failed_warning"],
        ),
    ]
    body = "".join(
        f'<tr><th>{_heading(en, zh)}</th><td class="num">{_e(value)}</td></tr>' for en, zh, value in rows
    )
    return f'<table class="summary"><tbody>{body}</tbody></table>'


# --------------------------------------------------------------------------------------------------
# Page
# --------------------------------------------------------------------------------------------------


def render_validation_html(title: str, suites: list[SuiteResult], tests: list[dict] | None = None) -> str:
    """The full report page: summary, every suite with every expectation, then other checks.

    Self-contained (inline CSS, no scripts, no external URLs) and deterministic: the same inputs
    give the same string. `tests=None` leaves out the other-checks section.
    """
    normalized = normalize_tests(tests)
    summary = summarize(suites, normalized)
    toc = "".join(
        f'<li><a href="#{_e(_anchor(suite))}">{_suite_title(suite)}</a> '
        f"{_badge(suite.success, bool(suite.blocking_failures))}</li>"
        for suite in suites
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)} — Validation report / 数据校验报告</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{_e(title)}</h1>",
        '<p class="sub">Validation report / 数据校验报告</p>',
        _status_banner(summary),
        "<h2>Summary / 概要</h2>",
        _summary_table(summary),
        "<h2>Expectation suites / 期望套件校验结果</h2>",
        (
            "<p>Each suite checks one dataset where it enters or leaves the pipeline. A failed "
            "<strong>blocking</strong> rule stops the release; a failed non-blocking rule is a warning. "
            "每个期望套件在数据进入或离开流水线时对一个数据集进行校验；阻断性规则未通过时不发布，"
            "非阻断性规则未通过时仅作警告。</p>"
        ),
        f'<ul class="toc">{toc}</ul>' if suites else "<p>No suites were run. 未运行期望套件。</p>",
        *(_suite_section(suite) for suite in suites),
    ]
    if tests is not None:
        parts.append(_tests_section(normalized))
    parts += [
        (
            "<footer>Generated by the PCF pipeline; the same results are published as JSON next to this "
            "page, and this page needs no network. 本页面由碳足迹数据流水线生成，离线可用。</footer>"
        ),
        "</main>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)
