"""Prepare the dbt manifest at set-up (`make prepare`), never at import: `python -m orchestration.transform.prepare`."""

from __future__ import annotations

import os
import subprocess
import sys

from orchestration.home import DBT_PROJECT_DIR


def prepare() -> None:
    """Parse the whole project afresh (never from an earlier saved parse): the saved parse carried
    into each home names the project's absolute path, which the night's in-process dbt build reads
    seeds from (a parse run from inside models/ would record `.`)."""
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    dbt = os.path.join(os.path.dirname(sys.executable), "dbt")
    subprocess.run(
        [dbt, "parse", "--quiet", "--no-partial-parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
        check=True,
        env=env,
        cwd=DBT_PROJECT_DIR,
    )


if __name__ == "__main__":
    prepare()
