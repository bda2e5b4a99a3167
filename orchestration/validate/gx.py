"""Great Expectations at the boundaries: load a suite from `expectations/`, run it on a batch in memory.

Suites are GX 1.x ExpectationSuite JSON (what `suite.to_json_dict()` writes: `name`, `expectations`
as `{type, kwargs, meta}`, `meta`), one file per suite: `<repo>/expectations/<suite_name>.json`, or
the folder named by the environment variable `PCF_EXPECTATIONS_DIR`. Every expectation's `meta` may
carry `blocking` (bool, default true: a failure stops publishing), `description_en` and
`description_zh` (what the rule means, shown in the public validation report).

Data is validated as a pandas DataFrame (pyarrow tables are converted first) through an ephemeral GX
context that is created once per process. GX over SQLAlchemy on DuckDB does not work in GX 1.x, so
callers hand in the rows (e.g. `duckdb_connection.sql(...).arrow()`).

`great_expectations` takes 2.5-5 s to import, so it is imported on first use only: importing this
module (e.g. for the dataclasses, or to render a report) stays cheap. A night imports it at its
first check. (Imported on a thread while dbt built, it competed with dbt's own Python for the
interpreter lock: a night with one new file in a process of its own took longer, 23.1 and 25.9 s
against 22.1 and 23.5 s at a million lines, 71.5 against 60.8 s at ten million.)
"""

from __future__ import annotations

import ctypes
import datetime as dt
import decimal
import gc
import itertools
import json
import math
import os
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd
    from great_expectations.core import ExpectationSuite
    from great_expectations.data_context import AbstractDataContext

# Telemetry off before great_expectations is ever imported in this process (STYLE: no telemetry).
os.environ["GX_ANALYTICS_ENABLED"] = "false"

#: Environment variable that points at another folder of suite JSON files.
EXPECTATIONS_DIR_ENV = "PCF_EXPECTATIONS_DIR"
#: `<repo>/expectations`, the bundled suites (this file is `<repo>/orchestration/validate/gx.py`).
DEFAULT_EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "expectations"
#: Values shown per failing expectation (GX's `partial_unexpected_list`).
PARTIAL_UNEXPECTED_MAX = 20
#: GX result format: BASIC gives counts and a sample of unexpected values. SUMMARY adds the row
#: index of every sampled value, which costs ~50 % more time on large frames and is not reported.
RESULT_FORMAT: dict[str, Any] = {"result_format": "BASIC", "partial_unexpected_count": PARTIAL_UNEXPECTED_MAX}
#: Longest error message kept from a GX exception.
MESSAGE_MAX_CHARS = 500

_COLUMN_KWARGS = ("column", "column_A", "column_B")
_COLUMN_LIST_KWARGS = ("column_list",)


def expectations_dir() -> Path:
    """The folder of suite JSON files: `$PCF_EXPECTATIONS_DIR` if set, else `<repo>/expectations`."""
    override = os.environ.get(EXPECTATIONS_DIR_ENV, "").strip()
    return Path(override).expanduser().resolve() if override else DEFAULT_EXPECTATIONS_DIR


#: The folder in effect when this module was imported (see `expectations_dir()` for the live value).
EXPECTATIONS_DIR: Path = expectations_dir()


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectationOutcome:
    """The result of one expectation on one batch; every field is JSON-able.

    `observed_value` is set by aggregate/table expectations (e.g. the row count); column-map
    expectations report `element_count`, `unexpected_count`, `unexpected_percent` (of non-null
    values for rules that ignore nulls, as GX computes it) and up to 20 unexpected values.
    `message` explains an expectation that could not be evaluated (missing column, GX error).
    """

    expectation_type: str
    column: str | None
    kwargs: dict[str, Any]
    success: bool
    observed_value: Any
    unexpected_count: int | None
    unexpected_percent: float | None
    partial_unexpected_list: list[Any]
    description_en: str
    blocking: bool
    description_zh: str | None = None
    element_count: int | None = None
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of all fields."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExpectationOutcome:
        """Inverse of `to_dict` (unknown keys are ignored)."""
        names = cls.__dataclass_fields__.keys()
        return cls(**{key: value for key, value in data.items() if key in names})


