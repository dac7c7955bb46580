"""The bad-input zoo through the real ingest flow (Prefect): every file gets the right outcome
with a reason, the batch completes, nothing is lost, refused originals are kept byte for byte."""

from __future__ import annotations

import hashlib
import os
import unicodedata
from pathlib import Path

import pytest

from core.settings import load_settings
from schemas import BatchSummary
from storage import LocalStore, iter_quarantined, iter_record_ids, original_key, read_record
from tests.zoo.zoo import MAX_PIXELS, TRICKY_NAMES, Expect, build_zoo

pytestmark = [
    pytest.mark.flow,
    pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning"),  # huge.png, by design
    pytest.mark.filterwarnings("ignore:Corrupt EXIF data"),  # Pillow, on the damaged TIFF
]

DUPLICATES = ("-rf.png", "sub/copy of -rf.png")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree(root: Path) -> set[str]:
    """Every entry under root (links not followed), relative."""
    found = set()
    for folder, dirs, files in os.walk(root):
        found.update(os.path.relpath(Path(folder) / name, root) for name in dirs + files)
    return found


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Expect]]:
    root = tmp_path_factory.mktemp("zoo")
    folder = root / "drop"
    return folder, build_zoo(folder)


@pytest.fixture(scope="module")
def home(zoo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("zoo-home")


@pytest.fixture(scope="module")
def env(home: Path):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOHOA_HOME", str(home))
        mp.setenv("SOHOA_MAX_IMAGE_PIXELS", str(MAX_PIXELS))
        for name in ("SOHOA_STORAGE", "SOHOA_INDEX"):
            mp.delenv(name, raising=False)
        yield load_settings()


@pytest.fixture(scope="module")
def before(zoo) -> set[str]:
    folder, _ = zoo
    return _tree(folder.parent)


@pytest.fixture(scope="module")
def run(zoo, env, before, prefect_harness: None) -> dict[str, object]:
    from flows import ingest_batch

    folder, _ = zoo
    summary: BatchSummary = ingest_batch([str(folder)], batch="zoo")
    return {os.path.relpath(o.path, folder): o for o in summary.outcomes}


@pytest.fixture(scope="module")
def store(env) -> LocalStore:
    return LocalStore(env.storage_url)


def test_the_batch_completes_and_every_input_is_accounted_for(run, zoo) -> None:
    _, expected = zoo
    assert set(run) == set(expected), "one outcome per input, no more, no less"
    assert {o.status for o in run.values()} <= {"ingested", "duplicate", "quarantined"}, [
        (name, o.reason) for name, o in run.items() if o.status == "failed"
    ]


@pytest.mark.parametrize("name", sorted(set(TRICKY_NAMES) - set(DUPLICATES)))
def test_files_with_tricky_names_are_ingested(run, name: str) -> None:
    assert run[name].status == "ingested", run[name].reason


def test_each_bad_input_gets_its_outcome_and_a_reason(run, zoo) -> None:
    _, expected = zoo
    wrong = {}
    for name, expect in expected.items():
        outcome = run[name]
        if name in DUPLICATES or expect.status == "ingested":
            continue
        if outcome.status != expect.status or expect.reason not in (outcome.reason or ""):
            wrong[name] = (outcome.status, outcome.reason)
    assert not wrong


def test_a_repairable_pdf_is_read_not_refused(run, store) -> None:
    outcome = run["broken-xref.pdf"]
    assert outcome.status == "ingested" and outcome.pages == 1
    assert "17" in read_record(store, outcome.id).text


def test_the_same_bytes_twice_are_one_record(run) -> None:
    first, second = (run[name] for name in DUPLICATES)
    assert sorted([first.status, second.status]) == ["duplicate", "ingested"]
    assert first.id == second.id


def test_refused_originals_are_kept_byte_for_byte(run, zoo, store) -> None:
    folder, expected = zoo
    entries = {e["sha256"]: e for e in iter_quarantined(store) if e["sha256"]}
    unreadable = [e for e in iter_quarantined(store) if not e["sha256"]]
    for name, expect in expected.items():
        if expect.status != "quarantined":
            continue
        if not expect.readable:
            assert any(e["name"] == Path(name).name and e["reason"] for e in unreadable), name
            continue
        entry = entries[_sha256(folder / name)]
        kept = store.root / entry["key"] / entry["original"]
        assert kept.read_bytes() == (folder / name).read_bytes(), name
        assert entry["reason"], name
    assert (
        len(entries) == sum(1 for n, e in expected.items() if e.status == "quarantined" and e.readable) - 1
    ), "the two copies of locked.pdf share one entry"


def test_ingested_originals_are_stored_whole_under_safe_names(run, zoo, store) -> None:
    folder, _ = zoo
    ingested = {name: o for name, o in run.items() if o.status == "ingested"}
    assert sorted(iter_record_ids(store)) == sorted(o.id for o in ingested.values())
    for name, outcome in ingested.items():
        key = original_key(store, outcome.id)
        stored_name = key.rsplit("/", 1)[-1]
        assert (store.root / key).read_bytes() == (folder / name).read_bytes()
        assert ".." not in key.split("/") and "\\" not in stored_name and "\n" not in stored_name
        assert not stored_name.startswith("."), stored_name
        assert "\u202e" not in stored_name, "no right-to-left override in a stored name"
        assert len(stored_name.encode()) <= 150
        # the name as received, in NFC (Vietnamese data is stored NFC; macOS writes NFD names)
        assert read_record(store, outcome.id).source == unicodedata.normalize("NFC", Path(name).name)


def test_nothing_is_written_outside_the_store(run, zoo, before) -> None:
    folder, _ = zoo
    assert _tree(folder.parent) == before, "the source folder and its parent are unchanged"


def test_running_the_zoo_again_changes_nothing(run, zoo, store) -> None:
    from flows import ingest_batch

    folder, expected = zoo
    quarantine_before = sorted(e["key"] for e in iter_quarantined(store))
    again = ingest_batch([str(folder)], batch="zoo-again")
    statuses = {os.path.relpath(o.path, folder): o.status for o in again.outcomes}
    assert statuses == {
        name: "duplicate" if o.status in ("ingested", "duplicate") else o.status for name, o in run.items()
    }
    assert sorted(e["key"] for e in iter_quarantined(store)) == quarantine_before
