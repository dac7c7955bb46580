"""Per-field accuracy of metadata extraction, and the safety checks, on the shared corpus and
on the corpus generator's evaluation split.

    .venv/bin/python bench/classify_fields.py --ocr --cache /tmp/ocr-pages   # both, OCR'd
    .venv/bin/python bench/classify_fields.py                   # ground-truth text, both
    .venv/bin/python bench/classify_fields.py --split tuning --ocr --misses  # tune here
    .venv/bin/python bench/classify_fields.py --corpus ../shared/corpus --ocr

Ground truth: gt/*.gt.txt as pages without word boxes. --ocr runs the OCR pipeline on each
page image (ocr.ocr_file); --cache keeps the OCR'd pages as JSON (one folder per corpus) to
re-run quickly. A generated split is written under $SOHOA_HOME/corpusgen the first time.
Handwritten number/day pages are scored on what a careful reading gives (number empty, date
'YYYY-MM'), and every number or day stored WRONG there is counted (target: 0). --misses lists
misses: use it on the tuning split only, never on the evaluation split.
Exit status 1 when a safety check fails or a wrong handwritten number/day is stored.
With --ocr, each document's second readings run as ingest runs them (application.second_readings
`read_again`: the signature region, the date's digits, the stamps under the number, the Số line,
each only when the first reading lacks its field); their provenance events are cached beside the
pages (*.second.json) and taken back from there as `reprocess --classify` does (`recorded`); the
extra engine calls, seconds and what each kind gave are printed.
--no-reread: the first reading alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import time
from collections import defaultdict
from pathlib import Path

from classify import classify, load_rules
from classify.evaluate import (
    FIELDS,
    TARGET_FIELDS,
    Score,
    actual_fields,
    expected_fields,
    hand_errors,
    wrong_values,
)
from schemas import Page

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
TODAY = dt.date(2025, 6, 1)  # fixed, so the figures do not drift with the calendar


def _jobs(corpus: Path) -> dict[str, list[dict]]:
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    jobs: dict[str, list[dict]] = defaultdict(list)
    for entry in manifest["pages"]:
        jobs[entry["job_id"]].append(entry)
    return {job: sorted(pages, key=lambda p: p["page"]) for job, pages in sorted(jobs.items())}


def _gt_pages(corpus: Path, entries: list[dict]) -> list[Page]:
    return [Page(number=e["page"], text=(corpus / e["gt_text"]).read_text(encoding="utf-8")) for e in entries]


def _ocr_file():
    """The OCR pipeline's entry point: a function of one path -> its pages."""
    try:
        from ocr import TesseractEngine, ocr_file
    except ImportError as exc:  # the OCR pipeline is written in parallel
        raise SystemExit(f"--ocr needs ocr.ocr_file, not available yet ({exc})") from exc
    engine = TesseractEngine()
    return lambda path: list(ocr_file(path, engine))


def _ocr_pages(corpus: Path, entries: list[dict], cache: Path | None) -> list[Page]:
    pages: list[Page] = []
    for entry in entries:
        image = corpus / entry["image"]
        cached = cache / f"{image.stem}.json" if cache else None
        if cached and cached.exists():
            page = Page.model_validate_json(cached.read_text(encoding="utf-8"))
        else:
            page = _ocr_file()(image)[0]
            if cached:
                cached.write_text(page.model_dump_json(), encoding="utf-8")
        pages.append(page.model_copy(update={"number": entry["page"]}))
    return pages


