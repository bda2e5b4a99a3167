"""The publish step: the warehouse's published marts → an immutable, versioned release (SPEC §6).

What is published is declared where the data is defined: a dbt mart whose YAML sets
`config.meta.publish: public` (or `restricted`) becomes a dataset of that name, with the schema,
units and bilingual descriptions of its YAML. The release is written only when every blocking check
passed (Dagster skips this asset otherwise) and only when its inputs changed since the current one.
"""


import json
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from orchestration import pact
from orchestration.feedback import write_submission_feedback
from orchestration.home import DBT_PROJECT_DIR, Home
from orchestration.ingest.factors import BOUNDARY_SUITE
from orchestration.publish import (
    DatasetSpec,
    FieldSpec,
    ReleaseInfo,
    cleanup_stale_temp,
    current_release,
    next_release_id,
    release_sort_key,
    write_portal,
    write_release,
)
from orchestration.publish.files import replace_atomically
from orchestration.publish.pact_exports import earlier_footprints, remember_footprints
from orchestration.publish.specs import ARROW_TYPES
from orchestration.provenance import provenance, release_with_fingerprint
from orchestration.resources import PcfSettings
from orchestration.transform.project import load_manifest, run_results
from orchestration.validate.drift import drift_test_result
from orchestration.validate.checks import dataset_suite_names, load_results, model_names
from orchestration.validate.report import render_validation_html, results_json
from orchestration.warehouse import connect

LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}
_FRICTIONLESS_TYPES = {
    "varchar": "string",
    "text": "string",
    "double": "number",
    "float": "number",
    "real": "number",
    "decimal": "number",
    "integer": "integer",
    "bigint": "integer",
    "smallint": "integer",
    "hugeint": "integer",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "datetime",
}


def frictionless_type(data_type: str | None) -> str:
    """The Table Schema type of a dbt contract data type; an unknown type is an error, not a guess."""
    base = (data_type or "").lower().split("(")[0].strip()
    if base not in _FRICTIONLESS_TYPES:
        raise ValueError(f"no Table Schema type for the dbt data type {data_type!r}")
    return _FRICTIONLESS_TYPES[base]


def published_specs(access: str = "public") -> list[DatasetSpec]:
    """Dataset specs of every mart whose YAML publishes it at this access level, from the manifest."""
    manifest = load_manifest()
    specs = []
    for node in manifest["nodes"].values():
        meta = node.get("config", {}).get("meta", {}) or node.get("meta", {})
        if node["resource_type"] != "model" or meta.get("publish") != access:
            continue
        fields = tuple(
            FieldSpec(
                name=column["name"],
                type=frictionless_type(column.get("data_type")),
                description_en=column.get("description", ""),
                description_zh=column.get("meta", {}).get("description_zh", ""),
                unit=column.get("meta", {}).get("unit"),
            )
            for column in node["columns"].values()
        )
        specs.append(
            DatasetSpec(
                name=node["name"],
                title_en=meta.get("title_en", node["name"]),
                title_zh=meta.get("title_zh", node["name"]),
                description_en=node.get("description", ""),
                description_zh=meta.get("description_zh", ""),
                primary_key=tuple(meta.get("primary_key", ())),
                fields=fields,
                access=access,
            )
        )
    return sorted(specs, key=lambda spec: spec.name)


