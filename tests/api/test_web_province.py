"""The web page's province facet (red team D7): labelled in Vietnamese, and its links filter
(/ui?province=…, a province by its name then or now)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote

from tests.indexing.conformance import make_record
from tests.redteam.contract_world import world

RECORDS = [
    make_record(
        "plan",
        "Kế hoạch trồng rừng",
        date=dt.date(2019, 3, 1),
        province="Vĩnh Phúc",
        province_present="Phú Thọ",
    ),
    make_record("flood", "Báo cáo lũ quét", province="Lai Châu", province_present="Lai Châu"),
]


def test_the_province_facet_is_labelled_and_its_links_filter(tmp_path: Path) -> None:
    with world(tmp_path / "home", RECORDS) as w:
        page = w.client.get("/ui")
        filtered = w.client.get("/ui", params={"province": "Phú Thọ"})
    assert page.status_code == 200 and "Tỉnh, thành phố" in page.text
    assert f"province={quote('Phú Thọ').replace('%20', '+')}" in page.text
    assert "Kế hoạch trồng rừng" in page.text and "Báo cáo lũ quét" in page.text
    assert filtered.status_code == 200
    assert "Kế hoạch trồng rừng" in filtered.text and "Báo cáo lũ quét" not in filtered.text


def test_the_search_api_filters_by_province_then_or_now(tmp_path: Path) -> None:
    with world(tmp_path / "home", RECORDS) as w:
        now = w.client.get("/search", params={"province": "Phú Thọ"}).json()
        then = w.client.get("/search", params={"province": "Vĩnh Phúc"}).json()
        other = w.client.get("/search", params={"province": "Lai Châu"}).json()
    assert [h["id"] for h in now["hits"]] == ["plan"] == [h["id"] for h in then["hits"]]
    assert [h["id"] for h in other["hits"]] == ["flood"]
