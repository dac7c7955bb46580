"""The syllable model grows from the archive's own pages (issue #11): `learn_syllables` counts the
syllable pairs of stored words read with high confidence (ocr.diacritics.learn_from_words, >= 95)
and writes the counts to `<SOHOA_HOME>/syllable_pairs.tsv`; the OCR's diacritic correction then
uses the shipped model grown by them (vntext.syllable_lm.active_model), in every process whose
services were built (application.services.build_services calls vntext.syllable_lm.use_learned).

An operator command (`sohoa learn-syllables`), never a side effect of ingest: the counts are those
of the archive as stored when it runs, whatever order the records came in, and a run rewrites the
file whole (a record withdrawn or closed since the last run leaves it then).

What may be learned from, and nothing else (the file is at rest beside the archive; pair counts of
a text tell a lot of it):
- only records whose access class is public, as stored (`class_served`: a secrecy mark makes a
  record not accessible whatever its class says) AND as indexed (`access_of`): never
  not_accessible (a state secret), never conditional (personal names, ID numbers), never
  undetermined;
- never a record waiting for review (`needs_review`), nor one whose content is in the secret hold;
- in a public record, every word the public's masking would hide (indexing.masking: a person's
  listed data, numbers, dates of birth) is left out and breaks the chain of pairs;
- one record counts a pair at most PER_RECORD times: the archive's counts cannot be steered by
  one document repeating a phrase.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from application.access import class_served
from application.services import Services
from core.settings import Settings
from indexing.masking import mask_in_place, values_of
from ocr.diacritics import learn_from_words
from schemas import Record, Word
from storage import is_held, iter_record_ids
from storage.package import read_committed_record
from vntext.syllable_lm import LEARNED_FILE, SyllableModel

__all__ = [
    "PER_RECORD",
    "LearnReport",
    "forget_learned_from",
    "learn_syllables",
    "learned_path",
    "public_words",
    "record_pairs",
    "why_not",
]

log = logging.getLogger(__name__)

PER_RECORD = 3  # times one record may count a pair


def learned_path(settings: Settings) -> Path:
    """Where the learned counts are kept: `<SOHOA_HOME>/syllable_pairs.tsv` (application.services
    `build_services` points the process's diacritic correction at it)."""
    return Path(settings.home).expanduser().resolve() / LEARNED_FILE


def _sources_path(learned: Path) -> Path:
    """The ids of the records the counts were learned from, beside them (ids only, no content)."""
    return learned.with_name(learned.name + ".sources")


def forget_learned_from(learned: Path, record_ids: Iterable[str]) -> bool:
    """A record that taught the counts is no longer public (marked secret, closed, withdrawn): the
    counts go whole, at once (the process falls back to the shipped model; the next
    `learn-syllables` run learns from what is public then). True when they were removed."""
    sources = _sources_path(learned)
    try:
        taught = set(sources.read_text(encoding="utf-8").split())
    except FileNotFoundError:
        taught = set()
    if learned.exists() and not sources.exists():
        taught = set(record_ids)  # counts of unknown origin: not kept beside a closed record
    if not taught & set(record_ids):
        return False
    learned.unlink(missing_ok=True)
    sources.unlink(missing_ok=True)
    log.warning(
        "learned syllable counts removed: a record they were learned from is no longer public "
        "(run `sohoa learn-syllables` again)"
    )
    return True


@dataclass
class LearnReport:
    """What a run learned from: records and pages read, pairs counted, records left out by why."""

    path: Path
    records: int = 0
    pages: int = 0
    pairs: int = 0
    distinct_pairs: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


def why_not(record: Record, indexed_as: str | None) -> str | None:
    """Why a stored record may not teach the model (None: it may)."""
    served = class_served(record)
    if served != "public":
        return served
    if indexed_as != "public":
        return f"indexed as {indexed_as or 'nothing'}"
    if record.classification.needs_review:
        return "needs review"
    if is_held(record):
        return "held"
    return None


def public_words(words: list[Word], values: tuple[str, ...]) -> list[Word]:
    """The words with every one the public's masking touches blanked (no syllable: it breaks
    the chain of pairs), so that no listed personal data of a public record is counted."""
    if not words:
        return []
    joined = " ".join(word.text for word in words)
    masked = mask_in_place(joined, values)
    out, at = [], 0
    for word in words:
        end = at + len(word.text)
        if masked[at:end] != joined[at:end]:
            word = word.model_copy(update={"text": "\u2022"})
        out.append(word)
        at = end + 1
    return out


def record_pairs(record: Record) -> Counter[tuple[str, str]]:
    """The syllable pairs one record teaches: its pages' confidently read words, the masked ones
    left out (`public_words`), each pair counted at most PER_RECORD times, so that no one record
    (a page repeating a phrase, or made to) outweighs the archive. On the tuning split a cap of
    3 per page changed no correction (577 right / 4 wrong either way); 1 cost one."""
    values = values_of(record)
    model = SyllableModel({}, ())
    for page in record.pages:
        learn_from_words(public_words(page.words, values), model)
    return Counter({pair: min(count, PER_RECORD) for pair, count in model.learned.items()})


def learn_syllables(services: Services) -> LearnReport:
    """Count the pairs of the public records' confidently read words and write them (temp file and
    rename) to `learned_path`; the report says what was read and what was left out."""
    target = learned_path(services.settings)
    report = LearnReport(path=target)
    model = SyllableModel({}, ())
    taught: list[str] = []
    for record_id in iter_record_ids(services.store):
        head = read_committed_record(services.store, record_id, with_words=False)
        if head is None:
            continue
        reason = why_not(head, services.index.access_of(record_id))
        if reason is not None:
            report.skipped[reason] = report.skipped.get(reason, 0) + 1
            continue
        record = read_committed_record(services.store, record_id, with_words=True)
        if record is None or why_not(record, services.index.access_of(record_id)) is not None:
            continue  # changed between the two reads: left out
        report.records += 1
        taught.append(record_id)
        report.pages += len(record.pages)
        for pair, count in record_pairs(record).items():
            model.learned[pair] += count
            report.pairs += count
    report.distinct_pairs = len(model.learned)
    # The sources first: counts never rest without the list that lets a closed record remove them.
    listed = "\n".join(taught) + "\n"
    _write_atomically(lambda path: path.write_text(listed, encoding="utf-8"), _sources_path(target))
    _write_atomically(model.save_learned, target)
    log.info(
        "learned %d syllable pairs (%d distinct) from %d public records, %d pages; left out: %s",
        report.pairs,
        report.distinct_pairs,
        report.records,
        report.pages,
        report.skipped or "none",
    )
    return report


def _write_atomically(write: Callable[[Path], object], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".syllable_pairs.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
