"""Search under load: `sohoa serve --workers N` answering C concurrent clients, over loopback.

    .venv/bin/python bench/load_bench.py        # 100,000 pages; 1 and 2 workers; 10 and 50 clients
    .venv/bin/python bench/load_bench.py --pages 3000 --seconds 5 --workers 2 --clients 10

The index is the API bench's (bench/api_bench.py: generated records, built once and cached under
bench/out/api-<pages>-v<generator>-s<schema>/). For each number of workers, `sohoa serve` runs in
its own process group on 127.0.0.1; each worker is warmed with the bench's query mix (a server
that has run a while holds the page lists of common words), then for each number of clients,
that many keep-alive connections send the API bench's seeded mix of searches (public, staff,
archivists) back to back for --seconds. A request not answered within --timeout counts as an
error, as does any status but 200. Throughput is answered searches per second; latencies are
of the answered ones. The client is a small asyncio HTTP/1.1 loop in this process (a fraction of
a core: its CPU time is printed), so on a 2-core machine it takes some of the server's CPU.
Figures go to bench/out/load_bench.json, with the load average next to each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
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
    port: int, requests: list[bytes], start: int, until: float, timeout: float, out: dict
) -> None:
    """One connection sending searches back to back until `until`; reconnects after an error."""
    at, conn = start, None
    while time.monotonic() < until:
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


async def _load(port: int, requests: list[bytes], clients: int, seconds: float, timeout: float) -> dict:
    out: dict = {"latencies": [], "errors": 0}
    until = time.monotonic() + seconds
    step = max(1, len(requests) // clients)
    await asyncio.gather(*(_client(port, requests, n * step, until, timeout, out) for n in range(clients)))
    return out


def measure(port: int, requests: list[bytes], clients: int, seconds: float, timeout: float) -> dict:
    cpu = time.process_time()
    out = asyncio.run(_load(port, requests, clients, seconds, timeout))
    latencies = out["latencies"]
    row = {
        "clients": clients,
        "seconds": seconds,
        "searches": len(latencies),
        "per_second": round(len(latencies) / seconds, 1),
        "errors": out["errors"],
        "client_cpu_share": round((time.process_time() - cpu) / seconds, 2),
        "load_average": round(os.getloadavg()[0], 2),
    }
    if latencies:
        row |= {f"p{p}_ms": round(percentile(latencies, p), 1) for p in (50, 95, 99)}
    return row


def _serve(folder: Path, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "SOHOA_HOME": str(folder / "home"), "SOHOA_STORAGE": str(folder / "store")}
    env["SOHOA_INDEX"] = f"sqlite:///{folder / 'index.sqlite3'}"
    command = [str(Path(sys.executable).parent / "sohoa"), "serve", "--port", str(port)]
    return subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: stopped with all its workers
    )


def _wait_ready(port: int, server: subprocess.Popen, deadline: float) -> None:
    async def ping() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /search?q=x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        await _answer(reader)
        writer.close()

    while True:
        if server.poll() is not None:
            raise RuntimeError(f"sohoa serve exited with {server.returncode}")
        try:
            asyncio.run(ping())
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("sohoa serve did not answer in time") from None
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
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of searches first, not timed")
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
    try:
        for workers in [int(w) for w in args.workers.split(",")]:
            server = _serve(folder, args.port, workers)
            try:
                _wait_ready(args.port, server, time.monotonic() + 600)
                measure(args.port, requests, 2 * workers, args.warmup, 30.0)  # fill each worker's caches
                for clients in [int(c) for c in args.clients.split(",")]:
                    figures = measure(args.port, requests, clients, args.seconds, args.timeout)
                    row = {"workers": workers} | figures
                    rows.append(row)
                    print(json.dumps(row), file=sys.stderr)
            finally:
                _stop(server)
    finally:
        for key_id in [k.id for k in store.all_keys() if k.active]:
            store.revoke(key_id)
    report = {"index": built, "cpu_count": os.cpu_count(), "timeout_s": args.timeout, "rows": rows}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "load_bench.json").write_text(json.dumps(report, indent=2))
    print(f"{built['pages']} pages; {args.seconds:.0f} s a row; an answer over {args.timeout} s is an error")
    head = f"{'workers':>8}{'clients':>8}{'search/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    print(head + f"{'errors':>8}{'client CPU':>11}{'load':>6}")
    for row in rows:
        print(
            f"{row['workers']:>8}{row['clients']:>8}{row['per_second']:>10}{row.get('p50_ms', '-'):>9}"
            f"{row.get('p95_ms', '-'):>9}{row.get('p99_ms', '-'):>9}{row['errors']:>8}"
            f"{row['client_cpu_share']:>11}{row['load_average']:>6}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
