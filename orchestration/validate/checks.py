"""GX suites as Dagster asset checks: one suite per published dataset, named as the dataset.

`expectations/<name>.json` validates the asset `<name>` (a dbt mart in the warehouse): adding a
published dataset with its suite adds its check, with nothing to register. A check fails when an
expectation marked blocking fails, and a failed check stops the publish step. Every result is kept
under $PCF_HOME/validation/ so the release carries the report of the checks that let it through.
"""


import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path

from dagster import AssetCheckKey, AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from orchestration.home import Home
from orchestration.resources import PcfSettings
from orchestration.transform.project import load_manifest
from orchestration.validate import worker
from orchestration.validate.gx import SuiteResult, suite_columns, suite_names, suite_path
from orchestration.warehouse import connect


def results_dir(home: Home):
    return home.root / "validation"


def result_path(home: Home, suite_name: str, batch: str | None = None) -> Path:
    """validation/<suite>.json, or validation/<suite>/<batch>.json for a suite run once per batch."""
    folder = results_dir(home)
    return home.inside(folder / f"{suite_name}.json" if batch is None else folder / suite_name / f"{batch}.json")


def save_result(home: Home, result: SuiteResult) -> None:
    path = result_path(home, result.suite_name, result.batch)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(result.to_json(), encoding="utf-8")


def load_results(home: Home, names: list[str], batches: Mapping[str, list[str]] | None = None) -> list[SuiteResult]:
    """The saved results of the suites `names`, and of each listed batch of the suites in `batches`."""
    paths = [result_path(home, name) for name in names]
    paths += [result_path(home, name, batch) for name, listed in (batches or {}).items() for batch in listed]
    return [SuiteResult.from_dict(json.loads(path.read_text(encoding="utf-8"))) for path in paths if path.exists()]


def validate_table(home: Home, table_name: str, suite_name: str | None = None) -> SuiteResult:
    """Run the suite on the warehouse table `<table_name>` (marts in main, others in their layer's schema).

    Only the columns the suite reads are loaded (all of them when it may read any): an
    activity-level table of ten million rows is a few columns in memory, not the whole table. A
    table built incrementally (it has a `built_at` column: int_activity_rows) is validated on the
    rows its latest build added; the rows of earlier nights were validated when they were added
    and have not changed since. A dataset whose rows, suite and validating code are those of its
    saved result keeps that result (`kept_result`). A suite begun in the validation worker on the
    same rows (`begin_suites`) gives the worker's result.
    """
    suite = suite_name or table_name
    begun = _BEGUN.pop((str(home.root), suite), None)
    with connect(home.root, read_only=True) as connection:
        read = SuiteInput.of(connection, table_name, suite)
        kept = kept_result(home, suite, read.digest)
        if begun is not None and (kept is not None or begun.key != read.key or begun.suite.discarded):
            begun.suite.discard()  # not needed, or begun on other rows: the rows are read again below
            begun = None
        if kept is not None:
            return kept
        if begun is None:  # streamed: to the worker's file batch by batch, or read whole to run here
            result = worker.validate(suite, read.reader(connection), folder=home.scratch)
    if begun is not None:
        result = begun.suite.result()
    input_path(home, suite).unlink(missing_ok=True)  # it vouches for the result about to be replaced
    save_result(home, result)
    if read.digest is not None:
        input_path(home, suite).write_text(read.digest + "\n", encoding="utf-8")
    return result


@dataclass(frozen=True)
class SuiteInput:
    """The rows a suite reads from its table (`query` with `params`), their number, and their
    digest (`input_digest`; None for a large table)."""

    query: str
    params: list | None
    rows: int
    digest: str | None

    @classmethod
    def of(cls, connection, table_name: str, suite: str) -> "SuiteInput":
        wanted = suite_columns(suite)
        found = connection.execute(
            "select table_schema, column_name from information_schema.columns where table_name = ? "
            "order by table_schema = 'main' desc, table_schema, ordinal_position",
            [table_name],
        ).fetchall()
        schema = found[0][0]
        present = [column for column_schema, column in found if column_schema == schema]
        read = [column for column in present if wanted is None or column in wanted] or present
        columns = ", ".join('"' + column.replace('"', '""') + '"' for column in read)
        query, params = f"select {columns} from {schema}.{table_name}", None
        if "built_at" in present:
            earliest, latest = connection.execute(f"select min(built_at), max(built_at) from {schema}.{table_name}").fetchall()[0]
            if earliest != latest:  # no filter when one build made every row
                query, params = query + " where built_at = ?", [latest]
        rows = connection.execute(f"select count(*) from ({query})", params).fetchall()[0][0]
        return cls(query, params, rows, input_digest(connection, suite, query, params, rows))

    @property
    def key(self) -> tuple:
        return (self.query, repr(self.params), self.rows, self.digest)

    def reader(self, connection):
        """The rows in batches, text as Arrow large strings, which pandas keeps its strings in (not
        cast again there); a setting of this connection only."""
        connection.execute("set arrow_large_buffer_size = true")
        return connection.sql(self.query, params=self.params).to_arrow_reader(VALIDATE_BATCH_ROWS)


@dataclass(frozen=True)
class _Begun:
    key: tuple
    suite: worker.Begun


