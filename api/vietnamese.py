"""What a visitor or clerk reads, in Vietnamese: review reasons, conclusions, rule titles, fields.

The classification and OCR steps write their review reasons in English (they go to logs, the CLI
and the record's provenance). The web page shows them through `reason_vi`, which knows every
reason those steps write (a table of patterns) and says something Vietnamese, never English, for
any other. Rule titles come from the rules file's `title_vi` (classify/rules/default.yaml).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import cache

from classify import load_rules
from schemas import Event
from storage.migrate import MIGRATION_MESSAGE

__all__ = [
    "ACCESS_LABELS",
    "FIELD_LABELS",
    "GENERIC_REASON",
    "REASON_OTHER",
    "REASON_VIETNAMESE",
    "coded_reason",
    "coded_reasons",
    "conclusion_vi",
    "event_vi",
    "evidence_vi",
    "reason_code",
    "reason_vi",
    "reprocess_why_vi",
    "rule_title_vi",
    "validation_message",
    "version_why_vi",
]

ACCESS_LABELS = {
    "public": "Công khai",
    "conditional": "Tiếp cận có điều kiện",
    "not_accessible": "Không được tiếp cận (mật)",
    "undetermined": "Chưa xác định",
}
FIELD_LABELS = {
    "doc_type": "loại văn bản",
    "type": "loại văn bản",
    "date": "ngày văn bản",
    "number": "số văn bản",
    "notation": "ký hiệu",
    "issuer": "cơ quan ban hành",
    "subject": "trích yếu",
    "secrecy": "độ mật",
    "urgency": "độ khẩn",
    "signer": "người ký",
    "place": "địa danh",
}
_TAGS = {"P": "văn bản pháp luật", "T": "nguồn thứ cấp", "M": "chưa xác nhận"}
_OUTCOMES = {"accepted": "chấp nhận", "overridden": "sửa", "declassified": "giải mật"}
GENERIC_REASON = "Cần lưu trữ viên xem xét."
REASON_VIETNAMESE = "noted"  # the code of a reason a step wrote in Vietnamese (shown as written)
REASON_OTHER = "other"  # the code of a reason not known here (shown as GENERIC_REASON)
# the decisions `sohoa reprocess` adds (application/reprocess.py HOLD_RULE, CLOSE_RULE)
_REPROCESS_RULES = {
    "REPROCESS.hold": "Xử lý lại: mức tiếp cận mở hơn chưa áp dụng",
    "REPROCESS.close": "Xử lý lại: thu hẹp mức tiếp cận",
    # the link ingest adds to a re-scan of paper already archived (dedup/link.py RULE)
    "DUP.near": "Bản quét lại của một tài liệu đã lưu (gần trùng)",
    # a re-scan closed when the record it repeats went to the secret hold (application/secret_docs.py)
    "DUP.secret": "Bản quét gần trùng với một tài liệu mật",
}


@cache
def _rule_titles() -> dict[str, str]:
    titles: dict[str, str] = {}
    for rule_set in load_rules().sets:
        for rule in rule_set.rules:
            titles[rule.id] = rule.title_vi or titles.get(rule.id, "")
    return titles


def rule_title_vi(rule_id: str) -> str:
    """The Vietnamese title of a rule (any rule set), '' when the rules file has none."""
    if rule_id.startswith("REVIEW"):
        return "Quyết định của lưu trữ viên"
    if rule_id in _REPROCESS_RULES:
        return _REPROCESS_RULES[rule_id]
    return _rule_titles().get(rule_id, "")


def _date(iso: str) -> str:
    try:
        return dt.date.fromisoformat(iso).strftime("%d/%m/%Y")
    except ValueError:
        return iso


def _access(value: str) -> str:
    return ACCESS_LABELS.get(value, value)


def _title(match: re.Match[str]) -> str:
    return rule_title_vi(match["id"]) or "quy tắc"


@cache
def _english_titles() -> dict[str, str]:
    return {rule.id: rule.title for rule_set in load_rules().sets for rule in rule_set.rules}


def _evidence_after_title(match: re.Match[str]) -> str:
    """The evidence of "<rule title> — <evidence>" (a title may itself hold " — ")."""
    rest, title = match["rest"], _english_titles().get(match["id"], "")
    if title and rest.startswith(f"{title} — "):
        return evidence_vi(rest[len(title) + 3 :])
    return evidence_vi(rest.split(" — ", 1)[-1])


Rewrite = Callable[[re.Match[str]], str]
_REASONS: list[tuple[str, re.Pattern[str], Rewrite]] = [
    (
        "rule_suggests",
        re.compile(r"(?P<id>\S+) \((?P<tag>\w)\) suggests (?P<access>\w+): (?P<rest>.* — .*)", re.S),
        lambda m: (
            f"{m['id']} ({_TAGS.get(m['tag'], m['tag'])}) gợi ý {_access(m['access']).lower()}: "
            f"{_title(m)} — {_evidence_after_title(m)}"
        ),
    ),
    (
        "redact_personal_data",
        re.compile(r"(?P<ids>.+?): must be disclosed, but holds personal data — redact before release.*"),
        lambda m: (
            f"{m['ids']}: thuộc diện công khai nhưng có dữ liệu cá nhân — phải che trước khi "
            "cung cấp (Luật Tiếp cận thông tin 2016, Điều 7.2)"
        ),
    ),
    (
        "weak_evidence",
        re.compile(r"(?P<id>\S+): weak evidence \((?P<c>[\d.]+)\) — (?P<ev>.*)", re.S),
        lambda m: f"{m['id']}: căn cứ yếu (độ tin cậy {m['c']}) — {evidence_vi(m['ev'])}",
    ),
    (
        "secrecy_mark_unhandled",
        re.compile(r"secrecy mark found but no rule of the rule set handled it"),
        lambda m: "Có dấu mật nhưng không quy tắc nào trong bộ quy tắc xử lý.",
    ),
    (
        "secrecy_mark_unsure",
        re.compile(r"secrecy mark read with low confidence \((?P<ev>.*)\): confirm the mark", re.S),
        lambda m: f"Dấu mật đọc được với độ tin cậy thấp ({evidence_vi(m['ev'])}): cần xác nhận dấu.",
    ),
    (
        "declassified_stamp",
        re.compile(r"a 'GIẢI MẬT' stamp: check the declassification record"),
        lambda m: "Có dấu «GIẢI MẬT»: cần kiểm tra quyết định giải mật.",
    ),
    (
        "identity_number_unhandled",
        re.compile(r"identity number found but no rule of the rule set handled it"),
        lambda m: "Có số định danh cá nhân nhưng không quy tắc nào trong bộ quy tắc xử lý.",
    ),
    (
        "no_access_rule",
        re.compile(r"no access rule matched: an archivist must decide"),
        lambda m: "Không quy tắc tiếp cận nào phù hợp: lưu trữ viên cần quyết định.",
    ),
    (
        "only_unconfirmed_rules",
        re.compile(r"(?P<ids>.+?): only unconfirmed \(M\) rules point to public disclosure"),
        lambda m: f"{m['ids']}: chỉ có quy tắc chưa xác nhận (M) hướng tới công khai.",
    ),
    (
        "public_but_restriction_suggested",
        re.compile(r"(?P<id>\S+) points to public disclosure, but a restriction is suggested.*"),
        lambda m: (
            f"{m['id']} hướng tới công khai nhưng có gợi ý hạn chế: chưa công khai cho tới khi "
            "có người quyết định."
        ),
    ),
    (
        "public_evidence_weak",
        re.compile(
            r"(?P<id>\S+): evidence for public disclosure too weak "
            r"\((?P<a>[\d.]+) < (?P<b>[\d.]+)\) — (?P<ev>.*)",
            re.S,
        ),
        lambda m: (
            f"{m['id']}: căn cứ để công khai chưa đủ mạnh ({m['a']} < {m['b']}) — {evidence_vi(m['ev'])}"
        ),
    ),
    (
        "secrecy_mark_not_ruled_out",
        re.compile(r"page quality (?P<q>[\d.]+): a secrecy mark cannot be ruled out"),
        lambda m: f"Chất lượng trang thấp ({m['q']}): chưa loại trừ được khả năng có dấu mật.",
    ),
    (
        "unread_lines",
        re.compile(
            r"(?P<id>\S+) points to public disclosure, but (?P<n>\d+) line\(s\) could not be read "
            r"\(page (?P<p>\d+): (?P<t>.*)\) — they may hold personal data or a mark",
            re.S,
        ),
        lambda m: (
            f"{m['id']} hướng tới công khai nhưng {m['n']} dòng không đọc được (trang {m['p']}: "
            f"{m['t']}) — có thể chứa dữ liệu cá nhân hoặc dấu mật."
        ),
    ),
    (
        "secret_date_unknown",
        re.compile(
            r"(?P<id>\S+): secret for (?P<y>\d+) years from classification, but the document date is unknown"
        ),
        lambda m: (
            f"{m['id']}: bảo vệ bí mật {m['y']} năm kể từ khi xác định độ mật, nhưng chưa rõ ngày văn bản."
        ),
    ),
    (
        "protection_period_unconfirmed",
        re.compile(r"(?P<id>\S+) \((?P<tag>\w)\): protection period to be confirmed"),
        lambda m: f"{m['id']} ({_TAGS.get(m['tag'], m['tag'])}): thời hạn bảo vệ bí mật cần được xác nhận.",
    ),
    (
        "protection_period_ended",
        re.compile(r"protection period ended (?P<d>[\d-]+): declassification review due.*"),
        lambda m: (
            f"Thời hạn bảo vệ bí mật đã hết ({_date(m['d'])}): cần xem xét giải mật — không cung cấp "
            "khi chưa có quyết định được ghi lại."
        ),
    ),
    (
        "no_retention_rule",
        re.compile(r"no retention rule matched: an archivist must set the period"),
        lambda m: "Không quy tắc thời hạn bảo quản nào phù hợp: lưu trữ viên cần xác định thời hạn.",
    ),
    (
        "retention_unconfirmed",
        re.compile(r"retention (?P<p>.+?) from an unconfirmed \(M\) rule (?P<id>\S+) — to be appraised"),
        lambda m: f"Thời hạn bảo quản {m['p']} theo quy tắc chưa xác nhận (M) {m['id']} — cần thẩm định.",
    ),
    (
        "longer_retention_suggested",
        re.compile(r"(?P<id>\S+) \(M\) suggests a longer period \((?P<p>.+)\)"),
        lambda m: f"{m['id']} (quy tắc chưa xác nhận) gợi ý thời hạn dài hơn ({m['p']}).",
    ),
    (
        "low_field_confidence",
        re.compile(r"low confidence in (?P<name>\w+) \((?P<v>[\d.]+)\)"),
        lambda m: f"Độ tin cậy thấp ở trường {FIELD_LABELS.get(m['name'], m['name'])} ({m['v']}).",
    ),
    (
        "before_earliest_rule_set",
        re.compile(r"dated (?P<d>[\d-]+), before the earliest rule set \((?P<set>\S+)\); judged by it"),
        lambda m: f"Văn bản ngày {_date(m['d'])}, trước bộ quy tắc sớm nhất ({m['set']}): xét theo bộ đó.",
    ),
    (
        "undated",
        re.compile(r"undated: judged by the newest rule set \((?P<set>\S+)\)"),
        lambda m: f"Văn bản không rõ ngày: xét theo bộ quy tắc mới nhất ({m['set']}).",
    ),
    (
        "no_rule_set_for_date",
        re.compile(r"no rule set covers (?P<d>[\d-]+); judged by (?P<set>\S+)"),
        lambda m: f"Không bộ quy tắc nào áp dụng cho ngày {_date(m['d'])}: xét theo {m['set']}.",
    ),
    (  # dedup/match.py DuplicateMatch.reason
        "near_duplicate",
        re.compile(
            r"near-duplicate of record (?P<id>\S+) \((?:text similarity (?P<t>[\d.]+)|no usable text), "
            r"first-page image distance (?P<d>\d+)/(?P<b>\d+)\): possibly the same paper scanned again; "
            r"keep one or confirm both"
        ),
        lambda m: (
            f"Có thể là bản quét lại của tài liệu {m['id']} ("
            + (f"nội dung giống {m['t'].replace('.', ',')}" if m["t"] else "không có chữ để so")
            + f", ảnh trang đầu khác {m['d']}/{m['b']}): cùng một bản giấy được quét lại? "
            "Giữ một bản hoặc xác nhận cả hai."
        ),
    ),
    (  # application/secret_docs.py TWIN_REASON
        "twin_of_secret",
        re.compile(
            r"near-duplicate of record (?P<id>\S+), which was marked secret and held: closed until an "
            r"archivist reviews it"
        ),
        lambda m: (
            f"Gần trùng với tài liệu {m['id']}, đã được xác định là tài liệu mật và chuyển vào khu "
            "lưu giữ: đóng, chờ lưu trữ viên xem xét."
        ),
    ),
    (  # application/secret_docs.py HELD_NOTE, SHOWN_NOTE
        "secret_held",
        re.compile(r"secret document: catalogue row only; original and text held encrypted in .+", re.S),
        lambda m: (
            "Tài liệu mật: kho lưu trữ chỉ giữ dòng mục lục; bản gốc và nội dung được mã hóa trong kho mật."
        ),
    ),
    (
        "catalogue_row_only",
        re.compile(r"not accessible: catalogue row only, the content is not shown"),
        lambda m: "Không được tiếp cận: chỉ có dòng mục lục, nội dung không được hiển thị.",
    ),
    (  # application/dossier_intake.py NO_CODE_REASON (a dossier's own reason, written in Vietnamese)
        "no_dossier_code",
        re.compile(r"Mã hồ sơ chưa có: .*", re.S),
        lambda m: m[0],
    ),
    (  # application/dossier_intake.py UNSURE_BOUNDARY (written in Vietnamese)
        "boundary_unsure",
        re.compile(r"Ranh giới văn bản chưa chắc chắn .*", re.S),
        lambda m: m[0],
    ),
    (  # application/dossier_review.py KEPT_CLASS: its classes are the codes (undetermined …)
        "split_kept_class",
        re.compile(
            r"(?P<head>Văn bản được tách lại từ trang [\d,]+ vốn thuộc loại )«(?P<was>\w+)»"
            r"(?P<mid>: giữ loại đó cho đến khi người lưu trữ xác nhận \(phân loại lại cho ra )"
            r"«(?P<now>\w+)»\)"
        ),
        lambda m: f"{m['head']}«{_access(m['was']).lower()}»{m['mid']}«{_access(m['now']).lower()}»).",
    ),
    ("no_text", re.compile(r"no text recognised"), lambda m: "Không nhận dạng được chữ."),
    (
        "low_ocr_confidence",
        re.compile(r"low OCR confidence \((?P<a>\d+) < (?P<b>\d+)\)"),
        lambda m: f"Độ tin cậy nhận dạng chữ (OCR) thấp ({m['a']} < {m['b']}).",
    ),
    (
        "few_vietnamese_syllables",
        re.compile(r"only (?P<a>\d+%) of words are Vietnamese syllables \(< (?P<b>\d+%)\)"),
        lambda m: f"Chỉ {m['a']} số từ là âm tiết tiếng Việt (< {m['b']}).",
    ),
    (
        "text_unsure",
        re.compile(r"(?P<a>\d+%) of the text read unsure \(>= (?P<b>\d+%)\)"),
        lambda m: f"{m['a']} nội dung đọc được không chắc chắn (>= {m['b']}).",
    ),
    (
        "text_noise",
        re.compile(r"(?P<a>\d+%) of what was read was noise \(>= (?P<b>\d+%)\)"),
        lambda m: f"{m['a']} nội dung đọc được là nhiễu (>= {m['b']}).",
    ),
    (
        "lettering_unread",
        re.compile(r"(?P<a>\d+%) of the lettering was not read \(>= (?P<b>\d+%)\)"),
        lambda m: f"{m['a']} chữ trên trang không đọc được (>= {m['b']}).",
    ),
    (
        "page_in_doubt",
        re.compile(
            r"(?P<a>\d+%) of the page in doubt \(unsure (?P<u>\d+%), noise (?P<n>\d+%), "
            r"unread (?P<r>\d+%); >= (?P<b>\d+%)\)"
        ),
        lambda m: (
            f"{m['a']} trang còn nghi ngờ (đọc không chắc {m['u']}, nhiễu {m['n']}, "
            f"không đọc được {m['r']}; >= {m['b']})."
        ),
    ),
    (
        "orientation_unsure",
        re.compile(r"orientation unsure.*"),
        lambda m: "Chưa chắc chắn về hướng trang: cần kiểm tra ảnh.",
    ),
    (
        "access_undetermined",
        re.compile(r"access class undetermined"),
        lambda m: "Chưa xác định được mức độ tiếp cận.",
    ),
    (  # a rule hit written as "<id>: <title> — <evidence>"
        "rule_hit",
        re.compile(r"(?P<id>[AR]\d*[.\w]*|S\.\w+): (?P<rest>.* — .*)", re.S),
        lambda m: f"{m['id']}: {_title(m)} — {_evidence_after_title(m)}",
    ),
]


def reason_vi(reason: str) -> str:
    """A review reason in Vietnamese ("access: …" and "trang n: …" prefixes kept in Vietnamese)."""
    return coded_reason(reason)[1]


def reason_code(reason: str) -> str:
    """The kind of a review reason, machine-readable and stable ("low_ocr_confidence",
    "near_duplicate", "rule_suggests" …): REASON_VIETNAMESE for one some step wrote in
    Vietnamese, REASON_OTHER for one not known here."""
    return coded_reason(reason)[0]


def coded_reason(reason: str) -> tuple[str, str]:
    """(`reason_code`, `reason_vi`) of a review reason, read once."""
    text = reason.strip()
    if text.startswith("access: "):
        code, shown = coded_reason(text[len("access: ") :])
        return code, f"Quyền tiếp cận: {shown}"
    page = re.match(r"trang (\d+): (.*)", text, re.S)
    if page:
        code, shown = coded_reason(page[2])
        return code, f"trang {page[1]}: {shown}"
    for code, pattern, rewrite in _REASONS:
        found = pattern.fullmatch(text)
        if found:
            return code, rewrite(found)
    if _in_vietnamese(text):
        return REASON_VIETNAMESE, text
    return REASON_OTHER, GENERIC_REASON


def coded_reasons(reasons: list[str] | tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(the reasons in Vietnamese, their codes), in the same order: how every API route gives a
    list of review reasons (`reasons` / `review_reasons` beside `..._codes`)."""
    coded = [coded_reason(reason) for reason in reasons]
    return [shown for _, shown in coded], [code for code, _ in coded]


