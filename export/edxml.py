"""The edXML envelope (QCVN 102:2016, vn-archival-rules §6) of one record, and its parser.

    edXML                                   default namespace QCVN_102_2016
     ├ edXMLEnvelope
     │  ├ edXMLHeader
     │  │  ├ MessageHeader                  From, To*, Code, PromulgationInfo, DocumentType,
     │  │  │                                Subject, SignerInfo, ToPlaces, OtherInfo, DocumentId
     │  │  └ TraceHeaderList                TraceHeader (OrganId, Timestamp), Bussiness
     │  └ edXMLBody / edXMLManifest         Reference xlink:href="cid:<ContentId>" per attachment
     └ AttachmentEncoded / Attachment       ContentType, ContentId, Description,
                                            ContentTransferEncoded (base64), AttachmentName

The envelope is not signed: XML-DSig with the agency's certificate is the gateway's job. Field
mapping from the record: From.OrganName = issuer (OrganizationInCharge = parent issuer); Code =
number and notation; PromulgationInfo = place and date (yyyy/MM/dd); DocumentType = Type code
(export/codes.py, unconfirmed) and TypeName; SignerInfo = authority (KT./TM./...), position and
name; ToPlaces = the "Nơi nhận" entries; OtherInfo = Priority (urgency) and PageAmount.
To and the sender's OrganId are not in the paper: the caller supplies them (the sender's OrganId
is the agency's mã định danh, SOHOA_ORGAN_ID, unless the command names another).

Attachments are streamed (base64 in chunks), so a large PDF is never held encoded in memory.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from export.codes import DOCUMENT_TYPE_CODES, priority_code, type_code
from schemas import Record
from vntext.normalise import nfc

__all__ = [
    "NS",
    "XLINK",
    "Attachment",
    "Envelope",
    "Organ",
    "edxml_bytes",
    "envelope_for",
    "parse_edxml",
    "write_edxml",
    "xml_text",
]

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
XLINK = "http://www.w3.org/1999/xlink"
DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"
VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")  # no daylight saving
_CHUNK = 3 * 256 * 1024  # a multiple of 3: base64 of each chunk joins without padding
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ORGAN_FIELDS = (
    ("organ_id", "OrganId"),
    ("in_charge", "OrganizationInCharge"),
    ("name", "OrganName"),
    ("address", "OrganAdd"),
    ("email", "Email"),
    ("telephone", "Telephone"),
    ("fax", "Fax"),
    ("website", "Website"),
)

ET.register_namespace("", NS)
ET.register_namespace("xlink", XLINK)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


@dataclass(frozen=True)
class Organ:
    """An organisation of the exchange network; OrganId is 13 characters, e.g. 000.00.01.H01."""

    organ_id: str = ""
    name: str = ""
    in_charge: str = ""
    address: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file carried in the envelope: its bytes, or a local file streamed when written."""

    name: str
    content_type: str
    source: bytes | Path
    content_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    description: str = ""

    def read(self) -> bytes:
        return self.source if isinstance(self.source, bytes) else Path(self.source).read_bytes()

    def open(self) -> BinaryIO:
        return io.BytesIO(self.source) if isinstance(self.source, bytes) else self.source.open("rb")


@dataclass(frozen=True)
class Envelope:
    """The MessageHeader fields and attachments of one message."""

    sender: Organ
    code_number: str = ""
    code_notation: str = ""
    place: str = ""
    date: dt.date | None = None
    type_code: int = 0
    type_name: str = ""
    subject: str = ""
    competence: str = ""
    position: str = ""
    full_name: str = ""
    to_places: tuple[str, ...] = ()
    priority: int = 0
    page_amount: int = 0
    to: tuple[Organ, ...] = ()
    document_id: str = ""
    attachments: tuple[Attachment, ...] = ()


