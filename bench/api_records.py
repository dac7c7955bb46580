"""Generated Vietnamese administrative records for the search benchmark (no OCR, seeded).

Each record looks like a document of Decree 30/2020: issuing body, number and notation, place and
date, type and subject, a body of sentences built from administrative phrases, a signer, and now
and then a citizen's name, CCCD or phone number. Word frequencies are skewed like real text, so a
query may match a handful of pages or most of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterator

from schemas import Classification, Decision, Metadata, Page, PersonalData, Record, Signer

__all__ = ["GENERATOR_VERSION", "PLACES", "SUBJECT_TOPICS", "TYPES", "generate_records", "person_name"]

GENERATOR_VERSION = 1

PLACES = (
    "Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Vĩnh Phúc", "Phú Thọ", "Bắc Ninh", "Thái Bình",
    "Nghệ An", "Quảng Nam", "Đồng Tháp", "Thanh Hóa", "Hà Tĩnh", "Quảng Ninh", "Lào Cai", "Yên Bái",
    "Tuyên Quang", "Hòa Bình", "Sơn La", "Điện Biên", "Lạng Sơn", "Cao Bằng", "Thái Nguyên",
    "Bắc Giang", "Hưng Yên", "Hải Dương", "Nam Định", "Ninh Bình", "Hà Nam", "Quảng Bình",
    "Quảng Trị", "Thừa Thiên Huế", "Quảng Ngãi", "Bình Định", "Phú Yên", "Khánh Hòa", "Ninh Thuận",
    "Bình Thuận", "Kon Tum", "Gia Lai", "Đắk Lắk", "Đắk Nông", "Lâm Đồng", "Bình Phước",
    "Tây Ninh", "Bình Dương", "Đồng Nai", "Long An", "Tiền Giang", "Bến Tre", "Trà Vinh",
    "Vĩnh Long", "An Giang", "Kiên Giang", "Hậu Giang", "Sóc Trăng", "Bạc Liêu", "Cà Mau",
)  # fmt: skip
TYPES = (
    ("Quyết định", "QĐ"), ("Công văn", None), ("Thông báo", "TB"), ("Báo cáo", "BC"),
    ("Kế hoạch", "KH"), ("Tờ trình", "TTr"), ("Giấy mời", "GM"), ("Biên bản", "BB"),
    ("Hướng dẫn", "HD"), ("Chỉ thị", "CT"),
)  # fmt: skip
BODIES = (
    ("ỦY BAN NHÂN DÂN", "UBND"), ("SỞ NỘI VỤ", "SNV"), ("SỞ TÀI CHÍNH", "STC"),
    ("SỞ GIÁO DỤC VÀ ĐÀO TẠO", "SGDĐT"), ("SỞ Y TẾ", "SYT"), ("SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "STNMT"),
    ("SỞ XÂY DỰNG", "SXD"), ("SỞ GIAO THÔNG VẬN TẢI", "SGTVT"), ("CHI CỤC VĂN THƯ - LƯU TRỮ", "CCVTLT"),
)  # fmt: skip
SUBJECT_TOPICS = (
    "phê duyệt kế hoạch số hóa tài liệu lưu trữ", "ban hành quy chế công tác văn thư",
    "kiện toàn ban chỉ đạo chuyển đổi số", "giao chỉ tiêu kế hoạch phát triển kinh tế - xã hội",
    "tổ chức hội nghị tổng kết công tác năm", "triển khai thực hiện cải cách hành chính",
    "thu hồi đất để thực hiện dự án đường giao thông", "cấp giấy chứng nhận quyền sử dụng đất",
    "phân bổ kinh phí sự nghiệp giáo dục", "phòng, chống dịch bệnh trên địa bàn",
    "tuyển dụng công chức cấp xã", "khen thưởng tập thể, cá nhân có thành tích xuất sắc",
    "bổ nhiệm cán bộ lãnh đạo", "điều chỉnh quy hoạch sử dụng đất", "hỗ trợ hộ nghèo đón Tết",
    "kiểm tra công tác lưu trữ tại các cơ quan", "xử lý vi phạm hành chính trong lĩnh vực đất đai",
    "đầu tư xây dựng trường học", "nâng cấp hệ thống thủy lợi nội đồng",
    "chấn chỉnh kỷ luật, kỷ cương hành chính", "thành lập đoàn kiểm tra liên ngành",
    "giải quyết đơn khiếu nại của công dân", "tiếp nhận hồ sơ trực tuyến mức độ 4",
    "bảo vệ môi trường làng nghề", "phát triển du lịch cộng đồng",
)  # fmt: skip
PHRASES = (
    "căn cứ", "Luật Tổ chức chính quyền địa phương", "theo đề nghị của", "Giám đốc Sở",
    "Chủ tịch Ủy ban nhân dân", "các cơ quan, đơn vị", "có trách nhiệm", "tổ chức thực hiện",
    "kể từ ngày ký", "trên địa bàn tỉnh", "báo cáo kết quả", "trước ngày", "kinh phí thực hiện",
    "ngân sách nhà nước", "theo quy định của pháp luật", "công tác văn thư, lưu trữ",
    "hồ sơ, tài liệu", "số hóa", "cơ sở dữ liệu", "chuyển đổi số", "cải cách hành chính",
    "người dân và doanh nghiệp", "thủ tục hành chính", "dịch vụ công trực tuyến", "Ủy ban nhân dân",
    "huyện", "xã", "phường", "thị trấn", "cán bộ, công chức", "viên chức", "người lao động",
    "kế hoạch", "nhiệm vụ", "giải pháp", "mục tiêu", "chỉ tiêu", "đánh giá", "kiểm tra", "giám sát",
    "phối hợp", "hướng dẫn", "triển khai", "tăng cường", "nâng cao", "hiệu quả", "chất lượng",
    "đất đai", "xây dựng", "giao thông", "thủy lợi", "giáo dục", "y tế", "văn hóa", "du lịch",
    "nông nghiệp", "nông thôn mới", "môi trường", "tài nguyên", "khoáng sản", "an ninh trật tự",
    "quốc phòng", "dân số", "lao động", "việc làm", "bảo hiểm xã hội", "hộ nghèo", "chính sách",
    "người có công", "thi đua", "khen thưởng", "kỷ luật", "thanh tra", "khiếu nại", "tố cáo",
    "phòng chống tham nhũng", "tiết kiệm", "lãng phí", "đầu tư công", "giải ngân", "dự án",
    "công trình", "quy hoạch", "đô thị", "hạ tầng", "điện lực", "nước sạch", "vệ sinh",
    "an toàn thực phẩm", "dịch bệnh", "tiêm chủng", "trường học", "học sinh", "giáo viên",
    "bệnh viện", "trạm y tế", "chợ", "làng nghề", "hợp tác xã", "doanh nghiệp nhỏ và vừa",
    "thuế", "phí", "lệ phí", "tài chính", "kế toán", "kiểm toán", "tài sản công", "mua sắm",
    "đấu thầu", "thẩm định", "phê duyệt", "điều chỉnh", "bổ sung", "sửa đổi", "bãi bỏ",
    "thay thế", "hiệu lực", "thi hành", "Chánh Văn phòng", "Thủ trưởng", "đơn vị liên quan",
)  # fmt: skip
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
            "Đỗ", "Hồ", "Ngô", "Dương", "Lý")  # fmt: skip
MIDDLES = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Thu", "Hồng", "Xuân")
GIVENS = ("An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Hương", "Khánh",
          "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Quang", "Sơn", "Tâm", "Thảo", "Thắng",
          "Trang", "Trung", "Tuấn", "Vân", "Việt", "Yến")  # fmt: skip
POSITIONS = ("CHỦ TỊCH", "PHÓ CHỦ TỊCH", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "CHI CỤC TRƯỞNG")
ACCESS_WEIGHTS = (("public", 55), ("conditional", 20), ("undetermined", 15), ("not_accessible", 10))
RETENTIONS = ("Vĩnh viễn", "70 năm", "50 năm", "20 năm", "10 năm", "5 năm")


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES)} {rng.choice(GIVENS)}"


def _zipf_choice(rng: random.Random, items: tuple[str, ...]) -> str:
    """Earlier items are more frequent (roughly 1/rank), as words are in real text."""
    rank = int(len(items) ** rng.random())  # log-uniform in [1, len]: P(rank) ~ 1/rank
    return items[rank - 1]


def _sentence(rng: random.Random) -> str:
    words = [_zipf_choice(rng, PHRASES) for _ in range(rng.randint(6, 16))]
    sentence = " ".join(words)
    return sentence[0].upper() + sentence[1:] + rng.choice((".", ";", "."))


def _personal_line(rng: random.Random, page: int) -> tuple[str, list[PersonalData]]:
    name = person_name(rng)
    cccd = f"0{rng.randint(1, 96):02d}{rng.randint(0, 3)}{rng.randint(0, 99):02d}{rng.randint(0, 999999):06d}"
    phone = f"0{rng.choice('35789')}{rng.randint(0, 99_999_999):08d}"
    born = dt.date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
    line = (
        f"Ông/bà {name}, sinh ngày {born:%d/%m/%Y}, số CCCD {cccd}, "
        f"điện thoại {phone[:4]} {phone[4:7]} {phone[7:]}."
    )
    data = [
        PersonalData(kind="cccd", value=cccd, page=page),
        PersonalData(kind="phone", value=phone, page=page),
        PersonalData(kind="dob", value=f"{born:%d/%m/%Y}", page=page),
    ]
    return line, data


def _page_text(rng: random.Random, header: str, number: int, chars: int) -> tuple[str, list[PersonalData]]:
    lines = [header] if number == 1 else [str(number)]
    personal: list[PersonalData] = []
    size = sum(len(x) for x in lines)
    while size < chars:
        if rng.random() < 0.04:
            line, data = _personal_line(rng, number)
            personal.extend(data)
        else:
            line = _sentence(rng)
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines), personal


def _access(rng: random.Random) -> str:
    pick = rng.uniform(0, sum(w for _, w in ACCESS_WEIGHTS))
    for name, weight in ACCESS_WEIGHTS:
        pick -= weight
        if pick <= 0:
            return name
    return ACCESS_WEIGHTS[0][0]


def _record(rng: random.Random, serial: int, pages: int) -> Record:
    place = rng.choice(PLACES)
    body, body_abbr = rng.choice(BODIES)
    doc_type, type_abbr = rng.choice(TYPES)
    issuer = f"{body} TỈNH {place.upper()}"
    date = dt.date(rng.randint(1995, 2024), rng.randint(1, 12), rng.randint(1, 28))
    number = str(rng.randint(1, 3000))
    notation = f"{type_abbr}-{body_abbr}" if type_abbr else f"{body_abbr}-VP"
    subject = rng.choice(SUBJECT_TOPICS)
    header = (
        f"{issuer}\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        f"Số: {number}/{notation}\n{place}, ngày {date.day:02d} tháng {date.month} năm {date.year}\n"
        f"{doc_type.upper()}\nVề việc {subject}"
    )
    texts, personal = [], []
    for n in range(1, pages + 1):
        text, data = _page_text(rng, header, n, rng.randint(1200, 2200))
        texts.append(text)
        personal.extend(data)
    access = _access(rng)
    sha = hashlib.sha256(f"bench-record-{serial}".encode()).hexdigest()
    signer = Signer(authority="TM.", position=rng.choice(POSITIONS), name=person_name(rng))
    return Record(
        id=sha[:32],
        source=f"bench-{serial:06d}.pdf",
        sha256=sha,
        size=100_000 + serial,
        media_type="application/pdf",
        page_count=pages,
        pages=[Page(number=n, text=t, confidence=90.0) for n, t in enumerate(texts, start=1)],
        metadata=Metadata(
            number=number,
            notation=notation,
            doc_type=doc_type,
            issuer=issuer,
            place=place,
            date=date,
            subject=subject,
            signer=signer,
            personal_data=personal,
        ),  # fmt: skip
        classification=Classification(
            access=access,  # type: ignore[arg-type]
            retention=rng.choice(RETENTIONS),
            decisions=[Decision(rule="BENCH", outcome=access, evidence="generated")],
            needs_review=access == "undetermined" or rng.random() < 0.05,
        ),
    )


def generate_records(total_pages: int, seed: int = 20240611) -> Iterator[Record]:
    """Records of 1 to 6 pages until `total_pages` pages have been made (the last one is cut)."""
    rng = random.Random(seed)
    made, serial = 0, 0
    while made < total_pages:
        pages = min(rng.choice((1, 1, 2, 2, 3, 4, 5, 6)), total_pages - made)
        yield _record(rng, serial, pages)
        made += pages
        serial += 1