_MOST_PIECES = 12  # "; "-pieces one reason may span (its evidence's parts): bounds the work per detail


def _joined_reasons(detail: str) -> tuple[list[str], list[str]]:
    """(Vietnamese, codes) of reasons joined by "; " (a classify event's detail): a reason may
    hold "; " itself (its evidence), so pieces are joined until they make a reason known here."""
    shown: list[str] = []
    codes: list[str] = []
    pieces = detail.split("; ")
    at = 0
    while at < len(pieces):
        for end in range(at + 1, min(len(pieces), at + _MOST_PIECES) + 1):
            code, text = coded_reason("; ".join(pieces[at:end]))
            if code != REASON_OTHER:
                break
        else:  # none known from here on: one piece said generically
            code, text, end = REASON_OTHER, GENERIC_REASON, at + 1
        shown.append(text)
        codes.append(code)
        at = end
    return shown, codes


# the details sohoa's steps write in an event (application/ingest.py, dossier_intake.py,
# second_readings.py, dossier_review.py, secret_docs.py), in Vietnamese
_DETAILS: list[tuple[re.Pattern[str], Rewrite]] = [
    (re.compile(r"(?P<n>\d+) pages"), lambda m: f"{m['n']} trang"),
    (re.compile(r"(?P<n>\d+) scan pages"), lambda m: f"{m['n']} trang quét"),
    (
        re.compile(r"scan pages (?P<a>\d+)-(?P<b>\d+)(?: \(confidence (?P<c>[\d.]+)\))?"),
        lambda m: f"trang quét {m['a']}–{m['b']}" + (f" (độ tin cậy {m['c']})" if m["c"] else ""),
    ),
    (
        re.compile(r"(?P<a>\d+) of (?P<b>\d+) pages read \(up to the secrecy mark\)"),
        lambda m: f"Đã đọc {m['a']}/{m['b']} trang (đến trang có dấu mật)",
    ),
    (
        re.compile(r"signature region read again: the first reading lacked the signer's name"),
        lambda m: "Đọc lại vùng chữ ký: lần đọc đầu thiếu họ tên người ký",
    ),
    (
        re.compile(r"date digits read again: the day or month was read as letters"),
        lambda m: "Đọc lại chữ số ngày tháng: lần đọc đầu đọc ngày hoặc tháng thành chữ cái",
    ),
    (
        re.compile(r"stamps under the number read again: the first reading lacked a mark"),
        lambda m: "Đọc lại các dấu dưới số văn bản: lần đọc đầu không thấy dấu",
    ),
    (
        re.compile(r"the Số line read again: the first reading's number was unsure"),
        lambda m: "Đọc lại dòng Số: số văn bản ở lần đọc đầu chưa chắc chắn",
    ),
    (
        re.compile(r"document boundaries set by an archivist"),
        lambda m: "Ranh giới văn bản do lưu trữ viên xác định",
    ),
]


