"""Where a page's time goes: the step records of many pages summed into seconds per page per step,
with the Tesseract calls counted (recognition passes and OSD).

Seconds are the worker's wall clock around each step (one worker per core, Tesseract with
OMP_THREAD_LIMIT=1: on an otherwise idle machine, the CPU time). Pure: the bench prints it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ocr.preprocess import StepRecord

__all__ = ["StageProfile", "stage_profile", "tesseract_calls"]


@dataclass(frozen=True)
class StageProfile:
    pages: int
    seconds: dict[str, float]  # step name -> seconds per page (steps in first-seen order)
    runs: dict[str, float]  # step name -> times run per page
    tesseract_calls: float  # per page: recognition passes + OSD calls

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def tesseract_calls(steps: Iterable[StepRecord]) -> int:
    """Recognition passes and OSD calls among one page's steps."""
    return sum(
        1
        for step in steps
        if step.name == "recognise" or (step.name == "orientation" and step.result.get("method") == "osd")
    )


def stage_profile(pages: Iterable[Iterable[StepRecord]]) -> StageProfile:
    """Seconds and runs per page of each step over `pages` (each page: its step records)."""
    seconds: dict[str, float] = defaultdict(float)
    runs: dict[str, float] = defaultdict(float)
    count = calls = 0
    for steps in pages:
        steps = list(steps)
        count += 1
        calls += tesseract_calls(steps)
        for step in steps:
            seconds[step.name] += step.seconds
            runs[step.name] += 1
    per = max(count, 1)
    return StageProfile(
        pages=count,
        seconds={name: value / per for name, value in seconds.items()},
        runs={name: value / per for name, value in runs.items()},
        tesseract_calls=calls / per,
    )
