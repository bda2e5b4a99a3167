"""The generated `README.md` of a release: contents, how it was computed, what changed, licence,
how to verify — in English, then in Chinese."""

from __future__ import annotations

import pyarrow as pa

from orchestration.publish.changes import change_counts, word_zh
from orchestration.publish.datapackage import WrittenDataset, WrittenFile
from orchestration.publish.html import flatten_summary, fmt_number, human_size, summary_labels
from orchestration.publish.specs import ReleaseInfo


def _md(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _datasets_table(datasets: list[WrittenDataset], zh: bool) -> list[str]:
    head = "| 数据集 | 名称 | 行数 | Parquet | CSV |" if zh else "| Dataset | Title | Rows | Parquet | CSV |"
    lines = [head, "|---|---|---:|---:|---:|"]
    for d in datasets:
        title = d.spec.title_zh if zh else d.spec.title_en
        lines.append(
            f"| `{d.spec.name}` | {_md(title)} | {d.rows:,} | {human_size(d.parquet.bytes)} "
            f"| {human_size(d.csv.bytes)} |"
        )
    lines.append("")
    for d in datasets:
        lines.append(f"- `{d.spec.name}`: {_md(d.spec.description_zh if zh else d.spec.description_en)}")
    return lines


def _summary(info: ReleaseInfo, zh: bool) -> list[str]:
    lines = []
    for path, value in flatten_summary(info.summary):
        en, cn = summary_labels(path)
        lines.append(f"- {cn if zh else en}: {fmt_number(value)}")
    return lines or (["- （无）"] if zh else ["- (none)"])


def _changes(info: ReleaseInfo, changes: pa.Table | None, extra: list[WrittenFile], zh: bool) -> list[str]:
    if changes is not None:
        head = "| 变更类型 | 原因 | 行数 |" if zh else "| Change | Reason | Rows |"
        lines = [head, "|---|---|---:|"]
        for kind, reason, n in change_counts(changes):
            kind_text = (f"{word_zh(kind)} ({kind})" if zh else kind) if kind else "—"
            reason_text = (f"{word_zh(reason)} ({reason})" if zh else reason) if reason else "—"
            lines.append(f"| {_md(kind_text)} | {_md(reason_text)} | {n:,} |")
        if changes.num_rows == 0:
            lines.append("| — | — | 0 |")
        lines.append("")
        lines.append(
            "逐行变更见 `changes.csv` / `changes.parquet`。"
            if zh
            else "Row-level changes are in `changes.csv` / `changes.parquet`."
        )
        return lines
    if any(f.path == "changes.md" for f in extra):
        return ["见 `changes.md`。" if zh else "See `changes.md`."]
    if info.previous_release_id is None:
        return ["这是首次发布。" if zh else "This is the first release."]
    return ["本次发布未附变更明细。" if zh else "No change details were published with this release."]


def _english(info: ReleaseInfo, datasets, changes, extra, has_validation: bool) -> list[str]:
    previous = f"`{info.previous_release_id}`" if info.previous_release_id else "none (first release)"
    lines = [
        f"# {info.title_en}",
        "",
        f"Release `{info.release_id}` · data as of {info.as_of} · previous release: {previous}",
        "",
        "## What is in this release",
        "",
        *_datasets_table(datasets, zh=False),
        "",
    ]
    if extra:
        lines += ["Other files:", "", *[f"- `{f.path}` ({human_size(f.bytes)})" for f in extra], ""]
    lines += [
        "## Summary",
        "",
        *_summary(info, zh=False),
        "",
        "## How it was computed",
        "",
        "Product carbon footprints follow GB/T 24067-2024 (ISO 14067). Each company's activity data "
        "for a product and reporting period is multiplied by the emission factor in effect (factor "
        "releases listed under Sources), using IPCC " + info.gwp_set + " GWP100 values; period totals "
        "are divided by the production volume to give kgCO2e per declared unit. Biogenic CO2 is "
        "reported separately and never included in the fossil total. Data quality (DQR) follows the EU "
        "PEF method. Products appear by name only when the company chose public disclosure; aggregate "
        "cells built from fewer than 3 companies are suppressed. No activity-level data is published.",
        "",
    ]
    if has_validation:
        lines += [
            "Every blocking check passed before publishing; the validation report is in "
            "`validation/index.html`.",
            "",
        ]
    lines += [
        "## What changed",
        "",
        *_changes(info, changes, extra, zh=False),
        "",
        "## Formats",
        "",
        "- Parquet: typed columns, zstd compression; field descriptions are stored in the file.",
        "- CSV: UTF-8 with a byte-order mark (opens correctly in Excel), comma separated, RFC 4180 "
        "quoting, CRLF line ends, empty cell = no value, booleans `true`/`false`, dates `YYYY-MM-DD`.",
        "- In CSV text cells that begin with `=`, `+`, `-`, `@`, tab or CR a `'` is added in front so "
        "spreadsheets do not run them as formulas; drop that first `'` to get the original text. "
        "Numbers are never changed. The Parquet files hold the original text.",
        "- `datapackage.json` (Frictionless Data Package v2) describes every column: type, unit, "
        "description in English and Chinese.",
        "",
        "## Licence",
        "",
        _licence(info),
        "",
        "## Sources",
        "",
        *_sources(info),
        "",
        "## Verify the download",
        "",
        "`SHA256SUMS` lists the sha256 of every file in this folder. From inside the folder:",
        "",
        "```",
        "sha256sum -c SHA256SUMS          # Linux",
        "shasum -a 256 -c SHA256SUMS      # macOS",
        "```",
        "",
        "On Windows (PowerShell): `Get-FileHash -Algorithm SHA256 <file>` and compare with the line "
        "in `SHA256SUMS`.",
        "",
    ]
    return lines


def _chinese(info: ReleaseInfo, datasets, changes, extra, has_validation: bool) -> list[str]:
    previous = f"`{info.previous_release_id}`" if info.previous_release_id else "无（首次发布）"
    lines = [
        f"# {info.title_zh}",
        "",
        f"发布版本 `{info.release_id}` · 数据截至 {info.as_of} · 上一版本：{previous}",
        "",
        "## 发布内容",
        "",
        *_datasets_table(datasets, zh=True),
        "",
    ]
    if extra:
        lines += ["其他文件：", "", *[f"- `{f.path}`（{human_size(f.bytes)}）" for f in extra], ""]
    lines += [
        "## 概要",
        "",
        *_summary(info, zh=True),
        "",
        "## 计算方法",
        "",
        "产品碳足迹按照 GB/T 24067-2024（ISO 14067）核算：企业报送的产品在报告期内的活动数据乘以当时有效的"
        f"排放因子（因子版本见“数据来源”），温室气体按 IPCC {info.gwp_set} 的百年全球增温潜势（GWP100）折算，"
        "报告期合计除以产量，得到每声明单位的千克二氧化碳当量。生物源二氧化碳单独报告，不计入化石排放合计。"
        "数据质量评级（DQR）采用欧盟 PEF 方法。只有企业选择公开披露的产品才会具名出现；少于 3 家企业的"
        "汇总单元格不予公开。活动层面的数据一律不公开。",
        "",
    ]
    if has_validation:
        lines += ["发布前所有阻断性校验均已通过，校验报告见 `validation/index.html`。", ""]
    lines += [
        "## 变更情况",
        "",
        *_changes(info, changes, extra, zh=True),
        "",
        "## 文件格式",
        "",
        "- Parquet：列有类型，zstd 压缩，文件内含字段说明。",
        "- CSV：带 BOM 的 UTF-8（Excel 可直接正确打开），逗号分隔，RFC 4180 引号规则，CRLF 换行，"
        "空单元格表示无值，布尔值为 `true`/`false`，日期为 `YYYY-MM-DD`。",
        "- CSV 中以 `=`、`+`、`-`、`@`、制表符或回车开头的文本单元格前加了一个 `'`，"
        "以免电子表格将其当作公式执行；"
        "去掉开头的 `'` 即为原文。数值不受影响。Parquet 文件保存原文。",
        "- `datapackage.json`（Frictionless Data Package v2）说明每一列的类型、单位和中英文描述。",
        "",
        "## 许可",
        "",
        _licence(info),
        "",
        "## 数据来源",
        "",
        *_sources(info),
        "",
        "## 校验下载文件",
        "",
        "`SHA256SUMS` 列出本目录每个文件的 sha256。在本目录下运行：",
        "",
        "```",
        "sha256sum -c SHA256SUMS          # Linux",
        "shasum -a 256 -c SHA256SUMS      # macOS",
        "```",
        "",
        "Windows（PowerShell）：`Get-FileHash -Algorithm SHA256 <文件>`，与 `SHA256SUMS` 中对应行比较。",
        "",
    ]
    return lines


def _licence(info: ReleaseInfo) -> str:
    lic = info.license
    label = lic.get("title") or lic.get("name") or "licence"
    return f"[{_md(label)}]({lic['path']})" if lic.get("path") else _md(label)


def _sources(info: ReleaseInfo) -> list[str]:
    out = []
    for source in info.sources:
        title = _md(source.get("title") or source.get("path") or "source")
        out.append(f"- [{title}]({source['path']})" if source.get("path") else f"- {title}")
    return out or ["- —"]


def render_readme(
    info: ReleaseInfo, datasets: list[WrittenDataset], changes: pa.Table | None, extra: list[WrittenFile]
) -> str:
    """README.md text: English first, then the same in Chinese."""
    has_validation = any(f.path == "validation/index.html" for f in extra)
    english = _english(info, datasets, changes, extra, has_validation)
    chinese = _chinese(info, datasets, changes, extra, has_validation)
    return "\n".join([*english, "---", "", *chinese]).rstrip("\n") + "\n"
