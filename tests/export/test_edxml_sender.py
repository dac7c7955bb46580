"""The edXML sender's OrganId: the agency's mã định danh (SOHOA_ORGAN_ID) unless the command
names another; empty only when neither is given."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from export import Attachment, edxml_bytes, envelope_for, export_edxml, parse_edxml
from export.edxml import NS
from storage import LocalStore
from tests.export.records import make_record, store_record

ORIGINAL = b"%PDF-1.4 scanned original for the sender test"
AGENCY = "000.00.01.H43"


def _organ_ids(data: bytes) -> tuple[str, str]:
    """(From/OrganId, TraceHeader/OrganId) as written in the XML."""
    root = ET.fromstring(data)
    ns = {"e": NS}
    header = "e:edXMLEnvelope/e:edXMLHeader"
    sender = root.find(f"{header}/e:MessageHeader/e:From/e:OrganId", ns)
    trace = root.find(f"{header}/e:TraceHeaderList/e:TraceHeader/e:OrganId", ns)
    assert sender is not None and trace is not None
    return sender.text or "", trace.text or ""


def test_the_issuer_sends_under_the_agency_organ_id() -> None:
    record = make_record(b"sender")
    envelope = envelope_for(record, Attachment("a.pdf", "application/pdf", b"%PDF"), organ_id=AGENCY)
    assert envelope.sender.organ_id == AGENCY
    assert envelope.sender.name == "Ủy ban nhân dân tỉnh Phú Thọ", "the name is still the paper's"
    assert _organ_ids(edxml_bytes(envelope)) == (AGENCY, AGENCY)


def test_export_edxml_passes_the_organ_id(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    record = store_record(store, tmp_path, ORIGINAL)
    out = io.BytesIO()
    export_edxml(store, record.id, out, organ_id=AGENCY)
    assert parse_edxml(out.getvalue()).sender.organ_id == AGENCY


@pytest.mark.parametrize(
    ("organ_env", "option", "expected"),
    [
        pytest.param(AGENCY, [], AGENCY, id="from-settings"),
        pytest.param(AGENCY, ["--from-organ-id", "000.00.00.G01"], "000.00.00.G01", id="option-wins"),
        pytest.param(None, [], "", id="unset"),
    ],
)
def test_sohoa_export_fills_from_organ_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, organ_env: str | None, option: list[str], expected: str
) -> None:
    store = LocalStore(tmp_path / "store")
    record = store_record(store, tmp_path, ORIGINAL)
    monkeypatch.setenv("SOHOA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SOHOA_STORAGE", str(store.root))
    if organ_env is None:
        monkeypatch.delenv("SOHOA_ORGAN_ID", raising=False)
    else:
        monkeypatch.setenv("SOHOA_ORGAN_ID", organ_env)
    out = tmp_path / "message.edxml"
    result = CliRunner().invoke(app, ["export", record.id, "--format", "edxml", "-o", str(out), *option])
    assert result.exit_code == 0, result.output
    assert _organ_ids(out.read_bytes()) == (expected, expected)
