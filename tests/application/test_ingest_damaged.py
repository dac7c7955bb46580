"""A batch with damaged scans goes on: each damaged file is quarantined with a reason a person can
act on and its original kept byte for byte; the good scan beside them is ingested (real
Tesseract, real store and index). A TIFF cut in half made Pillow raise TypeError, which no
step caught: the batch stopped there."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from application.ingest import collect_files, ingest_file
from application.services import build_services
from core.settings import load_settings
from storage import iter_quarantined
from tests.ocr.test_load_damaged import (
    half_pdf,
    jpeg_with_zero_tail,
    tiff_with_bad_ifd_offset,
    truncated_tiff,
)
from tests.zoo.zoo import text_image

DAMAGED = {
    "a cut.tif": (truncated_tiff(), "TIFF image (page 2) is damaged or incomplete"),
    "b ifd.tif": (tiff_with_bad_ifd_offset(), "TIFF page 2 is damaged"),
    "c zeros.jpg": (jpeg_with_zero_tail(), "JPEG image is incomplete"),
    "d empty.png": (b"", "file is empty (0 bytes)"),
    "e half.pdf": (half_pdf(), "PDF is damaged or incomplete"),
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("damaged")
    drop = root / "drop"
    drop.mkdir()
    for name, (content, _) in DAMAGED.items():
        (drop / name).write_bytes(content)
    text_image("Công văn số 15").save(drop / "z good.png")
    services = build_services(load_settings(home=root / "home"))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Corrupt EXIF data")  # Pillow, on the cut directory
        outcomes = {
            Path(path).name: ingest_file(path, services, batch="damaged") for path in collect_files([drop])
        }
    return drop, services, outcomes


def test_every_damaged_file_is_quarantined_with_its_reason_and_the_batch_goes_on(batch) -> None:
    _, _, outcomes = batch
    assert set(outcomes) == {*DAMAGED, "z good.png"}
    for name, (_, reason) in DAMAGED.items():
        assert outcomes[name].status == "quarantined", (name, outcomes[name])
        assert reason in (outcomes[name].reason or ""), (name, outcomes[name].reason)
    assert outcomes["z good.png"].status == "ingested"


def test_the_quarantined_originals_are_kept_byte_for_byte(batch) -> None:
    drop, services, _ = batch
    entries = {entry["name"]: entry for entry in iter_quarantined(services.store)}
    assert set(entries) == set(DAMAGED)
    for name, (content, reason) in DAMAGED.items():
        entry = entries[name]
        assert reason in entry["reason"]
        assert (drop / name).read_bytes() == content  # left where it was
        if content:  # an empty file has nothing to keep
            assert services.store.get_bytes(f"{entry['key']}/{entry['original']}") == content
