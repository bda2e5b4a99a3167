"""The night's Dagster instance (orchestration/operations/instance.py) stores what Dagster's
ephemeral instance stores, on one connection per storage, from any thread."""

from __future__ import annotations

import threading

from dagster import (
    AssetCheckResult,
    AssetKey,
    DagsterInstance,
    Definitions,
    asset,
    asset_check,
    define_asset_job,
    mem_io_manager,
)

from orchestration.operations.instance import night_instance


@asset
def upstream() -> int:
    return 1


@asset
def downstream(upstream: int) -> int:
    return upstream + 1


@asset_check(asset=downstream)
def downstream_is_two(downstream: int) -> AssetCheckResult:
    return AssetCheckResult(passed=downstream == 2, metadata={"value": downstream})


JOB = Definitions(  # values kept in memory: runs on several threads at once share no files
    assets=[upstream, downstream],
    asset_checks=[downstream_is_two],
    jobs=[define_asset_job("toy", selection="*")],
    resources={"io_manager": mem_io_manager},
).resolve_job_def("toy")


def _run(instance: DagsterInstance) -> tuple[list[str], list[tuple[str, bool]]]:
    result = JOB.execute_in_process(instance=instance)
    assert result.success
    kinds = [event.event_type_value for event in result.all_events]
    checks = [(e.check_name, e.passed) for e in result.get_asset_check_evaluations()]
    return kinds, checks


def test_a_night_instance_stores_what_the_ephemeral_one_does():
    with DagsterInstance.ephemeral() as reference, night_instance() as instance:
        expected = _run(reference)
        assert _run(instance) == expected
        assert expected[1] == [("downstream_is_two", True)]
        for key in ("upstream", "downstream"):
            assert instance.get_latest_materialization_event(AssetKey(key)) is not None
        assert len(instance.get_runs()) == 1
        _run(instance)  # a second run in the same instance: the records of both are there
        assert len(instance.get_runs()) == 2
        assert len(instance.fetch_materializations(AssetKey("downstream"), limit=10).records) == 2


def test_a_night_instance_takes_events_from_other_threads():
    with night_instance() as instance:
        errors: list[BaseException] = []

        def run() -> None:
            try:
                _run(instance)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=run) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert len(instance.get_runs()) == 3
        assert len(instance.fetch_materializations(AssetKey("upstream"), limit=10).records) == 3


def test_a_night_instance_can_be_let_go_on_another_thread():
    instance = night_instance()
    _run(instance)
    errors: list[BaseException] = []

    def let_go() -> None:
        try:
            instance.dispose()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    thread = threading.Thread(target=let_go)
    thread.start()
    thread.join()
    assert not errors
