"""GX suites in `expectations/`, `run_suite` on pandas and Arrow batches, and the offline report.

Real Great Expectations (ephemeral context, pandas datasource), no mocks; tiny frames only.
"""

from __future__ import annotations

import datetime as dt
import decimal
import html
import json
import math
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # the package may not be installed into the venv yet
    sys.path.insert(0, str(REPO))

from orchestration.validate import (
    SuiteResult,
    describe_expectation,
    load_suite,
    render_validation_html,
    results_json,
    run_suite,
    suite_names,
)
from orchestration.validate import gx as gx_module

BOUNDARIES = {"emission_factors", "factor_release_rows", "int_activity_rows", "product_footprints"}
SUITES = suite_names()  # every suite under expectations/, each checked below
USCC_A = "91370200MA3C1234X5"
USCC_B = "91370211MA3C5678Y9"
STAGES = ["raw_materials", "production", "distribution", "use", "end_of_life"]


# --------------------------------------------------------------------------------------------------
# Fixtures: one good frame per suite
# --------------------------------------------------------------------------------------------------


def good_product_footprints() -> pd.DataFrame:
    """Three public products, every rule satisfied (one product without a grade)."""
    return pd.DataFrame(
        {
            "product_footprint_id": [
                "0b6f4a1e-0000-4000-8000-000000000001",
                "0b6f4a1e-0000-4000-8000-000000000002",
                "0b6f4a1e-0000-4000-8000-000000000003",
            ],
            "company_uscc": [USCC_A, USCC_A, USCC_B],
            "company_name": ["Qingdao Appliances", "Qingdao Appliances", "Laoshan Brewery"],
            "product_code": ["FR-300", "FR-500", "BEER-500ML"],
            "product_category": ["appliance.refrigerator", "appliance.refrigerator", "beer.bottled"],
            "reporting_period_start": ["2024-01-01", "2024-01-01", "2024-01-01"],
            "reporting_period_end": ["2024-12-31", "2024-12-31", "2024-12-31"],
            "pcf_excl_biogenic_kgco2e_per_unit": [512.5, 630.0, 0.41],
            "pcf_incl_biogenic_kgco2e_per_unit": [512.5, 630.0, -0.02],
            "raw_materials_kgco2e_per_unit": [300.0, 380.0, 0.2],
            "production_kgco2e_per_unit": [200.0, 240.0, 0.21],
            "distribution_kgco2e_per_unit": [12.5, 10.0, 0.0],
            "use_kgco2e_per_unit": [0.0, 0.0, 0.0],
            "end_of_life_kgco2e_per_unit": [0.0, 0.0, 0.0],
            "primary_data_share_pct": [62.0, 100.0, 0.0],
            "dqr": [1.4, 2.0, 3.6],
            "dqr_class": ["excellent", "very good", "fair"],
            "grade": [1.0, 2.0, None],
            "gwp_set": ["AR6", "AR6", "AR6"],
            "source_kind": ["inventory", "inventory", "inventory"],
        }
    )


def good_staged_activities() -> pd.DataFrame:
    """Five accepted activity rows of one submission."""
    return pd.DataFrame(
        {
            "submission_id": ["a1b2c3d4e5f60718"] * 5,
            "source_sheet": [""] * 5,
            "source_row": [2, 3, 4, 5, 6],
            "company_uscc": [USCC_A] * 5,
            "product_key": [f"{USCC_A}/FR-300"] * 5,
            "lifecycle_stage": STAGES,
            "amount": [120.0, 3500.0, 0.0, 10.5, 1.0],
            "unit": ["kg", "kWh", "tkm", "kWh", "kg"],
            "allocation_share": [1.0, 0.25, 1.0, 1.0, 0.5],
            "data_source": ["primary", "primary", "secondary", "secondary", "primary"],
        }
    )


def _dq_columns(rows: int) -> dict[str, list[int]]:
    """All four data-quality scores set to 2."""
    return {
        name: [2] * rows for name in ("dq_technological", "dq_geographical", "dq_temporal", "dq_precision")
    }


def good_factors_in_effect() -> pd.DataFrame:
    """Four factors at each geography level."""
    return pd.DataFrame(
        {
            "factor_id": ["elec.grid.glo", "elec.grid.cn", "elec.grid.cn-sd", "elec.grid.qd"],
            "activity_code": ["electricity.grid"] * 4,
            "activity_unit": ["kWh"] * 4,
            "geography": ["GLO", "CN", "CN-SD", "CN-SD-370200"],
            "reference_year": [2020, 2022, 2023, 2023],
            **_dq_columns(4),
            "ghg_kgco2e_per_activity_unit": [0.48, 0.5703, 0.61, 0.6],
        }
    )


