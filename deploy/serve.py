"""The `worker` service of docker-compose.yml: sohoa's flows served to the Prefect server.

    python deploy/serve.py

Registers the deployments below with the Prefect server at PREFECT_API_URL and runs their flow
runs in this process (Prefect's own `serve`, no work pool to set up). Started by hand from the
Prefect UI or `prefect deployment run 'ingest-batch/ingest-inbox'`, or on their schedules:

    ingest-batch/ingest-inbox   ingest every file of SOHOA_INBOX (files already stored are skipped
                                by content hash); on SOHOA_INGEST_CRON when set, else by hand
    reindex/reindex             rebuild the search index from storage (by hand)
    verify/verify               fixity check of the whole store, on SOHOA_VERIFY_CRON
                                (default: Sundays 02:00)

Cron times are in SOHOA_TIMEZONE (default Asia/Ho_Chi_Minh).
"""

from __future__ import annotations

import os

from prefect import serve
from prefect.schedules import Cron

from flows.ingest import ingest_batch
from flows.reindex import reindex_flow
from flows.verify import verify_flow

DEFAULT_INBOX = "/srv/inbox"
DEFAULT_VERIFY_CRON = "0 2 * * 0"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def deployments(
    inbox: str, ingest_cron: str | None, verify_cron: str | None, timezone: str = DEFAULT_TIMEZONE
) -> list:
    """The runner deployments this process serves (schedules: cron strings, None for none)."""

    def schedules(cron: str | None) -> list:
        return [Cron(cron, timezone=timezone)] if cron else []

    return [
        ingest_batch.to_deployment(
            name="ingest-inbox",
            parameters={"paths": [inbox]},
            schedules=schedules(ingest_cron),
            description=f"Ingest every file under {inbox}",
        ),
        reindex_flow.to_deployment(name="reindex", description="Rebuild the search index from storage"),
        verify_flow.to_deployment(
            name="verify", schedules=schedules(verify_cron), description="Fixity check of the whole store"
        ),
    ]


def main() -> None:
    # An entry point: the one place that reads these variables.
    inbox = os.environ.get("SOHOA_INBOX", DEFAULT_INBOX)
    ingest_cron = os.environ.get("SOHOA_INGEST_CRON") or None
    verify_cron = os.environ.get("SOHOA_VERIFY_CRON", DEFAULT_VERIFY_CRON) or None
    timezone = os.environ.get("SOHOA_TIMEZONE", DEFAULT_TIMEZONE)
    runs = int(os.environ.get("SOHOA_RUNS", "2"))  # flow runs at once in this process
    serve(*deployments(inbox, ingest_cron, verify_cron, timezone), limit=runs)


if __name__ == "__main__":
    main()
