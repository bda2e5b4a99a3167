"""A night whose suites run in the validation worker (`pcf run`'s default) publishes what a night
whose suites run in its own process publishes, with the same validation results."""

from __future__ import annotations

from datetime import date

from orchestration.bench import _keeping_instances
from orchestration.home import Home
from orchestration.runner import EXIT_OK, run_nightly
from orchestration.validate import worker
from tests.conftest import make_home
from tests.integration.test_release_properties import files_under, is_data_file, release_folder


def test_a_night_validated_in_the_worker_publishes_the_same_bytes(tiny_release, tmp_path_factory, monkeypatch):
    home, outcome = tiny_release  # its suites ran in the test's process (tests/conftest.py)
    assert outcome.exit_code == EXIT_OK
    twin = Home(make_home(tmp_path_factory.mktemp("worker_twin"))).ensure()
    monkeypatch.setenv(worker.SETTING, "on")
    started, spawned_pool = [], worker.spawned_pool
    monkeypatch.setattr(
        worker, "spawned_pool", lambda workers, **options: started.append(workers) or spawned_pool(workers, **options)
    )
    answered, answer = [], worker._answer  # noqa: SLF001 - counts the suites the worker answered
    monkeypatch.setattr(worker, "_answer", lambda *arguments: answered.append(answer(*arguments)) or answered[-1])
    with _keeping_instances() as instances:
        twin_outcome = run_nightly(twin, as_of=date(2026, 1, 15))
    assert twin_outcome.exit_code == EXIT_OK, twin_outcome.errors or twin_outcome.failed_checks
    assert started == [1] and not worker.running()  # one worker for the night, stopped with it

    # the suites were begun as dbt finished, the feedback steps ran while the worker validated, and
    # each check took the worker's answer
    (instance,) = instances
    (run,) = instance.get_runs()
    records = instance.all_logs(run.run_id)
    begun = [r.user_message for r in records if r.step_key == "pcf_dbt_models" and "suites begun in the validation worker" in r.user_message]
    assert len(begun) == 1 and all(name in begun[0] for name in ("int_activity_rows", "product_footprints", "emission_factors"))
    order = [r.step_key for r in records if r.dagster_event is not None and r.dagster_event.event_type_value == "STEP_START"]
    checks = [i for i, step in enumerate(order) if step.endswith("_expectations")]
    assert len(checks) >= 4 and max(order.index("submission_feedback"), order.index("shipment_feedback")) < min(checks)
    assert len([result for result in answered if result is not None]) >= 4
    assert list(twin.scratch.glob("pcf-suite-*")) == []  # every begun suite's file, written there, removed

    ours, theirs = files_under(release_folder(home, outcome)), files_under(release_folder(twin, twin_outcome))
    data = [name for name in ours if is_data_file(name)]
    assert data and sorted(ours) == sorted(theirs)
    assert [name for name in data if ours[name] != theirs[name]] == []
    results, twin_results = files_under(home.root / "validation"), files_under(twin.root / "validation")
    suites = [name for name in results if name.endswith(".json")]
    assert len(suites) >= 4 and sorted(results) == sorted(twin_results)
    assert [name for name in suites if results[name] != twin_results[name]] == []



def test_a_run_the_daemon_launches_starts_the_worker_at_ingestion(tmp_path, monkeypatch):
    """Without `pcf run` (the job executed as a launched run executes it), the first ingest step
    starts the worker, and the night's suites run in it."""
    from dagster import DagsterInstance

    from orchestration.definitions import defs
    from orchestration.runner import FAST_JOB

    home = Home(make_home(tmp_path)).ensure()
    monkeypatch.setenv(worker.SETTING, "on")
    monkeypatch.setenv("PCF_HOME", str(home.root))
    started, spawned_pool = [], worker.spawned_pool
    monkeypatch.setattr(
        worker, "spawned_pool", lambda workers, **options: started.append(workers) or spawned_pool(workers, **options)
    )
    validated_there, answer = [], worker._answer  # noqa: SLF001 - counts the suites the worker answered

    def counted(*arguments):
        result = answer(*arguments)
        if result is not None:
            validated_there.append(result)
        return result

    monkeypatch.setattr(worker, "_answer", counted)
    settings = {"home": str(home.root), "as_of": "2026-01-15"}
    try:
        with DagsterInstance.ephemeral() as instance:
            result = defs.resolve_job_def(FAST_JOB).execute_in_process(
                run_config={"resources": {"settings": {"config": settings}}}, instance=instance, raise_on_error=False
            )
            begun = [
                record.user_message for record in instance.all_logs(result.run_id)
                if "suites begun in the validation worker" in record.user_message
            ]
        assert result.success
        # the suites of the checks this job selects, begun as dbt finished; not the internal
        # int_activity_rows, whose check fast_job leaves out
        assert len(begun) == 1 and "product_footprints" in begun[0] and "int_activity_rows" not in begun[0]
        assert started == [1] and worker.running()  # the process's worker, until it stops or exits
        assert len(validated_there) >= 4  # every suite of the night answered by the worker
    finally:
        worker.stop()