def good_factor_release_rows() -> pd.DataFrame:
    """Three rows of an incoming release, one without an uncertainty."""
    return pd.DataFrame(
        {
            "factor_id": ["steel.hot_rolled.cn", "transport.road.truck_40t", "elec.grid.cn-sd"],
            "activity_code": ["steel.hot_rolled", "transport.road.truck", "electricity.grid"],
            "activity_unit": ["t", "tkm", "kWh"],
            "geography": ["CN", "GLO", "CN-SD"],
            "reference_year": [2021, 2023, 2023],
            "lca_scope": ["cradle_to_gate", "wtw", "cradle_to_gate"],
            **_dq_columns(3),
            "uncertainty_gsd": [1.2, None, 1.05],
            "status": ["active", "active", "withdrawn"],
        }
    )


GOOD = {
    "product_footprints": good_product_footprints,
    "int_activity_rows": good_staged_activities,
    "emission_factors": good_factors_in_effect,
    "factor_release_rows": good_factor_release_rows,
}


def failed(result: SuiteResult) -> set[tuple[str, str | None]]:
    """(expectation type, column) of every failed expectation; column lists joined with '+'."""
    out = set()
    for outcome in result.results:
        if not outcome.success:
            column = outcome.column or "+".join(outcome.kwargs.get("column_list") or []) or None
            out.add((outcome.expectation_type, column))
    return out


# --------------------------------------------------------------------------------------------------
# Suites load
# --------------------------------------------------------------------------------------------------


def test_bundled_suites_cover_the_boundaries_and_each_names_a_model() -> None:
    from orchestration.validate.checks import model_names

    assert BOUNDARIES <= set(SUITES)
    # a suite is a check on the model of its name; the factor release suite guards the ingest boundary
    assert set(SUITES) - {"factor_release_rows"} <= set(model_names())


@pytest.mark.parametrize("name", SUITES)
def test_suite_loads_and_every_expectation_is_described(name: str) -> None:
    suite = load_suite(name)
    raw = json.loads((gx_module.expectations_dir() / f"{name}.json").read_text(encoding="utf-8"))
    assert suite.name == name
    assert len(suite.expectations) == len(raw["expectations"]) > 0
    for expectation, item in zip(suite.expectations, raw["expectations"]):
        meta = expectation.configuration.meta
        assert expectation.expectation_type == item["type"]
        assert isinstance(meta["blocking"], bool)
        assert meta["description_en"] and meta["description_zh"]
    # the file is GX's own format: what GX writes back matches it
    written = suite.to_json_dict()
    assert [(e["type"], e["kwargs"], e["meta"]) for e in written["expectations"]] == [
        (e["type"], e["kwargs"], e["meta"]) for e in raw["expectations"]
    ]


