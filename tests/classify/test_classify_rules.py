"""The rule book: every rule of the default file has should-match and should-not-match rows
(with lost-accent variants), and the file's schema rejects broken rule sets."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from classify import RuleBook, classify, load_rules
from classify.rules import DEFAULT_RULES
from schemas import Metadata, Page

TODAY = dt.date(2025, 6, 1)
RULES = load_rules()


def decide(
    body: str = "",
    *,
    doc_type: str | None = None,
    subject: str | None = None,
    number: str | None = None,
    notation: str | None = None,
    date: dt.date | None = dt.date(2021, 3, 2),
    rules: RuleBook = RULES,
):
    meta = Metadata(
        doc_type=doc_type,
        subject=subject,
        number=number,
        notation=notation,
        date=date,
        confidence={"doc_type": 0.95},
    )
    return classify(meta, [Page(number=1, text=body)], rules, today=TODAY)


def fired(result) -> set[str]:
    return {d.rule for d in result.decisions}


# rule id, case that must fire it, case that must not
ROWS = [
    ("A6.1", dict(body="MẬT"), dict(body="bảo vệ bí mật nhà nước")),
    ("A6.1", dict(body="| TOI MAT |"), dict(body="MẬT KHẨU đăng nhập")),
    ("A6.1.text", dict(body="tài liệu thuộc bí mật nhà nước"), dict(body="bí mật kinh doanh")),
    ("A6.2b", dict(subject="Về việc giữ bí mật công tác"), dict(subject="Về công tác văn thư")),
    (
        "A6.2c",
        dict(doc_type="Biên bản", subject="Cuộc họp giao ban tháng 3"),
        dict(doc_type="Biên bản", subject="Giao nhận tài liệu nộp lưu"),
    ),
    (
        "A6.2c",
        dict(doc_type="Biên bản", subject="cuoc hop giao ban"),  # accents lost
        dict(doc_type="Biên bản", subject="Kiểm kê 62 hộp tài liệu"),
    ),  # hộp is not họp
    (
        "A6.2c",
        dict(doc_type="Biên bản", subject="Phiên họp thứ 3"),
        dict(doc_type="Báo cáo", subject="Phiên họp thứ 3"),
    ),
    (
        "A6.2c.notice",
        dict(doc_type="Thông báo", subject="Kết luận của Chủ tịch UBND tỉnh"),
        dict(doc_type="Thông báo", subject="Lịch tiếp công dân"),
    ),
    ("A6.2d", dict(body="LƯU HÀNH NỘI BỘ"), dict(body="được lưu hành rộng rãi")),
    ("A6.2d", dict(body="XEM XONG TRẢ LẠI"), dict(body="xem xong trả lời")),
    ("A6.2d.draft", dict(body="DỰ THẢO"), dict(body="Dự thảo đã được thông qua hôm qua")),
    ("A6.2d.text", dict(body="thông tin này không công khai"), dict(body="niêm yết công khai")),
    ("A7.1", dict(body="thông tin thuộc bí mật kinh doanh"), dict(body="hoạt động kinh doanh")),
    ("A7.2", dict(body="số CCCD: 034068004127"), dict(body="Văn bản số 3120/UBND-TCD")),
    (
        "A7.2",
        dict(body="Ông Lê Văn An, sinh ngày 14/02/1968, cán bộ"),
        dict(body="hồ sơ tiếp nhận ngày 14/02/1968"),
    ),
    ("A7.2.text", dict(body="trích hồ sơ bệnh án của bệnh nhân"), dict(body="hồ sơ lưu trữ")),
    (
        "A7.2.list",
        dict(subject="Danh sách thí sinh trúng tuyển"),
        dict(subject="Danh sách các cơ quan nộp lưu"),
    ),
    ("A7.2.list", dict(subject="Danh sach ho ngheo nam 2021"), dict(subject="Danh mục hồ sơ")),
    (
        "A7.2.contact",
        dict(body="liên hệ bà Nguyễn Thị An, điện thoại 0912 486 237."),
        dict(body="liên hệ Phòng Nội vụ, điện thoại 0277 3 861 245."),
    ),
    (
        "A17.a",
        dict(number="30", notation="2020/NĐ-CP", doc_type="Nghị định"),
        dict(number="15", notation="QĐ-UBND", doc_type="Quyết định"),
    ),
    (
        "A17.a.general",
        dict(subject="Ban hành Quy định về thủ tục hành chính"),
        dict(subject="Ban hành Quy chế làm việc nội bộ"),
    ),
    (
        "A17.b",
        dict(subject="Kế hoạch phổ biến, giáo dục pháp luật năm 2021"),
        dict(subject="Kế hoạch giáo dục quốc phòng"),
    ),
    ("A17.c", dict(subject="Lấy ý kiến dự thảo Quy hoạch tỉnh"), dict(subject="Dự thảo báo cáo nội bộ")),
    (
        "A17.d",
        dict(doc_type="Kế hoạch", subject="Công tác văn thư năm 2021"),
        dict(doc_type="Kế hoạch", subject="Bảo vệ bí mật nhà nước năm 2021"),
    ),
    (
        "A17.d",
        dict(doc_type="Chương trình", subject="Công tác năm 2022"),
        dict(doc_type="Báo cáo", subject="Công tác năm 2022 của đơn vị, định hướng"),
    ),
    (
        "A17.d.title",
        dict(subject="Quy hoạch tỉnh thời kỳ 2021-2030"),
        dict(subject="Quy hoạch cán bộ lãnh đạo"),
    ),
    (
        "A17.đ",
        dict(subject="Công khai dự toán ngân sách năm 2021"),
        dict(subject="Dự toán kinh phí hội nghị"),
    ),
    (
        "A17.g",
        dict(subject="Thông báo thu hồi đất để thực hiện dự án"),
        dict(subject="Thu hồi văn bản ban hành sai"),
    ),
    (
        "A17.k",
        dict(subject="Quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức"),
        dict(subject="Giao nhiệm vụ cho Tổ công tác"),
    ),
    (
        "A17.l",
        dict(doc_type="Báo cáo", subject="Công tác văn thư 6 tháng đầu năm 2021"),
        dict(doc_type="Báo cáo", subject="Kết quả xác minh đơn phản ánh năm 2021"),
    ),
    (
        "A17.l",
        dict(doc_type="Báo cáo", subject="Tong ket cong tac nam 2021"),
        dict(doc_type="Báo cáo", subject="Vụ việc tại xã A"),
    ),
    (
        "A17.l.recruitment",
        dict(subject="Kế hoạch tuyển dụng viên chức năm 2021"),
        dict(subject="Sử dụng viên chức"),
    ),
    ("A17.o", dict(subject="Quy định mức thu phí tham quan"), dict(subject="Dự toán kinh phí")),
    ("A17.o", dict(subject="Miễn giảm thuế sử dụng đất"), dict(subject="Giá thuê nhà")),
    ("S.MAT", dict(body="MẬT"), dict(body="TỐI MẬT")),
    ("S.TOIMAT", dict(body="TỐI MẬT"), dict(body="MẬT")),
    ("S.TUYETMAT", dict(body="TUYỆT MẬT"), dict(body="TỐI MẬT")),
    (
        "R.2",
        dict(doc_type="Quyết định", subject="Ban hành Quy chế quản lý tài liệu"),
        dict(doc_type="Tờ trình", subject="Ban hành Quy chế quản lý tài liệu"),
    ),
    ("R.3", dict(subject="Ban hành Quy chế làm việc của Sở"), dict(subject="Quy chế chi tiêu")),
    (
        "R.4",
        dict(doc_type="Báo cáo", subject="Tổng kết công tác năm 2021"),
        dict(doc_type="Báo cáo", subject="Công tác quý I năm 2021"),
    ),
    (
        "R.5",
        dict(doc_type="Kế hoạch", subject="Công tác 6 tháng cuối năm 2021"),
        dict(doc_type="Kế hoạch", subject="Công tác năm 2021"),
    ),
    (
        "R.6",
        dict(doc_type="Báo cáo", subject="Công tác tháng 3 năm 2021"),
        dict(doc_type="Báo cáo", subject="Công tác 6 tháng đầu năm 2021"),
    ),
    ("R.7", dict(subject="Tổ chức hội nghị tổng kết năm 2021"), dict(subject="Hội nghị tập huấn")),
    ("R.8", dict(subject="Hội nghị sơ kết 6 tháng"), dict(subject="Hội nghị tổng kết")),
    ("R.9", dict(subject="Hội nghị cán bộ, công chức năm 2021"), dict(subject="Hội nghị khách hàng")),
    (
        "R.11",
        dict(doc_type="Công văn", subject="V/v gửi báo cáo"),
        dict(doc_type="Quyết định", subject="V/v gửi báo cáo"),
    ),
    (
        "R.12",
        dict(doc_type="Công văn", subject="V/v góp ý quy hoạch"),
        dict(doc_type="Công văn", subject="V/v gửi báo cáo"),
    ),
    ("R.15", dict(doc_type="Giấy mời"), dict(doc_type="Thông báo")),
    (
        "R.19",
        dict(doc_type="Quyết định", subject="Nâng bậc lương thường xuyên"),
        dict(doc_type="Quyết định", subject="Thành lập Tổ công tác"),
    ),
    ("R.20", dict(subject="Danh sách thí sinh dự tuyển"), dict(subject="Danh sách cơ quan")),
    ("R.21", dict(subject="Đề nghị tặng Huân chương Lao động"), dict(subject="Tặng giấy khen")),
    ("R.22", dict(subject="Tặng giấy khen"), dict(subject="Đề nghị tặng Huân chương")),
    ("R.23", dict(subject="Phê duyệt kết quả lựa chọn nhà thầu"), dict(subject="Mua sắm thiết bị")),
    (
        "R.24",
        dict(subject="Trả hồ sơ dự thầu không trúng thầu", date=dt.date(2023, 6, 1)),
        dict(subject="Hồ sơ dự thầu", date=dt.date(2023, 6, 1)),
    ),
    ("R.25", dict(subject="Quyết toán ngân sách năm 2020"), dict(subject="Dự toán ngân sách")),
    ("R.31", dict(subject="Giải quyết khiếu nại của ông A"), dict(subject="Giải quyết hồ sơ đất")),
    ("R.32", dict(subject="Kết luận thanh tra công tác lưu trữ"), dict(subject="Kiểm tra lưu trữ")),
    ("R.33", dict(subject="Lịch tiếp công dân tháng 3"), dict(subject="Lịch công tác tháng 3")),
]


@pytest.mark.parametrize(("rule", "hit", "miss"), ROWS, ids=[f"{r[0]}-{i}" for i, r in enumerate(ROWS)])
def test_rule_table(rule, hit, miss):
    assert rule in fired(decide(**hit))
    assert rule not in fired(decide(**miss))


def test_every_rule_of_the_default_file_has_rows():
    tested = {row[0] for row in ROWS}
    in_file = {r.id for s in RULES.sets for r in s.rules}
    assert in_file - tested == set()


def test_decisions_carry_rule_evidence_page_and_confidence():
    result = decide("Kính gửi: Ủy ban.\nMẬT")
    decision = next(d for d in result.decisions if d.rule == "A6.1")
    assert decision.outcome == "not_accessible"
    assert "MẬT" in decision.evidence and decision.page == 1
    assert 0.9 <= decision.confidence <= 1.0


# --- which rule set applies ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "set_id"),
    [
        (dt.date(2015, 5, 1), "vn-2011"),
        (dt.date(2018, 6, 30), "vn-2011"),
        (dt.date(2018, 7, 1), "vn-2018"),
        (dt.date(2020, 3, 5), "vn-2020"),
        (dt.date(2023, 2, 14), "vn-2020"),
        (dt.date(2023, 2, 15), "vn-2023"),
    ],
)
def test_rule_set_by_document_date(date, set_id):
    assert RULES.for_date(date) == (next(s for s in RULES.sets if s.id == set_id), None)


def test_undated_and_too_old_documents_fall_back_with_a_reason():
    newest, why = RULES.for_date(None)
    assert newest.id == "vn-2023" and "undated" in why
    oldest, why = RULES.for_date(dt.date(2005, 1, 1))
    assert oldest.id == "vn-2011" and "before the earliest" in why


def test_retention_follows_the_rules_in_force_at_the_document_date():
    case = dict(subject="Ban hành Quy chế làm việc của Sở")
    assert decide(**case, date=dt.date(2021, 1, 4)).retention == "Vĩnh viễn"  # TT 09/2011
    assert decide(**case, date=dt.date(2023, 6, 1)).retention == "20 năm"  # TT 10/2022
    assert decide(**case, date=dt.date(2021, 1, 4)).rules_version == "2025.06-1:vn-2020/vn-2023"


def test_inheritance_overrides_and_removes():
    vn2018 = next(s for s in RULES.sets if s.id == "vn-2018")
    vn2011 = next(s for s in RULES.sets if s.id == "vn-2011")
    a61 = {s.id: next(r for r in s.rules if r.id == "A6.1") for s in (vn2011, vn2018)}
    assert "104/2016" in a61["vn-2018"].basis and "2000" in a61["vn-2011"].basis
    assert not any(r.id.startswith("A17") for r in vn2011.rules)


# --- the schema of the rules file ---------------------------------------------------------------


def _data() -> dict:
    return yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))


def _break(change) -> dict:
    data = copy.deepcopy(_data())
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["rule_sets"][0]["rules"][0].update(id="X1"), "rule id"),
        (lambda d: d["rule_sets"][0]["rules"][0].update(tag="Q"), "tag"),
        (lambda d: d["rule_sets"][0]["rules"][0]["match"].update(patterns=["("]), "does not compile"),
        (lambda d: d["rule_sets"][0]["rules"][0].update(match={"exclude": ["x"]}), "match on something"),
        (lambda d: d["rule_sets"][0]["rules"][0]["match"].update(colour=["red"]), "colour"),
        (lambda d: d["rule_sets"][0]["rules"][0].update(outcome={"retention": "20 năm"}), "outcome"),
        (lambda d: d["rule_sets"][0]["rules"][5].update(outcome={"retention": "twenty"}), "retention"),
        (lambda d: d["rule_sets"][1].update(effective_from=dt.date(2018, 1, 1)), "overlap"),
        (lambda d: d["rule_sets"][1].update(extends="vn-2099"), "extends unknown"),
        (lambda d: d["rule_sets"][1].update(remove=["A99.1"]), "removes unknown"),
        (lambda d: d["rule_sets"][0]["rules"].append(d["rule_sets"][0]["rules"][0]), "duplicate"),
        (lambda d: d["rule_sets"][0].update(effective_to=dt.date(2010, 1, 1)), "effective_to before"),
    ],
)
def test_broken_rule_files_are_rejected(change, message):
    with pytest.raises((ValidationError, ValueError), match=message):
        RuleBook.from_data(_break(change))


def test_load_rules_from_a_path(tmp_path: Path):
    data = _break(lambda d: d.update(version="local-1"))
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_rules(path).version == "local-1"
    path.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ValueError, match="mapping"):
        load_rules(path)
