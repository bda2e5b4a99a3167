"""The `rules` generic test (models/tests/generic/rules.sql) run by dbt on a real DuckDB file.

A throwaway dbt project uses the repository's generic tests. Its seed `things` breaks every kind of
rule once; the stored failures of the test must name each broken rule with the rows that break it,
and a table that keeps every rule must pass.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration.home import DBT_PROJECT_DIR

PROJECT = """
name: rules_check
version: "1.0"
profile: rules_check
seed-paths: [seeds]
test-paths: [tests]
macro-paths: [macros]
"""

PROFILES = """
rules_check:
  target: dev
  outputs:
    dev: {type: duckdb, path: "{path}", threads: 1}
"""

SCHEMA = """
version: 2
seeds:
  - name: kinds
  - name: {name}
    data_tests:
      - rules:
          name: {name}_rules
          config: {{store_failures: true}}
          arguments:
            not_null: [code, amount, {{column: grade, where: "kind = 'a'"}}]
            unique: [code, "code || '|' || kind", [kind, grade], {{key: kind, where: "grade = 1"}}]
            accepted_values:
              kind: [a, "b'c"]
              grade: [1, 2, 3]
            relationships:
              kind: {{to: ref('kinds'), field: kind, where: "amount is not null"}}
            expressions:
              amount_not_negative: "amount >= 0"
              small_when_a: {{expression: "amount < 3", where: "kind = 'a'"}}