@dataclass(frozen=True)
class SuiteResult:
    """The result of one suite on one batch: outcomes in the suite's own order.

    `statistics` holds `evaluated_expectations`, `successful_expectations`,
    `unsuccessful_expectations`. Nothing run-specific (time, run id) is kept, so the same data and
    suite always give the same `to_json()`.
    """

    suite_name: str
    success: bool
    statistics: dict[str, int]
    results: list[ExpectationOutcome]
    row_count: int | None = None
    batch: str | None = None  # which batch, when one suite checks several (a factor release id)
    # the result of an earlier night, taken again for the same suite, code and data (never saved)
    reused: bool = field(default=False, compare=False)

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        """Failed expectations whose meta says `blocking` (the default): these stop publishing."""
        return [outcome for outcome in self.results if outcome.blocking and not outcome.success]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        """Failed non-blocking expectations: reported, never stop publishing."""
        return [outcome for outcome in self.results if not outcome.blocking and not outcome.success]

    def failure_summary(self, limit: int = 10) -> str:
        """One line per failed expectation (blocking first), for logs and asset-check descriptions."""
        failed = self.blocking_failures + self.warnings
        if not failed:
            return f"{self.suite_name}: all {len(self.results)} expectations passed"
        lines = [f"{self.suite_name}: {len(failed)} of {len(self.results)} expectations failed"]
        for outcome in failed[:limit]:
            lines.append(f"- [{'blocking' if outcome.blocking else 'warning'}] {_outcome_detail(outcome)}")
        if len(failed) > limit:
            lines.append(f"- ... and {len(failed) - limit} more")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of everything, outcomes included."""
        return {
            "suite_name": self.suite_name,
            "success": self.success,
            "statistics": dict(self.statistics),
            "row_count": self.row_count,
            "results": [outcome.to_dict() for outcome in self.results],
        } | ({"batch": self.batch} if self.batch is not None else {})

    def to_json(self) -> str:
        """Deterministic JSON (sorted keys, no NaN): same data and suite, same string."""
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, allow_nan=False, indent=2)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SuiteResult:
        """Inverse of `to_dict`, e.g. to re-render a report from stored JSON."""
        return cls(
            suite_name=data["suite_name"],
            success=bool(data["success"]),
            statistics=dict(data["statistics"]),
            results=[ExpectationOutcome.from_dict(item) for item in data["results"]],
            row_count=data.get("row_count"),
            batch=data.get("batch"),
        )


def _outcome_detail(outcome: ExpectationOutcome) -> str:
    """`description: what was found` in a few words."""
    if outcome.message:
        found = outcome.message
    elif outcome.unexpected_count:
        sample = ", ".join(
            json.dumps(value, ensure_ascii=False) for value in outcome.partial_unexpected_list[:5]
        )
        found = f"{outcome.unexpected_count} unexpected value(s), e.g. {sample}"
    else:
        found = f"observed {json.dumps(outcome.observed_value, ensure_ascii=False)}"
    return f"{outcome.description_en}: {found}"


# --------------------------------------------------------------------------------------------------
# Suites
# --------------------------------------------------------------------------------------------------


def suite_path(name: str, directory: Path | None = None) -> Path:
    """Path of the JSON file of suite `name`; refuses names that are not plain file stems."""
    if not name or Path(name).name != name or name.startswith("."):
        raise ValueError(f"invalid suite name {name!r}")
    return (directory or expectations_dir()) / f"{name}.json"


def suite_names(directory: Path | None = None) -> list[str]:
    """Names of all suites in the folder, sorted."""
    folder = directory or expectations_dir()
    return sorted(path.stem for path in folder.glob("*.json"))


def _suite_shape_problem(data: Any, name: str) -> str | None:
    """What is wrong with the shape of a suite document, or None when it is well formed."""
    if not isinstance(data, dict) or not isinstance(data.get("expectations"), list):
        return "expected an object with a list 'expectations'"
    if data.get("name") != name:
        return f"suite name {data.get('name')!r} does not match the file name {name!r}"
    for index, item in enumerate(data["expectations"]):
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            return f"expectation #{index} needs a string 'type'"
        if not isinstance(item.get("kwargs", {}), dict) or not isinstance(item.get("meta") or {}, dict):
            return f"expectation #{index} ({item['type']}): 'kwargs' and 'meta' must be objects"
        if not isinstance((item.get("meta") or {}).get("blocking", True), bool):
            return f"expectation #{index} ({item['type']}): meta.blocking must be true or false"
    return None


def load_suite_dict(name: str, directory: Path | None = None) -> dict[str, Any]:
    """The suite's JSON as a dict, checked for shape (name matches the file, expectations a list)."""
    path = suite_path(name, directory)
    if not path.is_file():
        known = ", ".join(suite_names(path.parent)) or "none"
        raise FileNotFoundError(
            f"no expectation suite {name!r}: {path} does not exist (suites there: {known})"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON: {exc}") from exc
    problem = _suite_shape_problem(data, name)
    if problem:
        raise ValueError(f"{path}: {problem}")
    return data


def load_suite(name: str, directory: Path | None = None) -> ExpectationSuite:
    """Load suite `name` from its JSON file as a GX `ExpectationSuite`.

    Strict where GX is lenient: GX's `ExpectationSuite(expectations=[...])` logs and silently drops
    an expectation it cannot build (unknown type, bad kwargs); here that raises `ValueError` naming
    the file and the expectation.
    """
    from great_expectations.core import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    data = load_suite_dict(name, directory)
    path = suite_path(name, directory)
    expectations = []
    for index, item in enumerate(data["expectations"]):
        config_keys = {"type", "kwargs", "meta", "notes", "description", "severity", "id"}
        config = {key: value for key, value in item.items() if key in config_keys and value is not None}
        config.setdefault("kwargs", {})
        try:
            expectations.append(ExpectationConfiguration(**config).to_domain_obj())
        except Exception as exc:  # GX raises several exception types for a bad configuration
            raise ValueError(f"{path}: expectation #{index} ({item['type']}) is invalid: {exc}") from exc
    return ExpectationSuite(
        name=name,
        expectations=expectations,
        meta=data.get("meta") or None,
        notes=data.get("notes"),
    )


# --------------------------------------------------------------------------------------------------
# Context
# --------------------------------------------------------------------------------------------------

_CONTEXT: AbstractDataContext | None = None
_LOCK = threading.RLock()
_DATASOURCE_SEQUENCE = itertools.count(1)


def get_context() -> AbstractDataContext:
    """The process's ephemeral GX context: created once, progress bars off, analytics off."""
    global _CONTEXT
    with _LOCK:
        if _CONTEXT is None:
            import great_expectations as gx
            import great_expectations.execution_engine.pandas_execution_engine as pandas_engine
            from great_expectations.data_context.types.base import ProgressBarsConfig

            # GX md5-hashes every frame under 1 GB as a "fingerprint" when it loads a batch
            # (~0.1 s per 1M rows); we never read it, so switch it off for this process.
            if hasattr(pandas_engine, "HASH_THRESHOLD"):
                pandas_engine.HASH_THRESHOLD = 0
            context = gx.get_context(mode="ephemeral")
            context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
            _CONTEXT = context
        return _CONTEXT


# --------------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------------


def _arrow_type_for_pandas(data_type: pa.DataType) -> pa.DataType | None:
    """The type an Arrow column is cast to before pandas conversion, or None to keep it.

    Decimals become float64 (GX compares numbers; Decimal objects are slow and not JSON),
    dictionary columns their value type (no categoricals), string views large strings, the type
    pandas keeps its Arrow-backed strings in (a plain string column is cast by pandas itself).
    Dates convert to datetime64 (see `to_pandas`).
    """
    if pa.types.is_decimal(data_type):
        return pa.float64()
    if pa.types.is_dictionary(data_type):
        return _arrow_type_for_pandas(data_type.value_type) or data_type.value_type
    if pa.types.is_string_view(data_type):
        return pa.large_string()
    if pa.types.is_large_binary(data_type):
        return pa.binary()
    return None


def _pandas_type_for_arrow(data_type: pa.DataType) -> Any:
    """`types_mapper` for `Table.to_pandas`: strings stay Arrow-backed, as pandas' `str` dtype.

    `str` (`StringDtype("pyarrow", na_value=nan)`) is the dtype GX's `column.astype(str)` asks for
    when it matches a regex with string inference on (see `_validate`): from `string[pyarrow]` that
    cast went through a Python object per value (3 s of the 10M-row activity suite); from `str` it
    is no cast at all.
    """
    import pandas as pd

    if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
        return pd.StringDtype("pyarrow", na_value=np.nan)
    return None


def to_pandas(data: pd.DataFrame | pa.Table | pa.RecordBatch) -> pd.DataFrame:
    """The frame GX validates.

    pyarrow tables (and pandas columns backed by `pd.ArrowDtype`) are converted: decimal to
    float64, dictionary to its values, date to datetime64, integers with nulls to float64 (pandas'
    default), strings to pandas' Arrow-backed `string[pyarrow]` dtype. Arrow-backed strings take
    a fraction of the memory of Python string objects and make null, set and uniqueness checks
    several times faster (a 1M-row activity suite: 1.0 s instead of 1.6 s). A DataFrame without
    Arrow-backed columns is returned as it is (not copied).
    """
    import pandas as pd  # imported where a suite runs: the night's process may never need it

    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    if isinstance(data, pa.Table):
        casts = {i: _arrow_type_for_pandas(f.type) for i, f in enumerate(data.schema)}
        for index, target in casts.items():
            if target is not None:
                data = data.set_column(index, data.schema.field(index).name, data.column(index).cast(target))
        return data.to_pandas(date_as_object=False, types_mapper=_pandas_type_for_arrow)
    if isinstance(data, pd.DataFrame):
        arrow_backed = [name for name, dtype in data.dtypes.items() if isinstance(dtype, pd.ArrowDtype)]
        if not arrow_backed:
            return data
        converted = data.copy(deep=False)
        for name in arrow_backed:
            column = to_pandas(pa.table({"value": pa.array(data[name])}))["value"]
            column.index = data.index
            converted[name] = column
        return converted
    raise TypeError(f"cannot validate {type(data).__name__}: pass a pandas DataFrame or a pyarrow Table")


def jsonable(value: Any) -> Any:
    """`value` as plain JSON: numpy scalars unwrapped, dates ISO strings, NaN/±inf as strings.

    Non-finite floats are kept visible (`"NaN"`, `"Infinity"`, `"-Infinity"`) because a non-finite
    footprint is exactly what a report must show; JSON itself cannot hold them.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return float(value)
    if isinstance(value, decimal.Decimal):
        return jsonable(float(value))
    pandas = sys.modules.get("pandas")  # a pandas value exists only once pandas is imported
    if pandas is not None and (value is pandas.NaT or value is pandas.NA):
        return None
    if isinstance(value, (dt.datetime, dt.date, dt.time)):  # pandas' Timestamp too
        return value.isoformat()
    if isinstance(value, dt.timedelta):  # pandas' Timedelta too
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((jsonable(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return jsonable(value.tolist())
    if hasattr(value, "item"):
        return jsonable(value.item())
    return str(value)


# --------------------------------------------------------------------------------------------------
# Descriptions
# --------------------------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    """A kwarg value in prose: numbers without trailing .0, strings bare."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _range_words(kwargs: Mapping[str, Any], subject: str) -> str:
    """`<subject> is between a and b` / `is >= a` / `is <= b`, honouring strict bounds."""
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    low_op = ">" if kwargs.get("strict_min") else ">="
    high_op = "<" if kwargs.get("strict_max") else "<="
    if low is not None and high is not None:
        if not kwargs.get("strict_min") and not kwargs.get("strict_max"):
            return f"{subject} is between {_fmt(low)} and {_fmt(high)}"
        return f"{subject} is {low_op} {_fmt(low)} and {high_op} {_fmt(high)}"
    if low is not None:
        return f"{subject} is {low_op} {_fmt(low)}"
    if high is not None:
        return f"{subject} is {high_op} {_fmt(high)}"
    return f"{subject} is any value"


def describe_expectation(expectation_type: str, kwargs: Mapping[str, Any]) -> str:
    """A plain-English sentence for an expectation, e.g. "dqr is between 1 and 5".

    Used when the suite's meta has no `description_en`.
    """
    column = kwargs.get("column")
    columns = kwargs.get("column_list") or []
    values = kwargs.get("value_set") or []
    shown_values = ", ".join(_fmt(value) for value in values)
    sentences: dict[str, str] = {
        "expect_column_values_to_not_be_null": f"{column} is never null",
        "expect_column_values_to_be_null": f"{column} is always null",
        "expect_column_values_to_be_unique": f"{column} values are unique",
        "expect_compound_columns_to_be_unique": f"the combination ({', '.join(columns)}) is unique",
        "expect_multicolumn_values_to_be_unique": f"values of ({', '.join(columns)}) are unique within each row",
        "expect_column_values_to_be_in_set": f"{column} is one of: {shown_values}",
        "expect_column_values_to_not_be_in_set": f"{column} is none of: {shown_values}",
        "expect_column_distinct_values_to_be_in_set": f"the distinct values of {column} are among: {shown_values}",
        "expect_column_values_to_match_regex": f"{column} matches the pattern {kwargs.get('regex')}",
        "expect_column_values_to_not_match_regex": f"{column} does not match the pattern {kwargs.get('regex')}",
        "expect_column_to_exist": f"the column {column} exists",
        "expect_table_columns_to_match_set": "the table has exactly the columns: "
        + ", ".join(map(str, kwargs.get("column_set") or [])),
        "expect_table_columns_to_match_ordered_list": "the table has, in order, the columns: "
        + ", ".join(map(str, kwargs.get("column_list") or [])),
        "expect_table_row_count_to_equal": f"the table has exactly {_fmt(kwargs.get('value'))} rows",
        "expect_column_values_to_be_of_type": f"{column} is of type {kwargs.get('type_')}",
        "expect_column_values_to_be_in_type_list": f"{column} is of one of the types: "
        + ", ".join(map(str, kwargs.get("type_list") or [])),
        "expect_column_value_lengths_to_equal": f"{column} values are {_fmt(kwargs.get('value'))} characters long",
        "expect_column_pair_values_a_to_be_greater_than_b": f"{kwargs.get('column_A')} is greater than "
        f"{'or equal to ' if kwargs.get('or_equal') else ''}{kwargs.get('column_B')}",
        "expect_column_pair_values_to_be_equal": f"{kwargs.get('column_A')} equals {kwargs.get('column_B')}",
    }
    ranges = {
        "expect_column_values_to_be_between": f"{column}",
        "expect_table_row_count_to_be_between": "the row count",
        "expect_column_min_to_be_between": f"the minimum of {column}",
        "expect_column_max_to_be_between": f"the maximum of {column}",
        "expect_column_mean_to_be_between": f"the mean of {column}",
        "expect_column_median_to_be_between": f"the median of {column}",
        "expect_column_sum_to_be_between": f"the sum of {column}",
        "expect_column_stdev_to_be_between": f"the standard deviation of {column}",
        "expect_column_unique_value_count_to_be_between": f"the number of distinct values of {column}",
        "expect_column_proportion_of_unique_values_to_be_between": f"the share of unique values of {column}",
        "expect_column_value_lengths_to_be_between": f"the length of {column} values",
        "expect_table_column_count_to_be_between": "the column count",
    }
    if expectation_type in sentences:
        text = sentences[expectation_type]
    elif expectation_type in ranges:
        text = _range_words(kwargs, ranges[expectation_type])
    else:
        details = ", ".join(
            f"{key}={_fmt(value)}" for key, value in sorted(kwargs.items()) if key != "batch_id"
        )
        text = expectation_type.removeprefix("expect_").replace("_", " ") + (
            f" ({details})" if details else ""
        )
    mostly = kwargs.get("mostly")
    if mostly is not None and float(mostly) < 1:
        text += f" (in at least {_fmt(float(mostly) * 100)}% of rows)"
    return text


# --------------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------------


def suite_columns(name: str, directory: Path | None = None) -> list[str] | None:
    """The columns the suite's expectations read, or None when it may read any column.

    A row condition is a pandas filter over any column, and table-level expectations on the
    columns see them all: a suite with either needs the whole table.
    """
    columns: list[str] = []
    for expectation in load_suite_dict(name, directory)["expectations"]:
        kwargs = expectation.get("kwargs") or {}
        if "row_condition" in kwargs or str(expectation.get("type", "")).startswith("expect_table_column"):
            return None
        columns += referenced_columns(kwargs)
    return list(dict.fromkeys(columns))


def referenced_columns(kwargs: Mapping[str, Any]) -> list[str]:
    """Columns an expectation reads (its domain), in kwarg order."""
    columns = [kwargs[key] for key in _COLUMN_KWARGS if isinstance(kwargs.get(key), str)]
    for key in _COLUMN_LIST_KWARGS:
        columns.extend(str(item) for item in kwargs.get(key) or [])
    return columns


def _exception_message(exception_info: Any) -> str | None:
    """The first error message in GX's `exception_info` (flat, or keyed by metric id)."""
    if not isinstance(exception_info, Mapping):
        return None
    if "raised_exception" in exception_info:
        infos: Iterable[Any] = [exception_info]
    else:
        infos = exception_info.values()
    for info in infos:
        if isinstance(info, Mapping) and (info.get("raised_exception") or info.get("exception_message")):
            message = str(info.get("exception_message") or "GX raised an exception").strip()
            return message if len(message) <= MESSAGE_MAX_CHARS else message[: MESSAGE_MAX_CHARS - 1] + "…"
    return None


def _outcome(
    expectation_type: str,
    kwargs: Mapping[str, Any],
    meta: Mapping[str, Any],
    success: bool,
    result: Mapping[str, Any],
    message: str | None,
) -> ExpectationOutcome:
    """Build an outcome from the suite's configuration and GX's `result` dict."""
    plain_kwargs = {key: jsonable(value) for key, value in kwargs.items() if key != "batch_id"}
    column = kwargs.get("column") if isinstance(kwargs.get("column"), str) else None
    unexpected_percent = result.get("unexpected_percent")
    unexpected_count = result.get("unexpected_count")
    element_count = result.get("element_count")
    partial = list(result.get("partial_unexpected_list") or [])[:PARTIAL_UNEXPECTED_MAX]
    if expectation_type == "expect_column_values_to_not_be_null":
        # every value it found is a missing one: null, whether the frame held it as None, NA or NaN
        partial = [None] * len(partial)
    return ExpectationOutcome(
        expectation_type=expectation_type,
        column=column,
        kwargs=plain_kwargs,
        success=bool(success),
        observed_value=jsonable(result.get("observed_value")),
        unexpected_count=None if unexpected_count is None else int(unexpected_count),
        unexpected_percent=None if unexpected_percent is None else jsonable(float(unexpected_percent)),
        partial_unexpected_list=jsonable(partial),
        description_en=str(meta.get("description_en") or describe_expectation(expectation_type, kwargs)),
        description_zh=str(meta["description_zh"]) if meta.get("description_zh") else None,
        blocking=bool(meta.get("blocking", True)),
        element_count=None if element_count is None else int(element_count),
        message=message,
    )


def _validate_with_gx(suite_name: str, configurations: dict[int, Any], frame: pd.DataFrame) -> dict[int, Any]:
    """Run the expectation configurations on `frame`; GX's result for each, by suite position.

    GX returns results in its own order (expectations whose metrics failed come first), so each
    configuration is tagged with its position as its id and the results are mapped back by it.
    The pandas datasource is created for this run and deleted afterwards, so GX's execution
    engine (which caches the loaded batch and some metrics) does not keep the frame alive.
    """
    import pandas as pd
    from great_expectations.core import ExpectationSuite
    from great_expectations.validator.v1_validator import Validator

    tagged = []
    for index, configuration in configurations.items():
        configuration.id = f"pcf-{index}"
        tagged.append(configuration)
    suite = ExpectationSuite(name=suite_name, expectations=tagged)
    if len(suite.expectations) != len(tagged):  # GX drops what it cannot build; load_suite checked
        raise RuntimeError(f"GX dropped expectations of suite {suite_name!r}")

    context = get_context()
    with _LOCK:
        datasource_name = f"pcf_validate_{next(_DATASOURCE_SEQUENCE)}"
        datasource = context.data_sources.add_pandas(name=datasource_name)
        try:
            asset = datasource.add_dataframe_asset(name="dataframe")
            batch_definition = asset.add_batch_definition_whole_dataframe(name="whole_dataframe")
            # The Validator that `Batch.validate` and `ValidationDefinition.run` use internally: it
            # loads the batch once (`batch_definition.get_batch().validate()` loads it twice) and
            # keeps nothing in a results store.
            validator = Validator(
                batch_definition=batch_definition,
                batch_parameters={"dataframe": frame},
                result_format=dict(RESULT_FORMAT),
            )
            # GX matches a regex as `column.astype(str).str.contains(regex)`. With pandas' string
            # inference on, that is Arrow's regex kernel over the Arrow-backed column instead of
            # Python's `re` on every value turned into a Python object (the int_activity_rows suite
            # on 9.5M rows: 14–18 s → 7–11 s, and no column of Python strings). Arrow's engine is RE2,
            # stricter than `re` where the suites want it: `\d` is an ASCII digit and `$` the very
            # end of the value (`re` also took a full-width digit, or a line break after the value).
            with pd.option_context("future.infer_string", True):
                suite_result = validator.validate_expectation_suite(suite)
        finally:
            context.data_sources.delete(name=datasource_name)
    by_index: dict[int, Any] = {}
    for result in suite_result.results:
        tag = str(result.expectation_config.id or "")
        if tag.startswith("pcf-") and tag[4:].isdigit():
            by_index[int(tag[4:])] = result
    return by_index


def release_memory() -> None:
    """Give the system back what a suite's frame held, before the night goes on.

    Great Expectations keeps the frame it validated in reference cycles, which only the garbage
    collector frees, and neither Arrow's allocator nor the C library's returns freed memory to the
    system by itself. After the suite on ten million activity rows the process held 2.6 GB, and
    0.5 GB once collected and given back; left held, the release stacked its own peak on it.
    """
    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not the GNU C library: nothing more to give back
        pass


def _missing_message(columns: list[str]) -> str:
    """Why an expectation on absent columns failed, in plain words."""
    names = ", ".join(repr(column) for column in columns)
    if len(columns) == 1:
        return f"column {names} is missing from the data, so this rule cannot be checked"
    return f"columns {names} are missing from the data, so this rule cannot be checked"


def run_suite(name: str, data: pd.DataFrame | pa.Table, directory: Path | None = None) -> SuiteResult:
    """Validate `data` with suite `name`; never raises for bad data.

    An expectation whose column is missing fails with a message naming the column (it is not
    sent to GX); an expectation GX cannot evaluate fails with GX's error message. Zero rows are
    fine: column rules pass vacuously, a row-count rule fails.
    """
    suite = load_suite(name, directory)
    frame = to_pandas(data)
    present = {str(column) for column in frame.columns}

    configurations = [expectation.configuration for expectation in suite.expectations]
    missing_by_index: dict[int, list[str]] = {}
    for index, config in enumerate(configurations):
        missing = [column for column in referenced_columns(config.kwargs) if column not in present]
        if missing:
            missing_by_index[index] = missing

    runnable = {index: config for index, config in enumerate(configurations) if index not in missing_by_index}
    gx_results = _validate_with_gx(suite.name, runnable, frame) if runnable else {}

    outcomes: list[ExpectationOutcome] = []
    for index, config in enumerate(configurations):
        meta = dict(config.meta or {})
        if index in missing_by_index:
            outcomes.append(
                _outcome(
                    config.type, config.kwargs, meta, False, {}, _missing_message(missing_by_index[index])
                )
            )
            continue
        gx_result = gx_results.get(index)
        if gx_result is None:  # GX returned no result for it: report instead of guessing
            outcomes.append(_outcome(config.type, config.kwargs, meta, False, {}, "GX returned no result"))
            continue
        message = _exception_message(gx_result.exception_info)
        success = bool(gx_result.success) and message is None
        outcomes.append(
            _outcome(config.type, config.kwargs, meta, success, dict(gx_result.result or {}), message)
        )

    successful = sum(1 for outcome in outcomes if outcome.success)
    return SuiteResult(
        suite_name=suite.name,
        success=successful == len(outcomes),
        statistics={
            "evaluated_expectations": len(outcomes),
            "successful_expectations": successful,
            "unsuccessful_expectations": len(outcomes) - successful,
        },
        results=outcomes,
        row_count=len(frame),
    )