def test_load_suite_rejects_an_expectation_gx_would_silently_drop(tmp_path: Path, monkeypatch) -> None:
    bad = {"name": "broken", "expectations": [{"type": "expect_column_values_to_be_purple", "kwargs": {}}]}
    (tmp_path / "broken.json").write_text(json.dumps(bad), encoding="utf-8")
    monkeypatch.setenv("PCF_EXPECTATIONS_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="expectation #0"):
        load_suite("broken")


def test_load_suite_checks_the_name_and_says_what_exists(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "one.json").write_text(json.dumps({"name": "two", "expectations": []}), encoding="utf-8")
    monkeypatch.setenv("PCF_EXPECTATIONS_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="does not match"):
        load_suite("one")
    with pytest.raises(FileNotFoundError, match="one"):
        load_suite("missing")
    with pytest.raises(ValueError):
        load_suite("../etc/passwd")


# --------------------------------------------------------------------------------------------------
# Good and bad data
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_frame_passes(name: str) -> None:
    result = run_suite(name, GOOD[name]())
    assert result.success, result.failure_summary()
    assert result.blocking_failures == []
    assert result.statistics == {
        "evaluated_expectations": len(result.results),
        "successful_expectations": len(result.results),
        "unsuccessful_expectations": 0,
    }


def test_bad_product_footprints_fail_on_exactly_the_broken_rules() -> None:
    frame = good_product_footprints()
    frame.loc[0, "product_footprint_id"] = frame.loc[1, "product_footprint_id"]
    frame.loc[0, "company_uscc"] = "9137020OMA3C1234X5"  # letter O where a digit belongs
    frame.loc[1, "pcf_excl_biogenic_kgco2e_per_unit"] = -1.0
    frame.loc[2, "pcf_excl_biogenic_kgco2e_per_unit"] = math.inf
    frame.loc[2, "production_kgco2e_per_unit"] = None
    frame.loc[1, "dqr"] = 6.0
    frame.loc[2, "dqr_class"] = "great"
    frame.loc[0, "grade"] = 7.0
    frame.loc[0, "gwp_set"] = "AR4"
    result = run_suite("product_footprints", frame)
    assert not result.success
    assert failed(result) == {
        ("expect_column_values_to_be_unique", "product_footprint_id"),
        ("expect_column_values_to_match_regex", "company_uscc"),
        ("expect_column_values_to_be_between", "pcf_excl_biogenic_kgco2e_per_unit"),
        ("expect_column_values_to_not_be_null", "production_kgco2e_per_unit"),
        ("expect_column_values_to_be_between", "dqr"),
        ("expect_column_values_to_be_in_set", "dqr_class"),
        ("expect_column_values_to_be_in_set", "grade"),
        ("expect_column_values_to_be_in_set", "gwp_set"),
    }
    by_key = {(o.expectation_type, o.column): o for o in result.results}
    pcf = by_key[("expect_column_values_to_be_between", "pcf_excl_biogenic_kgco2e_per_unit")]
    assert pcf.unexpected_count == 2 and pcf.partial_unexpected_list == [-1.0, "Infinity"]
    assert by_key[("expect_column_values_to_match_regex", "company_uscc")].partial_unexpected_list == [
        "9137020OMA3C1234X5"
    ]
    assert len(result.blocking_failures) == 8


def test_regex_is_matched_over_the_whole_ascii_value() -> None:
    """Regexes run on Arrow's engine (RE2): `\\d` is an ASCII digit and `$` the very end of the value."""
    frame = good_product_footprints()
    frame.loc[0, "company_uscc"] = "91370200MA3C12345X\n"  # a trailing line break
    frame.loc[1, "company_uscc"] = "9137020\uff10MA3C1234X5"  # a full-width digit zero
    result = run_suite("product_footprints", pa.Table.from_pandas(frame, preserve_index=False))
    by_key = {(o.expectation_type, o.column): o for o in result.results}
    regex = by_key[("expect_column_values_to_match_regex", "company_uscc")]
    assert not regex.success and regex.unexpected_count == 2
    assert sorted(regex.partial_unexpected_list) == sorted(["91370200MA3C12345X\n", "9137020\uff10MA3C1234X5"])


def test_compound_key_duplicate_and_missing_pcf_fail() -> None:
    frame = pd.concat([good_product_footprints(), good_product_footprints().iloc[[0]]], ignore_index=True)
    frame.loc[3, "product_footprint_id"] = "0b6f4a1e-0000-4000-8000-000000000004"
    frame.loc[1, "pcf_excl_biogenic_kgco2e_per_unit"] = None
    result = run_suite("product_footprints", frame)
    assert failed(result) == {
        (
            "expect_compound_columns_to_be_unique",
            "company_uscc+product_code+reporting_period_start+reporting_period_end",
        ),
        ("expect_column_values_to_not_be_null", "pcf_excl_biogenic_kgco2e_per_unit"),
    }


def test_bad_staged_activities_fail_on_the_broken_rules() -> None:
    frame = good_staged_activities()
    frame.loc[0, "lifecycle_stage"] = "packaging"
    frame.loc[1, "amount"] = -5.0
    frame.loc[2, "allocation_share"] = 0.0
    frame.loc[3, "allocation_share"] = 1.5
    frame.loc[4, "data_source"] = "estimated"
    frame.loc[4, "unit"] = None
    result = run_suite("int_activity_rows", frame)
    assert failed(result) == {
        ("expect_column_values_to_be_in_set", "lifecycle_stage"),
        ("expect_column_values_to_be_between", "amount"),
        ("expect_column_values_to_be_between", "allocation_share"),
        ("expect_column_values_to_be_in_set", "data_source"),
        ("expect_column_values_to_not_be_null", "unit"),
    }
    share = next(o for o in result.results if o.column == "allocation_share" and not o.success)
    assert share.unexpected_count == 2 and share.partial_unexpected_list == [0.0, 1.5]


def test_bad_factor_release_rows_fail_and_a_plausibility_rule_only_warns() -> None:
    frame = good_factor_release_rows()
    frame.loc[0, "factor_id"] = "steel hot rolled"
    frame.loc[1, "dq_temporal"] = 0
    frame.loc[2, "uncertainty_gsd"] = 0.9
    frame.loc[2, "status"] = "retired"
    frame.loc[1, "lca_scope"] = "gate_to_gate"
    frame.loc[0, "geography"] = "CN-Shandong"
    frame.loc[0, "reference_year"] = 1850
    result = run_suite("factor_release_rows", frame)
    assert failed(result) == {
        ("expect_column_values_to_match_regex", "factor_id"),
        ("expect_column_values_to_be_between", "dq_temporal"),
        ("expect_column_values_to_be_between", "uncertainty_gsd"),
        ("expect_column_values_to_be_in_set", "status"),
        ("expect_column_values_to_be_in_set", "lca_scope"),
        ("expect_column_values_to_match_regex", "geography"),
        ("expect_column_values_to_be_between", "reference_year"),
    }
    assert [o.column for o in result.warnings] == ["reference_year"]
    assert "reference_year" not in {o.column for o in result.blocking_failures}


def test_factors_in_effect_non_blocking_failure_does_not_block() -> None:
    frame = good_factors_in_effect()
    frame.loc[0, "reference_year"] = 2150
    result = run_suite("emission_factors", frame)
    assert not result.success
    assert result.blocking_failures == []
    assert [o.column for o in result.warnings] == ["reference_year"]
    frame.loc[1, "factor_id"] = frame.loc[0, "factor_id"]
    frame.loc[2, "ghg_kgco2e_per_activity_unit"] = None
    assert {o.column for o in run_suite("emission_factors", frame).blocking_failures} == {
        "factor_id",
        "ghg_kgco2e_per_activity_unit",
    }


# --------------------------------------------------------------------------------------------------
# Edge cases
# --------------------------------------------------------------------------------------------------


def test_empty_frame_does_not_crash_and_only_the_row_count_rule_fails() -> None:
    empty = good_product_footprints().iloc[0:0]
    result = run_suite("product_footprints", empty)
    assert result.row_count == 0
    assert failed(result) == {("expect_table_row_count_to_be_between", None)}
    row_count = next(
        o for o in result.results if o.expectation_type == "expect_table_row_count_to_be_between"
    )
    assert row_count.observed_value == 0 and row_count.blocking
    # an empty night of activities is fine: that suite has no row-count rule
    assert run_suite("int_activity_rows", good_staged_activities().iloc[0:0]).success


def test_frame_without_any_columns_fails_cleanly() -> None:
    result = run_suite("int_activity_rows", pd.DataFrame())
    assert not result.success
    assert all(outcome.message and "missing" in outcome.message for outcome in result.results)


def test_missing_column_fails_with_a_clear_message_and_other_rules_still_run() -> None:
    frame = good_product_footprints().drop(columns=["dqr", "reporting_period_end"])
    result = run_suite("product_footprints", frame)
    assert failed(result) == {
        ("expect_column_values_to_not_be_null", "dqr"),
        ("expect_column_values_to_be_between", "dqr"),
        (
            "expect_compound_columns_to_be_unique",
            "company_uscc+product_code+reporting_period_start+reporting_period_end",
        ),
    }
    dqr = next(o for o in result.results if o.column == "dqr")
    assert dqr.message == "column 'dqr' is missing from the data, so this rule cannot be checked"
    assert result.statistics["successful_expectations"] == len(result.results) - 3


def test_gx_error_becomes_a_failed_outcome_not_an_exception() -> None:
    frame = good_staged_activities()
    frame["amount"] = ["a lot"] * len(frame)  # strings compared with a number
    result = run_suite("int_activity_rows", frame)
    amount = next(
        o for o in result.results if o.column == "amount" and o.expectation_type.endswith("between")
    )
    assert not amount.success and amount.message


def test_pyarrow_table_with_dates_and_decimals() -> None:
    frame = good_product_footprints()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.set_column(
        table.schema.get_field_index("reporting_period_start"),
        "reporting_period_start",
        pa.array([dt.date(2024, 1, 1)] * 3, pa.date32()),
    )
    table = table.set_column(
        table.schema.get_field_index("reporting_period_end"),
        "reporting_period_end",
        pa.array([dt.date(2024, 12, 31)] * 3, pa.date32()),
    )
    table = table.set_column(
        table.schema.get_field_index("dqr"),
        "dqr",
        pa.array(
            [decimal.Decimal("1.40"), decimal.Decimal("2.00"), decimal.Decimal("6.25")], pa.decimal128(9, 2)
        ),
    )
    table = table.set_column(
        table.schema.get_field_index("gwp_set"),
        "gwp_set",
        pa.array(["AR6", "AR6", "AR6"]).dictionary_encode(),
    )
    converted = gx_module.to_pandas(table)
    assert str(converted["dqr"].dtype) == "float64"
    assert str(converted["reporting_period_start"].dtype).startswith("datetime64")
    result = run_suite("product_footprints", table)
    assert failed(result) == {("expect_column_values_to_be_between", "dqr")}
    dqr = next(o for o in result.results if o.column == "dqr" and not o.success)
    assert dqr.partial_unexpected_list == [6.25]
    json.loads(result.to_json())


def test_arrow_backed_pandas_columns_are_converted() -> None:
    frame = good_staged_activities()
    frame["amount"] = frame["amount"].astype(pd.ArrowDtype(pa.float64()))
    frame["unit"] = frame["unit"].astype(pd.ArrowDtype(pa.large_string()))
    assert run_suite("int_activity_rows", frame).success


def test_each_run_leaves_no_datasource_behind() -> None:
    run_suite("emission_factors", good_factors_in_effect())
    assert list(gx_module.get_context().data_sources.all()) == []


def test_descriptions_generated_in_plain_words() -> None:
    assert (
        describe_expectation(
            "expect_column_values_to_not_be_null", {"column": "pcf_excl_biogenic_kgco2e_per_unit"}
        )
        == "pcf_excl_biogenic_kgco2e_per_unit is never null"
    )
    assert describe_expectation(
        "expect_column_values_to_be_between", {"column": "dqr", "min_value": 1.0, "max_value": 5.0}
    ) == ("dqr is between 1 and 5")
    assert describe_expectation(
        "expect_column_values_to_be_between",
        {"column": "allocation_share", "min_value": 0, "max_value": 1, "strict_min": True},
    ) == ("allocation_share is > 0 and <= 1")
    assert (
        describe_expectation("expect_table_row_count_to_be_between", {"min_value": 1})
        == "the row count is >= 1"
    )
    assert describe_expectation(
        "expect_column_values_to_be_in_set",
        {"column": "gwp_set", "value_set": ["AR5", "AR6"], "mostly": 0.95},
    ) == ("gwp_set is one of: AR5, AR6 (in at least 95% of rows)")


def test_description_falls_back_to_generated_words_without_meta(tmp_path: Path) -> None:
    suite = {
        "name": "plain",
        "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x"}}],
    }
    (tmp_path / "plain.json").write_text(json.dumps(suite), encoding="utf-8")
    result = run_suite("plain", pd.DataFrame({"x": ["a", None], "y": [1.0, math.nan]}), directory=tmp_path)
    outcome = result.results[0]
    assert outcome.description_en == "x is never null"
    assert outcome.blocking is True and outcome.description_zh is None
    assert outcome.unexpected_count == 1 and outcome.partial_unexpected_list == [None]
    # a float null is NaN in pandas and is shown as such (JSON has no NaN)
    assert gx_module.jsonable([math.nan, math.inf, -math.inf, pd.NaT]) == [
        "NaN",
        "Infinity",
        "-Infinity",
        None,
    ]


