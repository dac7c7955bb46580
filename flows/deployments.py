"""`python -m flows.deployments`: the schedules of the compose set, registered on the work pool.

A one-shot job (service `schedules` of docker-compose.yml); the `worker` services, any number of
them, run what it registers:

    ingest-drop-folder/inbox   the new, settled files of SOHOA_INBOX on SOHOA_INGEST_CRON
                               (default every 10 minutes; unchanged files are never reread)
    reindex/reindex            rebuild the search index from storage (by hand, from the UI)
    verify/verify              fixity check of the whole store, then dossier forms brought up to date,
                               on SOHOA_VERIFY_CRON (Sun 02:00)

Cron times are in SOHOA_TIMEZONE (default Asia/Ho_Chi_Minh). Safe to run again: each
deployment is updated in place.
"""

from __future__ import annotations

import os
from pathlib import Path

from flows.schedules import DEFAULT_POOL, DEFAULT_TIMEZONE, add_schedule, ensure_upkeep_deployments

__all__ = ["register"]

INBOX_SCHEDULE = "inbox"


def register(
    inbox: Path,
    *,
    ingest_cron: str,
    verify_cron: str | None,
    timezone: str = DEFAULT_TIMEZONE,
    pool: str = DEFAULT_POOL,
) -> list[str]:
    """Register the three deployments; return their ids."""
    inbox_id = add_schedule(INBOX_SCHEDULE, inbox, ingest_cron, pool=pool, timezone=timezone)
    return [inbox_id, *ensure_upkeep_deployments(pool, verify_cron=verify_cron, timezone=timezone)]


def main() -> None:
    # An entry point: the one place that reads these variables.
    ids = register(
        Path(os.environ.get("SOHOA_INBOX", "/srv/inbox")),
        ingest_cron=os.environ.get("SOHOA_INGEST_CRON") or "*/10 * * * *",
        verify_cron=os.environ.get("SOHOA_VERIFY_CRON", "0 2 * * 0") or None,
        timezone=os.environ.get("SOHOA_TIMEZONE") or DEFAULT_TIMEZONE,
        pool=os.environ.get("SOHOA_POOL") or DEFAULT_POOL,
    )
    print(f"registered {len(ids)} deployments on the work pool")  # noqa: T201 (a job's one line)


if __name__ == "__main__":
    main()