"""

KINDS = "kind\na\nb'c\n"
# Rows 1-6: code null (5), code X twice, kind z (not accepted, not in kinds; its amount is not
# null), grade 7, amount null (4), amount -1 (2), grade null where kind is a (6), kind a twice
# where grade is 1 (1, 5), kind a with grade 1 twice (1, 5), amount not below 3 where kind is a
# (4: null, 5: 3).
BROKEN = "code,kind,grade,amount\nX,a,1,1\nX,b'c,2,-1\nY,z,7,2\nZ,a,3,\n,a,1,3\nW,a,,0\n"
GOOD = "code,kind,grade,amount\nX,a,1,1\nY,b'c,2,0\nZ,,,5\n"


def run_project(root: Path, name: str, rows: str) -> tuple[subprocess.CompletedProcess, Path]:
    project = root / name
    (project / "seeds").mkdir(parents=True)
    (project / "macros").symlink_to(DBT_PROJECT_DIR / "macros")
    (project / "tests").mkdir()
    (project / "tests" / "generic").symlink_to(DBT_PROJECT_DIR / "tests" / "generic")
    (project / "dbt_project.yml").write_text(PROJECT)
    database = project / "check.duckdb"
    (project / "profiles.yml").write_text(PROFILES.replace("{path}", str(database)))
    (project / "seeds" / "kinds.csv").write_text(KINDS)
    (project / "seeds" / f"{name}.csv").write_text(rows)
    (project / "seeds" / "schema.yml").write_text(SCHEMA.format(name=name))
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    env.pop("PCF_DUCKDB_PATH", None)
    result = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "build", "--profiles-dir", ".", "--no-partial-parse"],
        cwd=project, env=env, capture_output=True, text=True,
    )
    return result, database


def test_each_broken_rule_is_named_with_its_rows(tmp_path):
    result, database = run_project(tmp_path, "broken_things", BROKEN)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "Got 13 results" in result.stdout  # the sum of the rows that break a rule
    with duckdb.connect(str(database), read_only=True) as connection:
        schema = connection.execute(
            "select table_schema from information_schema.tables where table_name = 'broken_things_rules'"
        ).fetchall()[0][0]
        failures = dict(connection.execute(f'select rule, failing_rows from "{schema}".broken_things_rules').fetchall())
    relationship = next(rule for rule in failures if rule.startswith("relationships(kind -> "))
    assert relationship.endswith('"kinds".kind) where amount is not null')
    assert failures == {
        "not_null(code)": 1,
        "not_null(amount)": 1,
        "not_null(grade) where kind = 'a'": 1,
        "unique(code)": 1,
        "unique(kind) where grade = 1": 1,
        "unique(kind, grade)": 1,
        "accepted_values(kind)": 1,
        "accepted_values(grade)": 1,
        "expression(amount_not_negative)": 2,  # -1, and null (an expression that is null breaks its rule)
        "expression(small_when_a) where kind = 'a'": 2,
        relationship: 1,
    }


def test_a_table_keeping_every_rule_passes(tmp_path):
    result, _ = run_project(tmp_path, "good_things", GOOD)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "PASS=" in result.stdout and "ERROR=0" in result.stdout


def test_a_failed_rules_check_names_its_broken_rules(tiny_release, tmp_path):
    """The Dagster check of a failed `rules` test says which rules broke: its query is read again
    from the warehouse (here a copy of the tiny release's, with one product published twice)."""
    from orchestration.home import Home
    from orchestration.transform.assets import failing_rows

    home, outcome = tiny_release
    assert outcome.exit_code == 0
    copy = Home(tmp_path / "home")
    (copy.root / "dbt").mkdir(parents=True)
    shutil.copy(home.duckdb, copy.duckdb)
    target = home.dbt_target
    assert failing_rows(copy, target, "product_footprints_rules") == ""  # passing: nothing found
    with duckdb.connect(str(copy.duckdb)) as connection:
        connection.execute("insert into main.product_footprints select * from main.product_footprints limit 1")
        connection.execute("update main.product_footprints set product_name = null")  # not a rule: no finding
        connection.execute("update main.emission_factors set gwp_set = 'AR4' where factor_id = (select min(factor_id) from main.emission_factors)")
    found = failing_rows(copy, target, "product_footprints_rules")
    assert found.startswith("unique(") and found.count(": 1") == 2, found  # the composite key and product_footprint_id
    assert "product_footprint_id" in found
    assert failing_rows(copy, target, "emission_factors_rules") == "accepted_values(gwp_set): 1"
    assert failing_rows(copy, target, "no_such_test") is None


def test_every_received_row_has_exactly_one_outcome(tiny_release, tmp_path):
    """`assert_row_outcomes_account_for_every_row` is what keeps the outcomes' key unique (no
    `unique` rule repeats it): on a copy of the tiny release's warehouse, an outcome given twice
    and an outcome lost are each found, with how many outcomes their row has."""
    from orchestration.home import Home
    from orchestration.transform.assets import failing_rows

    home, outcome = tiny_release
    assert outcome.exit_code == 0
    copy = Home(tmp_path / "home")
    (copy.root / "dbt").mkdir(parents=True)
    shutil.copy(home.duckdb, copy.duckdb)
    test = "assert_row_outcomes_account_for_every_row"
    assert failing_rows(copy, home.dbt_target, test) == ""
    with duckdb.connect(str(copy.duckdb)) as connection:
        (twice,), (lost,) = connection.execute(
            "select source_row from intermediate.int_submission_row_outcomes order by submission_id, source_sheet, source_row limit 2"
        ).fetchall()
        connection.execute(f"insert into intermediate.int_submission_row_outcomes select * from intermediate.int_submission_row_outcomes "
                           f"order by submission_id, source_sheet, source_row limit 1")
        connection.execute(f"delete from intermediate.int_submission_row_outcomes where rowid = (select rowid from intermediate.int_submission_row_outcomes "
                           f"order by submission_id, source_sheet, source_row limit 1 offset 2)")
    found = failing_rows(copy, home.dbt_target, test).split("; ")
    assert len(found) == 2, found
    assert {row.split("source_row=")[1].split(",")[0] for row in found} == {str(twice), str(lost)}
    assert {row.rsplit("outcomes=", 1)[1] for row in found} == {"2", "0"}


def test_a_night_whose_rules_test_fails_is_blocked_and_says_which_rule(tmp_path):
    """A real night over a warehouse whose raw store was damaged after the first night: the
    `rules` test of the staging model over it fails, nothing is published, and the failed check
    names the broken rule."""
    from datetime import date

    from orchestration.home import Home
    from orchestration.runner import EXIT_BLOCKED, EXIT_OK, run_nightly
    from tests.conftest import make_home

    home = Home(make_home(tmp_path)).ensure()
    assert run_nightly(home, as_of=date(2026, 1, 15)).exit_code == EXIT_OK
    with duckdb.connect(str(home.duckdb)) as connection:
        connection.execute(  # a file marked quarantined without its reason: the raw store's own rules still hold
            "update raw.files set file_status = 'quarantined', reason_code = null "
            "where file_sha256 = (select min(file_sha256) from raw.files where kind = 'submission')"
        )
    blocked = run_nightly(home, as_of=date(2026, 1, 16), gwp_set="AR5")
    assert blocked.exit_code == EXIT_BLOCKED and not blocked.published
    assert any(
        check == "stg_submissions__files: stg_submissions__files_rules — "
        "not_null(reason_code) where file_status = 'quarantined': 1"
        for check in blocked.failed_checks
    ), blocked.failed_checks
    assert (home.publish / "LATEST").read_text().strip() == "2026-01-15"


def test_a_night_whose_raw_store_breaks_its_own_rules_is_blocked(tmp_path):
    """A source table's `rules` test is a check of the raw asset: when it fails, the night is
    blocked (exit 2) and names the rule, as for a model's, rather than ending in an error."""
    from datetime import date

    from orchestration.home import Home
    from orchestration.runner import EXIT_BLOCKED, EXIT_OK, run_nightly
    from tests.conftest import make_home

    home = Home(make_home(tmp_path)).ensure()
    assert run_nightly(home, as_of=date(2026, 1, 15)).exit_code == EXIT_OK
    with duckdb.connect(str(home.duckdb)) as connection:
        connection.execute(  # the table's own constraints cannot tell: a status outside its closed list
            "update raw.files set file_status = 'lost' "
            "where file_sha256 = (select min(file_sha256) from raw.files where kind = 'submission')"
        )
    blocked = run_nightly(home, as_of=date(2026, 1, 16), gwp_set="AR5")
    assert blocked.exit_code == EXIT_BLOCKED and not blocked.published
    assert "raw/files: raw_files_rules — accepted_values(file_status): 1" in blocked.failed_checks, blocked.failed_checks
    assert (home.publish / "LATEST").read_text().strip() == "2026-01-15"
    with duckdb.connect(str(home.duckdb)) as connection:  # the failed build let the warehouse go
        connection.execute("update raw.files set file_status = 'read' where file_status = 'lost'")
    assert run_nightly(home, as_of=date(2026, 1, 16), gwp_set="AR5").exit_code == EXIT_OK
    assert (home.publish / "LATEST").read_text().strip() == "2026-01-16"