def event_vi(event: Event) -> Event:
    """A provenance event as a clerk reads it in an API answer: the review reasons it quotes in
    Vietnamese, their codes beside them (a review's `reasons_resolved`, with
    `reasons_resolved_codes`; a classification's or a near-duplicate link's `detail`). The
    record keeps what the step wrote (application/secret_docs.py reads it in English)."""
    if event.step == "review" and isinstance(event.parameters.get("reasons_resolved"), list):
        reasons = [str(r) for r in event.parameters["reasons_resolved"]]
        shown, codes = coded_reasons(reasons)
        parameters = {**event.parameters, "reasons_resolved": shown, "reasons_resolved_codes": codes}
        return event.model_copy(update={"parameters": parameters})
    if event.step == "reprocess" and event.detail:  # application/reprocess.py `_why`
        return event.model_copy(update={"detail": reprocess_why_vi(event.detail)})
    for pattern, rewrite in _DETAILS:  # what sohoa's steps write; a path, a person's words stay
        found = None if event.step in ("ingest", "review") else pattern.fullmatch(event.detail)
        if found:
            return event.model_copy(update={"detail": rewrite(found)})
    if event.step in ("classify", "dedup", "secret-twin") and event.detail:
        shown, codes = _joined_reasons(event.detail)
        parameters = {**event.parameters, "detail_codes": codes}
        return event.model_copy(update={"detail": "; ".join(shown), "parameters": parameters})
    return event


