"""Red team on dossiers at rest, with real OCR: a dossier whose first document is a MẬT report
and whose second is a public decision. The secret report's text must be nowhere in clear under
SOHOA_HOME (store, index, lookup, spool) once the intake is done — not in a page, and not in a
boundary cue that the next page keeps about the page before it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from application.dossier_intake import ingest_dossier
from application.ingest import ingest_file
from application.page_reading import dossier_spool_id
from application.services import build_services
from core.settings import Settings
from corpusgen.dossier import Dossier, make_dossier, write_dossier
from storage.hold import new_key
from tests.ops.scans import small_pages

pytestmark = pytest.mark.slow


def secret_first(index: int = 0) -> Dossier:
    """Tuning dossier 0 (a public document, a separator, a MẬT report) turned round: the MẬT report
    first, then the other document, so a page follows the secret one."""
    made = make_dossier("tuning", index, documents=2, plain=True)
    secret_ids = {d["doc_id"] for d in made.documents() if d["metadata"].get("secrecy")}
    assert secret_ids
    secret = [s for s in made.sheets if s.doc_id in secret_ids]
    other = [s for s in made.sheets if s.doc_id not in secret_ids and s.doc_id is not None]
    return Dossier(made.code, made.title, secret + other, made.dpi, made.relations)


@pytest.fixture(scope="module")
def held(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("dossier-at-rest")
    made = secret_first()
    path = write_dossier(made, root / "scan")
    truth = made.truth()
    secret_doc = next(d for d in truth["documents"] if d["metadata"].get("secrecy"))
    secret_pages = [p for p in truth["pages"] if p.get("doc_id") == secret_doc["doc_id"]]
    new_key(root / "keys" / "hold.key")
    home = root / "home"
    settings = Settings(
        home=home, workers=1, secret_hold=root / "hold", secret_key_file=root / "keys" / "hold.key"
    )
    services = build_services(settings)
    intake = ingest_dossier(path, services)
    services.close()
    assert intake.dossier is not None
    return {"home": home, "intake": intake, "secret_pages": secret_pages}


def test_the_page_after_a_secret_document_keeps_no_cue_text_of_it(held: dict) -> None:
    """dossier.json keeps, for every scan page, the cues its role rests on. The page after a
    document carries a cue about the page before it ('previous_ended': its signature block or
    'Nơi nhận' list; 'previous_open': its last line), with that page's number. Found open (the
    MẬT report's signer kept in clear by the next page's 'previous_ended'), closed in ee8d7f6: a
    held dossier keeps no cue text seen on a secret page, on whichever page the cue is kept."""
    home = held["home"]
    secret_numbers = {p["page"] for p in held["secret_pages"]}
    # the dossier's OCFL objects (storage/dossier_package.py), its head and its scan
    objects = list((home / "store" / "ocfl").glob("*/*/*/urn%3asohoa%3adossier*"))
    assert len(objects) == 2
    (dossier_json,) = [file for folder in objects for file in folder.glob("v*/content/dossier.json")]
    assert json.loads(dossier_json.read_text())["held"] is True
    # how the scan was cut: in dossier.json, or in a file of its own (scan.json), in any version
    (segmentation,) = [
        data["segmentation"]
        for file in (f for folder in objects for f in folder.glob("v*/content/*.json"))
        if isinstance(data := json.loads(file.read_text()), dict) and "segmentation" in data
    ]
    kept = [
        (segment["number"], cue["cue"], cue["text"])
        for segment in segmentation["pages"]
        for cue in segment["cues"]
        if cue["page"] in secret_numbers and cue["text"]
    ]
    assert kept == [], f"cue texts of the secret pages kept in clear: {kept}"


_INTAKE = """
import sys
from pathlib import Path
from application.dossier_intake import ingest_dossier
from application.page_spool import sweep
from application.services import build_services
from core.settings import Settings
root = Path(sys.argv[1])
settings = Settings(home=root / "home", workers=1, secret_hold=root / "hold",
                    secret_key_file=root / "keys" / "hold.key")
