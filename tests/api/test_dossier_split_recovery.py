"""A split killed after its commit (the dossier's manifest written, the documents it no longer
lists not yet withdrawn): the dossier serves only the documents it lists, and the next split of
it withdraws the ones left (application/dossier_review.py `_withdraw_stale`)."""

from __future__ import annotations

import pytest

import application.dossier_review as review
from application.dossier_review import split_dossier
from schemas import SearchFilters, SearchQuery
from storage import package_exists
from storage.dossier_package import read_dossier
from tests.api.conftest import Archive, Keys, TestClient
from tests.api.dossier_archive import DocSpec, add_dossier

ARCHIVIST = "archivist test"


class Killed(BaseException):
    """The process dying (not an error any code path catches)."""


def _indexed(archive: Archive, dossier: str) -> list[str]:
    query = SearchQuery(filters=SearchFilters(dossier=dossier), limit=50, content=False)
    return sorted(h.id for h in archive.services.index.search(query).hits)


def test_a_split_killed_after_its_commit_is_finished_by_the_next(
    archive: Archive, client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = add_dossier(archive, "000.00.01.H43.2019.31", [DocSpec(pages=1), DocSpec(pages=2), DocSpec()])
    first, second, third = built.records  # scan pages [1], [2, 3], [4]
    real_withdraw = review.withdraw_package

    def killed(*args, **kwargs) -> None:  # noqa: ANN002, ANN003
        assert read_dossier(archive.services.store, built.id).events[-1].step == "review-split"
        raise Killed  # just after the commit, before the first withdrawal

    monkeypatch.setattr(review, "withdraw_package", killed)
    with pytest.raises(Killed):
        split_dossier(archive.services, built.id, [1, 2, 3, 4], who=ARCHIVIST)
    committed = read_dossier(archive.services.store, built.id)
    assert [d.pages for d in committed.documents] == [[1], [2], [3], [4]]
    listed = {d.id for d in committed.documents}
    assert second.id not in listed and package_exists(archive.services.store, second.id)
    assert second.id in _indexed(archive, built.id)  # left behind by the kill

    shown = client.get(f"/dossiers/{built.id}", headers=keys.headers("archivist")).json()
    assert {d["id"] for d in shown["documents"]} == listed  # only what the dossier lists
    assert shown["pages"] == 4 and len(shown["documents"]) == 4

    monkeypatch.setattr(review, "withdraw_package", real_withdraw)
    again = split_dossier(archive.services, built.id, [1, 2, 3, 4], who=ARCHIVIST)
    assert again.added == [] and again.withdrawn == []  # the boundaries were already as asked
    assert not package_exists(archive.services.store, second.id)
    assert _indexed(archive, built.id) == sorted(listed)
    assert {first.id, third.id} <= listed
