"""The public-record property (Hypothesis, finding 5): for a public record whose listed personal
data (names, short ones included, phone and CCCD numbers) is copied into every string field of its
metadata and into its page text, neither the public record JSON nor the public /ui page holds any
of the values (folded comparison: accents and case aside, as whole words)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import IncomingStamp, Metadata, PersonalData, Signer
from tests.api.conftest import make_record, page_with_words
from tests.redteam.conftest import Live, build_archive, serving
from tests.redteam.test_public_view import holds

SURNAMES = ["Lò", "Đỗ", "Bùi", "Hoàng", "Y", "Giàng", "Ma"]
GIVEN = ["A", "Minh Khôi", "Thị Mai", "Bi", "Văn Thắng", "Seo", "Pó"]
name = st.tuples(st.sampled_from(SURNAMES), st.sampled_from(GIVEN)).map(" ".join)
phone = st.text(alphabet="0123456789", min_size=9, max_size=9).map(
    lambda rest: f"0{rest[:3]} {rest[3:6]} {rest[6:]}"
)
cccd = st.text(alphabet="0123456789", min_size=12, max_size=12)
CONTEXT = ["{}", "Ông {}", "bà {}, thôn Nà Hẩu", "Kính gửi: {}", "{} (điện thoại)", "UBND xã gửi {}"]
_ids = count()


@st.composite
def personal(draw: st.DrawFn) -> list[PersonalData]:
    values = [
        PersonalData(kind="name", value=draw(name), page=1),
        PersonalData(kind="phone", value=draw(phone), page=1),
        PersonalData(kind="cccd", value=draw(cccd), page=1),
    ]
    return values[: draw(st.integers(1, 3))]


def _filled(values: list[str], draw: st.DrawFn) -> Metadata:
    """Every string field of Metadata holding one of `values`, in some words around it."""

    def text() -> str:
        return draw(st.sampled_from(CONTEXT)).format(draw(st.sampled_from(values)))

    signer = Signer(
        authority=text(), on_behalf_of=text(), position=text(), position_canonical=text(), name=text()
    )
    return Metadata(
        number=text(), notation=text(), doc_type=text(), issuer=text(), issuer_printed=text(),
        parent_issuer=text(), parent_issuer_printed=text(), province=text(), province_present=text(),
        place=text(), subject=text(), signer=signer, signers=[signer, signer], addressees=[text()],
        recipients=[text(), text()], incoming=IncomingStamp(number=text()), urgency=text(),
        confidence={text(): 0.5}, review=[text(), text()],
    )  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with serving(*build_archive(tmp_path_factory.mktemp("metadata-property") / "home")) as live:
        yield live


@settings(
    max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_property_no_listed_value_in_the_public_record(server: Live, data: st.DataObject) -> None:
    listed = data.draw(personal())
    values = [item.value for item in listed]
    meta = _filled(values, data.draw)
    lines = [data.draw(st.sampled_from(CONTEXT)).format(value) for value in values]
    name = f"property-{next(_ids)}"
    page, image = page_with_words(1, ["CÔNG VĂN", *lines], name)
    record = make_record([page], access="public", personal=tuple(listed))
    record.metadata = meta.model_copy(update={"personal_data": listed})
    stored = server.archive.add(name, record, image)
    body = server.get(f"/records/{stored.id}")
    ui = server.get(f"/ui/records/{stored.id}")
    assert body.status_code == ui.status_code == 200
    for value in values:
        for shown in (json.dumps(body.json(), ensure_ascii=False), ui.text):
            assert not holds(shown, value), (value, shown)
