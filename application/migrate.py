"""`sohoa migrate`: a store in the package layout before OCFL, converted to the OCFL layout.

Every committed old package, records first then dossiers, is checked against its manifest,
committed as v1 of its OCFL object(s) and verified (storage/migrate.py). Once every package is
migrated and verified — none damaged, as many objects verified as old packages found — the old
packages are deleted, each one's manifest first (a kill while deleting leaves a folder without
a manifest, which a rerun removes: its objects are verified already). No copy is kept beside the
OCFL root: a record moved to the secret hold later would keep its clear text there (an operator
who wants a copy backs the store up before migrating). Folders under
records/ or dossiers/ with no manifest were never committed (a crash of the old writer): every
reader of the old layout ignored them; they are reported and deleted with the rest.

A damaged package is reported by id and problem and kept, with every other old package: the
store stays closed to other commands until it is repaired (from a backup) or moved aside, and
`sohoa migrate` is run again. A rerun after a kill at any point completes the job; a rerun
after a complete migration finds nothing to do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field

from application.dossiers import refresh_public_form
from core.bounded_map import bounded_map
from core.errors import SohoaError
from storage.base import ObjectStore
from storage.legacy_layout import (
    DOSSIERS,
    KINDS,
    MANIFEST,
    RECORDS,
    LegacyPackage,
    has_legacy_packages,
    iter_legacy_packages,
)
from storage.migrate import MIGRATION_USER, PackageMigration, migrate_package
from storage.ocfl_inventory import VersionInfo

__all__ = ["KindCounts", "MigrationReport", "migrate_store", "refresh_migrated_dossier"]

log = logging.getLogger(__name__)

DossierRefresh = Callable[[ObjectStore, str], object]  # (store, dossier id): after its head is migrated
FORMS_MADE = "migrate: the public forms of a migrated dossier (its head's v1 is the old dossier.json)"


def refresh_migrated_dossier(store: ObjectStore, dossier_id: str) -> int | None:
    """The public forms a dossier's head keeps (forms/public.json, forms/staff.json: what public
    and staff answers read; the old layout had none), written as the head's next version by
    "sohoa migrate"; None when they are there already (a rerun)."""
    return refresh_public_form(store, dossier_id, VersionInfo(FORMS_MADE, MIGRATION_USER))


@dataclass
class KindCounts:
    found: int = 0  # committed old packages
    migrated: int = 0
    skipped: int = 0  # migrated by an earlier run, verified again
    damaged: int = 0


@dataclass
class MigrationReport:
    """What `sohoa migrate` did; `ok` when every old package is in the OCFL layout, verified."""

    records: KindCounts = field(default_factory=KindCounts)
    dossiers: KindCounts = field(default_factory=KindCounts)
    damaged: list[dict] = field(default_factory=list)  # {"package": "records/<id>", "problems": [...]}
    incomplete: list[str] = field(default_factory=list)  # old folders never committed
    refresh_failed: list[dict] = field(default_factory=list)
    bytes: int = 0
    seconds: float = 0.0
    old_packages: str = "none"  # none (nothing to migrate) | deleted | kept-damaged

    @property
    def ok(self) -> bool:
        return not self.damaged and not self.refresh_failed

    def counts(self, kind: str) -> KindCounts:
        return self.records if kind == RECORDS else self.dossiers

    def to_json(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        data["seconds"] = round(self.seconds, 3)
        return data


def migrate_store(
    store: ObjectStore,
    *,
    refresh: DossierRefresh = refresh_migrated_dossier,
    workers: int = 1,
    progress: Callable[[MigrationReport], object] | None = None,
) -> MigrationReport:
    """Migrate every old package of `store` (see the module docstring), `workers` packages at a
    time (each is its own objects: they do not share a writer). `refresh` is called with each
    dossier whose head was migrated (or verified) by this run: the public forms the head keeps
    are made (the old layout had none), as its v2; every record is migrated before it.
    `progress` is called with the report so far after each package."""
    t0 = time.monotonic()
    report = MigrationReport()
    seen: list[LegacyPackage] = []
    for kind in KINDS:
        counts = report.counts(kind)
        for package, result in _migrated(store, iter_legacy_packages(store, kind), workers):
            seen.append(package)
            if result is None:
                report.incomplete.append(f"{kind}/{package.id}")
                log.warning(
                    "old package %s/%s was never committed (no manifest): not migrated", kind, package.id
                )
                continue
            counts.found += 1
            _count(report, result)
            if progress is not None:
                progress(report)
            if kind == DOSSIERS and result.status != "damaged":
                _refresh(store, package.id, refresh, report)
    verified = all(c.found == c.migrated + c.skipped for c in (report.records, report.dossiers))
    if not seen:
        report.old_packages = "none"
    elif not (report.ok and verified):
        report.old_packages = "kept-damaged"
    else:
        for package in seen:
            store.delete(package.prefix + MANIFEST)  # uncommitted first: a kill leaves no "damage"
            store.delete_tree(package.prefix)
        report.old_packages = "deleted" if not has_legacy_packages(store) else "kept-damaged"
    report.seconds = time.monotonic() - t0
    return report


def _migrated(
    store: ObjectStore, packages: Iterable[LegacyPackage], workers: int
) -> Iterator[tuple[LegacyPackage, PackageMigration | None]]:
    """Each package, in the order listed, with what became of it (None: never committed, left
    alone), `workers` at a time; at most twice as many listed ahead."""

    def work(package: LegacyPackage) -> PackageMigration | None:
        return migrate_package(store, package) if package.committed else None

    return bounded_map(work, packages, workers, name="migrate")


def _count(report: MigrationReport, result: PackageMigration) -> None:
    counts = report.counts(result.kind)
    if result.status == "migrated":
        counts.migrated += 1
        report.bytes += result.bytes
    elif result.status == "skipped":
        counts.skipped += 1
    else:
        counts.damaged += 1
        report.damaged.append({"package": f"{result.kind}/{result.id}", "problems": result.problems})
        log.error(
            "old package %s/%s is damaged, not migrated: %s",
            result.kind,
            result.id,
            "; ".join(result.problems),
        )
        return
    log.info(
        "%s/%s %s (%d files, %d bytes)", result.kind, result.id, result.status, result.files, result.bytes
    )


def _refresh(store: ObjectStore, dossier_id: str, refresh: DossierRefresh, report: MigrationReport) -> None:
    try:
        refresh(store, dossier_id)
    except (SohoaError, ValueError, OSError) as exc:  # reported, old packages kept: a rerun tries again
        log.exception("dossier %s: refreshing its public form failed", dossier_id)
        report.refresh_failed.append({"dossier": dossier_id, "error": f"{type(exc).__name__}: {exc}"})
