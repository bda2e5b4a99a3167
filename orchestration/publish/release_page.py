"""The release page `releases/<id>/index.html`: summary, downloads with checksums, what changed,
charts and the data dictionary — static, offline, English and Chinese."""

from __future__ import annotations

import pyarrow as pa

from orchestration.publish.changes import PREVIEW_ROWS, change_counts, word_zh
from orchestration.publish.csvfile import format_float
from orchestration.publish.datapackage import WrittenDataset, WrittenFile
from orchestration.publish.html import bi, esc, human_size, page, stacked, summary_cards, table_html
from orchestration.publish.specs import Chart, ReleaseInfo


def _download(f: WrittenFile, label: str) -> str:
    return (
        f'<a href="{esc(f.path)}" download>{esc(label)}</a> <span class="zh">{esc(human_size(f.bytes))}'
        f'</span><div class="hash" title="sha256">sha256 {esc(f.sha256)}</div>'
    )


def _datasets_section(datasets: list[WrittenDataset]) -> str:
    rows = [
        [
            f"<code>{esc(d.spec.name)}</code>"
            + ("" if d.spec.access == "public" else ' <span class="pill">restricted 受限</span>'),
            stacked(d.spec.title_en, d.spec.title_zh),
            f"{d.rows:,}",
            _download(d.parquet, "Parquet"),
            _download(d.csv, "CSV"),
        ]
        for d in datasets
    ]
    headers = ["Dataset 数据集", "Title 名称", "Rows 行数", "Parquet", "CSV"]
    return f"<h2>{bi('Datasets', '数据集')}</h2>" + table_html(headers, rows, numeric={2})


def _other_files_section(extra: list[WrittenFile]) -> str:
    if not extra:
        return ""
    rows = [
        [
            f'<a href="{esc(f.path)}">{esc(f.path)}</a>',
            esc(human_size(f.bytes)),
            f'<span class="hash">{esc(f.sha256)}</span>',
        ]
        for f in extra
    ]
    return f"<h3>{bi('Other files', '其他文件')}</h3>" + table_html(
        ["File 文件", "Size 大小", "sha256"], rows, numeric={1}
    )


def _code(code: str) -> str:
    """A change type or reason code with its Chinese word ('—' when empty)."""
    return f'{esc(code)} <span class="zh" lang="zh-Hans">{esc(word_zh(code))}</span>' if code else "—"


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return esc(format_float(value))
    return esc(value.isoformat() if hasattr(value, "isoformat") else value)


def _changes_section(info: ReleaseInfo, changes: pa.Table | None, extra: list[WrittenFile]) -> str:
    title = f"<h2>{bi('What changed', '变更情况')}</h2>"
    link = ' <a href="changes.md">changes.md</a>' if any(f.path == "changes.md" for f in extra) else ""
    if changes is None:
        if info.previous_release_id is None:
            return title + f"<p>{bi('This is the first release.', '这是首次发布。')}</p>"
        return title + (f"<p>{bi('See', '见')}{link}</p>" if link else "")
    count_rows = [[_code(t), _code(r), f"{n:,}"] for t, r, n in change_counts(changes)]
    counts = table_html(
        ["Change 变更类型", "Reason 原因", "Rows 行数"], count_rows or [["—", "—", "0"]], numeric={2}
    )
    preview = changes.slice(0, PREVIEW_ROWS).to_pylist()
    rows = [[_cell(row[c]) for c in changes.column_names] for row in preview]
    shown = (
        f'<p class="meta">First {len(preview)} of {changes.num_rows:,} rows; all rows in '
        f'<a href="changes.csv">changes.csv</a>. <span lang="zh-Hans">显示前 {len(preview)} 行，'
        f"共 {changes.num_rows:,} 行。</span>{link}</p>"
    )
    table = table_html([esc(c) for c in changes.column_names], rows) if rows else ""
    return title + counts + shown + table


def _charts_section(charts: list[Chart]) -> str:
    if not charts:
        return ""
    figures = "".join(
        f"<figure><figcaption><strong>{esc(c.title_en)}</strong> "
        f'<span class="zh" lang="zh-Hans">{esc(c.title_zh)}</span>'
        f'<br><span class="meta">{stacked(c.caption_en, c.caption_zh)}</span>'
        f"</figcaption>{c.svg}</figure>"
        for c in charts
    )
    intro = bi(
        "Distribution of product footprints per category (one dot per product).",
        "各类别产品碳足迹分布（每个点代表一个产品）。",
    )
    title = bi("Footprints by category", "分类别碳足迹")
    return f'<h2>{title}</h2><p class="meta">{intro}</p><div class="charts">{figures}</div>'


