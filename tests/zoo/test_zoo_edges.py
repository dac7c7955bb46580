"""Zoo inputs checked one file at a time, without Prefect: a huge valid image within the limit,
a named pipe (must not block the batch) and a file name that is not valid UTF-8."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from dedup import page_hashes
from ocr import detect_media_type, iter_pages
from ocr.load import PNG
from tests.zoo.zoo import text_image

DEFAULT_MAX_PIXELS = 200_000_000  # Settings.max_image_pixels
REPO = Path(__file__).resolve().parents[2]


def test_a_huge_valid_image_within_the_limit_loads(tmp_path: Path) -> None:
    """12000 x 9000 (108 megapixels) is over Pillow's bomb warning (89 MP) but within sohoa's
    default limit: it is read as a page (the zoo shows it refused under a lower limit)."""
    path = tmp_path / "huge.png"
    page = Image.new("1", (12000, 9000), 1)
    page.paste(text_image("Bản đồ địa chính tờ số 5").resize((5400, 1200)).convert("1"), (1000, 1000))
    page.save(path)
    media_type = detect_media_type(path)
    with pytest.warns(Image.DecompressionBombWarning):
        (source,) = iter_pages(path, media_type, max_pixels=DEFAULT_MAX_PIXELS)
    assert media_type == PNG and source.image.size == (12000, 9000)
    assert 0 < page_hashes(source.image).ink < 0.01


def _ingest_in_child(folder: Path, home: Path, name: str, timeout: float) -> str:
    """Ingest one file of `folder` in a child process; its outcome, or 'hung'."""
    code = textwrap.dedent(
        f"""
        import os, sys
        from pathlib import Path
        from core.settings import load_settings
        from application.ingest import ingest_file
        from application.services import services_for
        path = Path(os.fsdecode({os.fsencode(folder / name)!r}))
        outcome = ingest_file(path, services_for(load_settings()), batch="edge")
        print(outcome.status, outcome.reason)
        """
    )
    env = {**os.environ, "SOHOA_HOME": str(home), "PYTHONPATH": str(REPO)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired:
        return "hung"
    return done.stdout.strip() or done.stderr.strip().splitlines()[-1]


def test_a_named_pipe_is_quarantined_not_waited_on(tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    os.mkfifo(folder / "pipe.pdf")
    outcome = _ingest_in_child(folder, tmp_path / "home", "pipe.pdf", timeout=10)
    assert outcome.startswith("quarantined"), outcome


def test_a_file_name_that_is_not_utf8_is_ingested(tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    name = os.fsdecode(b"C\xf4ng v\xe3n.png")  # Latin-1 bytes, as old Windows tools wrote
    text_image("Công văn số 8").save(folder / name)
    outcome = _ingest_in_child(folder, tmp_path / "home", name, timeout=60)
    assert outcome.startswith("ingested"), outcome
