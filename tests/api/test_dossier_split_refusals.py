"""A split that cannot be done is refused the same way by every route (application/dossier_review.py
`SplitRefused`): a typed reason with the pages at fault, nothing written; the API says it in
Vietnamese, the CLI in English; an unknown dossier gets the API's one 'not found' answer."""

from __future__ import annotations

import hashlib

import pytest
from typer.testing import CliRunner

from application.dossier_review import Refusal, SplitRefused, split_dossier
from cli.main import app
from schemas import SearchQuery
from tests.api.conftest import ELASTICSEARCH_URL, Archive, Keys, TestClient
from tests.api.dossier_archive import DocSpec, StoredDossier, add_dossier

ARCHIVIST = "archivist test"


@pytest.fixture
def mixed(archive: Archive) -> StoredDossier:
    """Scan pages: 1-3 a not_accessible report (its class only: no mark on its pages), 4-5 a public
    decision, 6 a blank separator sheet, 7 a conditional letter."""
    return add_dossier(
        archive,
        "000.00.01.H43.2019.21",
        [
            DocSpec(access="not_accessible", pages=3, doc_type="Báo cáo"),
            DocSpec(pages=2, blank_after=True),
            DocSpec(access="conditional", pages=1, doc_type="Công văn"),
        ],
    )


@pytest.fixture
def marked(archive: Archive) -> StoredDossier:
    """A public two-page document whose pages show a MẬT stamp once read again, then another."""
    return add_dossier(archive, "000.00.01.H43.2019.22", [DocSpec(pages=2, lines=("MẬT",)), DocSpec()])


def _snapshot(archive: Archive) -> tuple[dict[str, str], list[tuple[str, str | None, str]]]:
    """Every file of the store, and every indexed record (id, dossier, class): what a refused
    split must not change."""
    store = archive.settings.home / "store"
    files = {
        str(f.relative_to(store)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(store.rglob("*"))
        if f.is_file()
    }
    hits = archive.services.index.search(SearchQuery(limit=200, content=False)).hits
    return files, sorted((h.id, h.dossier, h.access) for h in hits)


def _refused(archive: Archive, dossier: str, at: list[int]) -> SplitRefused:
    with pytest.raises(SplitRefused) as caught:
        split_dossier(archive.services, dossier, at, who=ARCHIVIST)
    return caught.value


def test_each_refusal_names_its_kind_and_pages_and_changes_nothing(
    archive: Archive, mixed: StoredDossier, marked: StoredDossier
) -> None:
    held = add_dossier(archive, "H.HELD.21", [DocSpec(), DocSpec()], held=True)
    before = _snapshot(archive)
    cases = [
        ("d" * 32, [1], Refusal.NO_DOSSIER, ()),
        ("a/b", [1], Refusal.NO_DOSSIER, ()),
        (held.id, [1], Refusal.HELD, ()),
        (mixed.id, [1, 6, 99], Refusal.NOT_TEXT_PAGES, (6, 99)),  # 6 is the blank sheet
        (mixed.id, [1, 2, 4, 7], Refusal.SECRET_DOCUMENT, (1, 2, 3)),  # the secret one cut up
        (mixed.id, [1, 7], Refusal.SECRET_DOCUMENT, (1, 2, 3)),  # joined to the public one
        (marked.id, [1, 2, 3], Refusal.SECRECY_MARK, (1,)),  # read again, page 1 shows the mark
    ]
    for dossier, at, kind, pages in cases:
        refused = _refused(archive, dossier, at)
        assert (refused.kind, refused.dossier, refused.pages) == (kind, dossier, pages), at
    assert _snapshot(archive) == before  # nothing stored, indexed or withdrawn

    secret = _refused(archive, mixed.id, [1, 2])
    assert str(secret).startswith(f"dossier {mixed.id}: the document of scan pages 1-3 may not be read")
    assert "6, 99" in str(_refused(archive, mixed.id, [99, 6]))


def test_the_secret_document_kept_whole_the_split_is_done(archive: Archive, mixed: StoredDossier) -> None:
    secret, public, conditional = mixed.records
    report = split_dossier(archive.services, mixed.id, [1, 4, 5, 7], who=ARCHIVIST)
    assert report.kept == [secret.id, conditional.id] and report.withdrawn == [public.id]
    assert [d.pages for d in report.documents] == [[1, 2, 3], [4], [5], [7]]


def test_the_api_says_each_refusal_in_vietnamese(
    client: TestClient, archive: Archive, mixed: StoredDossier, marked: StoredDossier, keys: Keys
) -> None:
    archivist = keys.headers("archivist")
    held = add_dossier(archive, "H.HELD.22", [DocSpec(), DocSpec()], held=True)

    def post(dossier: str, at: list[int]) -> tuple[int, str]:
        r = client.post(f"/dossiers/{dossier}/split", json={"at": at}, headers=archivist)
        return r.status_code, r.json()["detail"]

    unknown = "d" * 32
    status, text = post(unknown, [1])
    shown = client.get(f"/dossiers/{unknown}", headers=archivist)
    assert status == shown.status_code == 404 and text == shown.json()["detail"]  # the one answer
    expected = {
        (held.id, (1,)): "khu lưu giữ tài liệu mật, chỉ tách lại được ở đó",
        (mixed.id, (1, 6, 99)): "Các trang 6, 99 không phải trang có chữ của hồ sơ",
        (mixed.id, (1, 7)): "các trang 1–3 là một văn bản không được tiếp cận",
        (marked.id, (1, 2, 3)): "Văn bản ở trang 1 sau khi tách mang dấu mật",
    }
    for (dossier, at), words in expected.items():
        status, text = post(dossier, list(at))
        assert status == 400 and words in text and text.endswith("Chưa thay đổi gì."), (at, text)
        assert "dossier" not in text and "page" not in text  # no English left in what a clerk reads


@pytest.mark.skipif(bool(ELASTICSEARCH_URL), reason="the CLI reads its index from SOHOA_HOME")
def test_the_cli_holds_the_same_rule_in_english(
    archive: Archive, mixed: StoredDossier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOHOA_HOME", str(archive.settings.home))
    for name in ("SOHOA_STORAGE", "SOHOA_INDEX"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    cut = runner.invoke(app, ["dossier", "split", mixed.id, "--at", "1,2,4,7"])
    assert cut.exit_code == 2, cut.output
    said = " ".join(cut.output.split())
    assert "the document of scan pages 1-3 may not be read" in said and "Nothing changed" in said
    unknown = runner.invoke(app, ["dossier", "split", "e" * 32, "--at", "1"])
    assert unknown.exit_code == 4 and "no dossier" in unknown.output
