"""The backend conformance suite, run against SqliteIndex."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexing.sqlite import SqliteIndex
from tests.indexing.conformance import *  # noqa: F403 (the suite's test functions)
from tests.indexing.conformance import IndexFactory


@pytest.fixture
def index(tmp_path: Path) -> Iterator[IndexFactory]:
    made: list[SqliteIndex] = []

    def fresh() -> SqliteIndex:
        made.append(SqliteIndex(tmp_path / f"index-{len(made)}.sqlite3"))
        return made[-1]

    yield fresh
    for idx in made:
        idx.close()
