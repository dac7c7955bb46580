"""`bounded_map`: a function over a stream of items on a few threads, results in order, at most
twice as many calls in flight as threads (a listing of a million objects is never held whole)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

__all__ = ["bounded_map"]

T = TypeVar("T")
R = TypeVar("R")


def bounded_map(
    function: Callable[[T], R], items: Iterable[T], workers: int, *, name: str = "worker"
) -> Iterator[tuple[T, R]]:
    """(item, function(item)) in the order of `items`, `workers` threads at a time (one: in this
    thread); an exception of a call is raised when its turn comes."""
    if workers <= 1:
        yield from ((item, function(item)) for item in items)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name) as pool:
        pending: deque[tuple[T, Future[R]]] = deque()
        for item in items:
            pending.append((item, pool.submit(function, item)))
            if len(pending) >= 2 * workers:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
