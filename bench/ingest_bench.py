"""End-to-end ingest throughput and memory: `sohoa ingest` beside raw Tesseract (target >= 70 pages/min).

    .venv/bin/python bench/ingest_bench.py                    # corpus pages, then RSS at 10 and 300 pages
    .venv/bin/python bench/ingest_bench.py --large 60         # a shorter memory check
    .venv/bin/python bench/ingest_bench.py --skip-rss         # throughput only

1. Raw Tesseract: `tesseract IMAGE - -l vie tsv` on every page image of the corpus
   (../shared/corpus/pages/*.png|jpg), as many at once as --workers (default 2): pages/min.
2. `sohoa ingest` of the same pages (the installed console script, Prefect's embedded server,
   a fresh SOHOA_HOME, SOHOA_WORKERS=--workers): OCR + classification + storage + index, pages/min
   measured over the whole command, start-up included; then the same command on one page already
   stored (a duplicate: start-up only), to show the per-page rate without the fixed start-up.
   Then the same batch again in a fresh SOHOA_HOME with a running `prefect server start` (the
   set-up the README gives operators who ingest every day): no embedded server to start.
3. Peak RSS (the largest process of the `sohoa ingest` tree, from wait4) for a --small and a
   --large page batch of the same --small corpus pages cycled, each copy made distinct by a
   comment added to the file (same image, new sha256), so every page is really OCR'd and stored.
   The peak also depends on which pages the workers happen to read at the same moment (a colour
   page needs ~230 MB while it is read, a gray one ~160 MB), which a long batch meets more often;
   so the `sohoa` process's RSS is also sampled every 0.5 s, and the median of each quarter of
   the long batch shows whether memory grows with the length of a batch (the first quarter holds
   the ramp-up while the workers' heaps reach their working size).
Exit status 1 only with --strict when the target is missed, or the RSS of the last quarter of the
long batch is more than 10 % above that of its second quarter.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from storage.hold import new_key

ROOT = Path(__file__).resolve().parents[1]
# pairtree (pulled in by the dev tools' OCFL validator) installs a top-level `tests` package into
# site-packages, which shadows the project's own when a script under bench/ is run: put ours first.
sys.path.insert(0, str(ROOT))
from tests.ops.processes import prefect_server  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
TARGET_PAGES_PER_MIN = 70.0
SOHOA = Path(sys.executable).with_name("sohoa")


def corpus_pages(corpus: Path) -> list[Path]:
    return sorted(p for p in (corpus / "pages").iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))


def raw_tesseract(pages: list[Path], workers: int, lang: str) -> float:
    """Pages per minute of bare `tesseract` (TSV output, what the engine adapter asks for)."""
    env = os.environ | {"OMP_THREAD_LIMIT": "1"}

    def one(page: Path) -> None:
        subprocess.run(
            ["tesseract", str(page), "-", "-l", lang, "tsv"], env=env, capture_output=True, check=True
        )

    started = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, pages))
    return len(pages) * 60 / (time.monotonic() - started)


def _png_with_comment(data: bytes, comment: bytes) -> bytes:
    body = b"tEXt" + b"Comment\x00" + comment
    chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))
    end_of_ihdr = 8 + 4 + 4 + 13 + 4
    return data[:end_of_ihdr] + chunk + data[end_of_ihdr:]


def _jpeg_with_comment(data: bytes, comment: bytes) -> bytes:
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return data[:2] + segment + data[2:]


def distinct_copies(pages: list[Path], count: int, folder: Path) -> list[Path]:
    """`count` files cycling through `pages`, each with different bytes but the same image."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for n in range(count):
        page = pages[n % len(pages)]
        data, comment = page.read_bytes(), f"bench copy {n}".encode()
        is_png = page.suffix.lower() == ".png"
        data = _png_with_comment(data, comment) if is_png else _jpeg_with_comment(data, comment)
        target = folder / f"{n:04d}_{page.name}"
        target.write_bytes(data)
        made.append(target)
    return made


