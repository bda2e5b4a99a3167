"""Feedback reports: the JSON bytes, where the files go, and that unchanged files are left alone."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from orchestration.feedback import report_json_bytes, write_report
from orchestration.home import Home


def _report() -> dict:
    return {
        "submission_id": "0123456789abcdef",
        "file_name": "山东 \"报送\" \\ tab\t line\nbreak \u2028 😀 \x01.csv",
        "received_date": date(2026, 6, 30),
        "status": "partially accepted",
        "rows_received": 12,
        "rows_accepted": 10,
        "rows_quarantined": 2,
        "products": [],
        "problems": [
            {"sheet": None, "row": 3, "column": "amount", "product": "P-1", "code": "NOT_A_NUMBER",
             "severity": "error", "message_en": "'x' is not a number.", "message_zh": "“x”不是数字。"},
        ],
        "nested": {"b": [], "a": {}, "c": [True, False, None, -7]},
    }


def test_report_json_is_the_standard_library_indented_sorted_json() -> None:
    report = _report()
    expected = (json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n").encode()
    assert report_json_bytes(report) == expected


def test_reports_are_written_once_and_stay_inside_the_home(tmp_path: Path) -> None:
    home = Home(tmp_path).ensure()
    write_report(home, "0123456789abcdef", _report())
    json_path, md_path = home.feedback / "0123456789abcdef.json", home.feedback / "0123456789abcdef.md"
    assert json.loads(json_path.read_text(encoding="utf-8"))["rows_received"] == 12
    assert md_path.read_text(encoding="utf-8").startswith("# Feedback on")
    before = json_path.stat().st_mtime_ns, md_path.stat().st_mtime_ns
    json_path.touch()  # a later mtime would show a rewrite
    touched = json_path.stat().st_mtime_ns
    write_report(home, "0123456789abcdef", _report())
    assert json_path.stat().st_mtime_ns == touched and md_path.stat().st_mtime_ns == before[1]
    with pytest.raises(ValueError, match="outside PCF_HOME"):
        write_report(home, "../../outside", _report())
    assert not (tmp_path.parent / "outside.json").exists()