# --------------------------------------------------------------------------------------------------
# Determinism and the report
# --------------------------------------------------------------------------------------------------


def _mixed_results() -> list[SuiteResult]:
    """One failing and one passing suite, with awkward values to escape."""
    bad = good_product_footprints()
    bad.loc[0, "product_category"] = None
    bad.loc[1, "dqr_class"] = "<script>alert('x')</script>"
    bad.loc[2, "pcf_excl_biogenic_kgco2e_per_unit"] = math.nan
    return [run_suite("product_footprints", bad), run_suite("emission_factors", good_factors_in_effect())]


OTHER_CHECKS = [
    {"name": "assert_stage_columns_sum_to_total", "kind": "dbt test", "success": True, "message": ""},
    {
        "name": "product_footprints_schema",
        "kind": "asset check",
        "success": False,
        "message": "column hs_code has type <VARCHAR> & expected string",
        "blocking": False,
    },
]


def test_suite_json_is_deterministic_and_has_no_run_specifics() -> None:
    first = _mixed_results()
    second = _mixed_results()
    assert [s.to_json() for s in first] == [s.to_json() for s in second]
    text = first[0].to_json()
    for word in ("run_id", "validation_time", "batch_id", "ge_load_time"):
        assert word not in text
    parsed = json.loads(text)
    assert list(parsed) == sorted(parsed)
    assert SuiteResult.from_dict(parsed).to_json() == text


