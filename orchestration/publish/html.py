"""Shared pieces of the static pages: escaping, number and size formatting, summary labels, the shell.

Pages are plain HTML with inline CSS only (no script, no external style, font or image), so they
work offline and from a file:// URL. English and Chinese are both shown: Chinese text sits next to
or under the English in a `lang="zh-Hans"` span.
"""

from __future__ import annotations

import html
import math
from typing import Any

CSS = """
:root{--fg:#1d2433;--muted:#5b6478;--bg:#fbfcfd;--card:#fff;--line:#dde2ea;
  --accent:#1f7a5a;--accent2:#e8f3ee}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ef;--muted:#a3abbd;--bg:#14171c;--card:#1b1f26;
  --line:#323846;--accent:#5cc79b;--accent2:#1f3029}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,
  "PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif}
main{max-width:1120px;margin:0 auto;padding:24px 20px 64px}
header.top{border-bottom:3px solid var(--accent);margin-bottom:20px;padding-bottom:12px}
h1{font-size:1.7rem;margin:.2em 0}
h2{font-size:1.25rem;margin:2em 0 .6em;border-bottom:1px solid var(--line);padding-bottom:.2em}
h3{font-size:1.05rem;margin:1.4em 0 .4em}
a{color:var(--accent)}
.zh{color:var(--muted)}
h1 .zh,h2 .zh,h3 .zh{font-weight:500;margin-left:.5em}
.meta{color:var(--muted);margin:.2em 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.card .n{font-size:1.45rem;font-weight:650;font-variant-numeric:tabular-nums}
.card .l{font-size:.85rem;color:var(--muted)}
.scroll{overflow-x:auto;border:1px solid var(--line);border-radius:8px;background:var(--card)}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:6px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--accent2);font-weight:600;white-space:nowrap}
tr:last-child td{border-bottom:0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code,.hash{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.82rem}
.hash{word-break:break-all;color:var(--muted)}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;background:var(--accent2);font-size:.8rem}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:12px}
figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px}
figcaption{font-size:.88rem;margin-bottom:4px}
svg{max-width:100%;height:auto;display:block}
svg text{fill:var(--fg);font-family:inherit}
details>summary{cursor:pointer;margin:.6em 0}
pre{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px;overflow-x:auto}
footer{margin-top:48px;color:var(--muted);font-size:.85rem;border-top:1px solid var(--line);padding-top:12px}
""".strip()

# Chinese words for the tokens summary keys are made of ("submissions_accepted" -> 报送 · 接收).
SUMMARY_WORDS_ZH = {
    "products": "产品",
    "product": "产品",
    "companies": "企业",
    "company": "企业",
    "categories": "类别",
    "category": "类别",
    "submissions": "报送",
    "submission": "报送",
    "files": "文件",
    "rows": "行",
    "accepted": "已接收",
    "quarantined": "已隔离",
    "received": "已收到",
    "rejected": "已拒收",
    "changes": "变更",
    "added": "新增",
    "removed": "移除",
    "restated": "重述",
    "checks": "校验",
    "passed": "通过",
    "failed": "未通过",
    "warnings": "警告",
    "factors": "排放因子",
    "factor": "排放因子",
    "releases": "发布",
    "release": "发布",
    "public": "公开",
    "restricted": "受限",
    "verified": "已核查",
    "label": "标识",
    "eligible": "符合条件",
    "shipments": "集装箱运输",
    "farms": "养殖场",
    "total": "合计",
}


def esc(value: Any) -> str:
    """HTML-escape any value (quotes included): every piece of data goes through here."""
    return html.escape("" if value is None else str(value), quote=True)


def bi(en: str, zh: str) -> str:
    """English text followed by its Chinese translation."""
    return f'{esc(en)} <span class="zh" lang="zh-Hans">{esc(zh)}</span>'


def stacked(en: str, zh: str) -> str:
    """English text with its Chinese translation on the line below."""
    return f'{esc(en)}<br><span class="zh" lang="zh-Hans">{esc(zh)}</span>'


def human_size(n_bytes: int) -> str:
    """Bytes in human units (SI): 999 B, 1.2 kB, 3.4 MB."""
    size = float(n_bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{n_bytes} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def fmt_number(value: Any) -> str:
    """Readable numbers: integers with thousands separators, floats to 3 significant digits."""
    if isinstance(value, bool) or value is None:
        return esc(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value == 0:
            return "0"
        magnitude = abs(value)
        if magnitude >= 1e9 or magnitude < 1e-3:
            return f"{value:.2e}"
        if magnitude >= 1000:
            return f"{value:,.0f}"
        return f"{value:.3g}"
    return esc(value)


def flatten_summary(summary: dict, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Nested summary dict -> [(key path, value)], in the caller's order."""
    out: list[tuple[tuple[str, ...], Any]] = []
    for key, value in summary.items():
        path = (*prefix, str(key))
        if isinstance(value, dict):
            out.extend(flatten_summary(value, path))
        else:
            out.append((path, value))
    return out


# Whole keys whose Chinese is not the words in order.
SUMMARY_PHRASES_ZH = {
    "factors_in_effect": "有效排放因子",
    "changes_added": "新增变更",
    "changes_removed": "移除变更",
    "changes_restated": "重述变更",
    "label_eligible": "可获碳标识",
}


def summary_labels(path: tuple[str, ...]) -> tuple[str, str]:
    """English and Chinese labels for a summary key path, e.g. ('submissions', 'accepted')."""
    tokens = [t for part in path for t in part.split("_") if t]
    english = " ".join(tokens).capitalize()
    key = "_".join(tokens).lower()
    words = [SUMMARY_WORDS_ZH.get(t.lower(), f" {t} ") for t in tokens]
    chinese = SUMMARY_PHRASES_ZH.get(key) or "".join(words).strip().replace("  ", " ")
    return english, chinese


def summary_cards(summary: dict) -> str:
    """The summary counts as a grid of cards."""
    cards = []
    for path, value in flatten_summary(summary):
        en, zh = summary_labels(path)
        cards.append(
            f'<div class="card"><div class="n">{fmt_number(value)}</div>'
            f'<div class="l">{esc(en)}<br><span lang="zh-Hans">{esc(zh)}</span></div></div>'
        )
    return f'<div class="cards">{"".join(cards)}</div>' if cards else ""


def page(title: str, body: str) -> str:
    """A complete HTML document with the inline stylesheet."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>\n{CSS}\n</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def table_html(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    """A table from already-escaped header and cell HTML; `numeric` column indexes are right-aligned."""
    numeric = numeric or set()
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
