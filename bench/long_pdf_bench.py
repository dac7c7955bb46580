"""A long PDF against a batch of single pages: pages/min and memory of `sohoa ingest` (issue #15).

    .venv/bin/python bench/long_pdf_bench.py --pages 60            # ~5 min on 2 cores
    .venv/bin/python bench/long_pdf_bench.py --pages 300 --skip-compare
    .venv/bin/python bench/long_pdf_bench.py --pages 1000 --skip-compare --skip-batch   # memory at 1,000

Target: one N-page PDF ingests at the pages/min of a batch of N single pages, its RSS flat in N
(<= 1 GiB at 1,000 pages). Rows, all in the same run on the same N pages (the corpus page images
of ../shared/corpus/pages, cycled; the PDF made of them losslessly with img2pdf, as a scanning
room's PDF is). The pages of the document marked MẬT are left out unless --with-secret: a PDF
holding one is held encrypted, not stored (another path than the one measured here).

1. bare Tesseract: `tesseract IMAGE - -l vie tsv` on the N page images, --workers at once.
2. reading alone (no classification, no store), on the first --compare-pages pages of the PDF:
   one page after the other (the old reader), spread over the process-wide page threads
   (ocr.parallel.page_threads, what ingest uses), and over a PagePool of processes: whether
   threads suffice.
3. `sohoa ingest LONG.pdf --json` (embedded Prefect server, fresh SOHOA_HOME, SOHOA_WORKERS=
   --workers): pages/min over the whole command, peak RSS (wait4) and, from the `sohoa`
   process's VmRSS sampled every 0.5 s, the median and the peak of each quarter of the run
   (the first 10 % of the samples, start-up, left out).
4. `sohoa ingest` of N single-page files (the same pages, each made distinct by a comment),
   the same figures.

The "--kill-at F" option also kills the long-PDF ingest (SIGKILL) when a fraction F of its
pages is in the page spool, runs it again, and reports how many pages the rerun read.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import img2pdf

from bench.ingest_bench import CORPUS, SOHOA, corpus_pages, distinct_copies, raw_tesseract
from storage.hold import new_key

ROOT = Path(__file__).resolve().parents[1]


def long_pdf(pages: list[Path], count: int, target: Path) -> Path:
    """One PDF of `count` pages cycling through the page images, each embedded as it is."""
    cycled = [str(pages[n % len(pages)]) for n in range(count)]
    with target.open("wb") as out:
        img2pdf.convert(cycled, outputstream=out)
    return target


def _env(home: Path, workers: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_API"))}
    env |= {"SOHOA_HOME": str(home), "SOHOA_WORKERS": str(workers), "PREFECT_LOGGING_LEVEL": "ERROR"}
    key = home.parent / f"{home.name}.key"  # a holding area, as in ingest_bench: secrets counted
    if not key.exists():
        new_key(key)
    return env | {
        "SOHOA_SECRET_HOLD": str(home.parent / f"{home.name}-hold"),
        "SOHOA_SECRET_KEY_FILE": str(key),
    }


def _rss_sampler(
    pid: int,
    samples: list[tuple[float, float]],
    every: float = 0.5,
    tree: list[tuple[float, float]] | None = None,
) -> None:
    """VmRSS of `pid` (MiB) every `every` s into `samples` while it runs; with `tree`, the sum
    over it and every process under it (the Tesseract and renderer subprocesses) too."""
    status = Path(f"/proc/{pid}/status")
    while True:
        try:
            lines = status.read_text().splitlines()
        except OSError:
            return
        rss = [line.split()[1] for line in lines if line.startswith("VmRSS:")]
        if not rss:
            return
        now = time.monotonic()
        samples.append((now, int(rss[0]) / 1024))
        if tree is not None:
            tree.append((now, _tree_rss_kib(pid) / 1024))
        time.sleep(every)


def _tree_rss_kib(pid: int) -> int:
    """The resident memory of `pid` and its descendants, in KiB (those gone meanwhile: 0)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            lines = Path(f"/proc/{current}/status").read_text().splitlines()
            children = [
                int(child)
                for task in Path(f"/proc/{current}/task").iterdir()
                for child in (task / "children").read_text().split()
            ]
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in lines if line.startswith("VmRSS:"))
        stack.extend(children)
    return total


