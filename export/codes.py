"""Code lists of the edXML envelope (vn-archival-rules §6.2): priority and document type.

Priority (T: two or more implementations agree): 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc,
4 hỏa tốc hẹn giờ.

DocumentType.Type (M: NOT confirmed; QCVN 102:2016's own code list was not read). The default
table numbers the administrative document types in the order Decree 30/2020 Art. 7 lists them:
that order gives Công văn = 18, the one value seen in an SDK-conformant builder; another gateway
client sends 1 for Công văn, so the list is an assumption. A gateway that publishes its list
overrides this one (build_envelope(type_codes=...)); an unknown type is sent as 0 with its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from vntext.normalise import folded_key

__all__ = ["DOCUMENT_TYPE_CODES", "PRIORITY_NAMES", "UNKNOWN_TYPE", "priority_code", "type_code"]

PRIORITY_NAMES = MappingProxyType(
    {0: "Thường", 1: "Khẩn", 2: "Thượng khẩn", 3: "Hỏa tốc", 4: "Hỏa tốc hẹn giờ"}
)
_PRIORITY_BY_KEY = {folded_key(name): code for code, name in PRIORITY_NAMES.items()}

# Decree 30/2020 Art. 7, in its order (M as codes: see the module docstring).
_ARTICLE_7 = (
    "Nghị quyết", "Quyết định", "Chỉ thị", "Quy chế", "Quy định", "Thông cáo", "Thông báo",
    "Hướng dẫn", "Chương trình", "Kế hoạch", "Phương án", "Đề án", "Dự án", "Báo cáo",
    "Biên bản", "Tờ trình", "Hợp đồng", "Công văn", "Công điện", "Bản ghi nhớ",
    "Bản thỏa thuận", "Giấy ủy quyền", "Giấy mời", "Giấy giới thiệu", "Giấy nghỉ phép",
    "Phiếu gửi", "Phiếu chuyển", "Phiếu báo", "Thư công",
)  # fmt: skip
DOCUMENT_TYPE_CODES: Mapping[str, int] = MappingProxyType(
    {name: number for number, name in enumerate(_ARTICLE_7, start=1)}
)
UNKNOWN_TYPE = 0


def priority_code(urgency: str | None) -> int:
    """'KHẨN' / 'Thượng khẩn' / 'HOẢ TỐC' ... -> 1 / 2 / 3; no mark (or an unknown one) -> 0."""
    if not urgency:
        return 0
    return _PRIORITY_BY_KEY.get(folded_key(" ".join(urgency.split())), 0)


def type_code(type_name: str | None, codes: Mapping[str, int] = DOCUMENT_TYPE_CODES) -> int:
    """The Type code of a type name, compared accent- and case-insensitively; else UNKNOWN_TYPE."""
    if not type_name:
        return UNKNOWN_TYPE
    wanted = folded_key(" ".join(type_name.split()))
    return next((code for name, code in codes.items() if folded_key(name) == wanted), UNKNOWN_TYPE)
