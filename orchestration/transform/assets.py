"""dbt models as Dagster assets: staging → intermediate → marts, dbt tests as asset checks."""


import os
from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.resources import PcfSettings
from orchestration.transform.project import dbt_build_args, dbt_env, dbt_project


class PcfDbtTranslator(DagsterDbtTranslator):
    """Asset keys are the model names (one name end to end); groups are the dbt layers."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        path = dbt_resource_props.get("original_file_path", "")
        if path.startswith("seeds"):
            return "reference"
        for layer in ("staging", "intermediate", "marts"):
            if path.startswith(f"transform/{layer}"):
                return layer
        return "transform"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=PcfDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
    pool="duckdb",
)
def pcf_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, settings: PcfSettings):
    """Every dbt model, seed and test, built against the home's warehouse for the run's as-of date."""
    home = settings.pcf_home()
    args = dbt_build_args(settings.as_of_date().isoformat(), settings.gwp())
    os.environ.update(dbt_env(home))
    yield from dbt.cli(args, context=context, target_path=home.root / "dbt" / "target").stream()
