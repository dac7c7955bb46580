"""The syllable model grows from the archive's public pages only (application/syllable_learning.py,
`sohoa learn-syllables`): pages really ingested (Tesseract, SQLite index, store, secret hold),
then the counts file read back. A state secret's and a conditional record's words never reach it,
nor a record still waiting for review; a public record's reviewed pages do, and the OCR then
corrects with the grown model and says so in the page's "text" step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from typer.testing import CliRunner

from api.models import OverrideIn
from api.review import apply_review
from application.access import Caller
from application.ingest import ingest_file
from application.page_reading import reader_of
from application.services import Services, build_services
from application.syllable_learning import (
    PER_RECORD,
    learn_syllables,
    learned_path,
    public_words,
    record_pairs,
)
from core.settings import Settings
from ocr.load import load_page
from ocr.page_reader import process_page
from schemas import Box, Word
from storage import iter_record_ids, read_record, update_record
from storage.hold import new_key
from tests.api.conftest import make_record, page_with_words
from vntext.syllable_lm import active_model, syllable_key, use_learned

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")

PUBLIC = [
    "THÔNG BÁO",
    "Lịch tiếp công dân của ủy ban trong tháng mười hai",
    "Công dân mang theo giấy tờ tùy thân khi đến liên hệ",
]
CONDITIONAL = [
    "QUYẾT ĐỊNH",
    "Khen thưởng ông Lương Văn Khuê sinh ngày 12/03/1985",
    "CCCD số 001085012345 thường trú tại thôn Đoài xóm Chợ",
]
SECRET = [
    "MẬT",
    "BÁO CÁO",
    "Kết quả kiểm kê vũ khí khí tài của kho quân giới",
    "Đề nghị bổ sung phương án canh gác và lịch trực",
]
# pairs of the conditional and the secret pages that must never be counted
FORBIDDEN = [
    ("lương", "văn"),
    ("văn", "khuê"),
    ("khen", "thưởng"),
    ("thôn", "đoài"),
    ("xóm", "chợ"),
    ("vũ", "khí"),
    ("khí", "tài"),
    ("quân", "giới"),
    ("canh", "gác"),
    ("kiểm", "kê"),
]


def _render(path: Path, lines: list[str]) -> Path:
    font = ImageFont.truetype(str(FONT), 40)
    page = Image.new("L", (1700, 140 + 90 * len(lines)), 255)
    draw = ImageDraw.Draw(page)
    for number, line in enumerate(lines):
        draw.text((80, 70 + 90 * number), line, font=font, fill=0)
    page.save(path, dpi=(200, 200))
    return path


@dataclass
class Archive:
    settings: Settings
    services: Services
    ids: dict[str, str]  # "public" / "conditional" / "secret" -> record id
    scans: dict[str, Path]


def _pairs(path: Path) -> dict[tuple[str, str], int]:
    pairs = {}
    for row in path.read_text(encoding="utf-8").splitlines():
        pair, _, count = row.partition("\t")
        first, _, second = pair.partition(" ")
        pairs[(first, second)] = int(count)
    return pairs


def _side_by_side(words: list[Word]) -> set[tuple[str, str]]:
    return {(syllable_key(a.text), syllable_key(b.text)) for a, b in zip(words, words[1:], strict=False)}


def _review(services: Services, record_id: str, decision: OverrideIn) -> None:
    record = read_record(services.store, record_id, with_words=False)
    reviewed, _ = apply_review(record, decision, Caller("archivist", "k1", "Lan"), dt.datetime.now(dt.UTC))
    update_record(services.store, reviewed)
    services.index.add(reviewed)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """Three one-page scans ingested with a secret hold configured: an ordinary notice (left
    undetermined by the rules, for review), a decision naming a person with an ID number
    (conditional) and a report marked MẬT (held)."""
    root = tmp_path_factory.mktemp("syllables")
    key = root / "keys" / "hold.key"
    key.parent.mkdir()
    new_key(key)
    settings = Settings(home=root / "home", workers=1, secret_hold=root / "hold", secret_key_file=key)
    services = build_services(settings)
    scans = {
        name: _render(root / f"{name}.png", lines)
        for name, lines in (("public", PUBLIC), ("conditional", CONDITIONAL), ("secret", SECRET))
    }
    ids = {}
    for name, path in scans.items():
        outcome = ingest_file(path, services)
        assert outcome.status == "ingested" and outcome.id, outcome
        ids[name] = outcome.id
    assert sorted(ids.values()) == list(iter_record_ids(services.store))
    try:
        yield Archive(settings, services, ids, scans)
    finally:
        use_learned(None)  # the rest of the session corrects with the shipped model
        services.close()


def test_nothing_is_learned_from_secret_conditional_or_unreviewed_records(archive: Archive) -> None:
    services = archive.services
    assert services.index.access_of(archive.ids["conditional"]) == "conditional"
    secret = read_record(services.store, archive.ids["secret"], with_words=False)
    assert secret.metadata.secrecy, "the MẬT page is read as a state secret"
    public = read_record(services.store, archive.ids["public"], with_words=False)
    assert public.classification.access != "public" or public.classification.needs_review

    (ocr,) = [event for event in public.events if event.step == "ocr"]
    assert ocr.parameters["syllables"] == "base", "read before any count was learned"

    report = learn_syllables(services)

    assert (report.records, report.pages, report.pairs) == (0, 0, 0)
    assert sum(report.skipped.values()) == 3
    assert report.skipped.get("not_accessible") == 1 and report.skipped.get("conditional") == 1
    assert learned_path(archive.settings).read_text(encoding="utf-8") == ""


def test_a_reviewed_public_record_is_learned_and_nothing_else(archive: Archive) -> None:
    services = archive.services
    conditional = OverrideIn(action="accept", reason="Đã xem, giữ nguyên phân loại")
    _review(services, archive.ids["conditional"], conditional)  # settled, but still conditional
    public = OverrideIn(action="override", access="public", reason="Đã xem, văn bản công khai")
    _review(services, archive.ids["public"], public)

    report = learn_syllables(services)

    path = learned_path(archive.settings)
    pairs = _pairs(path)
    assert report.records == 1 and report.pages == 1 and report.pairs == sum(pairs.values()) >= 10
    assert report.skipped == {"not_accessible": 1, "conditional": 1}
    assert ("công", "dân") in pairs and ("tiếp", "công") in pairs
    for pair in FORBIDDEN:
        assert pair not in pairs, pair
    conditional_words = read_record(services.store, archive.ids["conditional"]).pages[0].words
    assert len(_side_by_side(conditional_words) & set(FORBIDDEN)) >= 3, "the test could see a leak"
    # every pair counted stands side by side in the public record's stored words
    words = read_record(services.store, archive.ids["public"]).pages[0].words
    assert set(pairs) <= _side_by_side(words)
    assert path.stat().st_mode & 0o077 == 0, "the counts are the archive user's alone"
    assert not list(path.parent.glob(".syllable_pairs.*")), "no temporary file left"


def test_the_ocr_corrects_with_the_grown_model_and_says_which(archive: Archive) -> None:
    learned = _pairs(learned_path(archive.settings))
    build_services(archive.settings)  # what every entry point does: the archive's counts are used
    model = active_model()
    assert model.name.startswith(f"learned:{sum(learned.values())}:")
    assert model.learned == learned

    source = load_page(archive.scans["public"], "image/png", 1, max_pixels=archive.settings.max_image_pixels)
    result = process_page(source, archive.services.engine)
    (text,) = [step for step in result.steps if step.name == "text"]
    assert text.result["diacritics_model"] == model.name
    # pages kept in a page spool by a run under other counts are read again, not mixed in
    assert reader_of(archive.services)["syllables"] == model.name

    use_learned(None)
    assert active_model().name == "base"


def test_a_public_records_personal_data_is_left_out() -> None:
    """In a public record, the words its masking hides (a listed name, an ID number) break the
    chain: no pair runs into, out of or inside them."""
    texts = "Trao cho ông Lương Văn Khuê giấy khen số 001085012345 đến nay".split()  # noqa: SIM905
    box = Box(left=0, top=0, width=9, height=9)
    words = [Word(text=text, confidence=99, box=box) for text in texts]
    kept = [w.text for w in public_words(words, ("Lương Văn Khuê",))]
    assert kept[:3] == ["Trao", "cho", "ông"]
    assert kept[3:6] == ["\u2022"] * 3
    assert kept[6:9] == ["giấy", "khen", "số"] and kept[9] == "\u2022"


def test_the_command_prints_what_was_learned(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli.main import app

    monkeypatch.setenv("SOHOA_HOME", str(archive.settings.home))
    monkeypatch.setenv("SOHOA_SECRET_HOLD", str(archive.settings.secret_hold))
    monkeypatch.setenv("SOHOA_SECRET_KEY_FILE", str(archive.settings.secret_key_file))
    try:
        result = CliRunner().invoke(app, ["learn-syllables"])
    finally:
        use_learned(None)
    assert result.exit_code == 0, result.output
    assert "from 1 public records, 1 pages" in result.output
    assert "1 conditional, 1 not_accessible" in result.output
    assert str(learned_path(archive.settings)) in result.output


def test_a_counts_file_that_cannot_be_read_leaves_the_shipped_model(tmp_path: Path) -> None:
    path = tmp_path / "syllable_pairs.tsv"
    path.write_bytes(b"c\xf4ng d\xe2n\t3\n")  # Latin-1, not UTF-8: a damaged or foreign file
    use_learned(path)
    try:
        assert active_model().name == "base"
        path.write_text("công dân\t3\n", encoding="utf-8")
        assert active_model().name.startswith("learned:3:"), "the file is read again once it changed"
    finally:
        use_learned(None)


def test_one_record_counts_a_pair_at_most_per_record_times() -> None:
    """A page repeating a phrase (or made to, to steer the model) counts it PER_RECORD times."""
    page, _ = page_with_words(1, ["tỉnh tính " * 20, "tỉnh tính tỉnh tính"], "steer")
    record = make_record([page], access="public")
    pairs = record_pairs(record)
    assert pairs[("tỉnh", "tính")] == PER_RECORD
    assert pairs[("tính", "tỉnh")] == PER_RECORD


def test_counts_go_whole_when_a_record_that_taught_them_is_closed(tmp_path: Path) -> None:
    """forget_learned_from: the counts and their sources list are removed when any closed record
    taught them, left when none did; counts with no sources list are not trusted to be clean."""
    from application.syllable_learning import forget_learned_from

    learned = tmp_path / "syllable_pairs.tsv"
    sources = tmp_path / "syllable_pairs.tsv.sources"
    learned.write_text("b\tkho\tvũ\t3\n", encoding="utf-8")
    sources.write_text("aaa\nbbb\n", encoding="utf-8")
    assert forget_learned_from(learned, ["ccc"]) is False
    assert learned.exists() and sources.exists()
    assert forget_learned_from(learned, ["bbb"]) is True
    assert not learned.exists() and not sources.exists()
    learned.write_text("b\tkho\tvũ\t3\n", encoding="utf-8")
    assert forget_learned_from(learned, ["ccc"]) is True
    assert not learned.exists()
