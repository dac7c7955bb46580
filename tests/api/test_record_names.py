"""The record page shows the canonical issuer beside the name on the paper, the province then
and now, a partial date, and why a field was left empty (issue 13)."""

from __future__ import annotations

import datetime as dt

from classify import extract_metadata
from schemas import Page
from tests.api.conftest import Archive, Keys, make_record
from tests.classify.classify_support import plan

NOISY = plan(unit="TỈNH I VĨNH P PHÚC", place="Vĩnh Phúc", number="……", day="……", year="2018")


def test_record_page_shows_both_names_and_the_present_province(client, archive: Archive, keys: Keys):
    page = Page(number=1, text=NOISY)
    meta = extract_metadata([page])
    record = make_record([page], access="public", date=None).model_copy(update={"metadata": meta})
    stored = archive.add("canonical", record, None)
    client.cookies.set("sohoa_key", keys.staff)
    html = client.get(f"/ui/records/{stored.id}").text
    assert "Ủy ban nhân dân tỉnh Vĩnh Phúc" in html
    assert "Tên trên văn bản: Ủy ban nhân dân tỉnh I Vĩnh P Phúc" in html
    assert "nay thuộc Phú Thọ" in html
    assert "tháng 05/2018" in html
    assert "Số văn bản để trống trên bản in" in html
    assert meta.date is None and dt.date(2018, 5, 1).isoformat().startswith(meta.date_partial)
