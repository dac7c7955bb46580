"""The near-duplicate decision as a table: text and image together, identity conflicts veto."""

from __future__ import annotations

import datetime as dt

import pytest

from dedup import Fingerprint, compare, decide
from dedup.texthash import minhash

SHARED = set(range(1000))


def _fp(
    *,
    phash: int = 0,
    dhash: int = 0,
    text: set[int] | None = None,
    ink: float = 0.1,
    code: str | None = None,
    date: dt.date | None = None,
) -> Fingerprint:
    text = SHARED if text is None else text
    return Fingerprint(
        phash=f"{phash:x}",
        dhash=f"{dhash:x}",
        ink=ink,
        shingles=len(text),
        minhash=minhash(text),
        code=code,
        date=date,
    )


def _bits(n: int) -> int:
    return (1 << n) - 1


HALF = set(range(500, 1500))  # Jaccard with SHARED 1/3
MOSTLY = set(range(100, 1100))  # Jaccard 0.82
D1, D2 = dt.date(2019, 9, 12), dt.date(2019, 9, 13)

ROWS = [
    # (new, earlier, expected basis)
    pytest.param(_fp(phash=_bits(40)), _fp(), "text+image", id="same text, close image"),
    pytest.param(_fp(text=MOSTLY, phash=_bits(70)), _fp(), "text+image", id="ocr noise, re-scan"),
    pytest.param(_fp(text=HALF, phash=_bits(10)), _fp(), None, id="same letterhead, other text"),
    pytest.param(_fp(phash=_bits(120)), _fp(), None, id="same text, unrelated image"),
    pytest.param(_fp(code="12/qd-ubnd"), _fp(code="13/qd-ubnd"), None, id="form letter, other number"),
    pytest.param(_fp(date=D1), _fp(date=D2), None, id="same text, other date"),
    pytest.param(_fp(code="12/qd-ubnd", date=D1), _fp(), "text+image", id="one side unread"),
    pytest.param(_fp(text=set(), phash=_bits(10)), _fp(text=set()), "image", id="no text, close"),
    pytest.param(_fp(text=set(), phash=_bits(30)), _fp(text=set()), None, id="no text, not close"),
    pytest.param(_fp(text=set(), dhash=_bits(12)), _fp(text=set()), None, id="no text, dhash disagrees"),
    pytest.param(_fp(text=set(range(5))), _fp(phash=_bits(3)), "image", id="one text too short"),
    pytest.param(_fp(text=set(), ink=0.0), _fp(text=set(), ink=0.0), None, id="blank pages"),
]


@pytest.mark.parametrize(("new", "earlier", "expected"), ROWS)
def test_decision(new: Fingerprint, earlier: Fingerprint, expected: str | None) -> None:
    assert decide(compare(new, earlier)) == expected


def test_comparison_explains_a_veto() -> None:
    comparison = compare(_fp(code="12/qd-ubnd"), _fp(code="13/qd-ubnd"))
    assert comparison.conflict == "different numbers/notations (12/qd-ubnd vs 13/qd-ubnd)"


def test_fingerprint_round_trips_through_json() -> None:
    fp = _fp(phash=_bits(200), code="2154/qd-ubnd", date=D1)
    assert Fingerprint.from_json(fp.to_json()) == fp
    assert fp.phash_int == _bits(200)
