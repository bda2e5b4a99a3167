"""`pcf bench` end to end on a small size: the real nightly job against the one-query floor.

Never a timing assertion (SPEC §8 targets are measured by running `pcf bench`, not by tests): this
checks that the bench runs, that the pipeline and the floor compute the same products and
footprints, and that the report ends with the JSON line.
"""

from __future__ import annotations

import json

import pytest

from orchestration.bench import run_bench

REQUIRED_KEYS = {"lines", "files", "pipeline_s", "reference_s", "ratio", "peak_rss_mb", "agree", "no_input_s", "incremental_s"}


@pytest.mark.slow
def test_bench_pipeline_agrees_with_the_floor(tmp_path, capsys):
    result = run_bench(lines=2000, workdir=tmp_path)

    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last_line) == json.loads(json.dumps(result, default=str))
    assert REQUIRED_KEYS <= result.keys()
    assert result["lines"] == 2000 and result["files"] == 4
    assert result["supplier_links"] > 0
    assert result["pipeline_exit_code"] == 0, result["pipeline_errors"] or result["failed_checks"]
    assert result["reference_products"] > 0
    assert len(result["reference_runs_s"]) == 3 and result["reference_s"] == min(result["reference_runs_s"])
    assert result["agree"], result["disagreements"]
    assert result["incremental_agree"], result["disagreements"]
    assert result["no_input_process_exit_code"] == 0 and result["incremental_process_exit_code"] == 0
    assert result["no_input_process_s"] > 0 and result["incremental_process_share"] > 0
