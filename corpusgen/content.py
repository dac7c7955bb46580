"""What a generated document says: issuing body, number, date, type, subject, body, signer.

Pure functions of a `random.Random`. Every name, number and sentence is invented from the small
vocabularies below (province names are real, pre-2025 units, so that a gazetteer can match them);
nothing is copied from a real document. All strings are NFC.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

__all__ = [
    "Block",
    "Document",
    "make_document",
    "make_draft",
    "make_form",
    "make_list",
    "make_party",
    "make_petition",
]

PROVINCES = (
    "Hà Giang",
    "Cao Bằng",
    "Lào Cai",
    "Bắc Kạn",
    "Lạng Sơn",
    "Tuyên Quang",
    "Yên Bái",
    "Thái Nguyên",
    "Phú Thọ",
    "Vĩnh Phúc",
    "Bắc Giang",
    "Bắc Ninh",
    "Quảng Ninh",
    "Hải Dương",
    "Hưng Yên",
    "Thái Bình",
    "Nam Định",
    "Ninh Bình",
    "Hà Nam",
    "Hòa Bình",
    "Sơn La",
    "Điện Biên",
    "Lai Châu",
    "Thanh Hóa",
    "Nghệ An",
    "Hà Tĩnh",
    "Quảng Bình",
    "Quảng Trị",
    "Thừa Thiên Huế",
    "Quảng Nam",
    "Quảng Ngãi",
    "Bình Định",
    "Phú Yên",
    "Khánh Hòa",
    "Ninh Thuận",
    "Bình Thuận",
    "Kon Tum",
    "Gia Lai",
    "Đắk Lắk",
    "Đắk Nông",
    "Lâm Đồng",
    "Bình Phước",
    "Tây Ninh",
    "Bình Dương",
    "Đồng Nai",
    "Bà Rịa - Vũng Tàu",
    "Long An",
    "Tiền Giang",
    "Bến Tre",
    "Trà Vinh",
    "Vĩnh Long",
    "Đồng Tháp",
    "An Giang",
    "Kiên Giang",
    "Hậu Giang",
    "Sóc Trăng",
    "Bạc Liêu",
    "Cà Mau",
)
DISTRICT_NAMES = (
    "Đông Hòa",
    "Tân Phú",
    "Yên Lập",
    "Thạch An",
    "Phú Lương",
    "Kim Sơn",
    "Hải Hậu",
    "Quế Sơn",
    "Châu Thành",
    "Mỹ Lộc",
    "Tiên Lữ",
    "Vũ Thư",
    "Lục Ngạn",
    "Đức Thọ",
    "Krông Pắc",
    "Bảo Lâm",
)
SURNAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Trịnh",
    "Lương",
    "Tạ",
)
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Ngọc", "Xuân", "Thu", "Công", "Quang")
GIVEN = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hằng",
    "Hiếu",
    "Hòa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Nghĩa",
    "Phúc",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Thắng",
    "Thủy",
    "Tiến",
    "Trung",
    "Tuấn",
    "Vinh",
    "Yến",
    "Đạt",
    "Định",
    "Chinh",
)
VILLAGES = ("thôn Đông", "thôn Thượng", "xóm Mới", "tổ dân phố số 3", "khu phố 2", "ấp Tân Lợi", "bản Nà Hin")
COMMUNES = ("xã Tân Lập", "xã Hòa Bình", "phường Trung Tâm", "xã Quang Minh", "thị trấn Phố Mới")

# kind -> (header line, full name, abbreviation, signer positions as (head, deputy))
SO = (
    ("SỞ NỘI VỤ", "Sở Nội vụ", "SNV"),
    ("SỞ TÀI CHÍNH", "Sở Tài chính", "STC"),
    ("SỞ Y TẾ", "Sở Y tế", "SYT"),
    ("SỞ GIÁO DỤC VÀ ĐÀO TẠO", "Sở Giáo dục và Đào tạo", "SGDĐT"),
    ("SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "Sở Tài nguyên và Môi trường", "STNMT"),
    ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG", "Sở Thông tin và Truyền thông", "STTTT"),
    ("SỞ KẾ HOẠCH VÀ ĐẦU TƯ", "Sở Kế hoạch và Đầu tư", "SKHĐT"),
    ("SỞ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN", "Sở Nông nghiệp và Phát triển nông thôn", "SNN"),
    ("SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "Sở Văn hóa, Thể thao và Du lịch", "SVHTTDL"),
)
UNITS = ("VP", "TH", "KT", "VX", "NC", "TCCB", "QLĐT", "CCVTLT", "KHTC", "TTr")

TYPES = {  # name -> abbreviation (Decree 30, Phụ lục III); "Công văn" has none
    "Quyết định": "QĐ",
    "Công văn": "",
    "Báo cáo": "BC",
    "Kế hoạch": "KH",
    "Thông báo": "TB",
    "Tờ trình": "TTr",
    "Giấy mời": "GM",
    "Hướng dẫn": "HD",
}
TYPE_WEIGHTS = (4, 5, 3, 3, 2, 2, 1, 1)

TOPICS = (
    "công tác văn thư, lưu trữ",
    "chuyển đổi số trong cơ quan nhà nước",
    "cải cách hành chính",
    "phòng, chống thiên tai và tìm kiếm cứu nạn",
    "số hóa tài liệu lưu trữ",
    "tuyển dụng viên chức",
    "thu gom, xử lý chất thải rắn sinh hoạt",
    "phòng, chống dịch bệnh trên đàn gia súc",
    "bồi dưỡng cán bộ, công chức cấp xã",
    "quản lý đất đai và cấp giấy chứng nhận quyền sử dụng đất",
    "xây dựng nông thôn mới",
    "thực hành tiết kiệm, chống lãng phí",
    "an toàn thông tin mạng",
    "giải quyết khiếu nại, tố cáo",
    "chỉnh lý tài liệu tồn đọng",
    "kiểm tra công tác thi đua, khen thưởng",
    "phát triển du lịch cộng đồng",
    "bảo đảm an toàn giao thông",
    "chăm sóc sức khỏe ban đầu",
    "hỗ trợ học sinh có hoàn cảnh khó khăn",
    "quản lý tài sản công",
    "ứng dụng dịch vụ công trực tuyến",
)
ACTIONS = (
    "Rà soát, thống kê",
    "Tổ chức triển khai",
    "Kiểm tra, đôn đốc",
    "Tổng hợp, báo cáo",
    "Xây dựng kế hoạch",
    "Bố trí kinh phí",
    "Phối hợp hướng dẫn",
    "Tuyên truyền, phổ biến",
    "Đánh giá kết quả",
    "Hoàn thiện hồ sơ",
    "Cập nhật cơ sở dữ liệu",
    "Chủ động đề xuất",
)
OBJECTS = (
    "hồ sơ, tài liệu có giá trị bảo quản vĩnh viễn",
    "các nhiệm vụ được giao tại văn bản này",
    "danh mục thủ tục hành chính",
    "số liệu về tình hình thực hiện",
    "trang thiết bị phục vụ công tác",
    "đội ngũ cán bộ làm công tác chuyên môn",
    "các mô hình có hiệu quả",
    "nguồn vốn được phân bổ",
    "kết quả giải quyết hồ sơ của tổ chức, cá nhân",
    "văn bản quy phạm pháp luật có liên quan",
    "các khó khăn, vướng mắc phát sinh",
    "kho lưu trữ chuyên dụng",
)
COMPLEMENTS = (
    "theo đúng quy định hiện hành",
    "bảo đảm tiến độ và chất lượng",
    "trước ngày {date}",
    "gửi về {issuer_short} để tổng hợp",
    "trong phạm vi chức năng, nhiệm vụ được giao",
    "theo hướng dẫn của cơ quan chuyên môn",
    "định kỳ hằng quý",
    "bảo đảm công khai, minh bạch",
    "phù hợp với điều kiện thực tế của địa phương",
    "không để xảy ra chậm trễ",
)
OPENINGS = (
    "Thực hiện Kế hoạch số {ref} ngày {date_long} của Ủy ban nhân dân tỉnh về {topic},",
    "Căn cứ tình hình thực tế và kết quả kiểm tra {topic} năm {year},",
    "Nhằm nâng cao hiệu quả {topic} trên địa bàn tỉnh {province},",
    "Theo đề nghị của các cơ quan, đơn vị tại cuộc họp ngày {date_long},",
)
STATEMENTS = (
    "Trong thời gian qua, các cơ quan, đơn vị đã quan tâm chỉ đạo và đạt được một số kết quả bước đầu;"
    " tuy nhiên việc thực hiện ở một số nơi còn chậm, chưa đồng bộ.",
    "Kết quả cho thấy tỷ lệ hồ sơ được giải quyết đúng hạn đạt {pct} %, tăng so với cùng kỳ năm trước.",
    "Tổng kinh phí thực hiện là {money} đồng, được bố trí từ nguồn ngân sách địa phương năm {year}.",
    "Qua kiểm tra tại {count} đơn vị, đoàn kiểm tra ghi nhận nhiều chuyển biến tích cực về {topic}.",
    "Đến nay đã có {count} đơn vị hoàn thành việc rà soát, cập nhật số liệu lên phần mềm dùng chung.",
    "Một số đơn vị chưa bố trí đủ nhân lực, kho tàng và trang thiết bị theo quy định.",
    "Việc ứng dụng công nghệ thông tin trong quản lý, điều hành tiếp tục được đẩy mạnh ở các cấp.",
)
CLOSINGS = (
    "Trong quá trình thực hiện, nếu có vướng mắc, đề nghị các cơ quan, đơn vị phản ánh về {issuer_short}"
    " để được hướng dẫn./.",
    "{issuer_cap} đề nghị các cơ quan, đơn vị quan tâm, phối hợp thực hiện./.",
    "Yêu cầu Thủ trưởng các cơ quan, đơn vị liên quan chịu trách nhiệm thi hành./.",
    "Trên đây là báo cáo của {issuer_short} về {topic}./.",
)


@dataclass
class Block:
    """One piece of the document's flow; `kind` tells the renderer how to set it.

    kinds: "paragraph" (text, style), "item" (a list item, hanging), "centre" (centred line(s),
    style), "table" (rows of cells), "appendix_start" (a new page begins here).
    """

    kind: str
    text: str = ""
    style: str = "r"
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Document:
    doc_id: str
    doc_type: str
    type_code: str
    number: str
    notation: str
    date: dt.date
    place: str
    issuing_body: str
    header_left: list[tuple[str, str]]  # (text, style) lines of the issuing-body cell
    subject: str
    signer_name: str
    signer_titles: list[str]
    secrecy: str | None
    urgency: str | None
    recipients: list[str]
    kinh_gui: list[str]
    blocks: list[Block]
    personal_data: list[dict]
    handwritten: list[str] = field(default_factory=list)  # "number", "day": written by hand
    # "" (a state document in the Decree 30 layout), "party" (ĐẢNG CỘNG SẢN VIỆT NAM instead of the
    # motto, "Số 45-BC/HU"), "draft" (DỰ THẢO: number and day left blank, not signed), "form" (Mẫu
    # số …: motto, no issuing body, fields to fill), "petition" (đơn: motto, no issuing body,
    # signed by a citizen), "list" (Danh sách / Danh mục: no motto, no header, no number)
    variant: str = ""
    top_lines: list[str] = field(default_factory=list)  # boxed at the top right of page 1
    title_lines: list[str] = field(default_factory=list)  # instead of type + trích yếu
    appendix_style: str = ""  # "", "no_reference", "heading_below", "numbered" (see split.py)

    @property
    def doc_number(self) -> str:
        if not self.number:
            return ""
        joint = "-" if self.variant == "party" else "/"
        return f"{self.number}{joint}{self.notation}"

    @property
    def number_line(self) -> str:
        """The Số line as drawn ("" when the document has none)."""
        if self.variant in ("petition", "form", "list"):
            return ""
        if self.variant == "draft":
            return f"Số: /{self.notation}"
        return f"Số {self.doc_number}" if self.variant == "party" else f"Số: {self.doc_number}"

    @property
    def date_line(self) -> str:
        if self.variant in ("draft", "form"):
            return f"{self.place}, ngày tháng năm {self.date.year}"
        return f"{self.place}, ngày {_day(self.date)} tháng {_month(self.date)} năm {self.date.year}"

    def metadata(self) -> dict:
        """The ground-truth metadata block, in the shared corpus's keys."""
        return {
            "variant": self.variant or "state",
            "doc_type": self.doc_type,
            "type_code": self.type_code,
            "doc_number": self.doc_number,
            "number": self.number,
            "notation": self.notation,
            "date": self.date.isoformat(),
            "place": self.place,
            "date_line": self.date_line,
            "issuing_body": self.issuing_body,
            "header_left": [text for text, _ in self.header_left],
            "subject": self.subject,
            "signer": {"name": self.signer_name, "title_lines": list(self.signer_titles)},
            "signer_position": self.signer_titles[-1] if self.signer_titles else "",
            "secrecy": self.secrecy,
            "urgency": self.urgency,
            "recipients": list(self.recipients),
            "personal_data_in_document": list(self.personal_data),
            "personal_data_present": bool(self.personal_data),
            "handwritten_fields": list(self.handwritten),
        }


