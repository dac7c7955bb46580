"""A dossier's public forms, stored with its head (application/dossiers.py): what public and staff
callers are shown of a dossier besides its documents' records, computed when the head is written
and refreshed when a document changes, never holding a hidden document's id or values."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest

from application.dossiers import (
    AUDIENCES,
    load_form,
    public_form_files,
    public_forms,
    refresh_public_form,
)
from application.secret_docs import catalogue_row
from application.services import services_for
from core.errors import NotFound
from indexing.masking import MASKED
from schemas import PersonalData
from storage import read_record, update_record, write_catalogue
from storage.dossier_package import read_dossier, read_dossier_form, write_dossier_package
from storage.ocfl_inventory import VersionInfo
from storage.ocfl_layout import dossier_object_id
from storage.package import SYSTEM, ocfl_root, person
from tests.api.conftest import Archive, archive_settings, drop_archive_index
from tests.api.dossier_archive import DocSpec, StoredDossier, add_dossier

NAME = "Bùi Văn Thắng"
CCCD = "001076012345"
SECRET_NAME = "Lò Thị Mai"
TITLE = f"Hồ sơ cấp đất {NAME}"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    settings = archive_settings(tmp_path_factory.mktemp("forms") / "home")
    built = Archive(settings=settings, services=services_for(settings), records={})
    yield built
    drop_archive_index(built.services)


def _mixed(archive: Archive, code: str, seed: str = "") -> StoredDossier:
    """[public, conditional naming NAME (with a CCCD), not_accessible naming SECRET_NAME,
    undetermined]: the public may read the first alone, staff the first two."""
    return add_dossier(
        archive,
        code,
        [
            DocSpec(subject="Về việc công khai"),
            DocSpec(
                access="conditional",
                number="K77",
                subject=f"Về việc cấp đất cho ông {NAME}",
                personal=(
                    PersonalData(kind="name", value=NAME, page=1),
                    PersonalData(kind="cccd", value=CCCD, page=1),
                ),
            ),
            DocSpec(
                access="not_accessible",
                number="K88",
                subject="Báo cáo mật",
                personal=(PersonalData(kind="name", value=SECRET_NAME, page=1),),
            ),
            DocSpec(access="undetermined", number="K99", subject="Về việc chưa xác định"),
        ],
        title=TITLE,
        seed=seed,
    )


def _head_versions(archive: Archive, dossier_id: str) -> list:
    return ocfl_root(archive.services.store).versions(dossier_object_id(dossier_id))


def test_the_forms_hold_no_hidden_documents_id_nor_values(archive: Archive) -> None:
    built = _mixed(archive, "BuiVanThang.2020.01")
    public, conditional, secret, undetermined = built.records
    raw = {a: read_dossier_form(archive.services.store, built.id, a).decode() for a in AUDIENCES}
    hidden = {"public": [conditional, secret, undetermined], "staff": [secret, undetermined]}
    for audience, records in hidden.items():
        for record in records:
            m = record.metadata
            told = [record.id, m.number, m.subject, *(p.value for p in m.personal_data)]
            if audience == "staff":  # the dossier's own title, as staff read it (NAME is in it)
                told = [t for t in told if t not in (NAME,)]
            for value in told:
                assert value not in raw[audience], (audience, value)
    forms = {a: json.loads(raw[a]) for a in AUDIENCES}
    assert forms["public"]["documents"] == [public.id]
    assert forms["staff"]["documents"] == [public.id, conditional.id]
    assert forms["public"]["title"] == f"Hồ sơ cấp đất {MASKED}"
    assert forms["public"]["code"] == f"{MASKED}.2020.01"
    assert (forms["staff"]["title"], forms["staff"]["code"]) == (TITLE, "BuiVanThang.2020.01")
    assert NAME not in raw["public"] and "BuiVanThang" not in raw["public"]


def test_a_form_is_the_same_whichever_documents_are_hidden(archive: Archive) -> None:
    """The public form of [public A, conditional B listing NAME] is the one of [A, public B'
    listing NAME] but for the ids of the documents it may read."""
    listing = DocSpec(personal=(PersonalData(kind="name", value=NAME, page=1),))
    hidden = add_dossier(
        archive, "H1.2020.02", [DocSpec(), replace(listing, access="conditional")], title=TITLE
    )
    shown = add_dossier(archive, "H1.2020.02", [DocSpec(), listing], title=TITLE, seed="twin")
    forms = [public_forms(b.dossier, b.records)["public"] for b in (hidden, shown)]
    assert forms[0].title == forms[1].title == f"Hồ sơ cấp đất {MASKED}"
    assert forms[0].model_dump(exclude={"id", "documents"}) == forms[1].model_dump(
        exclude={"id", "documents"}
    )
    assert len(forms[0].documents) == 1 and len(forms[1].documents) == 2


def test_without_every_documents_record_the_public_is_not_shown_the_title(archive: Archive) -> None:
    built = _mixed(archive, "H1.2020.03")
    form = public_forms(built.dossier, built.records[:2])
    assert (form["public"].title, form["public"].code) == (None, None)
    assert form["staff"].title == TITLE  # staff read it in clear whatever is missing


def test_refresh_writes_a_version_only_when_a_form_changes(archive: Archive) -> None:
    """A member's personal data changed by a new version of its record (as a reprocess or a
    correction writes it): the refresh masks the dossier's title with it, in a new version of the
    head saying who and why; a refresh with nothing changed writes none."""
    store = archive.services.store
    built = add_dossier(archive, "H1.2020.04", [DocSpec(), DocSpec(access="not_accessible")], title=TITLE)
    assert load_form(store, built.id, "public").title == TITLE  # nobody lists NAME yet
    assert refresh_public_form(store, built.id) is None
    before = len(_head_versions(archive, built.id))
    secret = read_record(store, built.records[1].id, with_words=False)
    listed = secret.metadata.model_copy(
        update={"personal_data": [PersonalData(kind="name", value=NAME, page=1)]}
    )
    update_record(
        store, secret.model_copy(update={"metadata": listed}), VersionInfo("reprocess: classify", SYSTEM)
    )
    info = VersionInfo("review of document " + secret.id, person("Minh"))
    version = refresh_public_form(store, built.id, info)
    assert version == before + 1
    assert load_form(store, built.id, "public").title == f"Hồ sơ cấp đất {MASKED}"
    assert load_form(store, built.id, "staff").title == TITLE
    newest = _head_versions(archive, built.id)[-1]
    assert (newest.number, newest.message, newest.user.name) == (version, info.message, "Minh")
    assert refresh_public_form(store, built.id, info) is None
    assert len(_head_versions(archive, built.id)) == version
    assert read_dossier(store, built.id) == read_dossier(store, built.id)  # dossier.json kept as it was


def test_a_head_without_forms_gets_them_from_one_refresh(archive: Archive) -> None:
    """A dossier whose head was written without its forms (a conversion from the old layout):
    no form to read until `refresh_public_form`, which writes them from the stored documents."""
    store = archive.services.store
    built = add_dossier(archive, "H1.2020.05", [DocSpec(), DocSpec(access="conditional")])
    dossier = built.dossier.model_copy(update={"held": True, "title": "Hồ sơ khác"})  # no original to give
    write_dossier_package(store, dossier, None)  # replace_all: the head without its forms
    with pytest.raises(NotFound):
        load_form(store, built.id, "public")
    assert refresh_public_form(store, built.id) is not None
    assert load_form(store, built.id, "staff").documents == tuple(r.id for r in built.records)
    assert read_dossier_form(store, built.id, "public") == public_form_files(dossier, built.records)["public"]
    with pytest.raises(NotFound):
        refresh_public_form(store, "f" * 32)


def test_a_document_moved_to_the_hold_leaves_the_title_masked(archive: Archive) -> None:
    """A review marks the conditional document listing NAME a state secret: its content goes to
    the hold and its catalogue row lists no names any more. The refresh that follows keeps the
    title masked as it was (masked from the stored form, not unmasked for want of the values)."""
    store = archive.services.store
    listing = DocSpec(access="conditional", personal=(PersonalData(kind="name", value=NAME, page=1),))
    built = add_dossier(archive, "H1.2020.06", [DocSpec(), listing], title=TITLE)
    assert load_form(store, built.id, "public").title == f"Hồ sơ cấp đất {MASKED}"
    secret = read_record(store, built.records[1].id, with_words=False)
    marked = secret.model_copy(update={"metadata": secret.metadata.model_copy(update={"secrecy": "MẬT"})})
    row = catalogue_row(marked, hold="/the/hold")
    assert row.metadata.personal_data == [] and row.dossier == secret.dossier
    write_catalogue(store, row)
    rows = [read_record(store, r.id, with_words=False) for r in built.records]
    assert public_forms(built.dossier, rows)["public"].title == TITLE  # what its values alone give
    refresh_public_form(store, built.id)
    assert load_form(store, built.id, "public").title == f"Hồ sơ cấp đất {MASKED}"
    assert load_form(store, built.id, "staff").documents == (built.records[0].id,)
