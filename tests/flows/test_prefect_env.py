"""Entry points set Prefect's environment before Prefect is imported: importing the module that
does it, or the CLI, must not import Prefect (it reads its settings, log level included, once)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["flows.prefect_env", "flows", "cli.main"])
def test_importing_the_entry_side_leaves_prefect_unimported(module: str) -> None:
    code = f"import sys, {module}; print('prefect' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "False"


def test_the_flows_are_still_there_by_name() -> None:
    import flows

    assert (flows.ingest_batch.name, flows.ingest_drop_folder.name) == ("ingest-batch", "ingest-drop-folder")
    with pytest.raises(AttributeError):
        _ = flows.no_such_flow
