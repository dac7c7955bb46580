"""sohoa reprocess (application/reprocess.py) on a small archive ingested by the real pipeline:
unchanged rules write nothing; a changed rules file (SOHOA_RULES, as an operator would set it)
writes one version per affected record, the index follows, a rerun writes nothing; a more open
class is held for review, a more closed one applied; a person's review decision stands."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from api.models import OverrideIn
from api.review import apply_review
from application.access import Caller
from application.ingest import ingest_file
from application.reprocess import (
    CLOSING_REASON,
    HOLD_RULE,
    OPENING_REASON,
    SECRET_REASON,
    ReprocessOptions,
    ReprocessReport,
    Selection,
    reprocess_record,
    selected_ids,
    version_key,
)
from application.services import Services, build_services
from classify import classify, extract_metadata
from classify.rules import DEFAULT_RULES
from core.settings import load_settings
from schemas import Box, Word
from storage import iter_record_ids, read_manifest, read_record, record_versions, update_record, write_package
from storage.fixity import verify
from storage.package import original_key
from tests.ops.scans import small_pages
from tests.storage.ocfl_helpers import ocfl_py_validate

RECORDS = 3
NEW_RULES = "2026.01-1"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home holding RECORDS records ingested with real OCR (under the shipped rules)."""
    root = tmp_path_factory.mktemp("reprocess")
    scans = small_pages(root / "scans", RECORDS, prefix="reprocess")
    services = build_services(load_settings(home=root / "home", workers=1))
    try:
        for path in scans:
            assert ingest_file(path, services).status == "ingested"
    finally:
        services.close()
    return root / "home"


