"""Optional per-phase timers of the search path (matching, page-list reads, ranking, facets,
order, hits, snippets): the API bench's breakdown. Off unless `profiling()` turns them on; then
a phase costs one check of a module global."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

__all__ = ["Phases", "phase", "profiling"]


class Phases:
    """Seconds spent in each phase of the searches of this process, summed until taken: a
    bench's per-phase breakdown. Phases nest; a phase's time excludes the phases inside it."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        """`clock`: wall time by default; time.thread_time counts this thread's CPU only."""
        self.clock = clock
        self.seconds: dict[str, float] = {}
        self._stack: list[list] = []  # [name, started] of the phases open, innermost last

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        now = self.clock()
        if self._stack:  # pause the enclosing phase
            outer = self._stack[-1]
            self.seconds[outer[0]] = self.seconds.get(outer[0], 0.0) + now - outer[1]
        self._stack.append([name, now])
        try:
            yield
        finally:
            now = self.clock()
            _, started = self._stack.pop()
            self.seconds[name] = self.seconds.get(name, 0.0) + now - started
            if self._stack:
                self._stack[-1][1] = now

    def take(self) -> dict[str, float]:
        """The seconds per phase since the last take, and start again from zero."""
        taken, self.seconds = self.seconds, {}
        return taken


PROFILE: Phases | None = None  # set by a bench (`profiling`); None: phases cost one check each
_OFF = nullcontext()


def profiling(on: bool = True, clock: Callable[[], float] = time.perf_counter) -> Phases | None:
    """Turn the per-phase timers of this process's searches on (a fresh Phases) or off."""
    global PROFILE
    PROFILE = Phases(clock) if on else None
    return PROFILE


def phase(name: str) -> AbstractContextManager[None]:
    return _OFF if PROFILE is None else PROFILE.phase(name)