def _day(date: dt.date) -> str:
    return f"{date.day:02d}"


def _month(date: dt.date) -> str:
    return f"{date.month:02d}" if date.month <= 2 else str(date.month)


def _long(date: dt.date) -> str:
    return f"{_day(date)} tháng {_month(date)} năm {date.year}"


def _name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _phone(rng: random.Random) -> str:
    head = rng.choice(("091", "098", "097", "035", "086", "083", "070"))
    digits = f"{head}{rng.randrange(10**7):07d}"
    return f"{digits[:4]} {digits[4:7]} {digits[7:]}"


def _issuer(rng: random.Random, province: str) -> dict:
    upper = province.upper()
    kind = rng.choices(("ubnd", "so", "huyen", "thanhtra", "vp"), (4, 5, 2, 1, 1))[0]
    if kind in ("ubnd", "huyen"):
        level, place = ("tỉnh", province) if kind == "ubnd" else ("huyện", rng.choice(DISTRICT_NAMES))
        return {
            "header": [("ỦY BAN NHÂN DÂN", "b"), (f"{level.upper()} {place.upper()}", "b")],
            "name": f"Ủy ban nhân dân {level} {place}",
            "short": f"Ủy ban nhân dân {level}",
            "abbr": "UBND",
            "head": "CHỦ TỊCH",
            "deputy": "PHÓ CHỦ TỊCH",
            "collective": "TM. ỦY BAN NHÂN DÂN",
            "place": place,
        }
    if kind == "thanhtra":
        header, name, abbr = "THANH TRA TỈNH", f"Thanh tra tỉnh {province}", "TTr"
        head, deputy = "CHÁNH THANH TRA", "PHÓ CHÁNH THANH TRA"
    elif kind == "vp":
        header, name, abbr = "VĂN PHÒNG", f"Văn phòng Ủy ban nhân dân tỉnh {province}", "VP"
        head, deputy = "CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG"
    else:
        header, full, abbr = rng.choice(SO)
        name, head, deputy = f"{full} tỉnh {province}", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"
    return {
        "header": [(f"UBND TỈNH {upper}", "r"), (header, "b")],
        "name": name,
        "short": name.split(" tỉnh ")[0] if kind != "vp" else "Văn phòng",
        "abbr": abbr,
        "head": head,
        "deputy": deputy,
        "collective": None,
        "place": province,
    }


