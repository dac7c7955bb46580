"""Side door 2: public search as an oracle. Once a record holding personal data is public
(masked), no public query may answer differently for the true masked value and a false one:
the same total, hits and facets, whatever the separators, spelling or quoting."""

from __future__ import annotations

import pytest

from indexing.masking import MASKED
from tests.redteam.conftest import VICTIM_CCCD, VICTIM_NAME, VICTIM_YEAR, Live

SEPARATORS = [" ", ".", "-", "/", "_", "+", "·", "\u00a0", "–", ",", "\u202f", ""]


def _answer(shared: Live, q: str) -> tuple:
    response = shared.get("/search", params={"q": q, "facet_limit": 50})
    assert response.status_code == 200, response.text
    body = response.json()
    hits = tuple(hit["id"] for hit in body["hits"])
    return body["total"], hits, body["facets"]


def _forms(groups: list[str]) -> list[str]:
    forms = [sep.join(groups) for sep in SEPARATORS]
    return forms + [f'"{form}"' for form in forms] + groups


@pytest.mark.parametrize(
    ("true", "false"),
    [
        (["0914", "762", "305"], ["0914", "762", "306"]),  # the issue's phone number
        (["001", "076", "012", "345"], ["001", "076", "012", "346"]),  # the CCCD
        (["0914762305"], ["0914762306"]),
        (["+84", "914", "762", "305"], ["+84", "914", "762", "306"]),
        (["0277", "3", "861", "245"], ["0277", "3", "861", "246"]),  # a landline, a one-digit group
    ],
)
def test_oracle_numbers_whatever_the_separators(shared: Live, true: list[str], false: list[str]) -> None:
    for q_true, q_false in zip(_forms(true), _forms(false), strict=True):
        answer = _answer(shared, q_true)
        assert answer == _answer(shared, q_false), (q_true, q_false)
        assert answer[0] == 0 or q_true in true, q_true


@pytest.mark.parametrize(
    ("true", "false", "nothing"),
    [
        ('"bui van thang"', '"bui van thanh"', True),
        (f'"{VICTIM_NAME}"', '"Bùi Văn Thành"', True),
        ("Bùi Thắng", "Bùi Thành", True),
        ("bui thang", "bui thanh", True),
        (VICTIM_YEAR, "1977", True),
        ('"sinh nam 1976"', '"sinh nam 1977"', False),  # the year is masked: "sinh năm" remains
        (f"cấp lại {VICTIM_YEAR}", "cấp lại 1977", True),
        (f"CCCD {VICTIM_CCCD}", "CCCD 001076012346", False),  # "CCCD" alone remains
    ],
)
def test_oracle_names_and_birth_years(shared: Live, true: str, false: str, nothing: bool) -> None:
    answer = _answer(shared, true)
    assert answer == _answer(shared, false)
    assert (answer[0] == 0) is nothing


def test_oracle_staff_still_find_the_record_by_its_personal_data(shared: Live) -> None:
    victim = shared.archive.records["victim"].id
    for q in ('"bui van thang"', VICTIM_CCCD, '"0914 762 305"', VICTIM_YEAR):
        found = shared.get("/search", "staff", params={"q": q}).json()
        assert victim in [hit["id"] for hit in found["hits"]], q


def test_oracle_a_query_masked_to_nothing_finds_nothing(shared: Live) -> None:
    for q in (VICTIM_CCCD, "0914/762/305", '"0914 762 305"', "0123456789"):
        body = shared.get("/search", params={"q": q}).json()
        assert body["total"] == 0 and body["hits"] == [], q
    assert shared.get("/search", params={"q": ""}).json()["total"] > 0  # an empty query lists all


def test_oracle_the_public_text_shows_no_length_of_a_masked_value(shared: Live) -> None:
    victim = shared.archive.records["victim"].id
    text = "\n".join(page["text"] for page in shared.get(f"/records/{victim}/text").json()["pages"])
    assert VICTIM_CCCD not in text and "0914" not in text and "Thắng" not in text and VICTIM_YEAR not in text
    assert f"CCCD số {MASKED}, điện thoại {MASKED}." in text  # 12 digits and 10 digits: one token
    snippet = shared.get("/search", params={"q": "cấp lại công dân"}).json()["hits"]
    assert any(MASKED in hit["snippet"] for hit in snippet if hit["id"] == victim)
