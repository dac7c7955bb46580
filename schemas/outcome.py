"""Typed results of ingesting one file and a batch: expected outcomes are values, not errors."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from schemas.record import utcnow

# ingested: stored and indexed; duplicate: the same bytes were ingested before (nothing done);
# quarantined: the file is at fault (kept in quarantine with a reason, never retried);
# near_duplicate: stored, but a re-scan of a record already archived (linked, flagged for review);
# failed: not the file's fault (service down, a bug) — left where it is for the next run.
Status = Literal["ingested", "near_duplicate", "duplicate", "quarantined", "failed"]


class IngestOutcome(BaseModel):
    path: str
    status: Status
    id: str | None = None
    pages: int = 0
    reason: str | None = None
    seconds: float = 0.0


class DocumentOutcome(BaseModel):
    """One document cut from a dossier scan: its record, order and first and last scan page."""

    id: str
    order: int
    pages: tuple[int, int]


class DossierOutcome(BaseModel):
    """What became of one dossier (hồ sơ): its id and mã hồ sơ and its documents, in order."""

    path: str
    id: str
    code: str | None = None
    status: Literal["ingested", "duplicate"] = "ingested"
    documents: list[DocumentOutcome] = Field(default_factory=list)


class BatchSummary(BaseModel):
    batch: str
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    outcomes: list[IngestOutcome] = Field(default_factory=list)
    dossiers: list[DossierOutcome] = Field(default_factory=list)

    def of(self, status: Status) -> list[IngestOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def pages(self) -> int:
        return sum(o.pages for o in self.of("ingested") + self.of("near_duplicate"))

    @property
    def seconds(self) -> float:
        if self.finished_at is None:
            return 0.0
        return (self.finished_at - self.started_at).total_seconds()

    def to_contract(self) -> dict:
        """The stable `sohoa ingest --json` shape (`dossiers` only for a dossier intake)."""
        contract = {
            "batch": self.batch,
            "ingested": [{"path": o.path, "id": o.id, "pages": o.pages} for o in self.of("ingested")],
            "near_duplicates": [
                {"path": o.path, "id": o.id, "pages": o.pages, "reason": o.reason}
                for o in self.of("near_duplicate")
            ],
            "duplicates": [{"path": o.path, "id": o.id} for o in self.of("duplicate")],
            "quarantined": [{"path": o.path, "reason": o.reason} for o in self.of("quarantined")],
            "failed": [{"path": o.path, "reason": o.reason} for o in self.of("failed")],
        }
        if self.dossiers:
            contract["dossiers"] = [
                {
                    "path": d.path,
                    "id": d.id,
                    "code": d.code,
                    "status": d.status,
                    "documents": [
                        {"id": x.id, "order": x.order, "pages": list(x.pages)} for x in d.documents
                    ],
                }
                for d in self.dossiers
            ]
        return contract
