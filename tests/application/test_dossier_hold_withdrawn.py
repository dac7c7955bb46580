"""A dossier document marked secret after a split goes to the hold with nothing of its pages left
in clear: the documents the split withdrew (tombstones whose earlier versions held the same
pages) are purged down to their tombstone too (walkthrough s14: the withdrawn document's v1 kept
the secret page's text, words and PDF after the move)."""

from __future__ import annotations

from pathlib import Path

from api.state import page_cache_dir
from application.dossier_review import split_dossier
from application.secret_docs import open_hold, sweep_secrets
from storage import read_record, record_versions, update_record
from storage.fixity import verify
from tests.application.test_dossier_hold import WORD, _world
from tests.secret_leaks import leaks


def test_a_document_made_by_a_split_then_held_leaves_no_withdrawn_copy(tmp_path: Path) -> None:
    world = _world(tmp_path)
    store = world.store
    first = world.built.records[0].id
    # join the first two documents (the second holds WORD): both withdrawn, one new document
    report = split_dossier(world.services, world.built.id, [1, world.built.records[2].dossier.first], "Minh")
    assert set(report.withdrawn) == {first, world.secret} and len(report.added) == 1
    (joined,) = report.added
    record = read_record(store, joined)
    update_record(
        store, record.model_copy(update={"metadata": record.metadata.model_copy(update={"secrecy": "MẬT"})})
    )
    hold = open_hold(world.settings)
    assert hold is not None
    assert sweep_secrets(world.services, hold, page_cache_dir(world.settings)) == [joined]

    assert leaks(tmp_path / "home", [WORD]) == []
    for withdrawn in (first, world.secret):  # one version each: the tombstone
        assert [v.number for v in record_versions(store, withdrawn)] == [1]
    assert verify(store).ok
    world.services.close()