def envelope_for(
    record: Record,
    attachment: Attachment,
    *,
    sender: Organ | None = None,
    to: Sequence[Organ] = (),
    type_codes: Mapping[str, int] = DOCUMENT_TYPE_CODES,
    document_id: str = "",
    organ_id: str = "",
) -> Envelope:
    """The envelope of `record` (pure). `sender` defaults to the issuer named on the paper, with
    `organ_id` (the sending agency's OrganId) as its OrganId."""
    meta = record.metadata
    signer = meta.signer
    if sender is None:
        sender = Organ(organ_id=organ_id, name=meta.issuer or "", in_charge=meta.parent_issuer or "")
    return Envelope(
        sender=sender,
        to=tuple(to),
        code_number=meta.number or "",
        code_notation=meta.notation or "",
        place=meta.place or "",
        date=meta.date,
        type_code=type_code(meta.doc_type, type_codes),
        type_name=meta.doc_type or "",
        subject=meta.subject or "",
        competence=(signer.authority if signer else None) or "",
        position=(signer.position if signer else None) or "",
        full_name=(signer.name if signer else None) or "",
        to_places=tuple(meta.recipients),
        priority=priority_code(meta.urgency),
        page_amount=record.page_count,
        document_id=document_id,
        attachments=(attachment,),
    )


# ---- writing ----


def xml_text(value: str | int) -> str:
    """NFC, without the characters XML 1.0 cannot carry (OCR text may hold a form feed)."""
    return _NOT_XML.sub("", nfc(str(value)))


def _add(parent: ET.Element, tag: str, text: str | int | None = None) -> ET.Element:
    child = ET.SubElement(parent, _q(tag))
    if text is not None:
        child.text = xml_text(text)
    return child


def _organ(parent: ET.Element, tag: str, organ: Organ) -> None:
    element = _add(parent, tag)
    for attribute, child in _ORGAN_FIELDS:
        _add(element, child, getattr(organ, attribute))


def _header(parent: ET.Element, env: Envelope) -> None:
    header = _add(parent, "MessageHeader")
    _organ(header, "From", env.sender)
    for organ in env.to:
        _organ(header, "To", organ)
    code = _add(header, "Code")
    _add(code, "CodeNumber", env.code_number)
    _add(code, "CodeNotation", env.code_notation)
    promulgation = _add(header, "PromulgationInfo")
    _add(promulgation, "Place", env.place)
    _add(promulgation, "PromulgationDate", env.date.strftime(DATE_FORMAT) if env.date else "")
    doc_type = _add(header, "DocumentType")
    _add(doc_type, "Type", env.type_code)
    _add(doc_type, "TypeName", env.type_name)
    _add(header, "Subject", env.subject)
    signer = _add(header, "SignerInfo")
    _add(signer, "Competence", env.competence)
    _add(signer, "Position", env.position)
    _add(signer, "FullName", env.full_name)
    places = _add(header, "ToPlaces")
    for place in env.to_places:
        _add(places, "Place", place)
    other = _add(header, "OtherInfo")
    _add(other, "Priority", env.priority)
    _add(other, "PageAmount", env.page_amount)
    if env.document_id:
        _add(header, "DocumentId", env.document_id)


def _trace(parent: ET.Element, env: Envelope, timestamp: dt.datetime) -> None:
    traces = _add(parent, "TraceHeaderList")
    trace = _add(traces, "TraceHeader")
    _add(trace, "OrganId", env.sender.organ_id)
    _add(trace, "Timestamp", timestamp.astimezone(VIETNAM).strftime(TIMESTAMP_FORMAT))
    business = _add(traces, "Bussiness")  # sic: the standard's spelling
    _add(business, "BussinessDocType", 0)  # 0: a new document
    _add(business, "Paper", 0)  # 0: no paper copy follows


def _marker(attachment: Attachment) -> str:
    return f"@@sohoa-attachment-{attachment.content_id}@@"


def _tree(env: Envelope, timestamp: dt.datetime) -> ET.Element:
    root = ET.Element(_q("edXML"))
    envelope = _add(root, "edXMLEnvelope")
    header = _add(envelope, "edXMLHeader")
    _header(header, env)
    _trace(header, env, timestamp)
    manifest = _add(_add(envelope, "edXMLBody"), "edXMLManifest")
    manifest.set("version", "1.0")
    encoded = _add(root, "AttachmentEncoded")
    for attachment in env.attachments:
        reference = _add(manifest, "Reference")
        reference.set(f"{{{XLINK}}}href", f"cid:{attachment.content_id}")
        reference.set(f"{{{XLINK}}}type", "simple")
        _add(reference, "Description", attachment.description)
        _add(reference, "AttachmentName", attachment.name)
        _add(reference, "ContentType", attachment.content_type)
        _add(reference, "ContentId", attachment.content_id)
        element = _add(encoded, "Attachment")
        _add(element, "ContentType", attachment.content_type)
        _add(element, "ContentId", attachment.content_id)
        _add(element, "Description", attachment.description)
        _add(element, "ContentTransferEncoded", _marker(attachment))
        _add(element, "AttachmentName", attachment.name)
    ET.indent(root)
    return root


