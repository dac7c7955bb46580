"""The worker's stop: cancelled connections are the stop itself, not errors in the log."""

from __future__ import annotations

import asyncio
import logging

import pytest

from cli.worker import _ignore_cancelled


def test_a_connection_cancelled_at_stop_is_not_logged_but_real_errors_are(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = asyncio.new_event_loop()
    try:
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            cancelled = {"message": "Exception in callback", "exception": asyncio.CancelledError()}
            _ignore_cancelled(loop, cancelled)
            assert not caplog.records
            _ignore_cancelled(loop, {"message": "a real fault", "exception": ValueError("x")})
        assert [record.getMessage() for record in caplog.records] == ["a real fault"]
    finally:
        loop.close()
