"""The Dagster code location: `dagster dev` from the repo root loads this module."""

from __future__ import annotations

import os

os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor  # noqa: E402

from orchestration.ingest.assets import ingest_company_submissions, ingest_factors  # noqa: E402
from orchestration.ingest.shipments import ingest_shipments, shipment_feedback  # noqa: E402
from orchestration.operations.schedules import landing_sensor, nightly_schedule  # noqa: E402
from orchestration.publish.assets import release, submission_feedback  # noqa: E402
from orchestration.resources import PcfSettings  # noqa: E402
from orchestration.transform.assets import pcf_dbt_models  # noqa: E402
from orchestration.validate.drift import drift_gate  # noqa: E402
from orchestration.validate.checks import dataset_suite_names, model_names, suite_check  # noqa: E402

nightly_job = define_asset_job(
    "nightly_job",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="Ingest → transform → validate → publish, the whole night, every check.",
)
# CI runs on the tiny fixture: every asset and the checks of what leaves (marts, GX suites, drift
# gate); the dbt tests inside the graph (raw store, reference, staging, intermediate) are left to
# the night.
INTERNAL_GROUPS = ("ingest", "reference", "staging", "intermediate")
fast_job = define_asset_job(
    "fast_job",
    selection=AssetSelection.all() - (AssetSelection.groups(*INTERNAL_GROUPS) & AssetSelection.all_asset_checks()),
    executor_def=in_process_executor,
    description="The same flow with only the published datasets' checks: for CI on the tiny fixture.",
)

defs = Definitions(
    assets=[ingest_factors, ingest_company_submissions, ingest_shipments, pcf_dbt_models, submission_feedback, shipment_feedback, release],
    asset_checks=[*(suite_check(name) for name in dataset_suite_names(model_names())), drift_gate],
    jobs=[nightly_job, fast_job],
    schedules=[nightly_schedule(nightly_job)],
    sensors=[landing_sensor(nightly_job)],
    resources={
        "settings": PcfSettings(),
    },
)
