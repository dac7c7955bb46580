"""Review s15 (fad9e0d): a file in which a page showed a secrecy mark is never copied into the
quarantine in clear, whatever fails after the mark — not only a page that cannot be read."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from application.dossier_intake import ingest_dossier
from application.logs import current_context
from application.services import build_services
from core.settings import load_settings
from ocr.engine import FixedTextEngine
from storage.hold import new_key

MARKED = "MẬT\nBÁO CÁO\nVề việc kiểm kê kho Quyxhamchua"


class ChangingEngine:
    """Page 1 bears a MẬT mark; while page 2 is read the scanner's software rewrites the file's
    end (the file changes under the intake: it was hashed before)."""

    name, version = "changing", "1"

    def __init__(self, path: Path) -> None:
        self.path = path

    def recognise(self, image, *, dpi=None):
        page = current_context()["page"]
        if page == 2:
            with self.path.open("ab") as out:
                out.write(b"\0" * 16)
        return FixedTextEngine(MARKED if page == 1 else "Trang tiếp theo của báo cáo").recognise(
            image, dpi=dpi
        )

    def orientation(self, image):
        return (0, 15.0)


def test_a_one_file_dossier_that_changed_after_its_marked_page_is_not_copied(tmp_path: Path) -> None:
    path = tmp_path / "Bao_cao_kho_Quyxhamchua.tif"
    frames = [Image.new("L", (600, 800), 255) for _ in range(2)]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300))
    key = tmp_path / "keys" / "hold.key"
    key.parent.mkdir()
    new_key(key)
    settings = load_settings(
        home=tmp_path / "home", workers=1, secret_hold=tmp_path / "hold", secret_key_file=key
    )
    services = build_services(settings, engine=ChangingEngine(path))
    outcome = ingest_dossier(path, services).outcomes[0]
    services.close()
    assert outcome.status == "quarantined" and "changed" in (outcome.reason or "")
    data = path.read_bytes()
    copies = [p for p in (tmp_path / "home").rglob("*") if p.is_file() and p.read_bytes() == data]
    assert copies == []
