"""What a visitor or clerk reads is Vietnamese: the classifier's own review reasons, decisions and
evidence through api.vietnamese, rule titles from the rules file, and validation messages."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from api.vietnamese import (
    GENERIC_REASON,
    conclusion_vi,
    evidence_vi,
    reason_vi,
    rule_title_vi,
    validation_message,
)
from classify import load_rules
from classify.decide import classify
from schemas import Metadata, Page, PersonalData

VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.I)
ENGLISH = re.compile(
    r"\b(no|rule|matched|archivist|must|period|retention|access|undated|judged|newest|before|earliest|"
    r"secrecy|mark|confidence|confirm|protection|ended|review|release|unconfirmed|appraised|type|"
    r"notation|form|subject|title|personal|data|public|conditional|not_accessible|undetermined)\b"
)
CASES = [
    (Metadata(), "xin chào"),
    (
        Metadata(doc_type="Kế hoạch", date=dt.date(2019, 3, 1), subject="Kế hoạch công tác năm 2019"),
        "KẾ HOẠCH",
    ),
    (Metadata(doc_type="Công văn", date=dt.date(2005, 3, 1), secrecy="MẬT"), "MẬT công văn"),
    (
        Metadata(
            doc_type="Quyết định",
            date=dt.date(2030, 3, 1),
            personal_data=[PersonalData(kind="cccd", value="0010")],
        ),
        "CCCD 0010",
    ),
    (Metadata(doc_type="Biên bản", date=dt.date(2021, 3, 1), subject="Biên bản họp"), "BIÊN BẢN họp nội bộ"),
    (Metadata(doc_type="Giấy mời", date=dt.date(2021, 3, 1)), "GIẤY MỜI họp"),
]


@pytest.mark.parametrize(("metadata", "text"), CASES)
def test_the_classifiers_reasons_decisions_and_evidence_read_in_vietnamese(
    metadata: Metadata, text: str
) -> None:
    c = classify(metadata, [Page(number=1, text=text)], load_rules(), today=dt.date(2026, 1, 1))
    shown = [reason_vi(r) for r in c.review_reasons]
    shown += [
        f"{rule_title_vi(d.rule)} {conclusion_vi(d.outcome)} {evidence_vi(d.evidence)}" for d in c.decisions
    ]
    assert shown
    for line in shown:
        assert line != GENERIC_REASON and not ENGLISH.search(line), line


def test_every_rule_has_a_vietnamese_title() -> None:
    for rule_set in load_rules().sets:
        for rule in rule_set.rules:
            assert VIETNAMESE.search(rule.title_vi), (rule_set.id, rule.id)


def test_a_rule_title_holding_a_dash_is_not_taken_for_the_evidence() -> None:
    reason = (
        "A7.2.contact (M) suggests conditional: Contact details of a named person (phone, e-mail) — "
        "private or official? — personal data (full_name): full_name Nguyễn Thị Ngọc Hân"
    )
    shown = reason_vi(reason)
    assert shown.endswith("— dữ liệu cá nhân: họ tên Nguyễn Thị Ngọc Hân") and not ENGLISH.search(shown), (
        shown
    )
    assert "private" not in shown


def test_an_unknown_reason_is_said_in_vietnamese_and_a_vietnamese_one_is_kept() -> None:
    assert reason_vi("some new English reason nobody translated") == GENERIC_REASON
    assert reason_vi("trang 2: trang không đọc được") == "trang 2: trang không đọc được"
    assert reason_vi("access: undated: judged by the newest rule set (vn-2023)").startswith(
        "Quyền tiếp cận: "
    )


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            {"type": "string_pattern_mismatch", "loc": ("body", "reason"), "ctx": {"pattern": r"\S.*\S"}},
            "Lý do",
        ),
        ({"type": "bool_type", "loc": ("body", "declassify")}, "Giải mật: phải là giá trị logic JSON true"),
        (
            {"type": "less_than_equal", "loc": ("query", "per_page"), "ctx": {"le": 100}},
            "nhỏ hơn hoặc bằng 100",
        ),
        ({"type": "something_new", "loc": ("query", "q")}, "Từ khóa: giá trị không hợp lệ."),
        # a body that is not JSON: the position it broke at is no field ("0: nội dung JSON …")
        ({"type": "json_invalid", "loc": ("body", 0)}, "Nội dung JSON không hợp lệ."),
    ],
)
def test_validation_messages(error: dict, expected: str) -> None:
    message = validation_message(error)
    assert expected in message and "\\S" not in message and not message[0].isdigit(), message


def test_every_page_quality_reason_is_shown_in_vietnamese() -> None:
    from ocr.quality import assess_page
    from schemas import Box, Word

    text = "Căn cứ Luật Lưu trữ ngày 11 tháng 11 năm 2011 của Quốc hội Số: 2154/QĐ-UBND"
    box = Box(left=0, top=0, width=10, height=10)
    sure = [Word(text=t, confidence=95.0, box=box) for t in text.split()]
    unsure = [Word(text=t, confidence=30.0, box=box) for t in text.split()]
    reasons = [
        *assess_page(sure, text, dropped=40).reasons,  # noise
        *assess_page(sure, text, unread=0.5).reasons,  # lettering not read
        *assess_page(sure + unsure[:2], text, dropped=2, unread=0.05).reasons,  # shares together
        *assess_page(unsure, text).reasons,  # unsure / low confidence
        *assess_page([], "").reasons,  # nothing read
    ]
    assert len(reasons) >= 5, reasons
    for reason in reasons:
        shown = reason_vi(reason)
        assert shown != GENERIC_REASON and not ENGLISH.search(shown), (reason, shown)


@pytest.mark.parametrize("text", [0.97, None])
def test_a_near_duplicate_is_said_in_vietnamese_naming_the_earlier_record(text: float | None) -> None:
    """The review queue showed a re-scan as "Cần lưu trữ viên xem xét." and "DUP.near →
    near_duplicate": the clerk did not learn which record it re-scans."""
    from dedup import DuplicateMatch, link_near_duplicate
    from schemas import Classification, Record

    record = Record(
        id="b" * 32, source="lần 2.pdf", sha256="0" * 64, size=1, media_type="application/pdf",
        page_count=1, classification=Classification(access="public"),
    )  # fmt: skip
    match = DuplicateMatch(record_id="a" * 32, basis="text+image" if text else "image", text=text, image=12)
    linked = link_near_duplicate(record, match).classification
    reason = reason_vi(linked.review_reasons[-1])
    assert reason != GENERIC_REASON and "a" * 32 in reason and "quét lại" in reason, reason
    assert ("0,97" in reason) == (text is not None) and "12/256" in reason
    decision = linked.decisions[-1]
    title, outcome = rule_title_vi(decision.rule), conclusion_vi(decision.outcome)
    line = f"{title} → {outcome} {evidence_vi(decision.evidence)}"
    assert "near_duplicate" not in line and "record" not in line and "a" * 32 in line, line
    assert VIETNAMESE.search(title) and VIETNAMESE.search(outcome)


@pytest.mark.parametrize("hold", ["/srv/hold", None])
def test_a_held_secret_documents_note_is_said_in_vietnamese(hold: str | None) -> None:
    """The review queue showed a held secret document as "Cần lưu trữ viên xem xét." only."""
    from application.secret_docs import HELD_NOTE, SHOWN_NOTE

    note = HELD_NOTE.format(hold=hold) if hold else SHOWN_NOTE
    shown = reason_vi(note)
    assert shown != GENERIC_REASON and "mục lục" in shown and not ENGLISH.search(shown), shown
    assert "/srv/hold" not in shown


def test_a_split_documents_kept_class_is_said_with_the_class_names() -> None:
    """A split's "vốn thuộc loại «undetermined»" reason holds class codes: the queue showed
    "Cần lưu trữ viên xem xét." in its place."""
    from application.dossier_review import KEPT_CLASS

    shown = reason_vi(KEPT_CLASS.format(pages="1,2", was="undetermined", now="conditional"))
    assert shown.startswith("Văn bản được tách lại từ trang 1,2 vốn thuộc loại «chưa xác định»"), shown
    assert "«tiếp cận có điều kiện»" in shown and not ENGLISH.search(shown), shown
