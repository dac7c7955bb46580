"""Side doors around the answers: a 500 carried no security or cache headers (finding 11); the
server named its software and the API document its version, and the page kept the sign-in key in
localStorage for ever (finding 15)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from core import __version__
from tests.redteam.conftest import Live, signed_in

APP_JS = Path(__file__).parents[2] / "api" / "static" / "app.js"
HEADERS = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


@pytest.mark.parametrize(("path", "kind"), [("/search?q=số hóa", "json"), ("/ui?q=số hóa", "html")])
def test_errors_a_500_carries_the_security_and_cache_headers(
    shared: Live, monkeypatch: pytest.MonkeyPatch, path: str, kind: str
) -> None:
    def broken(_request: object) -> None:
        raise RuntimeError("index exploded at /srv/secret/path")

    monkeypatch.setattr(shared.app.state.api.index, "search", broken)
    for role in ("public", "staff"):
        response = shared.get(path, role)
        assert response.status_code == 500
        assert "exploded" not in response.text and "/srv/" not in response.text
        assert "Lỗi máy chủ" in response.text
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (name, response.headers)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        vary = {v.strip().lower() for v in response.headers["vary"].split(",")}
        assert vary >= {"authorization", "x-api-key", "cookie"}
        assert response.headers["content-type"].startswith(
            "text/html" if kind == "html" else "application/json"
        )


def test_errors_the_server_and_the_api_document_name_no_software_version(shared: Live) -> None:
    for path in ("/ui", "/search?q=x", "/records/" + "0" * 32, "/openapi.json"):
        response = shared.get(path)
        assert "server" not in response.headers, (path, response.headers.get("server"))
    document = shared.get("/openapi.json").json()
    assert __version__ not in str(document["info"]) and document["info"]["version"] == "1"


def test_errors_the_sign_in_key_is_kept_per_tab_and_expires() -> None:
    """Structure (app.js): no key in localStorage (it outlives the tab and the browser), the
    tab's copy carries its end time, and the cookie a Max-Age of the same length."""
    script = APP_JS.read_text(encoding="utf-8")
    assert "localStorage.setItem" not in script and "localStorage.getItem" not in script
    assert "sessionStorage.setItem(KEY, JSON.stringify({ key, until }))" in script
    hours = re.search(r"const SIGN_IN_SECONDS = (\d+) \* 60 \* 60;", script)
    assert hours and 1 <= int(hours.group(1)) <= 8
    assert "Max-Age=${SIGN_IN_SECONDS}" in script
    assert re.search(r"saved\.until > Date\.now\(\)\) return saved\.key", script)


@pytest.mark.browser
def test_errors_in_chromium_a_sign_in_expires_and_is_not_kept_past_the_tab(live: Live, chromium) -> None:  # noqa: ANN001
    context, page = signed_in(chromium, live, live.keys.staff)
    assert page.locator("#who").get_attribute("data-role") == "staff"
    assert page.evaluate("localStorage.length") == 0
    saved = page.evaluate("JSON.parse(sessionStorage.getItem('sohoaKey'))")
    now = time.time()
    assert saved["key"] == live.keys.staff and now + 3600 <= saved["until"] / 1000 <= now + 8 * 3600
    (cookie,) = [c for c in context.cookies() if c["name"] == "sohoa_key"]
    assert now + 3600 <= cookie["expires"] <= now + 8 * 3600  # not a cookie that lives as long as the browser

    other_tab = context.new_page()  # a new tab has no key of its own
    other_tab.goto(f"{live.url}/ui/login")
    assert other_tab.evaluate("sessionStorage.getItem('sohoaKey')") is None
    other_tab.close()

    page.evaluate("sessionStorage.setItem('sohoaKey', JSON.stringify({key: 'x', until: Date.now() - 1}))")
    page.reload()  # the time is up: the page forgets the key, cookie included
    page.wait_for_function("document.cookie.indexOf('sohoa_key=') < 0")
    page.goto(f"{live.url}/ui")
    assert page.locator("#who").get_attribute("data-role") == "public"
    context.close()
