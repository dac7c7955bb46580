"""Review s15 (e48a7f5, 4538a9f): a record held as secret closes its near-duplicates whatever
they are — a document of a dossier never committed (an intake killed before its commit) is
closed like any other, and the hold goes on to name the record by its id in its batch."""

from __future__ import annotations

from pathlib import Path

from application.secret_docs import TWIN_RULE
from schemas import DossierLink
from storage import is_held, read_record, update_record
from tests.application.test_secret_twins import SECRET_TEXT, _add, _hold, _public_hits, _world


def test_a_twin_in_a_dossier_never_committed_is_closed_and_the_hold_goes_on(tmp_path: Path) -> None:
    archive, hold = _world(tmp_path)
    services = archive.services
    first = _add(archive, "first", SECRET_TEXT)
    twin = _add(archive, "twin", [*SECRET_TEXT, "Bản sao"])
    linked = read_record(services.store, twin.id).model_copy(
        update={"dossier": DossierLink(dossier="f" * 32, order=1, pages=[1])}
    )
    update_record(services.store, linked)
    services.index.add(linked)

    _hold(services, hold, first.id)

    assert is_held(read_record(services.store, first.id))
    closed = read_record(services.store, twin.id)
    assert closed.classification.access == "not_accessible"
    assert closed.classification.decisions[-1].rule == TWIN_RULE
    assert _public_hits(services, "Quyxhamchua") == 0


BODY = (
    "BÁO CÁO\nKết quả khảo sát Quyxhamchua tại kho K3 của đơn vị trong quý ba năm nay\n"
    "Số lượng vũ khí, khí tài được kiểm kê lại theo danh mục đã duyệt của cấp trên\n"
    "Đề nghị bổ sung phương án bảo vệ và lịch trực của lực lượng canh gác tại kho\n"
    "Giao phòng hậu cần chủ trì phối hợp với các đơn vị liên quan tổ chức thực hiện"
)


def _scan(path: Path, shade: int) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("L", (600, 800), 255)
    ImageDraw.Draw(image).rectangle((50, 50, 550, 300), outline=shade)
    image.save(path, dpi=(300, 300))
    return path


def test_a_rescan_held_at_intake_closes_the_scan_already_stored(tmp_path: Path) -> None:
    """The same paper scanned twice: the first reading missed the faint MẬT stamp and stored it
    in clear; the second reads the stamp and holds it. The first stays served as it was."""
    from application.access import class_served
    from application.ingest import ingest_file
    from application.services import build_services
    from core.settings import load_settings
    from ocr.engine import FixedTextEngine
    from storage.hold import new_key

    key = tmp_path / "keys" / "hold.key"
    key.parent.mkdir()
    new_key(key)
    settings = load_settings(
        home=tmp_path / "home", workers=1, secret_hold=tmp_path / "hold", secret_key_file=key
    )
    clear = build_services(settings, engine=FixedTextEngine(BODY))
    first = ingest_file(_scan(tmp_path / "scan-a.png", 0), clear)
    served = class_served(read_record(clear.store, first.id or ""))
    clear.close()
    assert served != "not_accessible"
    marked = build_services(settings, engine=FixedTextEngine("MẬT\n" + BODY))
    second = ingest_file(_scan(tmp_path / "scan-b.png", 40), marked)
    assert is_held(read_record(marked.store, second.id or ""))
    try:
        assert class_served(read_record(marked.store, first.id or "")) == "not_accessible"
    finally:
        marked.close()


def test_a_record_held_without_a_stored_fingerprint_still_closes_its_rescan(tmp_path: Path) -> None:
    """A package written before fingerprints were stored in it: the held record's fingerprint is
    taken from its original, and the later scan the lookup holds is closed."""
    from tests.api.conftest import make_record, page_with_words

    archive, hold = _world(tmp_path)
    services = archive.services
    page, image = page_with_words(1, SECRET_TEXT, "scan")
    old = archive.add(
        "old", make_record([page], access="public", doc_type="Báo cáo"), image
    )  # no fingerprint
    _, again = page_with_words(1, SECRET_TEXT, "scan")
    again.putpixel((0, 0), 128)
    rescan = _add(archive, "rescan", SECRET_TEXT, again)

    _hold(services, hold, old.id)

    assert read_record(services.store, rescan.id).classification.access == "not_accessible"
    assert _public_hits(services, "Quyxhamchua") == 0


def test_a_reprocess_of_a_closed_twin_keeps_why_it_was_closed(tmp_path: Path) -> None:
    """The twin stays closed (a reprocess never opens), but its review reason naming the held
    record went: the archivist reads only that the rules would make it public."""
    from application.reprocess import merge
    from application.secret_docs import TWIN_REASON

    archive, hold = _world(tmp_path)
    services = archive.services
    first = _add(archive, "first", SECRET_TEXT)
    twin = _add(archive, "twin", [*SECRET_TEXT, "Bản sao"])
    _hold(services, hold, first.id)
    closed = read_record(services.store, twin.id)
    auto = twin.classification  # the rules read it as public again, as at its ingest

    _, classification, _ = merge(closed, closed.metadata, auto)

    assert classification.access == "not_accessible"
    assert TWIN_REASON.format(held=first.id) in classification.review_reasons
    assert any(d.rule == TWIN_RULE for d in classification.decisions)
