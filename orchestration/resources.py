"""Configuration of a run, as one Dagster resource (STYLE: config only through resources and env)."""

from __future__ import annotations

import os

from dagster import ConfigurableResource

from orchestration.home import Home, default_home, today_in_pilot
from orchestration.inputs import GWP_SETS


class PcfSettings(ConfigurableResource):
    """Where the run's state lives and what the release reflects.

    `home` defaults to $PCF_HOME (else ./warehouse); `as_of` to today in Asia/Shanghai; `gwp_set`
    to $PCF_GWP_SET (else AR6).
    """

    home: str = ""
    as_of: str = ""
    gwp_set: str = ""
    approve_drift: bool = False

    def pcf_home(self) -> Home:
        return Home(default_home() if not self.home else __import__("pathlib").Path(self.home).resolve()).ensure()

    def as_of_date(self):
        from datetime import date

        return date.fromisoformat(self.as_of) if self.as_of else today_in_pilot()

    def gwp(self) -> str:
        value = self.gwp_set or os.environ.get("PCF_GWP_SET", "AR6")
        if value not in GWP_SETS:
            raise ValueError(f"unknown GWP set {value!r}; use one of {', '.join(GWP_SETS)}")
        return value
