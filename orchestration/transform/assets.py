"""dbt models as Dagster assets: staging → intermediate → marts, dbt tests as asset checks."""


import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetCheckResult, AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from packaging.version import Version

from orchestration.home import Home
from orchestration.resources import PcfSettings
from orchestration.transform.project import (
    carry_saved_parse,
    dbt_build_args,
    dbt_env,
    dbt_project,
    run_results,
    write_run_settings,
)
from orchestration.validate.gx import warm_up
from orchestration.warehouse import connect, stored_activity_rows


class VenvDbtCliResource(DbtCliResource):
    """The `dbt` of this Python environment, whose version is the installed dbt-core's.

    dagster-dbt otherwise asks `dbt --version` in a subprocess on every run, which costs 3–4 s of
    a night's fixed time to learn what the environment already knows.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        """No dbt adapter in the Dagster process: the dbt subprocess has its own.

        dagster-dbt builds one before every invocation (loading dbt, the profile and the project:
        about 2 s of a night) for `fetch_row_counts` and `fetch_column_metadata` only, and the
        pipeline calls neither.
        """
        return None


def venv_dbt() -> VenvDbtCliResource:
    return VenvDbtCliResource(project_dir=dbt_project, dbt_executable=str(Path(sys.executable).with_name("dbt")))


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
def pcf_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, settings: PcfSettings):
    """Every dbt model, seed and test, built against the home's warehouse for the run's as-of date."""
    home = settings.pcf_home()
    with connect(home.root) as connection:
        write_run_settings(connection, settings.as_of_date().isoformat(), settings.gwp())
        environment = dbt_env(home, stored_activity_rows(connection))
    target = home.dbt_target
    failed: list[AssetCheckResult] = []  # described once dbt has written what each test ran
    error: Exception | None = None
    if carry_saved_parse(target, environment):
        context.log.info("first dbt build in this home: the project's saved parse is carried over")
    warm_up()  # the checks after dbt need great_expectations: imported while this process waits on dbt
    with scoped_environ(environment):
        invocation = dbt.cli(dbt_build_args(), context=context, target_path=target)
        try:
            for event in events_then_stop(invocation.stream(), invocation.process):
                if isinstance(event, AssetCheckResult) and not event.passed:
                    failed.append(event)
                else:
                    yield event
        except Exception as raised:  # dbt failed (a failed test fails it): report its checks, then fail
            error = raised
    for result in failed:
        found = failing_rows(home, target, result.check_name or "")
        yield result._replace(description=found) if found else result
    if error is not None:
        raise error


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


def events_then_stop(events: Iterator[Any], process: subprocess.Popen, grace_s: float = 10.0) -> Iterator[Any]:
    """dbt's events; when the step stops reading them early (an error, a cancelled run), dbt stops too.

    Left running, a dbt build whose output nobody reads blocks on the full pipe and keeps the
    warehouse locked, so the next night cannot open it. dbt cancels its queries on SIGINT; after
    `grace_s` seconds it is killed.
    """
    try:
        yield from events
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def scoped_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the dbt subprocess, and put the previous values back after."""
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
