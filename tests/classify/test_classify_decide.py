"""classify(): how the access class, protection period and retention are resolved, and the
safety properties that hold by construction (whatever the rules file says)."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
import yaml

from classify import RuleBook, classify, classify_pages, load_rules
from classify.rules import DEFAULT_RULES
from schemas import Box, Metadata, Page, Word

TODAY = dt.date(2025, 6, 1)
RULES = load_rules()
PLAN = dict(doc_type="Kế hoạch", subject="Công tác văn thư, lưu trữ năm 2021")


def meta(**fields) -> Metadata:
    base = dict(
        number="95",
        notation="KH-UBND",
        date=dt.date(2021, 2, 22),
        confidence={"doc_type": 0.98, "date": 0.95, "number": 0.95, "secrecy": 0.9},
    )
    base.update(fields)
    return Metadata(**base)


def run(body: str = "", rules: RuleBook = RULES, **fields):
    return classify(meta(**fields), [Page(number=1, text=body)], rules, today=TODAY)


def book(change) -> RuleBook:
    data = copy.deepcopy(yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8")))
    change(data)
    return RuleBook.from_data(data)


# --- access ------------------------------------------------------------------------------------


def test_a_plan_is_public_and_needs_no_review():
    result = run("Thực hiện Luật Lưu trữ, Ủy ban nhân dân tỉnh ban hành kế hoạch.", **PLAN)
    assert result.access == "public"
    assert result.retention == "Vĩnh viễn"
    assert not result.needs_review, result.review_reasons


def test_a_secrecy_mark_beats_any_public_rule():
    result = run("MẬT\nThực hiện Luật Lưu trữ.", **PLAN)
    assert result.access == "not_accessible"
    assert "A6.1" in {d.rule for d in result.decisions}


def test_a_secrecy_mark_in_the_metadata_only_still_counts():
    result = run("Thực hiện Luật Lưu trữ.", secrecy="TỐI MẬT", **PLAN)
    assert result.access == "not_accessible"


def test_secrecy_holds_even_when_the_rules_file_forgets_it():
    def drop_a61(data):
        for rule_set in data["rule_sets"]:
            rule_set["rules"] = [r for r in rule_set["rules"] if r["id"] != "A6.1"]

    result = run("MẬT", rules=book(drop_a61), **PLAN)
    assert result.access == "not_accessible"
    assert any("no rule of the rule set handled it" in r for r in result.review_reasons)


def test_identity_numbers_make_a_record_conditional_even_without_a7_2():
    def drop_a72(data):
        for rule_set in data["rule_sets"]:
            rule_set["rules"] = [r for r in rule_set["rules"] if not r["id"].startswith("A7.2")]

    result = run("Ông A, số CCCD: 034068004127.", rules=book(drop_a72), **PLAN)
    assert result.access == "conditional"


def test_public_category_with_personal_data_is_conditional_with_a_redaction_note():
    result = run("Ông Lê Văn An, sinh ngày 14/02/1968, CCCD 034068004127.", **PLAN)
    assert result.access == "conditional"
    assert any("redact" in r for r in result.review_reasons)


def _only_public_rule(tag: str):
    """A rule book whose single access rule makes plans public, tagged `tag`."""

    def change(data):
        rule = {
            "id": "A17.d",
            "kind": "access",
            "tag": tag,
            "title": "plans",
            "basis": "test",
            "match": {"doc_types": ["Kế hoạch"]},
            "outcome": {"access": "public"},
            "confidence": 0.95,
        }
        data["rule_sets"] = [
            {"id": "only", "title": "one rule", "effective_from": "2000-01-01", "rules": [rule]}
        ]

    return book(change)


def test_an_m_rule_alone_never_makes_a_record_public():
    result = run("Thực hiện Luật Lưu trữ.", rules=_only_public_rule("M"), **PLAN)
    assert result.access == "undetermined"
    assert result.needs_review
    assert any("only unconfirmed (M) rules" in r for r in result.review_reasons)


def test_the_same_rule_tagged_p_does():
    assert run("Thực hiện Luật Lưu trữ.", rules=_only_public_rule("P"), **PLAN).access == "public"


def test_a_suggested_restriction_blocks_public():
    result = run("Thông tin này không công khai.", **PLAN)  # A6.2d.text, tag M
    assert result.access == "undetermined"
    assert any("not public until a person decides" in r for r in result.review_reasons)


def test_weak_public_evidence_is_undetermined():
    result = run(
        "",
        doc_type="Kế hoạch",
        subject="Công tác năm 2021",
        confidence={"doc_type": 0.5, "date": 0.95, "number": 0.95},
    )
    assert result.access == "undetermined"
    assert any("too weak" in r for r in result.review_reasons)


def test_unreadable_lines_block_public():
    rows = [
        "Thực hiện Luật Lưu trữ, Ủy ban nhân dân tỉnh ban hành kế hoạch như sau:",
        "L4 [taVnie Ï iw0lSm | 4709098 | LauBven",
        "Các cơ quan, đơn vị tổ chức thực hiện kế hoạch này.",
    ]
    words = [
        Word(
            text=t,
            confidence=90,
            block=1,
            line=n,
            box=Box(left=200 + 150 * i, top=900 + 60 * n, width=120, height=40),
        )
        for n, row in enumerate(rows)
        for i, t in enumerate(row.split())
    ]
    page = Page(number=1, text="\n".join(rows), words=words, width=2480, height=3508)
    result = classify(meta(**PLAN), [page], RULES, today=TODAY)
    assert result.access == "undetermined"
    assert any("could not be read" in r for r in result.review_reasons)


def test_nothing_matched_is_undetermined_with_review():
    result = run("Nội dung.", doc_type="Quyết định", subject="Thành lập Tổ công tác")
    assert (result.access, result.needs_review) == ("undetermined", True)
    assert any("no access rule matched" in r for r in result.review_reasons)


def test_low_confidence_fields_are_flagged():
    result = run("", **PLAN, confidence={"doc_type": 0.98, "date": 0.3, "number": 0.95})
    assert any("low confidence in date" in r for r in result.review_reasons)


# --- protection period -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mark", "date", "until"),
    [
        ("MẬT", dt.date(2020, 11, 17), dt.date(2030, 11, 17)),
        ("TỐI MẬT", dt.date(2020, 11, 17), dt.date(2040, 11, 17)),
        ("TUYỆT MẬT", dt.date(2020, 11, 17), dt.date(2050, 11, 17)),
        ("TUYỆT MẬT", dt.date(2020, 2, 29), dt.date(2050, 2, 28)),
    ],
)
def test_protect_until(mark, date, until):
    result = run(mark, date=date)
    assert (result.access, result.protect_until) == ("not_accessible", until)


def test_the_strongest_mark_sets_the_period():
    assert run("MẬT\nTUYỆT MẬT", date=dt.date(2021, 1, 1)).protect_until == dt.date(2051, 1, 1)


def test_an_undated_secret_has_no_end_and_is_reviewed():
    result = run("MẬT", date=None)
    assert result.access == "not_accessible" and result.protect_until is None
    assert any("date is unknown" in r for r in result.review_reasons)
    assert any("undated" in r for r in result.review_reasons)


def test_an_expired_period_asks_for_declassification_but_stays_closed():
    result = run("MẬT", date=dt.date(2012, 5, 1))
    assert result.access == "not_accessible"
    assert result.protect_until == dt.date(2022, 5, 1)
    assert any("declassification review due" in r for r in result.review_reasons)


# --- retention ---------------------------------------------------------------------------------


def test_the_longest_firm_period_wins():
    result = run("", doc_type="Báo cáo", subject="Tổng kết công tác năm 2021, hội nghị tổng kết")
    assert result.retention == "Vĩnh viễn"
    assert {"R.4", "R.7"} <= {d.rule for d in result.decisions}


def test_an_m_retention_is_only_a_suggestion():
    result = run("", doc_type="Giấy mời", subject="Dự hội nghị tập huấn")
    assert result.retention == "5 năm"
    assert any("unconfirmed (M) rule R.15" in r for r in result.review_reasons)


def test_no_retention_rule():
    result = run("", doc_type="Quyết định", subject="Thành lập Tổ công tác")
    assert result.retention is None
    assert any("no retention rule matched" in r for r in result.review_reasons)


# --- the convenience entry point ----------------------------------------------------------------


def test_classify_pages():
    text = (
        "UBND TỈNH HÀ NAM\nSỞ NỘI VỤ\nSố: 95/KH-SNV\nHà Nam, ngày 22 tháng 02 năm 2021\nKẾ HOẠCH\n"
        "Công tác văn thư, lưu trữ năm 2021\nCăn cứ Luật Lưu trữ;\nGIÁM ĐỐC\nNguyễn Văn A"
    )
    metadata, result = classify_pages([Page(number=1, text=text)], today=TODAY)
    assert (metadata.doc_type, metadata.date) == ("Kế hoạch", dt.date(2021, 2, 22))
    assert result.access == "public"
    assert result.rules_version == "2025.06-1:vn-2020/vn-2023"
