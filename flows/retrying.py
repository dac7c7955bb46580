"""Prefect retry policy shared by the flows: retry what may succeed later, nothing else."""

from __future__ import annotations

from core.errors import Transient

__all__ = ["retry_transient_only"]


def retry_transient_only(task, task_run, state) -> bool:  # noqa: ANN001 (Prefect's hook signature)
    """Retry storage/index/OCR timeouts (Transient); bad input and bugs are never retried."""
    try:
        state.result()
    except Transient:
        return True
    except Exception:
        return False
    return False