CHANGES_SPEC = DatasetSpec(
    name="changes",
    title_en="Changes since the previous release",
    title_zh="与上一发布相比的变化",
    description_en="One row per product footprint added, removed or restated since the previous release, with the old and new values and the reason.",
    description_zh="与上一发布相比新增、删除或重述的每个产品碳足迹一行，含旧值、新值及原因。",
    primary_key=("product_footprint_id",),
    fields=(
        FieldSpec("product_footprint_id", "string", "Stable UUID of the product and reporting period", "产品及报告期的稳定唯一标识"),
        FieldSpec("change_type", "string", "added, removed or restated", "变化类型：新增、删除、重述"),
        FieldSpec("reason", "string", "Why: new_product, withdrawn, factor_update, resubmission or method", "原因：新产品、撤回、因子更新、重新报送、方法变化"),
        FieldSpec("company_uscc", "string", "Unified Social Credit Code of the company", "企业统一社会信用代码"),
        FieldSpec("product_code", "string", "The company's product code", "企业产品编码"),
        FieldSpec("product_name", "string", "Product name", "产品名称"),
        FieldSpec("product_category", "string", "Product category code", "产品类别代码"),
        FieldSpec("reporting_period_start", "date", "First day of the reporting period", "报告期开始日期"),
        FieldSpec("reporting_period_end", "date", "Last day of the reporting period", "报告期结束日期"),
        FieldSpec("old_pcf_excl_biogenic_kgco2e_per_unit", "number", "Footprint in the previous release", "上一发布中的碳足迹", "kgCO2e per declared unit"),
        FieldSpec("new_pcf_excl_biogenic_kgco2e_per_unit", "number", "Footprint in this release", "本发布中的碳足迹", "kgCO2e per declared unit"),
        FieldSpec("old_factor_release_id", "string", "Factor release used before", "此前所用因子发布"),
        FieldSpec("new_factor_release_id", "string", "Factor release used now", "现在所用因子发布"),
    ),
)
_IDENTITY = ("company_uscc", "product_code", "product_name", "product_category", "reporting_period_start", "reporting_period_end")
_RESTATEMENT_TOLERANCE = 1e-9


def compute_changes(previous: pa.Table | None, current: pa.Table) -> pa.Table:
    """Added, removed and restated footprints between two product_footprints tables.

    A full outer join on product_footprint_id, in Arrow: a footprint in both is restated when its
    value moved by more than the relative tolerance (NaN always counts as moved), because of a new
    submission, else a new factor release, else the method; its identity columns are the current
    ones. Rows are sorted by the id.
    """
    value, key = "pcf_excl_biogenic_kgco2e_per_unit", "product_footprint_id"
    schema = pa.schema([(f.name, ARROW_TYPES[f.type]) for f in CHANGES_SPEC.fields])
    kept = (key, *_IDENTITY, value, "submission_id", "factor_release_id")
    types = {field.name: field.type for field in schema} | {
        value: pa.float64(), "submission_id": pa.string(), "factor_release_id": pa.string()
    }

    def side(table: pa.Table | None) -> pa.Table:
        if table is None:
            return pa.table({name: pa.array([], types[name]) for name in kept} | {"present": pa.array([], pa.bool_())})
        table = table.select(list(kept)).cast(pa.schema([(name, types[name]) for name in kept]))
        return table.append_column("present", pa.repeat(True, table.num_rows))

    joined = side(current).join(side(previous), key, join_type="full outer", left_suffix="_new", right_suffix="_old")
    is_new, is_old = (pc.fill_null(joined[f"present_{s}"], False) for s in ("new", "old"))
    old_value, new_value = joined[f"{value}_old"], joined[f"{value}_new"]
    scale = pc.max_element_wise(pc.abs(old_value), pc.abs(new_value), 1e-300)
    unmoved = pc.less_equal(pc.abs(pc.subtract(new_value, old_value)), pc.multiply(_RESTATEMENT_TOLERANCE, scale))

    def differ(column: str) -> pa.ChunkedArray:
        before, after = joined[f"{column}_old"], joined[f"{column}_new"]
        return pc.fill_null(pc.not_equal(before, after), pc.not_equal(pc.is_null(before), pc.is_null(after)))

    both = pc.and_(is_new, is_old)
    restated = pc.and_(both, pc.invert(pc.fill_null(unmoved, False)))
    change_type = pc.if_else(both, "restated", pc.if_else(is_new, "added", "removed"))
    reason = pc.if_else(
        both,
        pc.if_else(differ("submission_id"), "resubmission", pc.if_else(differ("factor_release_id"), "factor_update", "method")),
        pc.if_else(is_new, "new_product", "withdrawn"),
    )
    columns = {
        key: joined[key],
        "change_type": change_type,
        "reason": reason,
        **{column: pc.if_else(is_new, joined[f"{column}_new"], joined[f"{column}_old"]) for column in _IDENTITY},
        f"old_{value}": old_value,
        f"new_{value}": new_value,
        "old_factor_release_id": joined["factor_release_id_old"],
        "new_factor_release_id": joined["factor_release_id_new"],
    }
    changes = pa.table(columns).filter(pc.or_(restated, pc.invert(both)))
    return changes.sort_by(key).cast(schema).combine_chunks()