def _quarters(samples: list[tuple[float, float]]) -> dict[str, list[float]]:
    body = [rss for _, rss in samples[len(samples) // 10 :]]
    if len(body) < 4:
        return {"median": [], "peak": []}
    size = len(body) // 4
    parts = [sorted(body[i * size : (i + 1) * size if i < 3 else len(body)]) for i in range(4)]
    return {"median": [round(p[len(p) // 2]) for p in parts], "peak": [round(p[-1]) for p in parts]}


def run_ingest(files: list[Path], home: Path, workers: int, kill_when=None) -> dict:
    """`sohoa ingest FILE... --json`: pages, seconds, pages/min, peak RSS, RSS by quarter.
    `kill_when()`: checked every 0.5 s; when true the command is killed (SIGKILL)."""
    out = home.parent / f"{home.name}.json"
    started = time.monotonic()
    with out.open("w") as stdout:
        process = subprocess.Popen(
            [str(SOHOA), "ingest", *map(str, files), "--json", "--batch", home.name],
            env=_env(home, workers),
            stdout=stdout,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        samples: list[tuple[float, float]] = []
        sampler = threading.Thread(target=_rss_sampler, args=(process.pid, samples), daemon=True)
        sampler.start()
        killed = False
        while kill_when is not None and process.poll() is None:
            if kill_when():
                os.killpg(process.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(0.5)
        _, status, usage = os.wait4(process.pid, 0)
        sampler.join()
    seconds = time.monotonic() - started
    if killed:
        return {"killed_after_s": round(seconds, 1)}
    summary = json.loads(out.read_text() or "{}")
    stored = summary.get("ingested", []) + summary.get("near_duplicates", [])
    pages = sum(i["pages"] for i in stored)
    return {
        "files": len(files),
        "pages": pages,
        "quarantined": len(summary.get("quarantined", [])),
        "failed": len(summary.get("failed", [])),
        "seconds": round(seconds, 1),
        "pages_per_min": round(pages * 60 / seconds, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "rss_quarters_mib": _quarters(samples),
        "exit": os.waitstatus_to_exitcode(status),
    }


def compare_readers(pdf: Path, workers: int, lang: str) -> dict[str, float]:
    """Pages/min of reading the PDF's pages alone: one after the other, page threads, PagePool."""
    from ocr import PagePool, TesseractEngine, ocr_file_results
    from ocr.parallel import page_threads
    from ocr.pipeline import read_file_spread

    engine = TesseractEngine(lang=lang)
    rates = {}
    runs = {
        "one by one": lambda: ocr_file_results(pdf, engine),
        f"page threads x{workers}": lambda: read_file_spread(
            pdf, engine, page_threads(workers), in_flight=2 * workers
        ),
        f"PagePool x{workers}": lambda: ocr_file_results(pdf, engine, workers=workers),
    }
    assert PagePool  # the pool ocr_file_results starts with workers > 1
    for name, run in runs.items():
        started = time.monotonic()
        count = sum(1 for _ in run())
        rates[name] = round(count * 60 / (time.monotonic() - started), 1)
        print(f"  reading only, {name:18s} {count:4d} pages  {rates[name]:6.1f} pages/min", flush=True)
    return rates


def _secret(image: Path) -> bool:
    """Whether the corpus page belongs to a document marked secret (its manifest says)."""
    manifest = json.loads(image.with_suffix(".json").read_text(encoding="utf-8"))
    return bool((manifest.get("metadata") or {}).get("secrecy"))


def _spooled(home: Path) -> int:
    return sum(1 for _ in (home / "work").glob("*/[0-9]*.json"))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lang", default="vie")
    parser.add_argument("--compare-pages", type=int, default=12)
    parser.add_argument("--skip-compare", action="store_true")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--skip-raw", action="store_true")
    parser.add_argument("--kill-at", type=float, default=None, help="fraction of the pages, e.g. 0.5")
    parser.add_argument("--with-secret", action="store_true", help="keep the MẬT document's pages")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one)")
    args = parser.parse_args()

    images = corpus_pages(args.corpus)
    if not args.with_secret:
        images = [image for image in images if not _secret(image)]
    work = args.keep or Path(tempfile.mkdtemp(prefix="sohoa-long-pdf-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: dict[str, object] = {"pages": args.pages, "workers": args.workers}
    try:
        pdf = long_pdf(images, args.pages, work / f"dossier-{args.pages}.pdf")
        print(f"long PDF: {args.pages} pages, {pdf.stat().st_size / 2**20:.0f} MiB", flush=True)
        cycled = [images[n % len(images)] for n in range(args.pages)]
        if not args.skip_raw:
            raw = raw_tesseract(cycled, args.workers, args.lang)
            rows["raw_tesseract"] = round(raw, 1)
            print(f"bare tesseract     {args.pages:4d} pages  {raw:6.1f} pages/min", flush=True)
        if not args.skip_compare:
            head = long_pdf(images, args.compare_pages, work / "head.pdf")
            rows["reading_only"] = compare_readers(head, args.workers, args.lang)
        if args.kill_at is not None:
            home = work / "killed"
            limit = max(1, int(args.pages * args.kill_at))
            first = run_ingest([pdf], home, args.workers, kill_when=lambda: _spooled(home) >= limit)
            kept = _spooled(home)
            rerun = run_ingest([pdf], home, args.workers)
            rows["kill"] = {"killed": first, "pages_kept": kept, "rerun": rerun}
            print(f"killed with {kept} pages in the spool; the rerun: {rerun}", flush=True)
        result = run_ingest([pdf], work / "long", args.workers)
        rows["long_pdf"] = result
        print(f"sohoa ingest, one {args.pages}-page PDF   {result['pages_per_min']:6.1f} pages/min  {result}")
        if not args.skip_batch:
            singles = distinct_copies(cycled, args.pages, work / "singles")
            batch = run_ingest(singles, work / "batch", args.workers)
            rows["single_pages"] = batch
            print(
                f"sohoa ingest, {args.pages} single pages   {batch['pages_per_min']:6.1f} pages/min  {batch}"
            )
        print(json.dumps(rows))
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
