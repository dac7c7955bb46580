"""The edXML envelope: parses back with every field, Vietnamese exact, attachment byte-exact."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.export_commands import export_command
from core.errors import NotFound
from core.settings import load_settings
from export import (
    Attachment,
    NotExportable,
    Organ,
    edxml_bytes,
    envelope_for,
    export_edxml,
    parse_edxml,
    priority_code,
    type_code,
)
from export.edxml import NS, XLINK
from schemas import Decision, Metadata
from storage import LocalStore
from tests.export.records import make_record, store_record

PDF = b"%PDF-1.4 searchable \x00\xff" + bytes(range(256)) * 50
ORIGINAL = b"%PDF-1.4 scanned original " + bytes(range(256)) * 20
WHEN = dt.datetime(2024, 6, 11, 1, 2, 3, tzinfo=dt.UTC)


def _roundtrip(record, attachment, **kwargs):
    return parse_edxml(edxml_bytes(envelope_for(record, attachment, **kwargs), timestamp=WHEN))


def test_message_header_round_trips_the_metadata() -> None:
    record = make_record(ORIGINAL)
    sender = Organ(organ_id="000.00.01.H43", name="Ủy ban nhân dân tỉnh Phú Thọ", email="vt@pt.vn")
    to = [Organ(organ_id="000.00.00.G01", name="Văn phòng Chính phủ")]
    env = _roundtrip(record, Attachment("qđ.pdf", "application/pdf", PDF), sender=sender, to=to)

    meta = record.metadata
    assert env.sender == sender and env.to == tuple(to)
    assert (env.code_number, env.code_notation) == ("2154", "QĐ-UBND")
    assert (env.place, env.date) == ("Phú Thọ", dt.date(2019, 9, 12))
    assert (env.type_code, env.type_name) == (2, "Quyết định")
    assert env.subject == meta.subject
    assert (env.competence, env.position, env.full_name) == ("KT.", "PHÓ CHỦ TỊCH", "Nguyễn Thanh Bình")
    assert env.to_places == ("Như Điều 3", "Chủ tịch, các PCT UBND tỉnh", "Lưu: VT, NC.")
    assert (env.priority, env.page_amount) == (2, 2)


def test_the_sender_defaults_to_the_issuer_on_the_paper() -> None:
    record = make_record(ORIGINAL, parent_issuer="Bộ Nội vụ")
    env = _roundtrip(record, Attachment("a.pdf", "application/pdf", PDF))
    assert env.sender == Organ(name="Ủy ban nhân dân tỉnh Phú Thọ", in_charge="Bộ Nội vụ")


def test_the_xml_has_the_standard_structure_and_formats() -> None:
    attachment = Attachment("a.pdf", "application/pdf", PDF, content_id="1234-abcd")
    data = edxml_bytes(envelope_for(make_record(ORIGINAL), attachment), timestamp=WHEN)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<edXML xmlns="' + NS.encode())
    root = ET.fromstring(data)
    ns = {"e": NS}
    header = root.find("e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader", ns)
    order = [child.tag.split("}")[1] for child in header]
    assert order == [
        "From", "Code", "PromulgationInfo", "DocumentType", "Subject", "SignerInfo",
        "ToPlaces", "OtherInfo",
    ]  # fmt: skip
    assert header.findtext("e:PromulgationInfo/e:PromulgationDate", namespaces=ns) == "2019/09/12"
    trace = root.find("e:edXMLEnvelope/e:edXMLHeader/e:TraceHeaderList/e:TraceHeader", ns)
    assert trace.findtext("e:Timestamp", namespaces=ns) == "2024/06/11 08:02:03"  # Vietnam time
    reference = root.find("e:edXMLEnvelope/e:edXMLBody/e:edXMLManifest/e:Reference", ns)
    assert reference.get(f"{{{XLINK}}}href") == "cid:1234-abcd"
    assert reference.get(f"{{{XLINK}}}type") == "simple"
    attached = root.find("e:AttachmentEncoded/e:Attachment", ns)
    assert attached.findtext("e:ContentId", namespaces=ns) == "1234-abcd"


def test_the_attachment_decodes_to_the_same_bytes(tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    big.write_bytes(bytes(range(256)) * 10_000 + b"tail")  # over several base64 chunks
    env = _roundtrip(make_record(ORIGINAL), Attachment("lớn.pdf", "application/pdf", big))
    (attachment,) = env.attachments
    assert attachment.read() == big.read_bytes()
    assert (attachment.name, attachment.content_type) == ("lớn.pdf", "application/pdf")


def test_text_is_nfc_and_xml_safe() -> None:
    decomposed = unicodedata.normalize("NFD", "Về việc tổ chức Hội nghị\x0c tổng kết")
    record = make_record(ORIGINAL, subject=decomposed, recipients=['Sở <Nội vụ> & "Tài chính"'])
    env = _roundtrip(record, Attachment("a.pdf", "application/pdf", PDF))
    assert env.subject == "Về việc tổ chức Hội nghị tổng kết"
    assert env.subject == unicodedata.normalize("NFC", env.subject)
    assert env.to_places == ('Sở <Nội vụ> & "Tài chính"',)


def test_a_record_without_metadata_still_makes_a_valid_envelope() -> None:
    record = make_record(ORIGINAL).model_copy(update={"metadata": Metadata()})
    env = _roundtrip(record, Attachment("a.pdf", "application/pdf", PDF))
    assert (env.code_number, env.date, env.type_code, env.priority) == ("", None, 0, 0)


@pytest.mark.parametrize(
    ("urgency", "code"),
    [(None, 0), ("KHẨN", 1), ("Thượng khẩn", 2), ("HỎA TỐC", 3), ("HOẢ TỐC", 3), ("HỎA TỐC HẸN GIỜ", 4)],
)
def test_priority_codes(urgency: str | None, code: int) -> None:
    assert priority_code(urgency) == code


@pytest.mark.parametrize(
    ("name", "code"),
    [("Công văn", 18), ("CÔNG VĂN", 18), ("Giấy uỷ quyền", 22), ("Nghị định", 0), (None, 0)],
)
def test_document_type_codes(name: str | None, code: int) -> None:
    assert type_code(name) == code


# ---- from storage ----


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "store")


def test_export_attaches_the_searchable_pdf(store: LocalStore, tmp_path: Path) -> None:
    record = store_record(store, tmp_path, ORIGINAL, pdf=PDF, source="Quyết định 2154.tif")
    out = io.BytesIO()
    export_edxml(store, record.id, out, timestamp=WHEN)
    (attachment,) = parse_edxml(out.getvalue()).attachments
    assert attachment.read() == PDF
    assert (attachment.name, attachment.content_type) == ("Quyết định 2154.pdf", "application/pdf")


def test_without_a_pdf_the_original_is_attached(store: LocalStore, tmp_path: Path) -> None:
    record = store_record(store, tmp_path, ORIGINAL)
    out = io.BytesIO()
    export_edxml(store, record.id, out, timestamp=WHEN)
    (attachment,) = parse_edxml(out.getvalue()).attachments
    assert attachment.read() == ORIGINAL
    assert attachment.name == "Quyết định 2154.pdf"


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param({"secrecy": "MẬT"}, id="mark"),
        pytest.param({"decisions": [Decision(rule="A6.1.text", outcome="not_accessible")]}, id="text"),
    ],
)
def test_state_secrets_are_refused(store: LocalStore, tmp_path: Path, secret: dict) -> None:
    record = store_record(store, tmp_path, ORIGINAL, access="not_accessible", **secret)
    with pytest.raises(NotExportable, match=f"record {record.id}: .*(secrecy mark MẬT|A6.1.text)"):
        export_edxml(store, record.id, io.BytesIO())


def test_export_command_writes_the_file(
    store: LocalStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = store_record(store, tmp_path, ORIGINAL, pdf=PDF)
    settings = load_settings(storage=str(store.root))
    target = tmp_path / "out" / "message.edxml"
    target.parent.mkdir()
    assert export_command(record.id, "edxml", target, sender_id="000.00.01.H43", settings=settings)
    env = parse_edxml(target.read_bytes())
    assert env.sender.organ_id == "000.00.01.H43" and env.attachments[0].read() == PDF
    assert [p.name for p in target.parent.iterdir()] == ["message.edxml"], "no partial file left"
    with pytest.raises(NotFound):
        export_command("0" * 32, "edxml", tmp_path / "x.edxml", settings=settings)
    assert not (tmp_path / "x.edxml").exists()


def test_cli_mounting(store: LocalStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command as cli/main.py mounts it: `app.command("export")(export)`."""
    import typer

    from cli.export_commands import export

    app = typer.Typer()
    app.command("export")(export)
    app.command("noop")(lambda: None)  # a second command, so `export` is a sub-command
    record = store_record(store, tmp_path, ORIGINAL, pdf=PDF)
    monkeypatch.setenv("SOHOA_STORAGE", str(store.root))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["export", record.id, "--format", "edxml", "--to", "000.00.00.G01"])
    assert result.exit_code == 0, result.output
    env = parse_edxml((tmp_path / f"{record.id}.edxml").read_bytes())
    assert env.to == (Organ(organ_id="000.00.00.G01"),)
    assert CliRunner().invoke(app, ["export", "f" * 32]).exit_code == 4
    refused = CliRunner().invoke(app, ["export", record.id, "--format", "csv"])
    assert refused.exit_code == 2
    # it said "give one record ID (with --format edxml)" to a clerk who had given one
    assert "exported as edxml, not csv" in " ".join(refused.output.split()), refused.output