def _read_previous(home: Home, release_id: str | None, name: str) -> pa.Table | None:
    if release_id is None:
        return None
    path = home.publish / "releases" / release_id / f"{name}.parquet"
    return pq.read_table(path) if path.exists() else None


def dbt_test_results(home: Home) -> list[dict]:
    """dbt tests of this run, for the validation report."""
    return sorted(
        (
            {
                "name": result["unique_id"].split(".", 2)[-1],
                "kind": "dbt test",
                "success": result["status"] == "pass",
                "message": result.get("message") or result["status"],
            }
            for result in run_results(home.dbt_target)
            if result["unique_id"].startswith(("test.", "unit_test."))
        ),
        key=lambda test: test["name"],
    )


def publish_restricted(home: Home, info: ReleaseInfo) -> Path | None:
    """restricted/releases/<release_id>/: every mart published `restricted`, never under publish/."""
    specs = published_specs("restricted")
    if not specs:
        return None
    with connect(home.root, read_only=True) as connection:
        datasets = [(spec, connection.sql(f"select * from main.{spec.name}").fetch_arrow_table()) for spec in specs]
    restricted_info = replace(
        info,
        title_en=info.title_en + " — restricted datasets",
        title_zh=info.title_zh + "（受限数据）",
        previous_release_id=current_release(home.restricted),
    )
    return write_release(home.restricted, restricted_info, datasets, access="restricted", portal=False)


@asset(
    key=AssetKey("submission_feedback"),
    group_name="publish",
    deps=[AssetKey("int_submission_row_outcomes"), AssetKey("int_product_problems")],
    pool="duckdb",
)
def submission_feedback(context: AssetExecutionContext, settings: PcfSettings) -> MaterializeResult:
    """One report per submission under feedback/: rows received, accepted, quarantined, every problem."""
    home = settings.pcf_home()
    with connect(home.root, read_only=True) as connection:
        totals = write_submission_feedback(home, connection, settings.as_of_date().isoformat())
    context.log.info(f"feedback written: {totals}")
    return MaterializeResult(metadata=totals)