def run_ingest(files: list[Path], home: Path, workers: int, prefect_api: str | None = None) -> dict:
    """Run `sohoa ingest FILE... --json` (on Prefect's embedded server unless `prefect_api` is
    given); return pages, seconds, peak RSS (MiB), exit code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_API"))}
    env |= {"SOHOA_HOME": str(home), "SOHOA_WORKERS": str(workers), "PREFECT_LOGGING_LEVEL": "ERROR"}
    # a holding area (and its key, outside SOHOA_HOME) as an agency would configure: secret
    # documents are held rather than quarantined, so every file of the corpus is counted
    key = home.parent / f"{home.name}.key"
    if not key.exists():
        new_key(key)
    env |= {"SOHOA_SECRET_HOLD": str(home.parent / f"{home.name}-hold"), "SOHOA_SECRET_KEY_FILE": str(key)}
    if prefect_api:
        env["PREFECT_API_URL"] = prefect_api
    out = home.parent / f"{home.name}.json"
    started = time.monotonic()
    with out.open("w") as stdout:
        process = subprocess.Popen(
            [str(SOHOA), "ingest", *map(str, files), "--json", "--batch", home.name],
            env=env,
            stdout=stdout,
            stderr=subprocess.DEVNULL,
        )
        samples: list[float] = []
        sampler = threading.Thread(target=_sample_rss, args=(process.pid, samples), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    summary = json.loads(out.read_text() or "{}")
    stored = summary.get("ingested", []) + summary.get("near_duplicates", [])  # both were OCR'd
    pages = sum(i["pages"] for i in stored)
    return {
        "files": len(files),
        "pages": pages,
        "quarantined": len(summary.get("quarantined", [])),
        "failed": len(summary.get("failed", [])),
        "seconds": round(seconds, 1),
        "pages_per_min": round(pages * 60 / seconds, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "rss_quarters_mib": _quarter_medians(samples),
        "exit": process.returncode,
    }


def _sample_rss(pid: int, samples: list[float], every: float = 0.5) -> None:
    """VmRSS of `pid` in MiB, every `every` seconds until it ends."""
    status = Path(f"/proc/{pid}/status")
    while True:
        try:
            lines = status.read_text().splitlines()
        except OSError:
            return
        rss = [line.split()[1] for line in lines if line.startswith("VmRSS:")]
        if not rss:  # a zombie: it has ended
            return
        samples.append(int(rss[0]) / 1024)
        time.sleep(every)


def _quarter_medians(samples: list[float]) -> list[float]:
    """The median RSS of each quarter of the run (start-up left out: the first 10 % of samples)."""
    body = samples[len(samples) // 10 :]
    if len(body) < 4:
        return []
    size = len(body) // 4
    quarters = [sorted(body[i * size : (i + 1) * size]) for i in range(4)]
    return [round(q[len(q) // 2], 1) for q in quarters]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lang", default="vie")
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=300)
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args()

    pages = corpus_pages(args.corpus)
    work = Path(tempfile.mkdtemp(prefix="sohoa-ingest-bench-"))
    try:
        raw = raw_tesseract(pages, args.workers, args.lang)
        print(f"raw tesseract      {len(pages):4d} pages  {raw:6.1f} pages/min  ({args.workers} at once)")
        corpus_run = run_ingest(pages, work / "corpus", args.workers)
        ratio = corpus_run["pages_per_min"] / raw if raw else 0
        print(
            f"sohoa ingest       {corpus_run['pages']:4d} pages  {corpus_run['pages_per_min']:6.1f} pages/min"
            f"  ({ratio:.0%} of raw; target {TARGET_PAGES_PER_MIN:.0f})  {corpus_run}"
        )
        # the fixed cost of one command (Python, Prefect's embedded server, the flow run): the same
        # command again on a page already stored does everything but the per-page work
        overhead = run_ingest(pages[:1], work / "corpus", args.workers)["seconds"]
        steady = corpus_run["pages"] * 60 / max(corpus_run["seconds"] - overhead, 1e-9)
        print(f"  of which start-up {overhead:.1f} s; per-page work alone {steady:.1f} pages/min")
        with prefect_server(work) as server:
            served = run_ingest(pages, work / "served", args.workers, server["PREFECT_API_URL"])
        print(
            f"  with a running Prefect server {served['pages_per_min']:6.1f} pages/min"
            f"  ({served['pages_per_min'] / raw if raw else 0:.0%} of raw)  {served}"
        )
        ok = corpus_run["pages_per_min"] >= TARGET_PAGES_PER_MIN and corpus_run["exit"] == 0
        if not args.skip_rss:
            rss = {}
            for size in (args.small, args.large):
                folder = work / f"in-{size}"
                # the same pages in both batches (the first --small ones, cycled): only the
                # batch length differs, not the mix of page sizes
                copies = distinct_copies(pages[: args.small], size, folder)
                result = run_ingest(copies, work / f"rss-{size}", args.workers)
                shutil.rmtree(folder)
                rss[size] = result["peak_rss_mib"]
                print(f"peak RSS {size:4d} pages  {result['peak_rss_mib']:7.1f} MiB  {result}")
            growth = rss[args.large] / rss[args.small] - 1
            print(f"peak RSS growth {args.small} -> {args.large} pages: {growth:+.0%}")
            quarters = result["rss_quarters_mib"]  # the long batch's
            drift = quarters[-1] / quarters[1] - 1 if quarters else 0.0  # after the ramp-up
            print(f"RSS by quarter of the {args.large}-page batch {quarters} MiB: {drift:+.0%}")
            ok = ok and drift <= 0.10
        return 1 if args.strict and not ok else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
