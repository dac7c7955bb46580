"""A record that goes to the secret hold takes its near-duplicates with it out of public view: the
same paper scanned again (found by the hold's fingerprint, or linked at ingest either way) is
closed — not_accessible, sent to review with a reason naming the held record — as its next
version, the index following; a record that only looks alike by chance is not touched."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from api.vietnamese import reason_vi
from application.secret_docs import TWIN_RULE, hold_content
from application.services import Services, services_for
from core.settings import Settings, page_cache_dir
from dedup import fingerprint
from dedup.link import link_near_duplicate
from dedup.match import DuplicateMatch
from schemas import AccessScope, Record, SearchQuery
from storage import is_held, read_record, record_versions
from storage.hold import SecretHold, load_key, new_key
from storage.layout import FINGERPRINT_FILE
from tests.api.conftest import Archive, make_record, page_with_words

SECRET_TEXT = [
    "BÁO CÁO",
    "Kết quả khảo sát Quyxhamchua tại kho K3 của đơn vị trong quý ba",
    "Số lượng vũ khí, khí tài được kiểm kê lại theo danh mục đã duyệt",
    "Đề nghị bổ sung phương án bảo vệ và lịch trực của lực lượng canh gác",
]
OTHER_TEXT = [
    "THÔNG BÁO",
    "Lịch tiếp công dân của Ủy ban nhân dân phường trong tháng mười hai",
    "Công dân mang theo giấy tờ tùy thân khi đến liên hệ tại bộ phận một cửa",
    "Mọi thắc mắc xin liên hệ văn phòng trong giờ hành chính các ngày làm việc",
]


def _world(root: Path) -> tuple[Archive, SecretHold]:
    key = root / "keys" / "hold.key"
    key.parent.mkdir(parents=True)
    new_key(key)
    settings = Settings(home=root / "home", workers=1, secret_hold=root / "hold", secret_key_file=key)
    archive = Archive(settings=settings, services=services_for(settings), records={})
    return archive, SecretHold(root / "hold", load_key(key))


def _add(
    archive: Archive, name: str, lines: list[str], image: Image.Image | None = None, **kw: object
) -> Record:
    """A record stored as ingest stores it: its fingerprint in the package and in the lookup."""
    page, drawn = page_with_words(1, lines, "scan")
    image = image or drawn
    record = make_record([page], access=str(kw.pop("access", "public")), doc_type="Báo cáo")
    fp = fingerprint(record.pages, image, record.metadata)
    if link := kw.pop("link", None):
        record = link_near_duplicate(
            record, DuplicateMatch(record_id=str(link), basis="text", text=1.0, image=0)
        )
    stored = archive.add(name, record, image, {FINGERPRINT_FILE: fp.to_json()})
    archive.services.similar.add(stored.id, fp)
    return stored


def _public_hits(services: Services, word: str) -> int:
    scope = AccessScope(classes=("public",), masked=True)
    return services.index.search(SearchQuery(q=word, scope=scope)).total


def _marked(record: Record) -> Record:
    return record.model_copy(
        update={
            "metadata": record.metadata.model_copy(update={"secrecy": "MẬT"}),
            "classification": record.classification.model_copy(update={"access": "not_accessible"}),
        }
    )


def _hold(services: Services, hold: SecretHold, record_id: str) -> None:
    """What a review marking the record MẬT does (api/routes_review.py `_hold`)."""
    marked = _marked(read_record(services.store, record_id))
    hold_content(
        services.store, services.index, services.similar, hold, marked, page_cache_dir(services.settings)
    )


def test_the_same_paper_scanned_again_is_closed_when_one_scan_is_held(tmp_path: Path) -> None:
    archive, hold = _world(tmp_path)
    services = archive.services
    first = _add(archive, "first", SECRET_TEXT)
    _, image = page_with_words(1, SECRET_TEXT, "scan")
    image.putpixel((0, 0), 128)  # the same paper scanned again: another file, the same page
    second = _add(archive, "second", SECRET_TEXT, image)
    other = _add(archive, "other", OTHER_TEXT)
    assert _public_hits(services, "Quyxhamchua") == 2
    render = page_cache_dir(services.settings) / f"{second.id}-0001-1000-public.png"  # shown before
    render.parent.mkdir(parents=True, exist_ok=True)
    render.write_bytes(b"png")

    _hold(services, hold, first.id)

    assert is_held(read_record(services.store, first.id))
    twin = read_record(services.store, second.id)
    assert twin.classification.access == "not_accessible" and twin.classification.needs_review
    assert twin.classification.decisions[-1].rule == TWIN_RULE
    assert first.id in twin.classification.review_reasons[-1]
    assert reason_vi(twin.classification.review_reasons[-1]).startswith(f"Gần trùng với tài liệu {first.id}")
    assert len(record_versions(services.store, second.id)) == 2  # its own next version
    assert _public_hits(services, "Quyxhamchua") == 0
    assert not render.exists()  # the secret's paper, rendered from its twin
    untouched = read_record(services.store, other.id)
    assert untouched.classification.access == "public" and len(record_versions(services.store, other.id)) == 1


def test_a_held_record_linked_at_ingest_closes_the_scan_it_repeats(tmp_path: Path) -> None:
    """The held record names the earlier scan (its DUP.near link) though the lookup no longer
    holds that scan's fingerprint: the link alone is enough."""
    archive, hold = _world(tmp_path)
    services = archive.services
    earlier = _add(archive, "earlier", SECRET_TEXT)
    services.similar.remove(earlier.id)
    later = _add(archive, "later", [*SECRET_TEXT, "Bản sao"], link=earlier.id)

    _hold(services, hold, later.id)

    assert read_record(services.store, earlier.id).classification.access == "not_accessible"
    assert _public_hits(services, "Quyxhamchua") == 0
