"""A batch hands its documents to the workers biggest first (shorter makespan on mixed batches)."""

from __future__ import annotations

from pathlib import Path

from application.ingest import collect_files, largest_first


def test_biggest_first_ties_by_path_unreadable_last(tmp_path: Path) -> None:
    sizes = {"a.png": 10, "b.pdf": 5000, "c.tif": 10, "d.jpg": 300}
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b"x" * size)
    (tmp_path / "broken.pdf").symlink_to(tmp_path / "gone.pdf")
    ordered = [p.name for p in largest_first(collect_files([tmp_path]))]
    assert ordered == ["b.pdf", "d.jpg", "a.png", "c.tif", "broken.pdf"]