def copy_of(archive: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(archive, home)
    return home


def services_at(home: Path, rules: Path | None = None) -> Services:
    return build_services(load_settings(home=home, rules=rules, workers=1))


def run(services: Services, selection: Selection = Selection(), ocr: bool = False) -> ReprocessReport:  # noqa: B008
    report = ReprocessReport(rules_version=services.rules.version)
    for record_id in selected_ids(services, selection):
        result = reprocess_record(record_id, services, ReprocessOptions(ocr=ocr), selection)
        if result is not None:
            report.records.append(result)
    return report


def versions(services: Services) -> dict[str, int]:
    return {i: len(record_versions(services.store, i)) for i in iter_record_ids(services.store)}


def words_in_some(services: Services) -> str:
    """A word of the stored text of some records but not all (the changed rule's keyword)."""
    texts = {
        i: read_record(services.store, i, with_words=False).text.lower()
        for i in iter_record_ids(services.store)
    }
    words = sorted({w for t in texts.values() for w in t.split() if w.isalpha() and len(w) >= 4})
    for word in words:
        having = [i for i, t in texts.items() if word in t.split()]
        if 0 < len(having) < len(texts):
            return word
    pytest.fail(f"no word in some records only: {texts}")


def rules_file(home: Path, keyword: str, access: str) -> Path:
    """The shipped rules with one more access rule (keyword anywhere in the text -> `access`) in
    the newest rule set, under a new version: what an archivist's edit of the rules file does."""
    data = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    data["version"] = NEW_RULES
    data["rule_sets"][-1]["rules"].append(
        {
            "id": "A7.9",
            "kind": "access",
            "tag": "P",
            "title": f"Test rule: {keyword}",
            "title_vi": f"Quy tắc thử: {keyword}",
            "basis": "test",
            "match": {"body_keywords": [keyword]},
            "outcome": {"access": access},
            "confidence": 1.0,
        }
    )
    path = home / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def auto_access(services: Services, record_id: str) -> str:
    record = read_record(services.store, record_id)
    return classify(extract_metadata(record.pages), record.pages, services.rules).access


def test_unchanged_rules_write_no_version(archive: Path, tmp_path: Path) -> None:
    services = services_at(copy_of(archive, tmp_path))
    before = versions(services)
    report = run(services)
    assert len(report.records) == RECORDS and report.counts["unchanged"] == RECORDS
    assert report.new_versions == 0 and versions(services) == before == dict.fromkeys(before, 1)


def test_a_closing_rule_changes_the_affected_records_once(archive: Path, tmp_path: Path) -> None:
    home = copy_of(archive, tmp_path)
    keyword = words_in_some(services_at(home))
    services = services_at(home, rules_file(home, keyword, "not_accessible"))
    affected = {i for i in iter_record_ids(services.store) if auto_access(services, i) == "not_accessible"}
    assert 0 < len(affected) < RECORDS

    report = run(services)
    changed = {r.id for r in report.of("changed")}
    assert changed == affected and report.new_versions == len(affected)
    assert versions(services) == {i: 2 if i in affected else 1 for i in versions(services)}
    for record_id in affected:
        result = next(r for r in report.records if r.id == record_id)
        assert result.changes["access"] == {"old": "undetermined", "new": "not_accessible"}
        assert result.held is None
        record = read_record(services.store, record_id, with_words=False)
        assert record.classification.access == "not_accessible"
        assert record.classification.rules_version.startswith(NEW_RULES)
        assert record.events[-1].step == "reprocess"
        assert services.index.access_of(record_id) == "not_accessible"
        newest = record_versions(services.store, record_id)[-1]
        assert newest.user.name == "sohoa reprocess"
        assert newest.message.startswith(f"reprocess: rules 2025.06-1:vn-2023/vn-2023→{NEW_RULES}")
    for record_id in set(versions(services)) - affected:
        assert services.index.access_of(record_id) == "undetermined"

    again = run(services)
    assert again.new_versions == 0 and again.counts["unchanged"] == RECORDS
    assert ocfl_py_validate(str(home / "store" / "ocfl")).clean


def test_a_more_open_class_is_held_for_review(archive: Path, tmp_path: Path) -> None:
    home = copy_of(archive, tmp_path)
    keyword = words_in_some(services_at(home))
    services = services_at(home, rules_file(home, keyword, "conditional"))  # more open than undetermined
    report = run(services)
    held = report.of("changed")
    assert held and all(r.held == "conditional" for r in held)
    for result in held:
        record = read_record(services.store, result.id, with_words=False)
        c = record.classification
        assert c.access == "undetermined" and "access" not in result.changes
        assert c.needs_review
        reason = next(r for r in c.review_reasons if r.startswith(OPENING_REASON))
        assert "«chưa xác định» → «tiếp cận có điều kiện»" in reason
        assert c.decisions[-1].rule == HOLD_RULE
        assert services.index.access_of(result.id) == "undetermined"
        assert len(record_versions(services.store, result.id)) == 2
    assert run(services).new_versions == 0, "a rerun holds the same proposal: nothing to write"


def test_a_persons_decision_stands_unless_the_rules_close_it(archive: Path, tmp_path: Path) -> None:
    home = copy_of(archive, tmp_path)
    services = services_at(home)
    keyword = words_in_some(services)
    record_id = next(
        i
        for i in iter_record_ids(services.store)
        if keyword in read_record(services.store, i).text.lower().split()
    )
    record = read_record(services.store, record_id, with_words=False)
    decision = OverrideIn(action="override", access="public", reason="Đã xem, văn bản công khai")
    reviewed, _ = apply_review(record, decision, Caller("archivist", "k1", "Lan"), dt.datetime.now(dt.UTC))
    update_record(services.store, reviewed)
    services.index.add(reviewed)

    assert run(services).new_versions == 0, "same rules: the person's public stands"

    services = services_at(home, rules_file(home, keyword, "conditional"))
    report = run(services, Selection(ids=(record_id,)))
    (result,) = report.records
    assert result.changes["access"] == {"old": "public", "new": "conditional"}
    c = read_record(services.store, record_id, with_words=False).classification
    assert c.access == "conditional" and c.needs_review
    assert any(r.startswith(CLOSING_REASON) for r in c.review_reasons)
    assert services.index.access_of(record_id) == "conditional"
    assert run(services, Selection(ids=(record_id,))).new_versions == 0


def test_version_filters(archive: Path, tmp_path: Path) -> None:
    services = services_at(copy_of(archive, tmp_path))
    assert version_key("2025.06-1") < version_key("2025.10") < version_key("2026.01-1")
    assert version_key(None) < version_key("0")
    assert len(run(services, Selection(rules_older_than="2025.06-1")).records) == 0
    assert len(run(services, Selection(rules_older_than="2025.06-2")).records) == RECORDS
    assert len(run(services, Selection(before_version="0.1.0")).records) == 0
    assert len(run(services, Selection(before_version="0.2")).records) == RECORDS


def test_ocr_reads_the_original_again_where_the_stored_text_is_older(archive: Path, tmp_path: Path) -> None:
    """A record whose stored pages an older OCR read worse: --ocr reads its original again and
    writes the whole package's next version (pages, searchable PDF, fingerprint) once."""
    home = copy_of(archive, tmp_path)
    services = services_at(home)
    record_id = next(iter(iter_record_ids(services.store)))
    record = read_record(services.store, record_id)
    page = record.pages[0]
    older = page.model_copy(update={"text": page.text[: len(page.text) // 2], "words": page.words[::2]})
    with tempfile.TemporaryDirectory() as work:  # as an older pipeline would have stored it
        original = Path(work) / "scan.png"
        services.store.get_file(original_key(services.store, record_id), original)
        write_package(services.store, record.model_copy(update={"pages": [older]}), original, {})
    assert len(record_versions(services.store, record_id)) == 2

    report = run(services, Selection(ids=(record_id,)), ocr=True)
    (result,) = report.records
    assert result.status == "changed" and result.changes["pages"]["differ"] == [1]
    again = read_record(services.store, record_id)
    assert again.pages[0].text == page.text and again.events[-1].step == "reprocess"
    files = read_manifest(services.store, record_id)
    assert {"document.pdf", "fingerprint.json", "pages/0001.txt"} <= set(files)
    assert len(record_versions(services.store, record_id)) == 3
    assert run(services, Selection(ids=(record_id,)), ocr=True).new_versions == 0
    assert ocfl_py_validate(str(home / "store" / "ocfl")).clean


def test_a_dossier_documents_version_refreshes_the_dossiers_public_form(tmp_path: Path) -> None:
    """A document of a dossier judged public by hand-built data and undetermined by the rules:
    closed at once, and the dossier head's public form (its next version, by sohoa reprocess)
    no longer lists it; a rerun writes neither again."""
    from application.dossiers import load_form
    from core.settings import Settings
    from storage.ocfl_layout import dossier_object_id
    from storage.package import ocfl_root
    from tests.api.conftest import Archive
    from tests.api.dossier_archive import DocSpec, add_dossier

    settings = Settings(home=tmp_path / "home", workers=1)
    archive = Archive(settings=settings, services=build_services(settings), records={})
    built = add_dossier(archive, "H01.2019.01", [DocSpec(access="public"), DocSpec(access="public")])
    services = archive.services
    first = built.records[0].id
    assert first in load_form(services.store, built.id, "public").documents
    head = dossier_object_id(built.id)
    before = len(ocfl_root(services.store).versions(head))

    (result,) = run(services, Selection(ids=(first,))).records
    assert result.status == "changed" and result.changes["access"]["old"] == "public"
    assert first not in load_form(services.store, built.id, "public").documents
    versions_now = ocfl_root(services.store).versions(head)
    assert len(versions_now) == before + 1
    assert (
        versions_now[-1].message.startswith("reprocess:") and versions_now[-1].user.name == "sohoa reprocess"
    )
    assert run(services, Selection(ids=(first,))).new_versions == 0
    assert len(ocfl_root(services.store).versions(head)) == before + 1


SECRET_WORD = "Quyxhamngam"  # a word of the marked record's text only (tests/secret_leaks forms)


def _marked_version(services: Services, record_id: str) -> str:
    """A version of `record_id` whose page 1 bears a MẬT mark and a word no other record has
    (as if an earlier OCR had missed the mark); the record's original unchanged."""
    record = read_record(services.store, record_id)
    page = record.pages[0]
    mark = Word(text="MẬT", confidence=96, box=Box(left=900, top=4, width=90, height=30), block=0, line=0)
    text = f"MẬT\n{SECRET_WORD} " + page.text
    marked = page.model_copy(update={"text": text, "words": [mark, *page.words]})
    with tempfile.TemporaryDirectory() as work:
        original = Path(work) / "scan.png"
        services.store.get_file(original_key(services.store, record_id), original)
        write_package(services.store, record.model_copy(update={"pages": [marked]}), original, {})
    services.index.add(read_record(services.store, record_id))  # the text is searchable as stored
    return record_id


def _hold_settings(home: Path, tmp_path: Path) -> Services:
    """Services of `home` with a secret hold (and its key) beside it; the key made once."""
    from storage.hold import new_key

    key = tmp_path / "keys" / "hold.key"
    if not key.exists():
        key.parent.mkdir()
        new_key(key)
    settings = load_settings(home=home, workers=1, secret_hold=tmp_path / "hold", secret_key_file=key)
    return build_services(settings)


def test_a_secrecy_mark_read_now_without_a_hold_closes_the_record_and_sends_it_to_review(
    archive: Path, tmp_path: Path
) -> None:
    """No secret hold configured: closed at once (not_accessible, to review), its content stays
    in the store until `sohoa secret sweep`, and the report says so without its text."""
    from application.reprocess import NO_HOLD_REASON

    home = copy_of(archive, tmp_path)
    services = services_at(home)
    record_id = _marked_version(services, next(iter(iter_record_ids(services.store))))

    cache = home / "cache" / "pages"
    cache.mkdir(parents=True)
    (cache / f"{record_id}-0001-1200-0123456789ab.png").write_bytes(b"render")  # as api/images.py names

    (result,) = run(services, Selection(ids=(record_id,))).records
    assert result.changes["access"] == {"old": "undetermined", "new": "not_accessible"}
    assert result.reason == NO_HOLD_REASON
    assert list(cache.iterdir()) == [], "the renders of the old record are removed"
    assert SECRET_WORD not in json.dumps(result.model_dump(mode="json"), ensure_ascii=False)
    c = read_record(services.store, record_id, with_words=False).classification
    assert c.needs_review and SECRET_REASON in c.review_reasons
    assert services.index.access_of(record_id) == "not_accessible"
    assert run(services, Selection(ids=(record_id,))).new_versions == 0


def test_a_secrecy_mark_read_now_moves_the_content_to_the_hold_as_ingest_does(
    archive: Path, tmp_path: Path
) -> None:
    """Red team s14: reprocess found a record secret and left its text in the store (every
    version), the index and the report. Now it goes where ingest and a review send one
    (secret_docs.hold_content): the hold has it, the store keeps one version, the catalogue row,
    and no form of its text is left anywhere under SOHOA_HOME (store, index, caches)."""
    from storage import is_held
    from storage.hold import RECORD, SecretHold, load_key
    from tests.secret_leaks import leaks

    home = copy_of(archive, tmp_path)
    services = _hold_settings(home, tmp_path)
    record_id = _marked_version(services, next(iter(iter_record_ids(services.store))))
    assert leaks(home, [SECRET_WORD]), "the check can fail: the word is at rest before"

    report = run(services, Selection(ids=(record_id,)))
    (result,) = report.records
    assert result.status == "changed" and result.version == 1
    assert result.changes["access"] == {"old": "undetermined", "new": "not_accessible"}
    assert SECRET_WORD not in json.dumps(report.to_dict(), ensure_ascii=False)
    row = read_record(services.store, record_id)
    assert is_held(row) and not row.pages and len(record_versions(services.store, record_id)) == 1
    assert services.index.access_of(record_id) == "not_accessible"
    services.close()
    assert leaks(home, [SECRET_WORD]) == []
    hold = SecretHold(tmp_path / "hold", load_key(tmp_path / "keys" / "hold.key"))
    held = tmp_path / "held.json"
    hold.open_to(record_id, RECORD, held)
    assert SECRET_WORD in held.read_text(encoding="utf-8")
    again = _hold_settings(home, tmp_path)
    (rerun,) = run(again, Selection(ids=(record_id,))).records
    assert rerun.status == "skipped" and again.index.access_of(record_id) == "not_accessible"


def test_a_secret_whose_original_is_damaged_is_closed_all_the_same(archive: Path, tmp_path: Path) -> None:
    """The hold refuses a damaged original (nothing moved): the record is closed and sent to
    review as without a hold, not left as open as it was."""
    home = copy_of(archive, tmp_path)
    services = _hold_settings(home, tmp_path)
    record_id = _marked_version(services, next(iter(iter_record_ids(services.store))))
    stored = services.store._path(original_key(services.store, record_id))  # type: ignore[attr-defined]
    stored.write_bytes(stored.read_bytes()[:-1] + b"\x00")

    (result,) = run(services, Selection(ids=(record_id,))).records
    assert result.status == "changed" and "not moved to the hold" in (result.reason or "")
    c = read_record(services.store, record_id, with_words=False).classification
    assert c.access == "not_accessible" and SECRET_REASON in c.review_reasons
    assert services.index.access_of(record_id) == "not_accessible"


def test_ocr_finding_a_mark_on_page_one_moves_the_content_to_the_hold(archive: Path, tmp_path: Path) -> None:
    """Red team s14: `--ocr` reading a MẬT mark on page 1 that an older reading missed skipped the
    record, left open as it was. Now it is judged from page 1 (reading stops there, as at
    ingest) and goes to the hold."""
    import hashlib

    from PIL import Image, ImageDraw, ImageFont

    from storage import is_held

    fonts = Path("/usr/share/fonts/truetype/liberation2")
    if not (fonts / "LiberationSerif-Bold.ttf").exists():
        pytest.skip("needs fonts-liberation2")
    home = copy_of(archive, tmp_path)
    services = _hold_settings(home, tmp_path)
    record_id = next(iter(iter_record_ids(services.store)))
    record = read_record(services.store, record_id)
    image = Image.new("L", (1240, 700), 255)
    draw = ImageDraw.Draw(image)
    for row, text in enumerate(("UBND TỈNH THÁI BÌNH", "MẬT", "BÁO CÁO", "Kho vũ khí Đồng Quỹ")):
        font = ImageFont.truetype(str(fonts / "LiberationSerif-Bold.ttf"), 56)
        draw.text((150, 80 + 120 * row), text, font=font, fill=0)
    scan = tmp_path / "marked.png"
    image.save(scan, dpi=(150, 150))
    digest = hashlib.sha256(scan.read_bytes()).hexdigest()
    write_package(services.store, record.model_copy(update={"sha256": digest}), scan, {})
    assert not read_record(services.store, record_id).metadata.secrecy, "the stored reading missed the mark"

    (result,) = run(services, Selection(ids=(record_id,)), ocr=True).records
    assert result.status == "changed", result
    row = read_record(services.store, record_id)
    assert is_held(row) and not row.pages and row.metadata.secrecy
    assert len(record_versions(services.store, record_id)) == 1
    assert services.index.access_of(record_id) == "not_accessible"


def _closed_by_rules_and_accepted(archive: Path, tmp_path: Path):  # noqa: ANN202
    """A copy of the archive under rules closing some records, one of them, and an archivist's
    acceptance of it made (not committed): (services, record id, the reviewed record)."""
    home = copy_of(archive, tmp_path)
    keyword = words_in_some(services_at(home))
    services = services_at(home, rules_file(home, keyword, "not_accessible"))
    record_id = next(
        i for i in iter_record_ids(services.store) if auto_access(services, i) == "not_accessible"
    )
    record = read_record(services.store, record_id, with_words=False)
    decision = OverrideIn(action="accept", reason="Đã xem, giữ nguyên phân loại")
    reviewed, _ = apply_review(record, decision, Caller("archivist", "k1", "Lan"), dt.datetime.now(dt.UTC))
    return services, record_id, reviewed


def test_a_review_committed_meanwhile_is_not_written_over(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record changes between reprocess's read and its commit (an archivist's decision
    committed by another process, played here at that moment): reprocess skips it, and the next
    run judges the reviewed record."""
    from application import reprocess as module

    services, record_id, reviewed = _closed_by_rules_and_accepted(archive, tmp_path)
    reads = []

    def read_then_review(store, rid, **kwargs):  # noqa: ANN001, ANN202
        reads.append(rid)
        if len(reads) == 2:  # the check just before the commit: the review lands first
            update_record(store, reviewed)
        return read_record(store, rid, **kwargs)

    monkeypatch.setattr(module, "read_record", read_then_review)
    (result,) = run(services, Selection(ids=(record_id,))).records
    monkeypatch.undo()
    assert result.status == "skipped" and "meanwhile" in (result.reason or "")
    assert read_record(services.store, record_id).events[-1].step == "review", "the review is the head"
    (again,) = run(services, Selection(ids=(record_id,))).records
    assert again.status == "changed" and again.changes["access"]["new"] == "not_accessible"


def test_a_review_committed_after_the_check_is_written_again(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Red team s14: the review lands after the changed-meanwhile check, just before reprocess's
    commit (played here at that moment). Reprocess's version then stood over the person's
    decision (last writer wins: the review's event and class gone, the index following
    reprocess). Now the reviewer's state is written again as the next version and indexed."""
    from application import reprocess as module

    services, record_id, reviewed = _closed_by_rules_and_accepted(archive, tmp_path)
    real = module.update_record
    landed = []

    def review_lands_first(store, new, info=None):  # noqa: ANN001, ANN202
        if not landed:
            landed.append(real(store, reviewed))  # the API process's commit, then the index
            services.index.add(reviewed)
        return real(store, new, info)

    monkeypatch.setattr(module, "update_record", review_lands_first)
    (result,) = run(services, Selection(ids=(record_id,))).records
    monkeypatch.undo()
    assert landed == [2] and result.status == "skipped" and "meanwhile" in (result.reason or "")
    head = read_record(services.store, record_id, with_words=False)
    assert head.classification == reviewed.classification
    assert [e.step for e in head.events] == [e.step for e in reviewed.events]
    assert services.index.access_of(record_id) == reviewed.classification.access
    (again,) = run(services, Selection(ids=(record_id,))).records
    assert again.status == "changed" and again.changes["access"]["new"] == "not_accessible"


# ---- kill `sohoa reprocess` and run it again -------------------------------------------------

COPIES = 4  # more records for the killed runs: copies of the ingested ones (their own originals)


def add_copies(services: Services, copies: int) -> None:
    """Records built by the pipeline's own functions from the ingested records' pages, each with
    its own original (the scan's bytes and a trailing comment chunk): no OCR needed, and reprocess
    treats them as any record."""
    import hashlib

    from schemas import record_id_for
    from storage.layout import SEARCHABLE_PDF
    from storage.package import read_package_bytes

    for source_id in list(iter_record_ids(services.store)):
        source = read_record(services.store, source_id)
        scan = services.store.get_bytes(original_key(services.store, source_id))
        for n in range(copies):
            data = scan + f"copy {n}".encode()
            sha256 = hashlib.sha256(data).hexdigest()
            with tempfile.TemporaryDirectory() as work:
                original = Path(work) / f"copy{n}_{source.source}"
                original.write_bytes(data)
                record = source.model_copy(
                    update={
                        "id": record_id_for(sha256),
                        "sha256": sha256,
                        "size": len(data),
                        "source": original.name,
                    }
                )
                pdf = read_package_bytes(services.store, source_id, SEARCHABLE_PDF)
                write_package(services.store, record, original, {SEARCHABLE_PDF: pdf})
            services.index.add(record)


def _reprocess_process(home: Path, rules: Path) -> subprocess.Popen:
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_API"))}
    env.update(SOHOA_HOME=str(home), SOHOA_RULES=str(rules), SOHOA_WORKERS="1")
    env["PREFECT_API_URL"] = PREFECT_API_URL.value()
    exe = Path(sys.executable).with_name("sohoa")
    return subprocess.Popen(
        [str(exe), "reprocess", "--all", "--classify", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _second_versions(home: Path) -> int:
    return sum(1 for _ in (home / "store" / "ocfl").glob("*/*/*/*/v2/inventory.json"))


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_killed_reprocess_runs_leave_one_version_or_none(archive: Path, tmp_path: Path) -> None:
    home = copy_of(archive, tmp_path)
    add_copies(services_at(home), COPIES)
    rules = rules_file(home, "ubnd", "not_accessible")
    services = services_at(home, rules)
    ids = list(iter_record_ids(services.store))
    affected = {i for i in ids if auto_access(services, i) == "not_accessible"}
    assert len(affected) >= len(ids) // 2
    rng = random.Random(16)
    mid_run = 0
    for _ in range(5):
        done = _second_versions(home)
        process = _reprocess_process(home, rules)
        deadline = time.monotonic() + 120
        while process.poll() is None and _second_versions(home) == done and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.08))  # within the first few commits
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            mid_run += _second_versions(home) < len(affected)
        process.communicate()
    assert mid_run >= 1, "a kill came while records were still to do"

    final = _reprocess_process(home, rules)
    out, errors = final.communicate(timeout=300)
    assert final.returncode == 0, errors[-3000:]
    assert json.loads(out)["counts"]["failed"] == 0
    services = services_at(home, rules)
    assert versions(services) == {i: 2 if i in affected else 1 for i in ids}, "one new version or none"
    for record_id in ids:
        record = read_record(services.store, record_id, with_words=False)
        assert services.index.access_of(record_id) == record.classification.access
    assert verify(services.store).ok
    assert ocfl_py_validate(str(home / "store" / "ocfl")).clean
    assert run(services).new_versions == 0
