"""Retries: transient failures are retried with backoff; bad input and bugs are not."""

from __future__ import annotations

import pytest
from prefect import flow, task

from core.errors import BadInput, OcrTimeout, Transient
from flows.ingest import ingest_document
from flows.retrying import retry_transient_only

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def _attempts(error: Exception) -> int:
    calls = []

    @task(retries=2, retry_delay_seconds=0, retry_condition_fn=retry_transient_only, persist_result=False)
    def failing() -> None:
        calls.append(1)
        raise error

    @flow(persist_result=False)
    def run() -> None:
        failing(return_state=True)

    run()
    return len(calls)


@pytest.mark.parametrize(
    ("error", "attempts"),
    [
        (Transient("index unreachable"), 3),
        (OcrTimeout("page 2 took too long"), 3),
        (BadInput("file is empty"), 1),
        (RuntimeError("a bug"), 1),
    ],
)
def test_only_transient_errors_are_retried(error: Exception, attempts: int) -> None:
    assert _attempts(error) == attempts


def test_ingest_document_retries_transient_errors_with_growing_delays() -> None:
    assert ingest_document.retry_condition_fn is retry_transient_only
    assert ingest_document.retries == 3
    delays = ingest_document.retry_delay_seconds
    assert delays == sorted(delays) and delays[0] < delays[-1]
    assert ingest_document.retry_jitter_factor  # several workers do not retry in lockstep