def _signer_titles(rng: random.Random, issuer: dict) -> list[str]:
    choices = [[f"KT. {issuer['head']}", issuer["deputy"]], [issuer["head"]]]
    if issuer["collective"]:
        choices.append([issuer["collective"], rng.choice((issuer["head"], issuer["deputy"]))])
    if issuer["head"] == "GIÁM ĐỐC":
        choices.append(["TL. GIÁM ĐỐC", "CHÁNH VĂN PHÒNG"])
    return rng.choice(choices)


def _subject(rng: random.Random, doc_type: str, topic: str, year: int) -> str:
    templates = {
        "Quyết định": (
            "Về việc phê duyệt Kế hoạch {topic} năm {year}",
            "Về việc thành lập Tổ công tác về {topic}",
            "Ban hành Quy chế phối hợp trong {topic}",
        ),
        "Công văn": (
            "V/v đôn đốc thực hiện {topic}",
            "V/v triển khai {topic} năm {year}",
            "V/v báo cáo kết quả {topic}",
            "V/v góp ý dự thảo văn bản về {topic}",
        ),
        "Báo cáo": ("Kết quả thực hiện {topic} năm {year}", "Tình hình {topic} sáu tháng đầu năm {year}"),
        "Kế hoạch": ("Triển khai {topic} năm {year}", "Kiểm tra {topic} giai đoạn {year} - {next}"),
        "Thông báo": ("Kết luận của Lãnh đạo tại cuộc họp về {topic}", "Về việc tổ chức {topic}"),
        "Tờ trình": ("Về việc đề nghị phê duyệt kinh phí {topic} năm {year}",),
        "Giấy mời": ("Dự hội nghị sơ kết {topic}", "Dự buổi làm việc về {topic}"),
        "Hướng dẫn": ("Thực hiện {topic} năm {year}", "Một số nội dung về {topic}"),
    }[doc_type]
    return rng.choice(templates).format(topic=topic, year=year, next=year + 2)


