"""Two guards of the dossier intake (application/dossier_intake.py), with real OCR on a folder of
per-page scans:

- once a page of a file shows a secrecy mark, no page of that file nor of any later file of the
  dossier is kept in the page spool (nothing of a secret at rest in clear, whichever file holds it);
- a file of the dossier changed between its reading and the storing of the documents: nothing is
  stored, the folder's files stay where they are, and the reason says which file changed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import application.dossier_intake as intake_module
from application.dossier_intake import ingest_dossier
from application.page_reading import dossier_spool_id
from application.page_spool import PageSpool
from application.services import build_services
from core.settings import Settings
from corpusgen.dossier import make_dossier
from schemas import SearchQuery
from storage.hold import new_key
from storage.quarantine import iter_quarantined
from tests.ops.scans import small_pages

SECRET = 0  # tuning dossier 0 with two documents: page 1, a separator, a MẬT report on 3-4


def _secret_first_page(folder: Path) -> Path:
    """The first page of the MẬT report of tuning dossier 0, as a PNG scan."""
    dossier = make_dossier("tuning", SECRET, documents=2, plain=True)
    truth = dossier.truth()
    secret = next(d for d in truth["documents"] if d["metadata"].get("secrecy"))
    sheet = dossier.sheets[secret["pages"][0] - 1]
    assert sheet.page is not None
    path = folder / "b-report.png"
    sheet.page.scanned.image.save(path, dpi=(dossier.dpi, dossier.dpi))
    return path


@pytest.mark.slow
def test_no_page_after_a_secrecy_mark_is_spooled_in_any_later_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "scans" / "hop-3"
    folder.mkdir(parents=True)
    first, last = small_pages(tmp_path / "made", 2)
    shutil.copy(first, folder / "a-decision.png")  # read before the mark: may be spooled
    _secret_first_page(folder)  # b: its page 1 shows MẬT
    shutil.copy(last, folder / "c-letter.png")  # a later file: nothing of it kept
    saved: list[tuple[str, int]] = []
    real_save = PageSpool.save

    def spy(self: PageSpool, result, hashes=None) -> None:  # noqa: ANN001
        saved.append((self.folder.name, result.page.number))
        real_save(self, result, hashes)

    monkeypatch.setattr(PageSpool, "save", spy)
    new_key(tmp_path / "keys" / "hold.key")
    settings = Settings(
        home=tmp_path / "home",
        workers=1,
        secret_hold=tmp_path / "hold",
        secret_key_file=tmp_path / "keys" / "hold.key",
    )
    services = build_services(settings)
    try:
        done = ingest_dossier(folder, services)
    finally:
        services.close()
    assert done.dossier is not None, done.outcomes
    dossier_id = done.dossier.id
    assert saved, "the pages before the mark are spooled (else this test sees nothing)"
    assert {name for name, _ in saved} == {dossier_spool_id(dossier_id, 0)}, saved


def _reads_then_changes(victim: Path):
    """`read_spooled` as the intake calls it, appending a byte to `victim` once it has been read."""
    real = intake_module.read_spooled

    def reading(path: Path, *args, **kwargs) -> Iterator:  # noqa: ANN002, ANN003
        yield from real(path, *args, **kwargs)
        if Path(path) == victim:
            with victim.open("ab") as out:
                out.write(b"\0")

    return reading


@pytest.mark.slow
def test_a_file_changed_after_reading_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "G09.2019.15"
    folder.mkdir()
    pages = small_pages(tmp_path / "made", 2)
    files = [folder / f"G09.2019.15.{n:07d}.png" for n in (1, 2)]
    for page, file in zip(pages, files, strict=True):
        shutil.copy(page, file)
    kept = [f.read_bytes() for f in files]
    monkeypatch.setattr(intake_module, "read_spooled", _reads_then_changes(files[1]))
    home = tmp_path / "home"
    services = build_services(Settings(home=home, workers=1))
    try:
        refused = ingest_dossier(folder, services)
        (outcome,) = refused.outcomes
        assert refused.dossier is None and outcome.status == "quarantined"
        reason = outcome.reason or ""
        assert "G09.2019.15.0000002.png changed since it was hashed" in reason, reason
        assert not list((home / "store").glob("ocfl/*/*/*/*"))  # no record, no dossier
        assert services.index.search(SearchQuery(limit=10)).total == 0
        (entry,) = iter_quarantined(services.store)
        assert "changed since it was hashed" in entry["reason"] and entry["original"] is None
    finally:
        services.close()
    assert files[0].read_bytes() == kept[0] and files[1].read_bytes() == kept[1] + b"\0"  # left in place