class Rereads:
    """The document's second readings as the product makes them (application.second_readings
    `read_again`), kept per document as the provenance events they log and taken back from there
    (`recorded`, as `sohoa reprocess --classify` does); what each kind cost and gave is counted."""

    KINDS = {  # event step -> (summary label, what counts as taken)
        "ocr_signature": ("signature", lambda p: bool(p.get("lines"))),
        "ocr_date": ("date", lambda p: bool(p.get("digits_taken"))),
        "ocr_marks": ("mark", lambda p: bool(p.get("marks"))),
        "ocr_number": ("number", lambda p: p.get("number") is not None),
    }

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.pages = 0
        self.counts = {step: [0, 0, 0.0, 0] for step in self.KINDS}  # documents, calls, seconds, taken
        self._engine = None

    def reading(self, corpus: Path, entries: list[dict], pages: list[Page], cache: Path | None):
        """The document's SecondReadings (an empty one when off)."""
        from application.second_readings import SecondReadings, read_again, recorded
        from schemas import Event

        self.pages += len(pages)
        if not self.enabled:
            return SecondReadings()
        cached = cache / f"{Path(entries[0]['image']).stem}.second.json" if cache else None
        if cached and cached.exists():
            events = [Event.model_validate(e) for e in json.loads(cached.read_text(encoding="utf-8"))]
            readings = recorded(pages, events)
        else:
            from ocr import TesseractEngine, detect_media_type, load_page

            self._engine = self._engine or TesseractEngine()

            def image_of(number: int):
                path = corpus / next(e for e in entries if e["page"] == number)["image"]
                return load_page(path, detect_media_type(path), 1, max_pixels=200_000_000).image

            readings = read_again(pages, image_of, self._engine)
            events = readings.events(self._engine)
            if cached:
                dumped = [e.model_dump(mode="json") for e in events]
                cached.write_text(json.dumps(dumped, ensure_ascii=False), encoding="utf-8")
        for event in events:
            counts = self.counts[event.step]
            taken = self.KINDS[event.step][1](event.parameters)
            counts[0] += 1
            counts[1] += int(event.parameters.get("calls") or 0)
            counts[2] += event.seconds or 0.0
            counts[3] += taken
        return readings

    def summary(self) -> list[str]:
        if not self.enabled:
            return ["second readings: off"]
        lines = []
        for step, (label, _) in self.KINDS.items():
            documents, calls, seconds, taken = self.counts[step]
            lines.append(
                f"{label} re-reads: {documents} documents, {calls} extra engine calls, {seconds:.1f} s "
                f"({calls / max(1, self.pages):.3f} calls a page over {self.pages} pages), taken on {taken}"
            )
        return lines


def _safety(meta: dict, pages_meta: list[dict], access: str) -> list[str]:
    problems = []
    if meta.get("secrecy") and access != "not_accessible":
        problems.append(f"secret-marked ({meta['secrecy']}) but {access}")
    has_id = any(
        p["kind"] in ("cccd", "cmnd") for e in pages_meta for p in e.get("personal_data_on_page", [])
    )
    if has_id and access not in ("conditional", "not_accessible"):
        problems.append(f"a page holds a CCCD but the record is {access}")
    return problems


