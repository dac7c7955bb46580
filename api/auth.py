"""Who is calling: an API key in a header (any request) or in the web page's cookie (reads only).

    X-API-Key: <key>   or   Authorization: Bearer <key>   -> the key's role; an unknown key: 401
    cookie sohoa_key=<key>                                 -> the key's role on GET/HEAD requests;
                                                              an unknown or revoked key: public
    nothing                                                -> public

Changes (POST) take the key from a header only, so a page on another site cannot make a signed-in
archivist's browser change a record (the cookie alone is never enough).
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from api.state import ApiState
from application.access import PUBLIC, Caller

__all__ = ["COOKIE", "caller_of", "state_of"]

COOKIE = "sohoa_key"
_SAFE_METHODS = ("GET", "HEAD")


def state_of(request: Request) -> ApiState:
    return request.app.state.api


def _header_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def caller_of(request: Request) -> Caller:
    """FastAPI dependency: the Caller of this request."""
    keys = state_of(request).keys
    token = _header_key(request)
    if token is not None:
        key = keys.lookup(token)
        if key is None:
            raise HTTPException(
                401, "Khóa API không hợp lệ hoặc đã bị thu hồi.", headers={"WWW-Authenticate": "Bearer"}
            )
        return Caller(role=key.role, key_id=key.id, name=key.name)
    cookie = request.cookies.get(COOKIE)
    if cookie and request.method in _SAFE_METHODS:
        key = keys.lookup(cookie.strip())
        if key is not None:
            return Caller(role=key.role, key_id=key.id, name=key.name)
    return PUBLIC


def client_of(request: Request) -> str | None:
    """Where the request came from, for the audit log (a proxy's X-Forwarded-For is kept too)."""
    host = request.client.host if request.client else None
    forwarded = request.headers.get("x-forwarded-for")
    return f"{host} (forwarded for {forwarded})" if forwarded else host