def _fill(template: str, ctx: dict, rng: random.Random) -> str:
    values = {
        **ctx,
        "pct": f"{rng.randint(70, 99)},{rng.randint(1, 9)}",
        "money": f"{rng.randint(1, 950)}.{rng.randrange(1000):03d}.000",
        "count": str(rng.randint(3, 48)),
        "date": _long(ctx["deadline"]),
    }
    text = template.format(**values)
    return text[0].upper() + text[1:]


def _item(rng: random.Random, ctx: dict) -> str:
    complement = _fill(rng.choice(COMPLEMENTS), ctx, rng)
    return f"{rng.choice(ACTIONS)} {rng.choice(OBJECTS)} {complement[0].lower() + complement[1:]}"


def _paragraph(rng: random.Random, ctx: dict, sentences: int) -> str:
    return " ".join(_fill(template, ctx, rng) for template in rng.sample(STATEMENTS, sentences))


def _personal_truth(name: str, birth: dt.date, cccd: str, address: str, phone: str) -> list[dict]:
    """The personal data a page shows, as its truth lists it."""
    return [
        {"kind": "full_name", "value": name},
        {"kind": "date_of_birth", "value": f"{birth:%d/%m/%Y}"},
        {"kind": "cccd", "value": cccd},
        {"kind": "address", "value": address},
        {"kind": "phone", "value": phone},
    ]