class _DayReasons(logging.Handler):
    """The extractor's 'day left empty: …' reasons of the document being read, by kind."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.last: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("day left empty: "):
            why = message.removeprefix("day left empty: ")
            kind = next(
                (k for k in ("engine confidence", "height of the print", "off the line") if k in why), None
            )
            self.last.append(kind or ("blank" if why == "blank" else "not digits"))


def run(
    corpus: Path,
    use_ocr: bool,
    cache: Path | None,
    show_misses: bool,
    limit: int | None = None,
    reread: bool = True,
) -> int:
    rules = load_rules()
    score = Score()
    problems: list[str] = []
    hand: list[str] = []
    hand_docs = 0
    wrong = 0
    accesses: dict[str, str] = {}
    rereads = Rereads(use_ocr and reread)
    started = time.perf_counter()
    days = _DayReasons()
    extract_log = logging.getLogger("classify.extract")
    extract_log.addHandler(days)
    level = extract_log.level
    extract_log.setLevel(logging.INFO)
    month_only: dict[str, int] = defaultdict(int)
    for job, entries in list(_jobs(corpus).items())[:limit]:
        manifests = [json.loads((corpus / e["page_manifest"]).read_text(encoding="utf-8")) for e in entries]
        meta = manifests[0]["metadata"]
        pages = _ocr_pages(corpus, entries, cache) if use_ocr else _gt_pages(corpus, entries)
        readings = rereads.reading(corpus, entries, pages, cache if use_ocr else None)
        days.last = []
        extraction = readings.extraction(pages)
        result = classify(extraction.metadata, pages, rules, today=TODAY)
        want_date = expected_fields(meta, images=use_ocr)["date"]
        got_date = actual_fields(extraction)["date"]
        if want_date and got_date and len(str(want_date)) == 10 and len(str(got_date)) == 7:
            for why in days.last or ["no reason logged"]:
                month_only[why] += 1
        accesses[job] = result.access
        score.add(job, expected_fields(meta, images=use_ocr), actual_fields(extraction), FIELDS)
        problems += [f"{job}: {p}" for p in _safety(meta, manifests, result.access)]
        wrong += len(wrong_values(meta, extraction))
        if use_ocr:
            hand_docs += bool(meta.get("handwritten_fields"))
            hand += [f"{job}: {p}" for p in hand_errors(meta, extraction)]
    extract_log.removeHandler(days)
    extract_log.setLevel(level)
    seconds = time.perf_counter() - started
    source = f"{corpus.name}, {'OCR' if use_ocr else 'ground truth'}"
    _print(score, accesses, problems, seconds, source, show_misses)
    print(f"numbers or days stored wrong (any page): {wrong}")
    signer_wrong = sum(1 for _, name, _, got in score.misses if name == "signer_name" and got)
    print(f"signer names stored wrong (not left empty): {signer_wrong}")
    print(_miss_kinds(score))
    if month_only:
        print(
            "days left empty where printed, why:",
            ", ".join(f"{k} {v}" for k, v in sorted(month_only.items())),
        )
    if use_ocr:
        print("\n".join(rereads.summary()))
    if hand_docs:
        print(f"handwritten number/day: {hand_docs} documents, {len(hand)} wrong values stored (target 0)")
        if show_misses:
            for line in hand:
                print("  WRONG", line)
    return 1 if problems or hand else 0


def _miss_kinds(score: Score) -> str:
    """What the date and signer misses are, as counts (no document named: usable on evaluation)."""
    kinds: dict[str, int] = defaultdict(int)
    for _, name, want, got in score.misses:
        if name == "date":
            if not got:
                kinds["date empty"] += 1
            elif len(str(got)) == 7:
                kinds["date month only" if str(want).startswith(str(got)) else "date other month"] += 1
            else:
                kinds["date other value"] += 1
        elif name == "signer_name":
            kinds["signer empty" if not got else "signer other name"] += 1
    return "misses by kind: " + (", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "none")


def _print(
    score: Score,
    accesses: dict[str, str],
    problems: list[str],
    seconds: float,
    source: str,
    show_misses: bool,
) -> None:
    jobs = len(accesses)
    print(f"classify_fields — {source}, {jobs} documents (jobs), {seconds:.1f} s")
    print(f"{'field':<18}{'exact':>8}{'accuracy':>10}  target")
    for name in FIELDS:
        right, total = score.right.get(name, 0), score.total.get(name, 0)
        target = "≥ 98 %" if name in TARGET_FIELDS else ""
        print(f"{name:<18}{right:>4}/{total:<3}{score.accuracy(name):>9.1%}  {target}")
    low = [n for n in TARGET_FIELDS if score.accuracy(n) < 0.98]
    print("targets met" if not low else f"below target: {', '.join(low)}")
    counts: dict[str, int] = defaultdict(int)
    for access in accesses.values():
        counts[access] += 1
    print("access:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print("safety:", "all checks pass" if not problems else f"{len(problems)} FAILURES")
    for problem in problems:
        print("  FAIL", problem)
    if show_misses:
        for job, name, want, got in score.misses:
            print(f"  miss {job} {name}: expected {want!r} got {got!r}")


def _split(name: str) -> Path:
    """A corpus generator split, written under $SOHOA_HOME the first time."""
    try:
        from corpusgen import split_dir, write_split
    except ImportError as exc:
        raise SystemExit(f"--split needs the corpus generator (corpusgen): {exc}") from exc
    folder = split_dir(name)
    if not (folder / "manifest.json").exists():
        print(f"writing the {name} split to {folder} (a few minutes, once)", file=sys.stderr)
        write_split(name, folder)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append", help="a corpus folder (repeatable)")
    parser.add_argument("--split", action="append", help="a generated split: tuning, evaluation")
    parser.add_argument("--ocr", action="store_true", help="OCR the page images (ocr.ocr_file)")
    parser.add_argument("--cache", type=Path, help="directory for OCR'd pages as JSON")
    parser.add_argument("--misses", action="store_true", help="list every miss (not on evaluation)")
    parser.add_argument("--no-reread", action="store_true", help="no second reading of signatures or dates")
    parser.add_argument("--limit", type=int, help="only the first N documents of each corpus")
    args = parser.parse_args(argv)
    corpora = list(args.corpus or [])
    if not corpora and not args.split:
        corpora.append(DEFAULT_CORPUS)
        args.split = ["evaluation"]
    status = 0
    for corpus in corpora + [_split(x) for x in args.split or []]:
        if not (corpus / "manifest.json").exists():
            print(f"no corpus at {corpus}: skipped", file=sys.stderr)
            continue
        cache = args.cache / corpus.name if args.cache else None
        if cache:
            cache.mkdir(parents=True, exist_ok=True)
        status = max(status, run(corpus, args.ocr, cache, args.misses, args.limit, not args.no_reread))
        print()
    return status


if __name__ == "__main__":
    sys.exit(main())
