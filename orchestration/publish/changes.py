"""The `changes` dataset (what changed since the previous release), summarised for people."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa

CHANGES_DATASET = "changes"
TYPE_COLUMNS = ("change_type", "change")
REASON_COLUMNS = ("reason", "change_reason")
PREVIEW_ROWS = 50

CHANGE_WORDS_ZH = {
    "added": "新增",
    "removed": "移除",
    "restated": "重述",
    "factor_update": "因子更新",
    "resubmission": "重新报送",
    "new_product": "新产品",
    "withdrawn": "撤回",
    "method": "方法变更",
}


def _first_present(table: pa.Table, candidates: tuple[str, ...]) -> str | None:
    return next((c for c in candidates if c in table.column_names), None)


def change_counts(table: pa.Table) -> list[tuple[str, str, int]]:
    """Rows per (change type, reason), sorted; '' stands for a missing column or a null value."""
    type_col = _first_present(table, TYPE_COLUMNS)
    reason_col = _first_present(table, REASON_COLUMNS)
    types = table.column(type_col).to_pylist() if type_col else [""] * table.num_rows
    reasons = table.column(reason_col).to_pylist() if reason_col else [""] * table.num_rows
    counts = Counter((t or "", r or "") for t, r in zip(types, reasons, strict=True))
    return sorted((t, r, n) for (t, r), n in counts.items())


def word_zh(word: str) -> str:
    """Chinese for a change type or reason code (the code itself when unknown)."""
    return CHANGE_WORDS_ZH.get(word, word)
