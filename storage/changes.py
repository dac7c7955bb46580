"""The change journal: one empty object per committed change of a record package, so that a
rebuild of derived data (`sohoa reindex`) can learn which records changed while it ran.

    changes/<YYYYMMDDTHH>/<YYYYMMDDTHHMMSS.ffffffZ>-<record id>-<8 hex>

storage/package.py notes a change after every commit of a package (a new or rewritten package,
a catalogue row replacing a record whose content went to the secret hold, a review's update), in
whatever process or machine made it: the store is the one thing they all share. An entry is
written once and never changed (no read-modify-write, so writers never race), names its record
and the writer's clock in its key (nothing to read but a listing), and sits in a folder per hour
so that a reader lists only the hours it asks for. Entries only tell a reader to read the
package again: the package, not the journal, is the truth, and reading it twice is harmless.
`changes_since` therefore reads with a margin for clocks that disagree between machines, and
`prune_changes` drops entries older than any rebuild still running can need.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from storage.base import ObjectStore
from storage.layout import CHANGES

__all__ = ["CLOCK_MARGIN", "Change", "changes_since", "note_change", "prune_changes"]

log = logging.getLogger(__name__)

CLOCK_MARGIN = timedelta(minutes=10)  # writers' clocks may be this far behind or ahead
_HOUR = "%Y%m%dT%H"
_STAMP = "%Y%m%dT%H%M%S.%fZ"


@dataclass(frozen=True, order=True)
class Change:
    at: datetime  # the writer's clock, UTC
    record_id: str
    key: str  # unique: a reader remembers which entries it has applied


def _utc(moment: datetime | None) -> datetime:
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def note_change(store: ObjectStore, record_id: str, *, now: datetime | None = None) -> str:
    """Note that the package of `record_id` was just committed; returns the entry's key."""
    at = _utc(now)
    key = f"{CHANGES}/{at.strftime(_HOUR)}/{at.strftime(_STAMP)}-{record_id}-{uuid.uuid4().hex[:8]}"
    store.put_bytes(key, b"")
    return key


def _parse(key: str) -> Change | None:
    name = key.rsplit("/", 1)[-1]
    stamp, _, rest = name.partition("-")
    record_id, _, tag = rest.rpartition("-")
    try:
        at = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        at = None
    if at is None or not record_id or len(tag) != 8:
        log.warning("change journal: skipping a foreign entry %r", key)
        return None
    return Change(at=at, record_id=record_id, key=key)


def _hours(start: datetime, end: datetime) -> list[str]:
    hour = start.replace(minute=0, second=0, microsecond=0)
    hours = []
    while hour <= end:
        hours.append(hour.strftime(_HOUR))
        hour += timedelta(hours=1)
    return hours


def changes_since(store: ObjectStore, since: datetime, *, now: datetime | None = None) -> list[Change]:
    """Every entry whose writer's clock says `since` - CLOCK_MARGIN or later, oldest first (a
    few entries from just before `since`: reading those packages again does no harm)."""
    start = _utc(since) - CLOCK_MARGIN
    end = _utc(now) + CLOCK_MARGIN
    found = []
    for hour in _hours(start, end):
        for key in store.list(f"{CHANGES}/{hour}/"):
            change = _parse(key)
            if change is not None and change.at >= start:
                found.append(change)
    return sorted(found)


def prune_changes(store: ObjectStore, before: datetime) -> int:
    """Delete the entries of the hours wholly before `before`; returns how many. Lists only
    those (keys come in lexical order, which is time order)."""
    cut = _utc(before).strftime(_HOUR)
    pruned = 0
    for key in store.list(f"{CHANGES}/"):
        if key[len(CHANGES) + 1 :].split("/", 1)[0] >= cut:
            break
        store.delete(key)
        pruned += 1
    return pruned