# (home, suite) → the suite begun in the validation worker as dbt finished, taken by its check
_BEGUN: dict[tuple[str, str], _Begun] = {}


def begin_suites(home: Home, datasets: list[str]) -> list[str]:
    """Hand the suites of `datasets` (those with a suite) to the validation worker now, once their
    tables are final, and return their names; each dataset's check then takes its result
    (`validate_table`). The night's process writes each suite's rows to the worker's file and goes
    on to its next step (the feedback files) while the worker validates. Nothing when no worker is
    running; a suite whose rows keep their saved result is not begun."""
    for begun in list(_BEGUN.values()):  # of an earlier night in this process, never taken
        begun.suite.discard()
    _BEGUN.clear()
    if not worker.running():
        return []
    names: list[str] = []
    with connect(home.root, read_only=True) as connection:
        for suite in dataset_suite_names(datasets):
            read = SuiteInput.of(connection, suite, suite)
            if kept_result(home, suite, read.digest) is not None:
                continue
            handed = worker.begin(suite, read.reader(connection), folder=home.scratch)
            if handed is None:  # the worker has gone: each check runs its suite
                break
            _BEGUN[(str(home.root), suite)] = _Begun(read.key, handed)
            names.append(suite)
    return names


# A table of at most this many rows is fingerprinted before its suite runs (milliseconds), and an
# unchanged one keeps its last result; a larger one (the activity rows of a first night) is new
# every night that validates it.
FINGERPRINT_ROWS = 1_000_000
VALIDATING_CODE = Path(__file__).with_name("gx.py")  # how a suite's expectations are run and reported


def input_digest(connection, suite: str, query: str, params: list | None, rows: int) -> str | None:
    """What a suite's result depends on, as one digest: the suite's file, the validating code and
    the Great Expectations version, and the rows it would read (`rows` of them; a sum of the hashes
    of the rows, whatever their order). None for a table of more than FINGERPRINT_ROWS rows.
    """
    if rows > FINGERPRINT_ROWS:
        return None
    fingerprint = connection.execute(
        f"select cast(coalesce(sum(hash(t)::hugeint), 0) as varchar) from ({query}) as t", params
    ).fetchall()[0][0]
    digest = hashlib.sha256()
    for part in (suite_path(suite).read_bytes(), VALIDATING_CODE.read_bytes(), version("great-expectations").encode()):
        digest.update(hashlib.sha256(part).digest())
    digest.update(f"{query}\0{params}\0{rows}\0{fingerprint}".encode())
    return digest.hexdigest()


def input_path(home: Home, suite_name: str) -> Path:
    """validation/<suite>.input: the input digest of the saved result (not published)."""
    return home.inside(results_dir(home) / f"{suite_name}.input")


def kept_result(home: Home, suite_name: str, digest: str | None) -> SuiteResult | None:
    """The saved result of `suite_name`, when it was made from the inputs `digest` names: the same
    suite, code and rows give the same result (`SuiteResult.to_json` keeps nothing of the run), so
    an unchanged dataset is not validated again (Great Expectations' own set-up is 0.15-0.4 s a
    suite). None when anything differs, or nothing was kept."""
    if digest is None:
        return None
    recorded, saved = input_path(home, suite_name), result_path(home, suite_name)
    try:
        if recorded.read_text(encoding="utf-8").strip() != digest:
            return None
        result = SuiteResult.from_dict(json.loads(saved.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError):
        return None
    return replace(result, reused=True)


VALIDATE_BATCH_ROWS = 256 * 1024


def suite_check_key(dataset: str) -> AssetCheckKey:
    return AssetCheckKey(AssetKey(dataset), f"{dataset}_expectations")


# A suite's check runs after every other step that is ready with it (Dagster runs ready steps in
# the order of their priority, 0 by default): the feedback steps run while the validation worker
# runs the suites begun as dbt finished (`begin_suites`), and the checks then take the results.
AFTER_THE_OTHER_READY_STEPS = {"dagster/priority": "-1"}


def suite_check(dataset: str):
    """The blocking asset check that runs `expectations/<dataset>.json` on the asset `<dataset>`."""

    @asset_check(
        asset=AssetKey(dataset),
        name=suite_check_key(dataset).name,
        blocking=True,
        description=f"Great Expectations suite expectations/{dataset}.json on {dataset}.",
        pool="duckdb",
        op_tags=AFTER_THE_OTHER_READY_STEPS,
    )
    def _check(settings: PcfSettings) -> AssetCheckResult:
        result = validate_table(settings.pcf_home(), dataset)
        failures = result.blocking_failures
        return AssetCheckResult(
            passed=not failures,
            severity=AssetCheckSeverity.ERROR,
            description=result.failure_summary() if failures else "all blocking expectations met",
            metadata={
                "reused_for_unchanged_data": result.reused,
                "evaluated": result.statistics.get("evaluated_expectations", len(result.results)),
                "failed": len([o for o in result.results if not o.success]),
                "blocking_failed": len(failures),
            },
        )

    return _check


def dataset_suite_names(datasets: list[str]) -> list[str]:
    """The suites named after one of `datasets` (the assets they check), in that order."""
    available = set(suite_names())
    return [name for name in datasets if name in available]


def model_names() -> list[str]:
    """Every dbt model of the project, from the manifest."""
    manifest = load_manifest()
    return sorted(node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model")
