"""One N-page dossier PDF against a batch of N single pages: pages/min and memory (issue #15).

    .venv/bin/python bench/dossier_bench.py --pages 120             # ~10 min on 2 cores
    .venv/bin/python bench/dossier_bench.py --pages 300             # ~25 min
    .venv/bin/python bench/dossier_bench.py --pages 1000 --skip-batch --skip-raw   # memory at 1,000 (~30 min)

Target: a 300-page dossier ingests at the pages/min of a batch of single pages, its RSS flat in
N (<= 1 GiB at 1,000 pages). Rows, all in the same run on the same N pages: the corpus page
images of ../shared/corpus/pages cycled (each of its documents' first pages a header page, so
the scan cuts into documents as a hồ sơ does; the MẬT document's pages left out unless
--with-secret, a dossier holding one goes to the hold), made one PDF losslessly with img2pdf.

1. bare Tesseract: `tesseract IMAGE - -l vie tsv` on the N page images, --workers at once.
2. `sohoa ingest DOSSIER.pdf --dossier --json` (fresh SOHOA_HOME, SOHOA_WORKERS=--workers):
   pages/min over the whole command (the N scan pages), the documents it was cut into, peak RSS
   (wait4) and, from VmRSS sampled every 0.5 s, the median and the peak of each quarter of the
   run (the first 10 % of the samples, start-up, left out); the same of the process tree (sohoa
   with its Tesseract and renderer subprocesses, summed at each sample); the load average at
   the end (the machine may be shared).
3. `sohoa ingest` of the same N pages as single files (each made distinct), the same figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.ingest_bench import CORPUS, SOHOA, corpus_pages, distinct_copies, raw_tesseract
from bench.long_pdf_bench import _env, _quarters, _rss_sampler, _secret, long_pdf


def run(args: list[str], home: Path, workers: int, pages: int) -> dict:
    """`sohoa ingest ARGS --json`: seconds, pages/min over `pages`, documents, RSS figures."""
    out = home.parent / f"{home.name}.json"
    load_before = [round(x, 2) for x in os.getloadavg()]
    started = time.monotonic()
    with out.open("w") as stdout:
        process = subprocess.Popen(
            [str(SOHOA), "ingest", *args, "--json", "--batch", home.name],
            env=_env(home, workers),
            stdout=stdout,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        samples: list[tuple[float, float]] = []
        tree: list[tuple[float, float]] = []
        sampler = threading.Thread(target=_rss_sampler, args=(process.pid, samples, 0.5, tree), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        sampler.join()
    seconds = time.monotonic() - started
    summary = json.loads(out.read_text() or "{}")
    stored = summary.get("ingested", []) + summary.get("near_duplicates", [])
    return {
        "pages": pages,
        "records": len(stored),
        "pages_in_records": sum(i.get("pages") or 0 for i in stored),
        "quarantined": len(summary.get("quarantined", [])),
        "failed": len(summary.get("failed", [])),
        "seconds": round(seconds, 1),
        "pages_per_min": round(pages * 60 / seconds, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "rss_quarters_mib": _quarters(samples),
        "peak_tree_rss_mib": round(max((rss for _, rss in tree), default=0)),
        "tree_rss_quarters_mib": _quarters(tree),
        "load_average": {"start": load_before, "end": [round(x, 2) for x in os.getloadavg()]},
        "exit": os.waitstatus_to_exitcode(status),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--pages", type=int, default=120)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lang", default="vie")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--skip-raw", action="store_true")
    parser.add_argument("--with-secret", action="store_true", help="keep the MẬT document's pages")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one)")
    args = parser.parse_args()

    images = corpus_pages(args.corpus)
    if not args.with_secret:
        images = [image for image in images if not _secret(image)]
    work = args.keep or Path(tempfile.mkdtemp(prefix="sohoa-dossier-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: dict[str, object] = {"pages": args.pages, "workers": args.workers}
    try:
        pdf = long_pdf(images, args.pages, work / f"dossier-{args.pages}.pdf")
        print(f"dossier PDF: {args.pages} pages, {pdf.stat().st_size / 2**20:.0f} MiB", flush=True)
        cycled = [images[n % len(images)] for n in range(args.pages)]
        if not args.skip_raw:
            raw = raw_tesseract(cycled, args.workers, args.lang)
            rows["raw_tesseract"] = round(raw, 1)
            print(f"bare tesseract        {args.pages:4d} pages  {raw:6.1f} pages/min", flush=True)
        dossier = run([str(pdf), "--dossier"], work / "dossier", args.workers, args.pages)
        rows["dossier"] = dossier
        rate = dossier["pages_per_min"]
        print(f"sohoa ingest --dossier {args.pages:4d} pages  {rate:6.1f} pages/min  {dossier}", flush=True)
        if not args.skip_batch:
            singles = distinct_copies(cycled, args.pages, work / "singles")
            batch = run([str(s) for s in singles], work / "batch", args.workers, args.pages)
            rows["single_pages"] = batch
            rate = batch["pages_per_min"]
            print(f"sohoa ingest, singles {args.pages:4d} pages  {rate:6.1f} pages/min  {batch}", flush=True)
        print(json.dumps(rows))
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