def _personal(rng: random.Random, province: str, year: int) -> tuple[str, list[dict]]:
    name = _name(rng)
    birth = dt.date(rng.randint(1955, 2000), rng.randint(1, 12), rng.randint(1, 28))
    cccd = f"0{rng.randint(1, 96):02d}{rng.randint(0, 3)}{birth.year % 100:02d}{rng.randrange(10**6):06d}"
    phone = _phone(rng)
    address = f"{rng.choice(VILLAGES)}, {rng.choice(COMMUNES)}, tỉnh {province}"
    title = "ông" if " Thị " not in name else "bà"
    text = (
        f"Giao {title} {name}, sinh ngày {birth:%d/%m/%Y}, số định danh cá nhân (CCCD) {cccd}, thường trú"
        f" tại {address}, số điện thoại {phone}, làm đầu mối liên hệ trong quá trình thực hiện."
    )
    data = _personal_truth(name, birth, cccd, address, phone)
    return text, data


def _table(rng: random.Random, ctx: dict, rows: int) -> list[list[str]]:
    table = [["STT", "Nội dung", "Đơn vị thực hiện", "Thời gian"]]
    for number in range(1, rows + 1):
        when = rng.choice(("Quý I", "Quý II", "Quý III", "Tháng 6", "Tháng 9", "Thường xuyên"))
        unit = rng.choice(("Sở Nội vụ", "Văn phòng", "UBND cấp huyện", "Các phòng", "Sở Tài chính"))
        table.append([str(number), rng.choice(ACTIONS), unit, f"{when}/{ctx['year']}"])
    return table