_VIETNAMESE_LETTERS = re.compile(
    r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.I
)
_ENGLISH_WORDS = re.compile(
    r"\b(the|of|no|not|is|be|but|for|from|with|to|and|or|found|rule|page|secrecy|mark|access|class|"
    r"undetermined|review|evidence|weak|low|confidence|matched|period|retention|decided?|document|"
    r"text|stamp|record|unknown|unsure|noise|read|lines?|could)\b",
    re.I,
)


def _in_vietnamese(text: str) -> bool:
    """A reason some step already wrote in Vietnamese (it has Vietnamese letters, no English)."""
    return bool(_VIETNAMESE_LETTERS.search(text)) and not _ENGLISH_WORDS.search(text)


_KINDS = {
    "cccd": "CCCD",
    "cmnd": "CMND",
    "passport": "hộ chiếu",
    "phone": "điện thoại",
    "email": "thư điện tử",
    "date_of_birth": "ngày sinh",
    "dob": "ngày sinh",
    "address": "địa chỉ",
    "name": "họ tên",
    "full_name": "họ tên",
}
_FORMS = {"typed": "văn bản có tên loại", "cong_van": "công văn", "normative": "văn bản quy phạm"}
_EVIDENCE: list[tuple[re.Pattern[str], Rewrite]] = [
    (re.compile(r"type: (?P<v>.*)", re.S), lambda m: f"loại văn bản: {m['v']}"),
    (
        re.compile(r"notation form: (?P<v>.*)", re.S),
        lambda m: f"hình thức ký hiệu: {_FORMS.get(m['v'], m['v'])}",
    ),
    (re.compile(r"title/subject: (?P<v>.*)", re.S), lambda m: f"tên loại/trích yếu: {m['v']}"),
    (re.compile(r"text: (?P<v>.*)", re.S), lambda m: f"nội dung: {m['v']}"),
    (re.compile(r"record (?P<v>[0-9a-f]{32})"), lambda m: f"tài liệu {m['v']}"),  # DUP.near
    (re.compile(r"mark (?P<v>«.*?»): (?P<e>.*)", re.S), lambda m: f"dấu {m['v']}: {m['e']}"),
    (
        re.compile(r"personal data(?: \((?P<k>[^)]*)\))?: (?P<kind>\w+) (?P<v>.*)", re.S),
        lambda m: f"dữ liệu cá nhân: {_KINDS.get(m['kind'], m['kind'])} {m['v']}",
    ),
]