@asset(
    key=AssetKey("release"),
    group_name="publish",
    deps=[AssetKey(spec.name) for spec in published_specs() + published_specs("restricted")] + [AssetKey("submission_feedback")],
    pool="duckdb",
)
def release(context: AssetExecutionContext, settings: PcfSettings) -> MaterializeResult:
    """publish/releases/<release_id>/ and then publish/LATEST, when the inputs changed since the current release."""
    home = settings.pcf_home()
    as_of = settings.as_of_date().isoformat()
    specs = published_specs()
    with connect(home.root, read_only=True) as connection:
        inputs = provenance(connection, as_of, settings.gwp())
        tables = {
            spec.name: connection.sql(f"select * from main.{spec.name}").fetch_arrow_table() for spec in specs
        }
        products = connection.execute("select count(*) from intermediate.int_product_footprints").fetchall()[0][0]
    previous_id = current_release(home.publish)
    same = release_with_fingerprint(home, inputs.fingerprint)
    if same is not None and previous_id is not None and release_sort_key(same) > release_sort_key(previous_id):
        # a night died after its release folder was complete but before LATEST moved: finish it
        replace_atomically(home.publish / "LATEST", (same + "\n").encode())
        write_portal(home.publish)
        context.log.info(f"release {same} was complete but not current: it is current now")
        return MaterializeResult(metadata={"published": True, "release_id": same, "reason": "recovered"})
    if same is not None:
        context.log.info(f"inputs unchanged: release {same} was built from exactly these inputs; nothing new to publish")
        return MaterializeResult(metadata={"published": False, "release_id": same, "reason": "unchanged"})
    if previous_id is not None and as_of < previous_id[:10]:
        context.log.warning(
            f"as-of {as_of} is before the current release {previous_id}: a back-dated run publishes nothing here; "
            "reproduce it in a fresh home holding a copy of pcf.duckdb and archive/"
        )
        return MaterializeResult(metadata={"published": False, "release_id": previous_id, "reason": "back-dated"})

    cleanup_stale_temp(home.publish)
    release_id = next_release_id(home.publish / "releases", as_of)
    changes = compute_changes(_read_previous(home, previous_id, "product_footprints"), tables["product_footprints"])
    datasets = [(spec, tables[spec.name]) for spec in specs] + [(CHANGES_SPEC, changes)]

    created = f"{as_of}T00:00:00Z"
    extra: dict[str, bytes] = {}
    exporter = pact.exporter_digest(tables["product_footprints"].schema)
    earlier = earlier_footprints(home.pact_footprints, exporter)
    exports, built = pact.export_files_reusing(tables["product_footprints"], created, earlier)
    for version, (data, skipped) in exports.items():
        if skipped:
            context.log.warning(pact.skipped_summary(f"PACT {version}", skipped))
        extra[f"pact/product_footprints.{version}.json"] = data
    suites = load_results(
        home, dataset_suite_names(model_names()),
        batches={BOUNDARY_SUITE: [release["release_id"] for release in inputs.factor_releases]},
    )
    tests = dbt_test_results(home)
    drift = drift_test_result(home)
    if drift:
        tests.append(drift)
    extra["validation/index.html"] = render_validation_html(f"Validation report {release_id}", suites, tests).encode()
    extra["validation/results.json"] = results_json(suites, tests)
    extra["provenance.json"] = (
        json.dumps({**inputs.as_dict(), "fingerprint": inputs.fingerprint}, indent=2, sort_keys=True) + "\n"
    ).encode()

    change_counts = {kind: 0 for kind in ("added", "removed", "restated")}
    for kind in changes.column("change_type").to_pylist():
        change_counts[kind] += 1
    info = ReleaseInfo(
        release_id=release_id,
        as_of=as_of,
        previous_release_id=previous_id,
        title_en="Shandong product carbon footprint disclosures",
        title_zh="山东省产品碳足迹信息披露",
        license=LICENSE,
        sources=[
            {"title": f"Factor release {r['release_id']} ({r['publisher']}, {r['published_date']}, {r['license']})"}
            for r in inputs.factor_releases
        ],
        summary={
            "public_products": tables["product_footprints"].num_rows,
            "accepted_products": products,
            "companies": len(set(tables["product_footprints"].column("company_uscc").to_pylist())),
            "factors_in_effect": tables["emission_factors"].num_rows,
            "changes_added": change_counts["added"],
            "changes_removed": change_counts["removed"],
            "changes_restated": change_counts["restated"],
            "checks_passed": sum(1 for s in suites for o in s.results if o.success) + sum(t["success"] for t in tests),
            "checks_failed": sum(1 for s in suites for o in s.results if not o.success) + sum(not t["success"] for t in tests),
        },
        gwp_set=settings.gwp(),
    )
    folder = write_release(home.publish, info, datasets, extra_files=extra)
    context.log.info(f"published release {release_id} at {folder}")
    try:
        remember_footprints(home.pact_footprints, exporter, built)
    except Exception as error:  # noqa: BLE001 - the release stands; the next one builds every footprint
        context.log.warning(f"the PACT footprints built tonight were not kept for the next release: {error}")
    restricted = publish_restricted(home, info)
    if restricted:
        context.log.info(f"restricted datasets of {release_id} at {restricted}")
    return MaterializeResult(
        metadata={"published": True, "release_id": release_id, "path": str(folder), **info.summary}
    )