def _dictionary_section(datasets: list[WrittenDataset]) -> str:
    parts = [f"<h2>{bi('Data dictionary', '数据字典')}</h2>"]
    for d in datasets:
        pk = set(d.spec.primary_key)
        rows = [
            [
                f"<code>{esc(f.name)}</code>"
                + (' <span class="pill">key 主键</span>' if f.name in pk else ""),
                esc(f.type),
                esc(f.unit or ""),
                esc(f.description_en),
                f'<span lang="zh-Hans">{esc(f.description_zh)}</span>',
            ]
            for f in d.spec.fields
        ]
        parts.append(
            f"<details open><summary><strong><code>{esc(d.spec.name)}</code></strong> — "
            f"{bi(d.spec.title_en, d.spec.title_zh)}"
            f'</summary><p>{esc(d.spec.description_en)}<br><span class="zh" lang="zh-Hans">'
            f"{esc(d.spec.description_zh)}</span></p>"
            + table_html(["Field 字段", "Type 类型", "Unit 单位", "Description", "说明"], rows)
            + "</details>"
        )
    return "".join(parts)


def _about_section(info: ReleaseInfo) -> str:
    lic = info.license
    lic_label = esc(lic.get("title") or lic.get("name") or "")
    lic_html = f'<a href="{esc(lic["path"])}" rel="license">{lic_label}</a>' if lic.get("path") else lic_label
    sources = "".join(
        f'<li><a href="{esc(s["path"])}">{esc(s.get("title") or s["path"])}</a></li>'
        if s.get("path")
        else f"<li>{esc(s.get('title', ''))}</li>"
        for s in info.sources
    )
    verify = (
        f"<p>{bi('Check your downloads against SHA256SUMS:', '用 SHA256SUMS 校验下载的文件：')}</p>"
        "<pre>sha256sum -c SHA256SUMS        # Linux\nshasum -a 256 -c SHA256SUMS    # macOS\n"
        "Get-FileHash -Algorithm SHA256 &lt;file&gt;   # Windows PowerShell</pre>"
    )
    return (
        f"<h2>{bi('Licence and sources', '许可与数据来源')}</h2><p>{bi('Licence', '许可')}: {lic_html}</p>"
        f"<ul>{sources}</ul><h2>{bi('Verify', '校验')}</h2>{verify}"
    )


_OFFLINE_NOTE = bi("Static page, works offline.", "静态页面，可离线浏览。")


def render_release_page(
    info: ReleaseInfo,
    datasets: list[WrittenDataset],
    changes: pa.Table | None,
    extra: list[WrittenFile],
    charts: list[Chart],
    portal: bool,
) -> str:
    """The release page HTML. `portal` adds a link back to the portal home two folders up."""
    nav = []
    if portal:
        nav.append(f'<a href="../../index.html">{bi("All releases", "全部版本")}</a>')
    if info.previous_release_id:
        prev = esc(info.previous_release_id)
        nav.append(f'<a href="../{prev}/index.html">{bi("Previous release", "上一版本")} {prev}</a>')
    if any(f.path == "validation/index.html" for f in extra):
        nav.append(f'<a href="validation/index.html">{bi("Validation report", "校验报告")}</a>')
    nav.append('<a href="datapackage.json">datapackage.json</a>')
    nav.append('<a href="README.md">README.md</a>')
    nav.append('<a href="SHA256SUMS">SHA256SUMS</a>')
    header = (
        f'<header class="top"><h1>{stacked(info.title_en, info.title_zh)}</h1>'
        f'<p class="meta">{bi("Release", "版本")} <strong>{esc(info.release_id)}</strong> · '
        f"{bi('data as of', '数据截至')} <strong>{esc(info.as_of)}</strong> · GWP100 {esc(info.gwp_set)}</p>"
        f'<p class="meta">{" · ".join(nav)}</p></header>'
    )
    summary = f"<h2>{bi('Summary', '概要')}</h2>{summary_cards(info.summary)}" if info.summary else ""
    body = (
        header
        + summary
        + _datasets_section(datasets)
        + _other_files_section(extra)
        + _changes_section(info, changes, extra)
        + _charts_section(charts)
        + _dictionary_section(datasets)
        + _about_section(info)
        + f"<footer>{_OFFLINE_NOTE} {esc(info.release_id)}</footer>"
    )
    return page(f"{info.title_en} — {info.release_id}", body)