def _base64_chunks(attachment: Attachment) -> Iterator[bytes]:
    with attachment.open() as source:
        while chunk := source.read(_CHUNK):
            yield base64.b64encode(chunk)


def write_edxml(env: Envelope, out: BinaryIO, *, timestamp: dt.datetime | None = None) -> None:
    """Write the envelope as UTF-8 XML to `out`, attachments base64-encoded a chunk at a time."""
    timestamp = timestamp or dt.datetime.now(dt.UTC)
    text = ET.tostring(_tree(env, timestamp), encoding="unicode", xml_declaration=False)
    out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    for attachment in env.attachments:
        before, marker, text = text.partition(_marker(attachment))
        if not marker:
            raise ValueError(f"attachment {attachment.content_id!r} is not unique in the envelope")
        out.write(before.encode())
        for piece in _base64_chunks(attachment):
            out.write(piece)
    out.write(text.encode() + b"\n")


def edxml_bytes(env: Envelope, *, timestamp: dt.datetime | None = None) -> bytes:
    buffer = io.BytesIO()
    write_edxml(env, buffer, timestamp=timestamp)
    return buffer.getvalue()


# ---- reading back ----


def _text(element: ET.Element | None, path: str) -> str:
    found = element.find(path, {"e": NS}) if element is not None else None
    return (found.text or "") if found is not None else ""


def _parse_organ(element: ET.Element) -> Organ:
    return Organ(**{attr: _text(element, f"e:{tag}") for attr, tag in _ORGAN_FIELDS})


def _parse_date(text: str) -> dt.date | None:
    return dt.datetime.strptime(text, DATE_FORMAT).date() if text else None


def parse_edxml(data: bytes) -> Envelope:
    """An envelope read back from XML; attachments are matched to the manifest by cid."""
    ns = {"e": NS}
    root = ET.fromstring(data)
    if root.tag != _q("edXML"):
        raise ValueError(f"not an edXML document (root {root.tag})")
    header = root.find("e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader", ns)
    if header is None:
        raise ValueError("edXML without a MessageHeader")
    encoded = {_text(a, "e:ContentId"): a for a in root.iterfind("e:AttachmentEncoded/e:Attachment", ns)}
    attachments = []
    for reference in root.iterfind("e:edXMLEnvelope/e:edXMLBody/e:edXMLManifest/e:Reference", ns):
        href = reference.get(f"{{{XLINK}}}href", "")
        if not href.startswith("cid:") or href[4:] not in encoded:
            raise ValueError(f"manifest reference {href!r} has no attachment")
        element = encoded[href[4:]]
        attachments.append(
            Attachment(
                name=_text(element, "e:AttachmentName"),
                content_type=_text(element, "e:ContentType"),
                source=base64.b64decode("".join(_text(element, "e:ContentTransferEncoded").split())),
                content_id=href[4:],
                description=_text(element, "e:Description"),
            )
        )
    page_amount = _text(header, "e:OtherInfo/e:PageAmount")
    return Envelope(
        sender=_parse_organ(header.find("e:From", ns)),
        to=tuple(_parse_organ(e) for e in header.iterfind("e:To", ns)),
        code_number=_text(header, "e:Code/e:CodeNumber"),
        code_notation=_text(header, "e:Code/e:CodeNotation"),
        place=_text(header, "e:PromulgationInfo/e:Place"),
        date=_parse_date(_text(header, "e:PromulgationInfo/e:PromulgationDate")),
        type_code=int(_text(header, "e:DocumentType/e:Type") or 0),
        type_name=_text(header, "e:DocumentType/e:TypeName"),
        subject=_text(header, "e:Subject"),
        competence=_text(header, "e:SignerInfo/e:Competence"),
        position=_text(header, "e:SignerInfo/e:Position"),
        full_name=_text(header, "e:SignerInfo/e:FullName"),
        to_places=tuple(p.text or "" for p in header.iterfind("e:ToPlaces/e:Place", ns)),
        priority=int(_text(header, "e:OtherInfo/e:Priority") or 0),
        page_amount=int(page_amount or 0),
        document_id=_text(header, "e:DocumentId"),
        attachments=tuple(attachments),
    )