def evidence_vi(evidence: str) -> str:
    """A decision's evidence with its English labels ("type:", "text:" ...) in Vietnamese; the
    quoted document text is left as it is."""
    parts = []
    for part in evidence.split("; "):
        for pattern, rewrite in _EVIDENCE:
            found = pattern.fullmatch(part)
            if found:
                part = rewrite(found)
                break
        parts.append(part)
    return "; ".join(parts)


def conclusion_vi(outcome: str) -> str:
    """A decision's outcome in Vietnamese: an access class, a period, or a review's outcome."""
    if outcome in ACCESS_LABELS:
        return ACCESS_LABELS[outcome]
    review = re.fullmatch(r"(\w+): access (\w+)", outcome)
    if review:
        return f"{_OUTCOMES.get(review[1], review[1]).capitalize()}: {_access(review[2]).lower()}"
    kept = re.fullmatch(r"kept (\w+): proposed (\w+)", outcome)  # REPROCESS.hold
    if kept:
        return f"Giữ «{_access(kept[1]).lower()}»; đề xuất «{_access(kept[2]).lower()}» chờ duyệt"
    closed = re.fullmatch(r"closed (\w+) -> (\w+)", outcome)  # REPROCESS.close
    if closed:
        return f"Thu hẹp: «{_access(closed[1]).lower()}» → «{_access(closed[2]).lower()}»"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", outcome):
        return f"bảo vệ đến {_date(outcome)}"
    if outcome == "near_duplicate":  # dedup/link.py NEAR_DUPLICATE
        return "có thể là bản quét lại: lưu trữ viên quyết định"
    return outcome.replace("years", "năm").replace("Permanent", "Vĩnh viễn")


