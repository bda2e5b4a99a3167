"""The project's saved dbt parse, carried into a new home's first build."""

from __future__ import annotations


def test_an_unreadable_saved_parse_is_not_carried(tmp_path):
    """A damaged prepared parse costs a full parse, never the night."""
    from orchestration.transform import project

    prepared = tmp_path / project.SAVED_PARSE
    prepared.write_bytes(b"\xc1 not msgpack")
    target = tmp_path / "home" / "dbt" / "target"
    assert project.carry_saved_parse(target, {"PCF_DUCKDB_PATH": str(tmp_path / "pcf.duckdb")}, prepared) is False
    assert not (target / project.SAVED_PARSE).exists()
