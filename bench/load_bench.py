"""Search under load: `sohoa serve --workers N` answering C concurrent clients, over loopback.

    .venv/bin/python bench/load_bench.py        # 100,000 pages; 1 and 2 workers; 10 and 50 clients
    .venv/bin/python bench/load_bench.py --pages 1000000 --workers 2   # the million-page targets
    .venv/bin/python bench/load_bench.py --pages 3000 --seconds 5 --workers 2 --clients 10

The index is the API bench's (bench/api_bench.py: generated records, built once and cached under
bench/out/api-<pages>-v<generator>-s<schema>/). For each number of workers, `sohoa serve` runs in
its own process group on 127.0.0.1 and the bench waits until it says it is warm (`sohoa serve`
reads the index file into the OS cache, and each search process loads its search arrays and the
page lists the last server used most before the first request is taken: api/state.py `warm`).
Then, in order:

1. `cold`: the first --cold seconds after start, at the first number of clients: what callers
   of a server just started see (reported, not hidden);
2. warm-up, not timed: every search of the mix sent once (a server that has run a while holds
   the page lists of the words it is asked), for at most --warmup seconds;
3. for each number of clients, that many keep-alive connections send the API bench's seeded mix
   of searches (public, staff, archivists) back to back for --seconds: the warm rows the
   targets are for.

A request not answered within --timeout counts as an error, as does any status but 200.
Throughput is answered searches per second; latencies are of the answered ones; the server's CPU
time per search is that of its process group (every worker) over the row. The client is a small
asyncio HTTP/1.1 loop in this process (a fraction of a core: its CPU time is printed), so on a
2-core machine it takes some of the server's CPU. Figures go to bench/out/load_bench.json (and
load_bench-<pages>.json), with the load average next to each: on a shared machine the figures
are low bounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.key_store import KeyStore, keys_path  # noqa: E402
from bench.api_bench import OUT, build_index, percentile, query_mix  # noqa: E402
from bench.api_records import GENERATOR_VERSION  # noqa: E402
from core.settings import Settings  # noqa: E402
from indexing.sqlite import SCHEMA_VERSION  # noqa: E402

TARGET_RATE = 150.0  # searches/s at 50 clients, 100,000 pages, 2 cores (issue 18)
READY = "search index warm"  # what `sohoa serve` logs once its search processes have warmed up
_TICK = os.sysconf("SC_CLK_TCK")


def _requests(keys: dict[str, str], count: int, seed: int) -> list[bytes]:
    """The bench's query mix as raw HTTP/1.1 GET requests (keep-alive)."""
    requests = []
    for _, params in query_mix(count, seed):
        role = params.pop("_role")
        key = f"X-API-Key: {keys[role]}\r\n" if role in keys else ""
        path = "/search?" + urlencode(params)
        requests.append(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{key}\r\n".encode())
    return requests


async def _answer(reader: asyncio.StreamReader) -> int:
    """Read one response (Content-Length bodies, as the API sends); its status."""
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def _client(
    port: int, requests: list[bytes], start: int, until: float, timeout: float, out: dict, stop: int
) -> None:
    """One connection sending searches back to back until `until` (or `stop` were sent);
    reconnects after an error."""
    at, conn = start, None
    while time.monotonic() < until and at < stop:
        request = requests[at % len(requests)]
        at += 1
        began = time.monotonic()
        try:
            if conn is None:
                conn = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
            reader, writer = conn
            writer.write(request)
            status = await asyncio.wait_for(_answer(reader), timeout)
        except (TimeoutError, OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            out["errors"] += 1
            if conn is not None:
                conn[1].close()
            conn = None
            continue
        elapsed = time.monotonic() - began
        if status != 200:
            out["errors"] += 1
        elif began + elapsed <= until:  # a search finished after the end is not counted
            out["latencies"].append(elapsed * 1000)
    if conn is not None:
        conn[1].close()


async def _load(
    port: int, requests: list[bytes], clients: int, seconds: float, timeout: float, once: bool
) -> dict:
    """`clients` connections for `seconds`; `once`: each request of the list sent once at most
    (each connection its share), not in a loop."""
    out: dict = {"latencies": [], "errors": 0}
    until = time.monotonic() + seconds
    step = max(1, -(-len(requests) // clients) if once else len(requests) // clients)
    await asyncio.gather(
        *(
            _client(
                port,
                requests,
                n * step,
                until,
                timeout,
                out,
                min((n + 1) * step, len(requests)) if once else sys.maxsize,
            )
            for n in range(clients)
        )
    )
    return out


def server_cpu(group: int) -> float:
    """CPU seconds used so far by the processes of a process group (the server and its workers)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) == group:  # pgrp; then utime, stime, cutime, cstime are fields[11:15]
            ticks += sum(int(f) for f in fields[11:15])
    return ticks / _TICK


def measure(
    port: int,
    requests: list[bytes],
    clients: int,
    seconds: float,
    timeout: float,
    *,
    group: int | None = None,
    once: bool = False,
) -> dict:
    """One row: `clients` connections sending searches for `seconds` (`once`: each request once,
    for at most `seconds`); `group`: the server's process group, whose CPU time is counted."""
    cpu, began = time.process_time(), time.monotonic()
    served = server_cpu(group) if group is not None else 0.0
    out = asyncio.run(_load(port, requests, clients, seconds, timeout, once))
    seconds = min(seconds, time.monotonic() - began)
    latencies = out["latencies"]
    row = {
        "clients": clients,
        "seconds": round(seconds, 1),
        "searches": len(latencies),
        "per_second": round(len(latencies) / seconds, 1),
        "errors": out["errors"],
        "client_cpu_share": round((time.process_time() - cpu) / seconds, 2),
        "load_average": round(os.getloadavg()[0], 2),
    }
    if group is not None and latencies:
        row["server_cpu_ms_per_search"] = round((server_cpu(group) - served) * 1000 / len(latencies), 1)
    if latencies:
        row |= {f"p{p}_ms": round(percentile(latencies, p), 1) for p in (50, 95, 99)}
    return row


class _Log:
    """The server's log (stderr), read as it comes: whether it said it is warm, and the last
    lines (shown when the server fails)."""

    def __init__(self, server: subprocess.Popen) -> None:
        self.warm, self.tail = 0, []
        self._thread = threading.Thread(target=self._read, args=(server.stderr,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:  # noqa: ANN001
        for raw in stream:
            line = raw.decode(errors="replace").rstrip()
            self.warm += READY in line
            self.tail = [*self.tail[-20:], line]


def _serve(folder: Path, port: int, workers: int) -> tuple[subprocess.Popen, _Log]:
    env = {**os.environ, "SOHOA_HOME": str(folder / "home"), "SOHOA_STORAGE": str(folder / "store")}
    env["SOHOA_INDEX"] = f"sqlite:///{folder / 'index.sqlite3'}"
    command = [str(Path(sys.executable).parent / "sohoa"), "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: stopped with all its workers
    )
    return server, _Log(server)


def _wait_ready(port: int, server: subprocess.Popen, log: _Log, deadline: float) -> float:
    """Wait until the server has said it is warm and answers; the seconds waited."""

    async def ping() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /search?q=x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        await _answer(reader)
        writer.close()

    began = time.monotonic()
    while True:
        if server.poll() is not None:
            tail = "\n".join(log.tail)
            raise RuntimeError(f"sohoa serve exited with {server.returncode}:\n{tail}")
        try:
            if log.warm:
                asyncio.run(ping())
                return time.monotonic() - began
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("sohoa serve did not get ready in time:\n" + "\n".join(log.tail))
        time.sleep(0.3)


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100_000, help="pages indexed (default 100,000)")
    parser.add_argument("--workers", default="1,2", help="server processes to try (default 1,2)")
    parser.add_argument("--clients", default="10,50", help="concurrent clients to try (default 10,50)")
    parser.add_argument("--seconds", type=float, default=20.0, help="each measurement's length")
    parser.add_argument(
        "--cold", type=float, default=10.0, help="seconds measured right after start (0: none)"
    )
    parser.add_argument(
        "--warmup", type=float, default=300.0, help="at most this long sending each search once, not timed"
    )
    parser.add_argument("--timeout", type=float, default=2.0, help="a slower answer is an error")
    parser.add_argument("--port", type=int, default=8740)
    parser.add_argument("--seed", type=int, default=20240611)
    args = parser.parse_args()

    folder = OUT / f"api-{args.pages}-v{GENERATOR_VERSION}-s{SCHEMA_VERSION}"
    print(f"index: {folder} (building it if needed)", file=sys.stderr)
    built = build_index(folder, args.pages)
    store = KeyStore(keys_path(Settings(home=folder / "home")))
    keys = {"staff": store.create("staff", "load")[1], "archivist": store.create("archivist", "load")[1]}
    requests = _requests(keys, 2000, args.seed)
    rows = []
    clients_tried = [int(c) for c in args.clients.split(",")]
    try:
        for workers in [int(w) for w in args.workers.split(",")]:
            server, log = _serve(folder, args.port, workers)
            try:
                ready = round(_wait_ready(args.port, server, log, time.monotonic() + 1200), 1)
                print(f"{workers} worker(s) ready in {ready} s", file=sys.stderr)
                group = server.pid
                if args.cold:
                    figures = measure(
                        args.port, requests, clients_tried[0], args.cold, args.timeout, group=group
                    )
                    rows.append({"workers": workers, "phase": "cold", "ready_s": ready} | figures)
                    print(json.dumps(rows[-1]), file=sys.stderr)
                warm = measure(args.port, requests, 2 * workers, args.warmup, 30.0, group=group, once=True)
                print(f"warm-up: {json.dumps(warm)}", file=sys.stderr)
                for clients in clients_tried:
                    figures = measure(args.port, requests, clients, args.seconds, args.timeout, group=group)
                    rows.append({"workers": workers, "phase": "warm"} | figures)
                    print(json.dumps(rows[-1]), file=sys.stderr)
            finally:
                _stop(server)
    finally:
        for key_id in [k.id for k in store.all_keys() if k.active]:
            store.revoke(key_id)
    report = {"index": built, "cpu_count": os.cpu_count(), "timeout_s": args.timeout, "rows": rows}
    OUT.mkdir(parents=True, exist_ok=True)
    for name in ("load_bench.json", f"load_bench-{args.pages}.json"):
        (OUT / name).write_text(json.dumps(report, indent=2))
    print(f"{built['pages']} pages; {args.seconds:.0f} s a row; an answer over {args.timeout} s is an error")
    head = f"{'':>6}{'workers':>8}{'clients':>8}{'search/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    print(head + f"{'errors':>8}{'CPU ms':>8}{'client CPU':>11}{'load':>6}")
    for row in rows:
        print(
            f"{row['phase']:>6}{row['workers']:>8}{row['clients']:>8}{row['per_second']:>10}"
            f"{row.get('p50_ms', '-'):>9}{row.get('p95_ms', '-'):>9}{row.get('p99_ms', '-'):>9}"
            f"{row['errors']:>8}{row.get('server_cpu_ms_per_search', '-'):>8}"
            f"{row['client_cpu_share']:>11}{row['load_average']:>6}"
        )
    print("CPU ms: the server's CPU time per search answered (all its processes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
