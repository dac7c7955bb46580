"""`sohoa verify` heals the dossier forms a crash left stale: a document's new version committed
and the process killed before its dossier's refresh (here: the storage update called alone)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from application.dossiers import load_form, refresh_all_public_forms
from application.services import services_for
from cli.flow_commands import EXIT_OK, verify_command
from core.settings import load_settings
from indexing.masking import MASKED
from schemas import PersonalData
from storage import read_record, update_record
from storage.ocfl_inventory import VersionInfo
from storage.ocfl_layout import dossier_object_id
from storage.package import SYSTEM, ocfl_root
from tests.api.conftest import Archive
from tests.api.dossier_archive import DocSpec, add_dossier

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

NAME = "Đinh Văn Quyxhoang"
TITLE = f"Hồ sơ cấp đất {NAME}"


def test_verify_refreshes_the_forms_a_crash_left_and_masks_the_title(sohoa_home: Path) -> None:
    settings = load_settings()
    archive = Archive(settings=settings, services=services_for(settings), records={})
    store = archive.services.store
    try:
        built = add_dossier(archive, "H2.2021.07", [DocSpec(), DocSpec(access="not_accessible")], title=TITLE)
        other = add_dossier(archive, "H2.2021.08", [DocSpec()], seed="other")
    finally:
        archive.services.close()
    assert load_form(store, built.id, "public").title == TITLE  # no document lists him yet
    hidden = read_record(store, built.records[1].id, with_words=False)
    listed = [PersonalData(kind="name", value=NAME, page=1)]
    update_record(  # the member's commit; the process dies before refresh_public_form
        store,
        hidden.model_copy(update={"metadata": hidden.metadata.model_copy(update={"personal_data": listed})}),
        VersionInfo("reprocess: classify", SYSTEM),
    )
    assert load_form(store, built.id, "public").title == TITLE  # stale: the name in clear

    out = io.StringIO()
    assert verify_command(out=out) == EXIT_OK
    assert "dossier forms: 2 dossiers, 1 refreshed" in out.getvalue()
    assert f"refreshed: {built.id} (head v2)" in out.getvalue() and other.id not in out.getvalue()
    assert load_form(store, built.id, "public").title == f"Hồ sơ cấp đất {MASKED}"
    assert load_form(store, built.id, "staff").title == TITLE
    head = ocfl_root(store).versions(dossier_object_id(built.id))[-1]
    assert head.user.name == "sohoa verify" and "verify" in head.message  # type: ignore[union-attr]

    out = io.StringIO()  # idempotent: nothing stale, no version written
    assert verify_command(as_json=True, out=out) == EXIT_OK
    forms = json.loads(out.getvalue())["dossier_forms"]
    assert forms == {"dossiers": 2, "refreshed": {}, "failed": {}, "skipped": []}
    assert len(ocfl_root(store).versions(dossier_object_id(built.id))) == 2


def test_a_dossier_verify_found_damaged_is_left_alone(sohoa_home: Path) -> None:
    settings = load_settings()
    archive = Archive(settings=settings, services=services_for(settings), records={})
    store = archive.services.store
    try:
        built = add_dossier(archive, "H2.2021.09", [DocSpec(), DocSpec(access="not_accessible")], title=TITLE)
    finally:
        archive.services.close()
    hidden = read_record(store, built.records[1].id, with_words=False)
    listed = [PersonalData(kind="name", value=NAME, page=1)]
    update_record(
        store,
        hidden.model_copy(update={"metadata": hidden.metadata.model_copy(update={"personal_data": listed})}),
    )
    sweep = refresh_all_public_forms(store, skip={built.id})
    assert (sweep.dossiers, sweep.refreshed, sweep.skipped) == (1, {}, [built.id])
    assert load_form(store, built.id, "public").title == TITLE
    assert refresh_all_public_forms(store).refreshed == {built.id: 2}
