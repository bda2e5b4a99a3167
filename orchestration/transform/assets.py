"""dbt models as Dagster assets: staging → intermediate → marts, dbt tests as asset checks."""


import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetCheckResult, AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets
from dagster_dbt.asset_utils import (
    DbtCliInvocationPartialParams,
    extract_runtime_selection_from_args,
    get_manifest_and_translator_from_dbt_assets,
    get_updated_cli_invocation_params_for_context,
)
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

from orchestration.home import Home
from orchestration.resources import PcfSettings
from orchestration.transform.project import (
    WHOLE_PROJECT,
    carry_saved_parse,
    dbt_build_args,
    dbt_env,
    dbt_location_args,
    dbt_project,
    kept_nodes_args,
    needs_full_refresh,
    project_digest,
    record_build,
    run_results,
    write_run_settings,
)
from orchestration.transform.invocation import DbtBuild, DbtBuildError
from orchestration.transform.templates import FILE_NAME as TEMPLATES_FILE
from orchestration.validate.checks import begin_suites, suite_check_key
from orchestration.warehouse import connect, received_files_through, stored_activity_rows


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
    dagster_dbt_translator=PcfDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_source_tests_as_checks=True)),
    pool="duckdb",
)
def pcf_dbt_models(context: AssetExecutionContext, settings: PcfSettings):
    """Every dbt model, seed and test, built against the home's warehouse for the run's as-of date."""
    home = settings.pcf_home()
    digest = project_digest()
    with connect(home.root) as connection:
        write_run_settings(connection, settings.as_of_date().isoformat(), settings.gwp())
        environment = dbt_env(home, stored_activity_rows(connection))
        full_refresh = needs_full_refresh(connection, digest)
        files_through = received_files_through(connection)
    if full_refresh:
        context.log.info("the project's files differ from the last build's: the incremental models are built whole")
    target = home.dbt_target
    failed: list[AssetCheckResult] = []  # described once dbt has written what each test ran
    error: Exception | None = None
    if carry_saved_parse(target, environment):
        context.log.info("first dbt build in this home: the project's saved parse is carried over")
    manifest, translator, _ = get_manifest_and_translator_from_dbt_assets([context.assets_def])
    arguments, selection = dbt_invocation_args(context, manifest, translator, target, full_refresh)
    build = DbtBuild(arguments, run_results=target / "run_results.json", compiled_templates=target / TEMPLATES_FILE)
    context.log.info(f"dbt {' '.join(arguments)}")
    with scoped_environ(environment):
        try:
            for result in build.events():
                for event in dagster_events(result, selection, context, target):
                    if isinstance(event, AssetCheckResult) and not event.passed:
                        failed.append(event)
                    else:
                        yield event
        except DbtBuildError as raised:  # a failed test fails the build: report its checks, then fail
            error = raised
    for check in failed:
        found = failing_rows(home, target, check.check_name or "")
        yield check._replace(description=found) if found else check
    if error is not None:
        raise error
    if set(context.selected_asset_keys) >= set(context.assets_def.keys):  # every model was built
        with connect(home.root) as connection:
            record_build(connection, digest, files_through)
    # the GX suites of the models just built run in the validation worker from now, beside the
    # feedback steps (ahead of the checks that take their results)
    started = time.perf_counter()
    begun = begin_suites(home, suites_of_run(context))
    if begun:
        context.log.info(
            f"Great Expectations suites begun in the validation worker: {', '.join(begun)} "
            f"(their rows handed over in {time.perf_counter() - started:.1f} s)"
        )


def suites_of_run(context: AssetExecutionContext) -> list[str]:
    """The models this step built whose suite check runs after it: a check of the job (`fast_job`
    leaves some out) that the run selected (every one of the job's when it names none)."""
    checks = set(context.job_def.asset_layer.asset_graph.asset_check_keys)
    selected = context.run.asset_check_selection
    if selected is not None:
        checks &= set(selected)
    built = sorted(key.to_user_string() for key in context.selected_asset_keys)
    return [name for name in built if suite_check_key(name) in checks]


def dbt_invocation_args(
    context: AssetExecutionContext,
    manifest: Mapping[str, Any],
    translator: DagsterDbtTranslator,
    target: Path,
    full_refresh: bool = False,
) -> tuple[list[str], DbtCliInvocationPartialParams]:
    """The nightly build's arguments, narrowed to what the run selected (a subset of the models or
    checks, as dagster-dbt narrows a CLI invocation), with the project, profile and target paths.
    Unless `full_refresh` (the project's files differ from the last build's), a build of the whole
    project leaves its seeds and views as they are (`kept_nodes_args`)."""
    arguments, selects, excludes = extract_runtime_selection_from_args(dbt_build_args(full_refresh))
    selection = get_updated_cli_invocation_params_for_context(
        context=context, manifest=manifest, dagster_dbt_translator=translator, runtime_selects=selects, runtime_excludes=excludes
    )
    copy = selection.dbt_project.project_dir if selection.dbt_project else None  # a large selection's copy
    arguments = [*arguments, *selection.selection_args, *dbt_location_args(target, copy)]
    if selection.indirect_selection:
        arguments += ["--indirect-selection", selection.indirect_selection]
    elif not full_refresh and selection.selection_args == WHOLE_PROJECT:
        arguments += kept_nodes_args()
    return arguments, selection


def dagster_events(
    result: Mapping[str, Any], selection: DbtCliInvocationPartialParams, context: AssetExecutionContext, target: Path
) -> Iterator[Any]:
    """The Dagster events of one dbt result (a model's output, a test's check result), as dagster-dbt
    makes them from a dbt subprocess's JSON log line of the same shape."""
    message = DbtCoreCliEventMessage(raw_event=dict(result), event_history_metadata={})
    return message.to_default_asset_events(
        manifest=selection.manifest,
        dagster_dbt_translator=selection.dagster_dbt_translator,
        context=context,
        target_path=target,
        project=selection.dbt_project,
    )


def failing_rows(home: Home, target: Path, test_name: str, limit: int = 10) -> str | None:
    """What a failed dbt test found, for the operator: its first rows, read again from the warehouse.

    A `rules` test returns one row per broken rule (`not_null(company_uscc): 2`), so the check's
    description names each rule it broke. None when dbt left no compiled query for the test.
    """
    compiled = next(
        (result.get("compiled_code") for result in run_results(target) if result["unique_id"].split(".")[2] == test_name),
        None,
    )
    if not compiled:
        return None
    try:
        with connect(home.root, read_only=True) as connection:
            relation = connection.sql(f"select * from ({compiled}) as failures limit {limit + 1}")
            columns, rows = relation.columns, relation.fetchall()
    except duckdb.Error as error:
        return f"failing rows could not be read again: {error}"
    if columns == ["rule", "failing_rows"]:
        shown = [f"{rule}: {count}" for rule, count in rows[:limit]]
    else:
        shown = [", ".join(f"{name}={value}" for name, value in zip(columns, row, strict=True)) for row in rows[:limit]]
    return "; ".join(shown) + ("; …" if len(rows) > limit else "")


@contextmanager
def scoped_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the dbt build (its profile reads them), and put the previous values back after."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
