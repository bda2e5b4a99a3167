"""Ingestion assets: landing/ → archive/ + the raw schema of the warehouse."""


from datetime import date

from dagster import AssetExecutionContext, AssetKey, AssetSpec, Backoff, MaterializeResult, RetryPolicy, multi_asset

from orchestration.feedback import write_release_feedback
from orchestration.ingest.factors import ingest_factor_releases
from orchestration.ingest.submissions import ingest_submissions
from orchestration.resources import PcfSettings
from orchestration.validate import worker
from orchestration.warehouse import connect

INGEST_RETRY = RetryPolicy(max_retries=2, delay=2, backoff=Backoff.EXPONENTIAL)


def receipt_date(connection, as_of: date) -> date | None:
    """The date new files are received on, or None for a run that reproduces an earlier date.

    Receipt moves forward only: a run whose as-of date is before the latest receipt reproduces the
    past from the archive and takes in nothing new.
    """
    latest = connection.execute(
        "select greatest((select max(received_date) from raw.files), (select max(received_date) from raw.factor_releases))"
    ).fetchall()[0][0]
    return None if latest is not None and as_of < latest else as_of


@multi_asset(
    specs=[
        AssetSpec(AssetKey(["raw", "factor_releases"]), description="One row per factor release received, accepted or rejected."),
        AssetSpec(AssetKey(["raw", "factor_rows"]), description="One row per factor of every accepted release, as text."),
    ],
    group_name="ingest",
    retry_policy=INGEST_RETRY,
    pool="duckdb",
)
def ingest_factors(context: AssetExecutionContext, settings: PcfSettings):
    """Validate and archive new factor releases from landing/factors/; a bad release is rejected whole."""
    worker.start()  # in a run the Dagster daemon launched; `pcf run` has started it already
    home = settings.pcf_home()
    with connect(home.root) as connection:
        received = receipt_date(connection, settings.as_of_date())
        outcomes = ingest_factor_releases(connection, home, received) if received else []
    for outcome in outcomes:
        write_release_feedback(home, outcome)
        context.log.info(f"factor release {outcome.release_id}: {outcome.status} ({outcome.rows_received} rows)")
    accepted = [o.release_id for o in outcomes if o.status == "accepted"]
    rejected = [o.release_id for o in outcomes if o.status == "rejected"]
    metadata = {"accepted": ", ".join(accepted) or "none", "rejected": ", ".join(rejected) or "none"}
    yield MaterializeResult(asset_key=AssetKey(["raw", "factor_releases"]), metadata=metadata)
    yield MaterializeResult(asset_key=AssetKey(["raw", "factor_rows"]), metadata={"releases_added": len(accepted)})


@multi_asset(
    specs=[
        AssetSpec(AssetKey(["raw", "files"]), description="One row per input file received, by content."),
        AssetSpec(AssetKey(["raw", "submission_rows"]), description="One row per data row of every readable submission."),
        AssetSpec(AssetKey(["raw", "pact_footprints"]), description="One row per PACT footprint received."),
        AssetSpec(AssetKey(["raw", "problems"]), description="One row per problem found at ingestion."),
    ],
    group_name="ingest",
    retry_policy=INGEST_RETRY,
    pool="duckdb",
)
def ingest_company_submissions(context: AssetExecutionContext, settings: PcfSettings):
    """Archive and read new submission files from landing/submissions/; bad files are quarantined whole."""
    worker.start()  # in a run the Dagster daemon launched; `pcf run` has started it already
    home = settings.pcf_home()
    with connect(home.root) as connection:
        received = receipt_date(connection, settings.as_of_date())
        summary = ingest_submissions(connection, home, received) if received else None
    if summary is None:
        context.log.info("as-of date is before the latest receipt: reproducing from the archive, nothing new read")
    metadata = {
        "files_new": summary.files_new if summary else 0,
        "files_quarantined": summary.files_quarantined if summary else 0,
    }
    for key in (["raw", "files"], ["raw", "submission_rows"], ["raw", "pact_footprints"], ["raw", "problems"]):
        yield MaterializeResult(asset_key=AssetKey(key), metadata=metadata)
