"""`StoreReads`: a store that records what an answer read from it (the keys, and the bytes)."""

from __future__ import annotations


class StoreReads:
    """The store, every key read (get_bytes, get_file) recorded and the bytes returned added up
    (a file handed out counts 1)."""

    def __init__(self, store: object) -> None:
        self._store, self.keys, self.read = store, [], 0

    def __getattr__(self, name: str) -> object:
        attr = getattr(self._store, name)
        if name not in ("get_bytes", "get_file"):
            return attr

        def counted(key: str, *args: object, **kw: object) -> object:
            self.keys.append(key)
            data = attr(key, *args, **kw)
            self.read += len(data) if isinstance(data, bytes) else 1
            return data

        return counted