_FIELDS_IN_ERRORS = {
    **FIELD_LABELS,
    "q": "từ khóa",
    "reason": "lý do",
    "action": "hành động",
    "access": "mức độ tiếp cận",
    "retention": "thời hạn bảo quản",
    "protect_until": "bảo vệ đến ngày",
    "declassify": "giải mật",
    "fields": "các trường",
    "year": "năm",
    "date_from": "từ ngày",
    "date_to": "đến ngày",
    "needs_review": "cần duyệt",
    "sort": "sắp xếp",
    "page": "trang",
    "per_page": "số kết quả mỗi trang",
    "facet_limit": "số giá trị mỗi nhóm lọc",
    "limit": "số mục",
    "offset": "vị trí bắt đầu",
    "width": "chiều rộng",
    "format": "định dạng",
    "number": "số trang",
    "record_id": "mã hồ sơ",
    "version": "phiên bản",
}


def _expected(ctx: dict[str, object]) -> str:
    return str(ctx.get("expected", "")).replace(" or ", " hoặc ")


_VALIDATION: dict[str, Callable[[dict[str, object]], str]] = {
    "missing": lambda ctx: "thiếu, cần nhập",
    "string_too_short": lambda ctx: f"cần ít nhất {ctx.get('min_length')} ký tự",
    "string_too_long": lambda ctx: f"dài quá {ctx.get('max_length')} ký tự",
    "string_pattern_mismatch": lambda ctx: "không đúng dạng cho phép",
    "string_type": lambda ctx: "phải là một chuỗi ký tự",
    "greater_than_equal": lambda ctx: f"phải lớn hơn hoặc bằng {ctx.get('ge')}",
    "less_than_equal": lambda ctx: f"phải nhỏ hơn hoặc bằng {ctx.get('le')}",
    "greater_than": lambda ctx: f"phải lớn hơn {ctx.get('gt')}",
    "less_than": lambda ctx: f"phải nhỏ hơn {ctx.get('lt')}",
    "int_parsing": lambda ctx: "phải là một số nguyên",
    "int_type": lambda ctx: "phải là một số nguyên",
    "int_from_float": lambda ctx: "phải là một số nguyên",
    "bool_parsing": lambda ctx: "phải là true hoặc false",
    "bool_type": lambda ctx: "phải là giá trị logic JSON true hoặc false (không nhận chuỗi hay số)",
    "literal_error": lambda ctx: f"chỉ nhận một trong các giá trị: {_expected(ctx)}",
    "enum": lambda ctx: f"chỉ nhận một trong các giá trị: {_expected(ctx)}",
    "date_parsing": lambda ctx: "phải là một ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": lambda ctx: "phải là một ngày dạng YYYY-MM-DD",
    "date_from_datetime_inexact": lambda ctx: "phải là một ngày dạng YYYY-MM-DD",
    "date_type": lambda ctx: "phải là một ngày dạng YYYY-MM-DD",
    "extra_forbidden": lambda ctx: "trường này không được phép",
    "json_invalid": lambda ctx: "nội dung JSON không hợp lệ",
    "model_attributes_type": lambda ctx: "phải là một đối tượng JSON",
    "dict_type": lambda ctx: "phải là một đối tượng JSON",
    "list_type": lambda ctx: "phải là một danh sách",
    "value_error": lambda ctx: "giá trị không hợp lệ",
}
_REASON_PATTERN = "lý do phải có ít nhất 5 ký tự (không tính khoảng trắng)"


