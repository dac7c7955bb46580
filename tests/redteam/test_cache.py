"""Side door 1: the shared reading-room PC. Nothing that differs by role may be kept by the
browser (or a proxy), and signing out clears what the site left in the browser."""

from __future__ import annotations

import base64
import io
import time

import httpx
import pytest
from PIL import Image, ImageChops, ImageStat

from tests.redteam.conftest import Live, signed_in

CREDENTIALS = {"authorization", "x-api-key", "cookie"}


def _paths(live: Live) -> list[str]:
    victim = live.archive.records["victim"].id
    return [
        f"/records/{victim}",
        f"/records/{victim}/text",
        f"/records/{victim}/pages/1",
        f"/records/{victim}/pages/1?width=900",
        f"/ui/records/{victim}",
        "/ui",
        "/ui?q=cấp lại",
        "/search?q=cấp lại",
        "/whoami",
    ]


@pytest.mark.parametrize("role", ["public", "staff", "archivist"])
def test_cache_no_response_with_record_content_is_stored(shared: Live, role: str) -> None:
    for path in _paths(shared):
        response = shared.get(path, role)
        assert response.status_code == 200, (path, response.status_code)
        assert response.headers["cache-control"] == "no-store", path
        vary = {v.strip().lower() for v in response.headers["vary"].split(",")}
        assert vary >= CREDENTIALS, (path, vary)
    review = shared.get("/review", "archivist")
    assert review.headers["cache-control"] == "no-store"


def test_cache_static_files_may_be_cached_and_hold_nothing_of_a_record(shared: Live) -> None:
    style = shared.get("/static/style.css")
    assert style.status_code == 200 and "no-store" not in style.headers.get("cache-control", "")


def test_cache_sign_out_clears_site_data(shared: Live) -> None:
    response = shared.post("/ui/logout", headers={"Cookie": f"sohoa_key={shared.keys.staff}"})
    assert response.status_code == 204
    cleared = {v.strip() for v in response.headers["clear-site-data"].split(",")}
    assert {'"cache"', '"cookies"', '"storage"'} <= cleared
    assert response.headers["cache-control"] == "no-store"
    assert "sohoa_key=" in response.headers["set-cookie"] and "Max-Age=0" in response.headers["set-cookie"]


def _shown_image(page, selector: str) -> Image.Image:  # noqa: ANN001 - a Playwright page
    """The pixels the browser shows for an <img>, read back through a canvas."""
    image = page.locator(selector).first
    image.scroll_into_view_if_needed()
    deadline = time.monotonic() + 20
    while image.evaluate("img => img.complete && img.naturalWidth") == 0:
        assert time.monotonic() < deadline, "the page image did not load"
        time.sleep(0.1)
    data_url = image.evaluate(
        """img => { const c = document.createElement('canvas');
                    c.width = img.naturalWidth; c.height = img.naturalHeight;
                    c.getContext('2d').drawImage(img, 0, 0); return c.toDataURL('image/png'); }"""
    )
    return Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("L")


def _distance(a: Image.Image, b: Image.Image) -> float:
    return ImageStat.Stat(ImageChops.difference(a, b.resize(a.size))).mean[0]


@pytest.mark.browser
def test_cache_after_staff_sign_out_the_next_visitor_sees_the_masked_image(live: Live, chromium) -> None:  # noqa: ANN001
    victim = live.archive.records["victim"].id
    image_url = f"/records/{victim}/pages/1?width=900"
    masked = Image.open(io.BytesIO(live.get(image_url).content)).convert("L")
    clear = Image.open(io.BytesIO(live.get(image_url, "staff").content)).convert("L")
    assert _distance(masked, clear) > 0.5, "the public image must differ from the staff one"

    context, page = signed_in(chromium, live, live.keys.staff)
    page.goto(f"{live.url}/ui/records/{victim}")
    seen_by_staff = _shown_image(page, ".side-by-side img")
    assert _distance(seen_by_staff, clear) < _distance(seen_by_staff, masked)
    assert page.locator("#who").get_attribute("data-role") == "staff"

    page.click("#nav-logout")  # the shared PC's next visitor
    page.wait_for_url(f"{live.url}/ui")
    assert page.locator("#who").get_attribute("data-role") == "public"
    page.goto(f"{live.url}/ui/records/{victim}")
    seen_next = _shown_image(page, ".side-by-side img")
    assert _distance(seen_next, masked) < 0.5 < _distance(seen_next, clear)
    assert "001076012345" not in page.content() and "Thắng" not in page.content()
    context.close()


def test_cache_an_unmasked_image_is_never_served_to_the_public(shared: Live) -> None:
    victim = shared.archive.records["victim"].id
    public = httpx.get(f"{shared.url}/records/{victim}/pages/1", headers={"Cookie": "sohoa_key=nonsense"})
    staff = shared.get(f"/records/{victim}/pages/1", "staff")
    assert public.status_code == 200 and public.content != staff.content
