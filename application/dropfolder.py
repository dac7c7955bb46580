"""A drop folder's memory between scheduled runs: which files were handled, which still grow.

The state of a folder is one small JSON object in the store (`dropfolders/<id>.json`): for each
path, the size and mtime it had when last seen, the record (or dossier) id it gave and its outcome. A file
whose size and mtime have not changed since it was ingested is skipped without reading it; a
new or changed file is ingested only once it has settled (same size and mtime at two looks a
few seconds apart, or since the previous run), so a scan still being copied waits for the next
run. Pure selection logic apart from the I/O edges (stat, store), and the steps the
drop-folder flow (flows/drop_folder.py) takes: `find_ready_files` before the batch (for a dossier
folder, `refuse_grown` then), `remember` after it.

A dossier drop folder (each top-level file or folder one hồ sơ) remembers for each file the
dossier it gave. A new or changed file in an entry whose dossier is stored does not make a second
dossier overlapping the first (its id is the content's, so a grown folder would be another one):
the entry is refused with a reason in Vietnamese and English, kept aside in the quarantine
(reason only; its files stay where they are) and remembered so, until a person moves the late
file into a folder of its own or changes the folder again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from pydantic import BaseModel, Field

from application.batches import record_outcome
from application.ingest import collect_files
from core.errors import NotFound
from schemas import BatchSummary, IngestOutcome
from storage import ObjectStore, package_exists, quarantine
from storage.dossier_package import dossier_exists
from storage.jsonfile import json_bytes

__all__ = [
    "DONE",
    "FileState",
    "FolderState",
    "Stat",
    "committed_ids",
    "dossier_entries",
    "dossier_file_outcomes",
    "find_ready_files",
    "grown_dossiers",
    "grown_reason",
    "load_state",
    "look",
    "needs_work",
    "refuse_grown",
    "remember",
    "save_state",
    "settled",
    "updated_state",
]

log = logging.getLogger(__name__)

DROPFOLDERS = "dropfolders"
# Outcomes after which the same bytes need nothing more (quarantine keeps the first copy).
DONE = frozenset({"ingested", "duplicate", "near_duplicate", "quarantined"})
PENDING = "pending"  # seen while still changing: taken next run if unchanged by then
STORED = frozenset({"ingested", "duplicate"})  # a dossier entry's files once its dossier is stored
GROWN = (
    "Hồ sơ này đã được lưu (mã định danh {dossier}) với nội dung khác: thư mục có tệp mới hoặc tệp đã"
    " thay đổi ({files}). Không tạo hồ sơ thứ hai trùng lặp; người lưu trữ cần quyết định (chuyển tệp"
    " sang một hồ sơ riêng, hoặc nhập lại cả thư mục). / The dossier is already stored ({dossier})"
    " with other content: new or changed files ({files}). No second, overlapping dossier is made;"
    " a person decides (move the file into a dossier of its own, or ingest the folder again by hand)."
    " The files stay where they are."
)

Stat = tuple[int, int]  # (size, mtime_ns)


class FileState(BaseModel):
    size: int
    mtime_ns: int
    status: str
    id: str | None = None


class FolderState(BaseModel):
    source: str
    files: dict[str, FileState] = Field(default_factory=dict)


# ---- pure ----


def needs_work(stats: Mapping[str, Stat], state: FolderState, committed: Mapping[str, bool]) -> list[str]:
    """Paths to consider: new, changed, failed before, or whose record is no longer stored."""
    todo = []
    for path, stat in stats.items():
        known = state.files.get(path)
        unchanged = known is not None and (known.size, known.mtime_ns) == stat
        if unchanged and known.status in DONE and (known.id is None or committed.get(known.id, False)):
            continue
        todo.append(path)
    return sorted(todo)


def settled(
    paths: Iterable[str],
    first: Mapping[str, Stat],
    second: Mapping[str, Stat] | None,
    state: FolderState,
) -> tuple[list[str], list[str]]:
    """Split `paths` into (ready, still changing).

    Ready: unchanged since the previous run saw it, or unchanged between the two looks of this
    run. `second` is None when no second look was taken (then only the previous run counts).
    """
    ready, changing = [], []
    for path in paths:
        known = state.files.get(path)
        seen_before = known is not None and (known.size, known.mtime_ns) == first.get(path)
        still = second is not None and path in second and second[path] == first.get(path)
        (ready if seen_before or still else changing).append(path)
    return sorted(ready), sorted(changing)


def updated_state(
    state: FolderState,
    stats: Mapping[str, Stat],
    outcomes: Iterable[IngestOutcome],
    changing: Iterable[str],
) -> FolderState:
    """The state after a run: outcomes and still-changing files recorded, vanished files dropped."""
    files = {p: s for p, s in state.files.items() if p in stats}
    for outcome in outcomes:
        if outcome.path in stats:
            size, mtime = stats[outcome.path]
            files[outcome.path] = FileState(size=size, mtime_ns=mtime, status=outcome.status, id=outcome.id)
    for path in changing:
        if path in stats:
            size, mtime = stats[path]
            files[path] = FileState(size=size, mtime_ns=mtime, status=PENDING)
    return FolderState(source=state.source, files=dict(sorted(files.items())))


def _entry(source: str, path: str) -> str:
    """The top-level entry of `source` that holds `path` (a file, or a folder: one hồ sơ)."""
    return str(Path(source) / Path(path).relative_to(source).parts[0])


def dossier_entries(
    source: str, ready: Iterable[str], changing: Iterable[str]
) -> tuple[dict[str, list[str]], list[str]]:
    """A dossier drop folder: each top-level file or folder of `source` is one hồ sơ. Returns the
    entries to ingest now with their ready files, and the ready files that wait because a file
    of their entry is still being written (the whole dossier waits for the next run)."""
    busy = {_entry(source, p) for p in changing}
    entries: dict[str, list[str]] = {}
    waiting = []
    for path in sorted(ready):
        entry = _entry(source, path)
        if entry in busy:
            waiting.append(path)
        else:
            entries.setdefault(entry, []).append(path)
    return entries, waiting


def dossier_file_outcomes(entries: Mapping[str, list[str]], summary: BatchSummary) -> list[IngestOutcome]:
    """One outcome per file of the dossier entries, for the folder's memory: the dossier's
    (ingested or duplicate, with the dossier's id), or its entry's quarantine or failure."""
    dossiers = {d.path: d for d in summary.dossiers}
    by_path = {o.path: o for o in summary.outcomes}
    out = []
    for entry, files in entries.items():
        done = dossiers.get(entry)
        if done is not None:
            out += [IngestOutcome(path=f, status=done.status, id=done.id) for f in files]
        elif (problem := by_path.get(entry)) is not None:
            out += [IngestOutcome(path=f, status=problem.status, reason=problem.reason) for f in files]
        # neither: not begun (the orchestrator was lost); the files are looked at next run
    return out


def grown_dossiers(
    source: str, entries: Mapping[str, list[str]], state: FolderState, committed: Mapping[str, bool]
) -> dict[str, str]:
    """Entry -> the stored dossier it gave, for each entry of `entries` (entries with new or
    changed files) one of whose files is remembered as giving a dossier still committed."""
    grown: dict[str, str] = {}
    for path, known in sorted(state.files.items()):
        if known.status in STORED and known.id and committed.get(known.id, False):
            entry = _entry(source, path)
            if entry in entries:
                grown.setdefault(entry, known.id)
    return grown


def grown_reason(entry: str, dossier: str, files: Iterable[str]) -> str:
    """Why a grown dossier entry is refused (Vietnamese, then English), its files named."""
    names = ", ".join(str(Path(f).relative_to(entry)) if f != entry else Path(f).name for f in files)
    return GROWN.format(dossier=dossier, files=names)


# ---- I/O edges ----


def look(paths: Iterable[Path | str]) -> dict[str, Stat]:
    """(size, mtime_ns) of each path that is still there (links are not followed)."""
    stats = {}
    for path in paths:
        try:
            st = Path(path).lstat()
        except OSError:
            continue
        stats[str(path)] = (st.st_size, st.st_mtime_ns)
    return stats


def _state_key(source: str) -> str:
    return f"{DROPFOLDERS}/{hashlib.sha256(source.encode('utf-8', 'surrogatepass')).hexdigest()[:32]}.json"


def load_state(store: ObjectStore, source: str) -> FolderState:
    """The folder's state from the store (empty the first time)."""
    try:
        return FolderState.model_validate(json.loads(store.get_bytes(_state_key(source))))
    except NotFound:
        return FolderState(source=source)


def save_state(store: ObjectStore, state: FolderState) -> None:
    store.put_bytes(_state_key(state.source), json_bytes(state.model_dump(mode="json")))


def committed_ids(store: ObjectStore, state: FolderState, paths: Iterable[str]) -> dict[str, bool]:
    """For the known records and dossiers of `paths`: is the package still committed? (one or
    two exists() each)"""
    ids = {state.files[p].id for p in paths if p in state.files and state.files[p].id}
    return {i: package_exists(store, i) or dossier_exists(store, i) for i in ids if i}


# ---- the drop-folder flow's two steps ----


def find_ready_files(
    store: ObjectStore, source: str, settle_seconds: float
) -> tuple[list[str], list[str], dict[str, Stat]]:
    """(files to ingest now, files still changing, what every file looked like) of `source`:
    a file not seen settled before is looked at again after `settle_seconds`."""
    state = load_state(store, source)
    first = look(collect_files([Path(source)]))
    todo = needs_work(first, state, committed_ids(store, state, first))
    ready, changing = settled(todo, first, None, state)
    if changing and settle_seconds > 0:
        time.sleep(settle_seconds)
        second = look(changing)
        more, changing = settled(changing, first, second, state)
        ready = sorted(ready + more)
    return ready, changing, first


def refuse_grown(
    store: ObjectStore, source: str, entries: Mapping[str, list[str]], batch: str
) -> tuple[dict[str, list[str]], list[IngestOutcome]]:
    """(the dossier entries to ingest, the outcomes of the files of those refused): an entry
    whose dossier is stored and that has new or changed files is kept aside (`grown_dossiers`;
    quarantine, reason only), each of its files quarantined with the dossier's id in `batch`."""
    state = load_state(store, source)
    known = [p for p in state.files if _entry(source, p) in entries]
    grown = grown_dossiers(source, entries, state, committed_ids(store, state, known))
    refused: list[IngestOutcome] = []
    for entry, dossier in grown.items():
        reason = grown_reason(entry, dossier, entries[entry])
        quarantine(store, Path(entry), reason, batch=batch, keep_copy=False)
        log.warning(
            "drop folder %s: %s already gave dossier %s, new or changed files refused", source, entry, dossier
        )
        for path in entries[entry]:
            refused.append(
                record_outcome(
                    store, batch, IngestOutcome(path=path, status="quarantined", id=dossier, reason=reason)
                )
            )
    return {e: f for e, f in entries.items() if e not in grown}, refused


def remember(
    store: ObjectStore,
    source: str,
    seen: Mapping[str, Stat],
    changing: Iterable[str],
    outcomes: Iterable[IngestOutcome],
) -> None:
    """Note each outcome with the size and mtime the file had BEFORE it was read (`seen`): a file
    that changed after that no longer matches and is looked at afresh next run."""
    save_state(store, updated_state(load_state(store, source), seen, outcomes, changing))
