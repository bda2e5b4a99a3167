"""The portal home `publish/index.html`, regenerated from the release folders and `LATEST`.

Nothing is remembered between runs: the page is rebuilt from each release's `datapackage.json`, so
it is always consistent with what is on disk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orchestration.publish.files import replace_atomically
from orchestration.publish.html import bi, esc, human_size, page, stacked, summary_cards, table_html
from orchestration.publish.release_ids import RELEASES_DIR, current_release, list_release_ids

PORTAL_TITLE_EN = "Shandong product carbon footprint open data"
PORTAL_TITLE_ZH = "山东省产品碳足迹公开数据"


def _read_package(release_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((release_dir / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


_RELEASE_PAGE_LINK = bi(
    "Release page: checksums, data dictionary, what changed, charts",
    "版本页面：校验值、数据字典、变更情况、图表",
)


def _link(base: str, resource: dict[str, Any], label: str) -> str:
    size = esc(human_size(int(resource.get("bytes", 0))))
    return f'<a href="{base}{esc(resource["path"])}" download>{label}</a> {size}'


def _current_section(release_id: str, package: dict[str, Any]) -> str:
    meta = package.get("pcf_release", {})
    base = f"releases/{esc(release_id)}/"
    rows = []
    for res in package.get("resources", []):
        if res.get("format") != "parquet":
            continue
        csv = next((r for r in package["resources"] if r.get("name") == f"{res['name']}-csv"), None)
        links = _link(base, res, "Parquet") + (" · " + _link(base, csv, "CSV") if csv else "")
        rows.append(
            [
                f"<code>{esc(res['name'])}</code>",
                stacked(res.get("title", ""), res.get("title_zh", "")),
                f"{res.get('row_count', 0):,}",
                links,
            ]
        )
    return (
        f"<h2>{bi('Current release', '当前版本')}: "
        f'<a href="{base}index.html">{esc(release_id)}</a></h2>'
        f'<p class="meta">{esc(package.get("title", ""))} · '
        f'<span lang="zh-Hans">{esc(meta.get("title_zh", ""))}</span>'
        f" · {bi('data as of', '数据截至')} <strong>{esc(meta.get('as_of', ''))}</strong></p>"
        + summary_cards(meta.get("summary") or {})
        + f"<h3>{bi('Downloads', '下载')}</h3>"
        + table_html(["Dataset 数据集", "Title 名称", "Rows 行数", "Files 文件"], rows, numeric={2})
        + _other_files(base, meta.get("files") or [])
        + f'<p><a href="{base}index.html">{_RELEASE_PAGE_LINK}</a></p>'
    )


def _other_files(base: str, files: list[dict[str, Any]]) -> str:
    """Links to the release's other files (PACT JSON, validation report, ...)."""
    if not files:
        return ""
    items = "".join(
        f'<li><a href="{base}{esc(f.get("path", ""))}">{esc(f.get("path", ""))}</a> '
        f'<span class="zh">{esc(human_size(int(f.get("bytes", 0))))}</span></li>'
        for f in files
    )
    return f"<p>{bi('Other files', '其他文件')}</p><ul>{items}</ul>"


def render_portal(publish_root: Path) -> str:
    """The portal home HTML for the releases currently on disk."""
    releases_dir = publish_root / RELEASES_DIR
    current = current_release(publish_root)
    packages = {rid: _read_package(releases_dir / rid) for rid in list_release_ids(releases_dir)}
    header = (
        f'<header class="top"><h1>{esc(PORTAL_TITLE_EN)}<br><span class="zh" lang="zh-Hans">'
        f'{esc(PORTAL_TITLE_ZH)}</span></h1><p class="meta">'
        + bi(
            "Open datasets of the product carbon footprint pilot, one immutable folder per release.",
            "产品碳足迹试点公开数据集，每个版本一个不可变目录。",
        )
        + "</p></header>"
    )
    if current and packages.get(current):
        body = _current_section(current, packages[current])
    else:
        body = f"<p>{bi('No release has been published yet.', '尚未发布任何版本。')}</p>"
    rows = []
    for rid in reversed(list(packages)):
        meta = (packages[rid] or {}).get("pcf_release", {})
        mark = ' <span class="pill">current 当前</span>' if rid == current else ""
        n_datasets = sum(
            1 for r in (packages[rid] or {}).get("resources", []) if r.get("format") == "parquet"
        )
        rows.append(
            [
                f'<a href="releases/{esc(rid)}/index.html">{esc(rid)}</a>{mark}',
                esc(meta.get("as_of", "")),
                stacked((packages[rid] or {}).get("title", ""), meta.get("title_zh", "")),
                f"{n_datasets:,}",
            ]
        )
    listing = f"<h2>{bi('All releases', '全部版本')}</h2>" + (
        table_html(["Release 版本", "As of 数据截至", "Title 名称", "Datasets 数据集"], rows, numeric={3})
        if rows
        else f"<p>{bi('None yet.', '暂无。')}</p>"
    )
    footer = f"<footer>{bi('Static page, works offline.', '静态页面，可离线浏览。')}</footer>"
    return page(f"{PORTAL_TITLE_EN} — {PORTAL_TITLE_ZH}", header + body + listing + footer)


def write_portal(publish_root: Path) -> None:
    """(Re)write `publish_root/index.html` atomically from the release folders and `LATEST`."""
    publish_root.mkdir(parents=True, exist_ok=True)
    replace_atomically(publish_root / "index.html", render_portal(publish_root).encode("utf-8"))
