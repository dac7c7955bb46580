"""Document types and their notation abbreviations (Decree 30/2020 Phụ lục III ∪ Circular 01/2011).

Reference data, not rules: which abbreviation means which type. The union of both lists is
used because a fonds mixes records from before and after 05/03/2020; where the two lists
disagree the abbreviation keeps both meanings' source in `sources`.
"""

from __future__ import annotations

from dataclasses import dataclass

from classify.norm import as_letters, compact_key, key

__all__ = ["DocType", "NORMATIVE", "TOP_TITLES", "TYPES", "by_abbreviation", "by_title", "CONG_VAN"]

CONG_VAN = "Công văn"


@dataclass(frozen=True)
class DocType:
    name: str  # "Quyết định"
    abbreviations: tuple[str, ...]  # ("QĐ",)
    sources: tuple[str, ...]  # ("2020", "2011"), "normative" for legal normative acts


_ROWS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Nghị quyết", ("NQ",), ("2020", "2011")),
    ("Quyết định", ("QĐ",), ("2020", "2011")),
    ("Chỉ thị", ("CT",), ("2020", "2011")),
    ("Quy chế", ("QC",), ("2020", "2011")),
    ("Quy định", ("QyĐ",), ("2020", "2011")),
    ("Thông cáo", ("TC",), ("2020", "2011")),
    ("Thông báo", ("TB",), ("2020", "2011")),
    ("Hướng dẫn", ("HD",), ("2020", "2011")),
    ("Chương trình", ("CTr",), ("2020", "2011")),
    ("Kế hoạch", ("KH",), ("2020", "2011")),
    ("Phương án", ("PA",), ("2020", "2011")),
    ("Đề án", ("ĐA",), ("2020", "2011")),
    ("Dự án", ("DA",), ("2020", "2011")),
    ("Báo cáo", ("BC",), ("2020", "2011")),
    ("Biên bản", ("BB",), ("2020", "2011")),
    ("Tờ trình", ("TTr",), ("2020", "2011")),
    ("Hợp đồng", ("HĐ",), ("2020", "2011")),
    ("Công điện", ("CĐ",), ("2020", "2011")),
    ("Bản ghi nhớ", ("BGN", "GN"), ("2020", "2011")),
    ("Bản thỏa thuận", ("BTT", "TTh"), ("2020", "2011")),
    ("Giấy ủy quyền", ("GUQ", "UQ"), ("2020", "2011")),
    ("Giấy mời", ("GM",), ("2020", "2011")),
    ("Giấy giới thiệu", ("GGT", "GT"), ("2020", "2011")),
    ("Giấy nghỉ phép", ("GNP", "NP"), ("2020", "2011")),
    ("Phiếu gửi", ("PG",), ("2020", "2011")),
    ("Phiếu chuyển", ("PC",), ("2020", "2011")),
    ("Phiếu báo", ("PB",), ("2020",)),
    ("Bản cam kết", ("CK",), ("2011",)),
    ("Giấy chứng nhận", ("CN",), ("2011",)),
    ("Giấy đi đường", ("ĐĐ",), ("2011",)),
    ("Giấy biên nhận hồ sơ", ("BN",), ("2011",)),
    ("Bản sao y", ("SY",), ("2020", "2011")),
    ("Bản trích sao", ("TrS", "TS"), ("2020", "2011")),
    ("Bản sao lục", ("SL",), ("2020", "2011")),
)

# Legal normative acts: the notation carries the year (30/2020/NĐ-CP).
_NORMATIVE_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Luật", ()),
    ("Pháp lệnh", ("PL",)),
    ("Nghị định", ("NĐ",)),
    ("Nghị quyết", ("NQ",)),
    ("Nghị quyết liên tịch", ("NQLT",)),
    ("Quyết định", ("QĐ",)),
    ("Thông tư", ("TT",)),
    ("Thông tư liên tịch", ("TTLT",)),
    ("Chỉ thị", ("CT",)),
    ("Lệnh", ("L",)),
)

TYPES = tuple(DocType(name, abbrs, src) for name, abbrs, src in _ROWS)
NORMATIVE = tuple(DocType(name, abbrs, ("normative",)) for name, abbrs in _NORMATIVE_ROWS)
# Titles that name the type but carry no abbreviation of their own: the state's, and the kinds
# a dossier mixes in without a Số (lists, a citizen's đơn, forms attached to a document).
_TITLE_ONLY = (
    DocType(CONG_VAN, (), ("2020", "2011")),
    DocType("Thư công", (), ("2020",)),
    *(
        DocType(name, (), ("untitled",))
        for name in (
            "Danh sách",
            "Danh mục",
            "Đơn",
            "Đơn đề nghị",
            "Đơn kiến nghị",
            "Đơn khiếu nại",
            "Đơn tố cáo",
            "Đơn xin",
            "Đơn xin xác nhận",
            "Tờ khai",
            "Phiếu đăng ký",
            "Phiếu khảo sát",
        )
    ),
)
# Types whose title may open the page, with no header above it (a list, a table).
TOP_TITLES = ("Danh sách", "Danh mục")


def _shape(abbr: str) -> str:
    """Compare abbreviations through OCR slips: case, Đ/D, 0/O, 1/I, 8/B."""
    return compact_key(as_letters(abbr))


def by_abbreviation(abbr: str, *, normative: bool = False) -> tuple[DocType, str] | None:
    """The type an abbreviation stands for, and the abbreviation as officially spelled.

    Exact (case-insensitive) spelling wins; otherwise an OCR-shape match that is unique.
    """
    table = NORMATIVE if normative else TYPES
    wanted = abbr.strip().upper()
    for doc_type in table:
        for official in doc_type.abbreviations:
            if official.upper() == wanted:
                return doc_type, official
    shaped = _shape(abbr)
    hits = [(t, a) for t in table for a in t.abbreviations if _shape(a) == shaped]
    return hits[0] if len(hits) == 1 else None


_TITLES = sorted(
    ((compact_key(t.name), t) for t in (*TYPES, *NORMATIVE, *_TITLE_ONLY)),
    key=lambda item: -len(item[0]),
)


def by_title(line: str) -> tuple[DocType, str] | None:
    """The type named by a title line ('QUYẾT ĐỊNH', 'BÁO CÁO TÓM TẮT ...') and the rest of it.

    The line must be in capitals and start with the type name. (The operative 'QUYẾT ĐỊNH:'
    of a quyết định comes after its title, so the first title-like line is the title.)
    """
    text = line.strip().rstrip(":;.,")
    if not text or not _mostly_upper(text):
        return None
    folded = key(text)
    for name_key, doc_type in _TITLES:
        squeezed, consumed = _consume(folded, name_key)
        if squeezed is None:
            continue
        rest = text[consumed:].strip(" :.-")
        if rest and not _mostly_upper(rest):
            continue
        return doc_type, rest
    return None


def _consume(folded: str, name_key: str) -> tuple[str | None, int]:
    """Match `name_key` (letters only) at the start of `folded`, ignoring spaces; end offset."""
    i = 0
    for char in name_key:
        while i < len(folded) and folded[i] == " ":
            i += 1
        if i >= len(folded) or folded[i] != char:
            return None, 0
        i += 1
    if i < len(folded) and folded[i].isalnum():
        return None, 0  # 'THÔNG BÁO' must not match 'THÔNG BÁOX'
    return name_key, i


def _mostly_upper(text: str) -> bool:
    chars = [c for c in text if c.isalpha()]
    return bool(chars) and sum(c.isupper() for c in chars) / len(chars) >= 0.8