def validation_message(error: dict[str, object]) -> str:
    """One pydantic/FastAPI validation error in Vietnamese: the field, then what is wrong (never
    the raw pattern or the English message)."""
    # positions (ints: an item of a list, or where a body that is not JSON went wrong) name no field
    where = error.get("loc", ())
    loc = [str(p) for p in where if p not in ("body", "query", "path", "header") and not isinstance(p, int)]  # type: ignore[union-attr]
    field = loc[-1] if loc else ""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") if isinstance(error.get("ctx"), dict) else {}
    if field == "reason" and kind in ("string_pattern_mismatch", "string_too_short", "missing"):
        return _REASON_PATTERN.capitalize() + "."
    what = _VALIDATION.get(kind, lambda _ctx: "giá trị không hợp lệ")(ctx)  # type: ignore[arg-type]
    name = _FIELDS_IN_ERRORS.get(field, field)
    return f"{name.capitalize()}: {what}." if name else f"{what[:1].upper()}{what[1:]}."


# Why a version was written, as its OCFL message begins (storage/package.py `version_info`: the
# step of the record's newest event, or what a writer says), in the page's words.
VERSION_STEPS = {
    "ingest": "Tiếp nhận, số hóa",
    "review": "Lưu trữ viên duyệt",
    "review-split": "Tách lại hồ sơ",
    "reprocess": "Xử lý lại",
    "secret hold": "Chuyển nội dung vào khu lưu giữ tài liệu mật",
    "secret-hold": "Chuyển nội dung vào khu lưu giữ tài liệu mật",
    "secret-twin": "Đóng bản quét gần trùng với một tài liệu mật",
    "withdrawn": "Rút khỏi hồ sơ",
    "migrate": "Chuyển sang cách lưu trữ mới",
    "update": "Cập nhật",
}


