"""Prefect's environment for sohoa's entry points: telemetry off, a quiet console.

Prefect reads these variables when it is first imported, so entry points (the CLI, the test
suite) call `quiet_prefect` before importing anything from Prefect. Values already set win.
"""

from __future__ import annotations

import os

__all__ = ["quiet_prefect"]


def quiet_prefect(verbose: bool = False) -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