def _body(rng: random.Random, doc: dict, ctx: dict, length: int) -> list[Block]:
    """`length` paragraphs/items of body, shaped by the document type."""
    blocks: list[Block] = []
    doc_type = doc["doc_type"]
    if doc_type == "Quyết định":
        blocks.append(Block("centre", f"{doc['signer_head_of']}", "b"))
        for _ in range(rng.randint(2, 3)):
            blocks.append(Block("paragraph", _fill(rng.choice(OPENINGS), ctx, rng).rstrip(",") + ";", "i"))
        blocks.append(Block("centre", "QUYẾT ĐỊNH:", "b"))
        for article in range(1, max(3, length // 2) + 1):
            text = f"Điều {article}. {_item(rng, ctx)}."
            blocks.append(Block("paragraph", text))
            if rng.random() < 0.35:
                for letter in "abc"[: rng.randint(2, 3)]:
                    blocks.append(Block("item", f"{letter}) {_item(rng, ctx)};"))
        blocks.append(Block("paragraph", _fill(CLOSINGS[2], ctx, rng)))
        return blocks
    statement = _paragraph(rng, ctx, 1)
    opening = _fill(rng.choice(OPENINGS), ctx, rng)
    blocks.append(Block("paragraph", f"{opening} {statement[0].lower()}{statement[1:]}"))
    done = 1
    while done < length:
        roll = rng.random()
        if roll < 0.35:
            blocks.append(Block("paragraph", _paragraph(rng, ctx, rng.randint(1, 3))))
        elif roll < 0.7:
            for number in range(1, rng.randint(2, 4) + 1):
                blocks.append(Block("item", f"{number}. {_item(rng, ctx)}."))
        elif roll < 0.85:
            for _ in range(rng.randint(2, 4)):
                blocks.append(Block("item", f"- {_item(rng, ctx)};"))
        else:
            blocks.append(Block("table", rows=_table(rng, ctx, rng.randint(2, 5))))
        done += 1
    closing = CLOSINGS[3] if doc_type == "Báo cáo" else rng.choice(CLOSINGS[:2])
    blocks.append(Block("paragraph", _fill(closing, ctx, rng)))
    return blocks


def make_document(
    rng: random.Random,
    doc_id: str,
    length: int | None = None,
    doc_type: str | None = None,
    before: dt.date | None = None,
) -> Document:
    """A whole document; `length` (paragraph groups) sets how many pages it fills (1-3);
    `doc_type` forces the type, `before` a date at least two months before it (an older
    document, as a copy of it in a dossier). Without them the rng is drawn as always."""
    province = rng.choice(PROVINCES)
    issuer = _issuer(rng, province)
    doc_type = doc_type or rng.choices(tuple(TYPES), TYPE_WEIGHTS)[0]
    type_code = TYPES[doc_type]
    date = dt.date(2016, 1, 1) + dt.timedelta(days=rng.randrange(9 * 365))
    if before is not None:
        date = before - dt.timedelta(days=60 + date.toordinal() % 1500)
    number = rng.randint(1, 2999)
    number_text = f"{number:02d}"
    notation = f"{issuer['abbr']}-{rng.choice(UNITS)}" if not type_code else f"{type_code}-{issuer['abbr']}"
    topic = rng.choice(TOPICS)
    subject = _subject(rng, doc_type, topic, date.year)
    secrecy = rng.choices((None, "MẬT", "TỐI MẬT"), (85, 12, 3))[0]
    urgency = rng.choices((None, "KHẨN", "THƯỢNG KHẨN", "HỎA TỐC"), (80, 12, 4, 4))[0]
    titles = _signer_titles(rng, issuer)
    ctx = {
        "topic": topic,
        "year": date.year,
        "province": province,
        "ref": f"{rng.randint(10, 300)}/KH-UBND",
        "date_long": _long(date - dt.timedelta(days=rng.randint(10, 200))),
        "deadline": date + dt.timedelta(days=rng.randint(15, 120)),
        "issuer_short": issuer["short"],
        "issuer_cap": issuer["short"],
    }
    length = length if length is not None else rng.choice((3, 4, 6, 8, 11))
    doc = {"doc_type": doc_type, "signer_head_of": f"{issuer['head']} {issuer['name'].upper()}"}
    if issuer["head"] == "CHỦ TỊCH":
        doc["signer_head_of"] = f"CHỦ TỊCH {issuer['name'].upper()}"
    blocks = _body(rng, doc, ctx, length)
    personal: list[dict] = []
    if rng.random() < 0.3:
        text, personal = _personal(rng, province, date.year)
        blocks.insert(max(1, len(blocks) - 1), Block("paragraph", text))
    if doc_type in ("Quyết định", "Kế hoạch") and rng.random() < 0.35:
        blocks.append(Block("appendix_start", "Phụ lục"))
        blocks.append(Block("centre", f"DANH MỤC NHIỆM VỤ {topic.upper()}", "b"))
        reference = f"(Kèm theo {doc_type} số {number_text}/{notation} ngày {_long(date)})"
        blocks.append(Block("centre", reference, "i"))
        blocks.append(Block("table", rows=_table(rng, ctx, rng.randint(6, 14))))
    kinh_gui = []
    if doc_type in ("Công văn", "Tờ trình", "Báo cáo") and rng.random() < 0.7:
        kinh_gui = rng.choice(
            (
                ["Ủy ban nhân dân tỉnh"],
                ["Các sở, ban, ngành thuộc tỉnh;", "Ủy ban nhân dân các huyện, thị xã, thành phố."],
                ["Bộ Nội vụ"],
            )
        )
    recipients = (
        ["- Như trên;"] if kinh_gui else ["- Như Điều 3;" if doc_type == "Quyết định" else "- Các đơn vị;"]
    )
    recipients += rng.sample(
        [
            "- UBND tỉnh (b/c);",
            "- Lãnh đạo Văn phòng;",
            "- Các phòng chuyên môn;",
            "- Cổng thông tin điện tử;",
        ],
        rng.randint(1, 3),
    )
    recipients.append(f"- Lưu: VT, {rng.choice(UNITS)}.")
    return Document(
        doc_id=doc_id,
        doc_type=doc_type,
        type_code=type_code,
        number=number_text,
        notation=notation,
        date=date,
        place=issuer["place"],
        issuing_body=issuer["name"],
        header_left=issuer["header"],
        subject=subject,
        signer_name=_name(rng),
        signer_titles=titles,
        secrecy=secrecy,
        urgency=urgency,
        recipients=recipients,
        kinh_gui=kinh_gui,
        blocks=blocks,
        personal_data=personal,
    )


# ---- documents unlike the Decree 30 state layout (dossiers mix them in) ----

PARTY_TYPES = {"Báo cáo": "BC", "Thông báo": "TB", "Kế hoạch": "KH", "Nghị quyết": "NQ", "Công văn": "CV"}
PETITIONS = (
    ("ĐƠN ĐỀ NGHỊ", "Về việc cấp giấy chứng nhận quyền sử dụng đất"),
    ("ĐƠN KIẾN NGHỊ", "Về việc sửa chữa đường giao thông nông thôn"),
    ("ĐƠN KHIẾU NẠI", "Về việc bồi thường, hỗ trợ khi Nhà nước thu hồi đất"),
    ("ĐƠN XIN XÁC NHẬN", "Về việc xác nhận nơi cư trú"),
)
FORMS = (
    ("TỜ KHAI", "Đăng ký thông tin cán bộ, công chức"),
    ("PHIẾU ĐĂNG KÝ", "Tham gia lớp bồi dưỡng nghiệp vụ"),
    ("PHIẾU KHẢO SÁT", "Mức độ hài lòng của tổ chức, cá nhân"),
    ("BIÊN BẢN", "Kiểm tra hiện trạng kho lưu trữ"),
)
LISTS = (
    ("DANH SÁCH", "CÁN BỘ, CÔNG CHỨC THAM GIA TẬP HUẤN"),
    ("DANH SÁCH", "ĐẠI BIỂU DỰ HỘI NGHỊ"),
    ("DANH MỤC", "HỒ SƠ, TÀI LIỆU GIAO NỘP VÀO LƯU TRỮ"),
    ("DANH MỤC", "VĂN BẢN ĐỀ NGHỊ BÃI BỎ"),
)


def make_party(rng: random.Random, doc_id: str, length: int | None = None) -> Document:
    """A Party committee's document: ĐẢNG CỘNG SẢN VIỆT NAM, "Số 45-BC/HU", T/M BAN THƯỜNG VỤ."""
    doc_type = rng.choice(tuple(PARTY_TYPES))
    doc = make_document(rng, doc_id, length, doc_type="Báo cáo" if doc_type == "Nghị quyết" else doc_type)
    doc.doc_type, doc.type_code = doc_type, PARTY_TYPES[doc_type]
    province = doc.place if doc.place in PROVINCES else rng.choice(PROVINCES)
    if rng.random() < 0.5:
        committee, abbr, name = "TỈNH ỦY", "TU", f"Tỉnh ủy {province}"
        upper = f"ĐẢNG BỘ TỈNH {province.upper()}"
    else:
        district = rng.choice(DISTRICT_NAMES)
        committee, abbr, name = f"HUYỆN ỦY {district.upper()}", "HU", f"Huyện ủy {district}"
        upper = f"ĐẢNG BỘ TỈNH {province.upper()}"
    doc.header_left = [(upper, "r"), (committee, "b"), ("*", "b")]
    doc.issuing_body = name
    doc.notation = f"{doc.type_code}/{abbr}"
    doc.signer_titles = ["T/M BAN THƯỜNG VỤ", rng.choice(("BÍ THƯ", "PHÓ BÍ THƯ"))]
    doc.recipients = ["- Các đồng chí Ủy viên Ban Thường vụ,", f"- Lưu Văn phòng {committee.title()}."]
    doc.variant = "party"
    doc.handwritten = []
    if doc_type != "Công văn":
        doc.kinh_gui = []
    return doc


def make_draft(rng: random.Random, doc_id: str, host: Document) -> Document:
    """The draft decision a tờ trình submits (DỰ THẢO): number and day blank, not signed."""
    doc = make_document(rng, doc_id, rng.choice((2, 3, 4)), doc_type="Quyết định")
    doc.variant, doc.top_lines, doc.date = "draft", ["DỰ THẢO"], host.date
    doc.signer_name, doc.secrecy, doc.urgency, doc.handwritten, doc.personal_data = "", None, None, [], []
    return doc


def _citizen(rng: random.Random, province: str) -> tuple[list[Block], list[dict], str]:
    name = _name(rng)
    birth = dt.date(rng.randint(1950, 2000), rng.randint(1, 12), rng.randint(1, 28))
    cccd = f"0{rng.randint(1, 96):02d}{rng.randint(0, 3)}{birth.year % 100:02d}{rng.randrange(10**6):06d}"
    address = f"{rng.choice(VILLAGES)}, {rng.choice(COMMUNES)}, tỉnh {province}"
    phone = _phone(rng)
    blocks = [
        Block("paragraph", f"Tôi tên là: {name}, sinh ngày {birth:%d/%m/%Y}."),
        Block("paragraph", f"Số định danh cá nhân (CCCD): {cccd}."),
        Block("paragraph", f"Nơi thường trú: {address}. Số điện thoại: {phone}."),
    ]
    data = _personal_truth(name, birth, cccd, address, phone)
    return blocks, data, name


def make_petition(rng: random.Random, doc_id: str) -> Document:
    """A citizen's đơn: the motto, no issuing body, no number; signed by the citizen."""
    doc = make_document(rng, doc_id, 3, doc_type="Công văn")
    title, subject = rng.choice(PETITIONS)
    blocks, data, name = _citizen(rng, doc.place)
    ctx = {"topic": rng.choice(TOPICS), "year": doc.date.year, "province": doc.place}
    story = [
        Block(
            "paragraph",
            _paragraph(
                rng,
                {
                    **ctx,
                    "deadline": doc.date,
                    "issuer_short": "xã",
                    "issuer_cap": "Xã",
                    "ref": "",
                    "date_long": "",
                },
                2,
            ),
        ),
        Block("paragraph", "Vậy tôi làm đơn này kính đề nghị cơ quan có thẩm quyền xem xét, giải quyết."),
        Block("paragraph", "Tôi xin cam đoan những nội dung trình bày trên là đúng sự thật./."),
    ]
    doc.doc_type, doc.type_code, doc.number, doc.notation = title.title(), "", "", ""
    doc.subject, doc.title_lines = subject, [title, subject]
    addressees = ("Ủy ban nhân dân xã", "Ủy ban nhân dân huyện", "Sở Tài nguyên và Môi trường")
    doc.kinh_gui = [rng.choice(addressees)]
    doc.header_left, doc.issuing_body = [], name
    doc.blocks, doc.personal_data = blocks + story, data
    doc.signer_name, doc.signer_titles, doc.recipients = name, ["NGƯỜI LÀM ĐƠN"], []
    doc.secrecy = doc.urgency = None
    doc.variant, doc.handwritten = "petition", []
    return doc


def make_form(rng: random.Random, doc_id: str, host: Document) -> Document:
    """A form attached to a document (Mẫu số 02): the motto, fields left to fill, unsigned."""
    doc = make_document(rng, doc_id, 2, doc_type="Công văn")
    title, subject = rng.choice(FORMS)
    fields = ("Họ và tên", "Ngày, tháng, năm sinh", "Chức vụ", "Đơn vị công tác", "Số điện thoại", "Ý kiến")
    dots = "." * 40
    doc.blocks = [Block("paragraph", f"{label}: {dots}") for label in fields]
    doc.doc_type, doc.type_code, doc.number, doc.notation = title.title(), "", "", ""
    doc.subject, doc.title_lines = subject, [title, subject]
    doc.top_lines = [f"Mẫu số {rng.randint(1, 9):02d}"]
    doc.kinh_gui, doc.header_left, doc.issuing_body, doc.date = [], [], host.issuing_body, host.date
    doc.signer_name, doc.signer_titles, doc.recipients = "", ["NGƯỜI KHAI"], []
    doc.secrecy = doc.urgency = None
    doc.variant, doc.handwritten, doc.personal_data = "form", [], []
    return doc


def make_list(rng: random.Random, doc_id: str) -> Document:
    """A one-page list (Danh sách / Danh mục): a title and a table, no motto, header or number."""
    doc = make_document(rng, doc_id, 2)
    kind, what = rng.choice(LISTS)
    ctx = {"year": doc.date.year}
    doc.doc_type, doc.type_code, doc.number, doc.notation = kind.title(), "", "", ""
    doc.subject = f"{kind.title()} {what.lower()}"
    doc.title_lines = [f"{kind} {what}", f"(Tính đến ngày {_long(doc.date)})"]
    doc.blocks = [Block("table", rows=_table(rng, ctx, rng.randint(5, 14)))]
    doc.header_left, doc.kinh_gui, doc.recipients = [], [], []
    doc.signer_titles = ["NGƯỜI LẬP BIỂU"] if rng.random() < 0.6 else []
    doc.signer_name = _name(rng) if doc.signer_titles else ""
    doc.secrecy = doc.urgency = None
    doc.variant, doc.handwritten, doc.personal_data = "list", [], []
    return doc