ingest_dossier(Path(sys.argv[2]), build_services(settings))
"""


def _words(text: str) -> set[str]:
    return {w for w in text.split() if len(w) > 3}


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_a_killed_dossier_intake_leaves_no_secret_text_in_temp_files(tmp_path: Path) -> None:
    """The intake is killed as soon as a document's PDF is written to its work folder: no file
    left in the temp folder or SOHOA_HOME holds the MẬT report's text. Found open (every
    document's searchable PDF, the secret one first, in /tmp/sohoa-dossier-*/), closed in ee8d7f6:
    a secret document's PDF is built in memory and goes to the hold encrypted."""
    made = secret_first()
    scan = write_dossier(made, tmp_path / "scan")
    truth = made.truth()
    secret_doc = next(d for d in truth["documents"] if d["metadata"].get("secrecy"))
    secret_text = " ".join(p["text"] for p in truth["pages"] if p.get("doc_id") == secret_doc["doc_id"])
    other_text = " ".join(
        p.get("text", "") for p in truth["pages"] if p.get("doc_id") != secret_doc["doc_id"]
    )
    own_words = _words(secret_text) - _words(other_text)  # the secret report's, not the other's
    new_key(tmp_path / "keys" / "hold.key")
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    process = subprocess.Popen([sys.executable, "-c", _INTAKE, str(tmp_path), str(scan)], env=env)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            if any(p.suffix == ".pdf" for p in temp.rglob("sohoa-dossier-*/*")):
                break
            time.sleep(0.02)
        assert process.poll() is None, "the intake ended before a document PDF was written"
    finally:
        process.kill()  # the run is killed (power cut, OOM killer, kill -9)
        process.wait()
    leaks = []
    for file in [*temp.rglob("*"), *(tmp_path / "home").rglob("*")]:  # the temp folder, SOHOA_HOME
        if file.is_file() and file.suffix == ".pdf":
            text = subprocess.run(["pdftotext", str(file), "-"], capture_output=True, text=True).stdout
            common = _words(text) & own_words
            if len(common) > 10:
                leaks.append((file.name, len(common)))
    assert leaks == [], f"secret text in clear in temp files after the kill: {leaks}"


def test_a_verbose_dossier_intake_logs_nothing_of_the_secret_report(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`sohoa -v ingest --dossier`: the log lines (DEBUG and up) of a dossier holding a MẬT report
    name none of its lines (the signer, the subject, the body)."""
    made = secret_first()
    scan = write_dossier(made, tmp_path / "scan")
    truth = made.truth()
    secret_doc = next(d for d in truth["documents"] if d["metadata"].get("secrecy"))
    lines = [
        line.strip()
        for p in truth["pages"]
        if p.get("doc_id") == secret_doc["doc_id"]
        for line in p["text"].splitlines()
        if len(line.strip()) >= 12 and "MẬT" not in line
    ]
    assert lines
    new_key(tmp_path / "keys" / "hold.key")
    settings = Settings(
        home=tmp_path / "home",
        workers=1,
        secret_hold=tmp_path / "hold",
        secret_key_file=tmp_path / "keys" / "hold.key",
    )
    services = build_services(settings)
    with caplog.at_level("DEBUG"):
        ingest_dossier(scan, services)
    services.close()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    said = [line for line in lines if line in logged]
    assert said == [], f"secret lines in the log: {said}"


def test_a_committed_dossiers_page_spool_is_swept(tmp_path: Path) -> None:
    """A kill between the dossier's commit and the removal of its files' page spools: a rerun of
    the dossier removes them, and so does the sweep any later file's reading makes."""
    made = make_dossier("tuning", 3, documents=2, plain=True)  # two public documents, 3 pages
    scan = write_dossier(made, tmp_path / "scan")
    services = build_services(Settings(home=tmp_path / "home", workers=1))
    try:
        first = ingest_dossier(scan, services)
        assert first.dossier is not None
        spool = tmp_path / "home" / "work" / dossier_spool_id(first.dossier.id, 0)

        def left_by_a_kill() -> None:  # as read_spooled leaves it: one JSON file per page read
            spool.mkdir(parents=True)
            (spool / "0001.json").write_text(json.dumps({"page": {"number": 1, "text": "Nội dung trang 1"}}))

        left_by_a_kill()
        again = ingest_dossier(scan, services)  # the operator runs it again
        assert again.dossier is not None and again.dossier.status == "duplicate"
        assert not spool.exists(), "a rerun of the committed dossier left its page spool"

        left_by_a_kill()
        (page,) = small_pages(tmp_path / "other", 1)
        ingest_file(page, services)  # any later file's reading sweeps committed spools
        assert not spool.exists(), "the committed dossier's page spool is still in SOHOA_HOME/work"
    finally:
        services.close()
