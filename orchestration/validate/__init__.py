"""Validation at the boundaries: Great Expectations suites (JSON in `expectations/`) and the offline report.

`run_suite(name, data)` validates a pandas DataFrame or pyarrow Table with a suite and returns a
`SuiteResult`; `render_validation_html` and `results_json` turn results into the release's
`validation/` folder. Importing this package does not import great_expectations (that happens on
the first validation).
"""

from orchestration.validate.gx import (
    EXPECTATIONS_DIR,
    ExpectationOutcome,
    SuiteResult,
    describe_expectation,
    expectations_dir,
    load_suite,
    run_suite,
    suite_names,
)
from orchestration.validate.report import render_validation_html, results_json

__all__ = [
    "EXPECTATIONS_DIR",
    "ExpectationOutcome",
    "SuiteResult",
    "describe_expectation",
    "expectations_dir",
    "load_suite",
    "render_validation_html",
    "results_json",
    "run_suite",
    "suite_names",
]