def version_why_vi(message: str | None) -> str:
    """A version's OCFL message in Vietnamese: its step's name, then what the person wrote (a
    review's reason), or what sohoa wrote (in English, stored so) said in Vietnamese."""
    if not message:
        return ""
    if message.startswith(MIGRATION_MESSAGE):
        return VERSION_STEPS["migrate"]
    step, sep, detail = message.partition(":")
    step, detail = step.strip(), detail.strip()
    if step == "review undone":
        return "Hoàn lại quyết định duyệt (một tiến trình khác đã ghi phiên bản mới trong lúc duyệt)"
    if step == "reprocess":
        return reprocess_why_vi(detail)
    known = VERSION_STEPS.get(step)
    if known is None:
        return VERSION_STEPS["update"]
    # only a person's words follow a step (a review's reason); sohoa's own details are English
    return f"{known}: {detail}" if step == "review" and sep and detail else known


_REPROCESS_WHAT = {
    "classification changed": "phân loại thay đổi",
    "metadata changed": "thông tin văn bản thay đổi",
    "pages changed": "nội dung trang thay đổi",
}


def reprocess_why_vi(detail: str) -> str:
    """ "rules A→B, classification changed (access x→y; public proposed, held for review;
    metadata a, b; pages read again)" (application/reprocess.py `_why`) in Vietnamese."""
    found = re.fullmatch(r"rules (?P<rules>[^,]+), (?P<what>[a-z ]+?)(?: \((?P<parts>.*)\))?", detail)
    if found is None:  # "undone, version N was committed meanwhile": another writer's state again
        return VERSION_STEPS["reprocess"] + (
            ": ghi lại phiên bản của một tiến trình khác" if detail.startswith("undone") else ""
        )
    said = [f"bộ quy tắc {found['rules'].replace('→', ' → ')}"]
    said.append(_REPROCESS_WHAT.get(found["what"], ""))
    for part in (found["parts"] or "").split("; "):
        if access := re.fullmatch(r"access (\w+)→(\w+)", part):
            said.append(f"mức tiếp cận «{_access_vi(access[1])}» → «{_access_vi(access[2])}»")
        elif held := re.fullmatch(r"(\w+) proposed, held for review", part):
            said.append(f"đề xuất «{_access_vi(held[1])}» chưa áp dụng, chờ lưu trữ viên duyệt")
        elif part.startswith("metadata "):
            said.append("đọc lại thông tin văn bản")
        elif part == "pages read again":
            said.append("nhận dạng lại các trang")
    return f"{VERSION_STEPS['reprocess']}: " + "; ".join(s for s in said if s)


def _access_vi(access: str) -> str:
    return ACCESS_LABELS.get(access, access).lower()