def test_results_json_is_deterministic_bytes() -> None:
    first = results_json(_mixed_results(), OTHER_CHECKS)
    second = results_json(_mixed_results(), OTHER_CHECKS)
    assert first == second and first.endswith(b"\n")
    document = json.loads(first)
    assert document["summary"]["blocked"] is True
    assert document["summary"]["other_checks_failed_warning"] == 1
    assert [s["suite_name"] for s in document["suites"]] == ["product_footprints", "emission_factors"]


class _TagCollector(HTMLParser):
    """Collects start tags and their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_report_renders_offline_escaped_and_deterministic() -> None:
    suites = _mixed_results()
    page = render_validation_html("PCF release 2025-06-30", suites, OTHER_CHECKS)
    assert page == render_validation_html("PCF release 2025-06-30", _mixed_results(), OTHER_CHECKS)
    parser = _TagCollector()
    parser.feed(page)
    tags = parser.tags
    assert not any(tag == "script" for tag, _ in tags)
    for tag, attrs in tags:
        if tag in {"link", "script", "img", "a", "iframe", "source"}:
            for key in ("src", "href"):
                assert "http" not in (attrs.get(key) or ""), (tag, attrs)
    assert "http" not in page.lower().replace("https", "")  # no external reference anywhere
    assert "Validation report / 数据校验报告" in page
    assert "Other checks / 其他检查" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "type &lt;VARCHAR&gt; &amp; expected" in page
    # every expectation of every suite is listed, with its description
    for suite in suites:
        for outcome in suite.results:
            assert html.escape(outcome.description_en) in page
    assert "FAIL 未通过" in page and "PASS 通过" in page and "WARN 警告" in page
    # a missing number a not-null rule finds is reported as null, as a missing text is
    missing = next(
        o for suite in suites for o in suite.results
        if o.column == "pcf_excl_biogenic_kgco2e_per_unit" and o.expectation_type == "expect_column_values_to_not_be_null"
    )
    assert not missing.success and missing.partial_unexpected_list == [None]
    assert "NaN" not in page


def test_report_without_other_checks_and_all_green() -> None:
    page = render_validation_html("Factors", [run_suite("emission_factors", good_factors_in_effect())])
    assert "All checks passed" in page
    assert "Other checks / 其他检查" not in page


def test_suite_columns_are_what_the_suite_reads():
    from orchestration.validate.gx import suite_columns

    activity = suite_columns("int_activity_rows")
    assert activity is not None and "submission_id" in activity and "company_uscc" in activity
    assert len(activity) == len(set(activity))
    # a row condition may read any column: the whole table is loaded
    assert suite_columns("container_transport_statistics") is None


def test_gx_is_imported_on_first_use_only() -> None:
    """In a fresh interpreter: importing the module leaves great_expectations unimported; the first suite loads it."""
    import subprocess

    code = """
import sys
from orchestration.validate import gx
assert "great_expectations" not in sys.modules
assert gx.load_suite("emission_factors").expectations
assert "great_expectations" in sys.modules
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


def test_arrow_strings_validate_as_pandas_str_and_a_missing_value_is_reported_as_null() -> None:
    """Arrow text (plain or large) becomes pandas' `str` dtype, the one GX's regex cast asks for;
    a missing value a not-null rule finds is null in the result, not NaN."""
    frame = good_staged_activities()
    frame.loc[1, "unit"] = None
    frame.loc[2, "company_uscc"] = "91370200MA3C1234X"  # one character short
    for text in (pa.string(), pa.large_string()):
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.cast(pa.schema([pa.field(f.name, text if pa.types.is_string(f.type) else f.type) for f in table.schema]))
        assert gx_module.to_pandas(table)["unit"].dtype == pd.StringDtype("pyarrow", na_value=float("nan"))
        result = run_suite("int_activity_rows", table)
        assert failed(result) == {
            ("expect_column_values_to_not_be_null", "unit"),
            ("expect_column_values_to_match_regex", "company_uscc"),
        }
        missing = next(o for o in result.results if o.column == "unit" and not o.success)
        assert missing.unexpected_count == 1 and missing.partial_unexpected_list == [None]
        short = next(o for o in result.results if o.column == "company_uscc" and not o.success)
        assert short.partial_unexpected_list == ["91370200MA3C1234X"]
