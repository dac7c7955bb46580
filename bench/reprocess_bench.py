"""Reprocess against re-ingest: `reprocess --all --classify` of an N-record archive under unchanged
rules (target: 0 new versions, >= 5x faster than ingesting it again), and storage growth per version.

    PYTHONPATH=. .venv/bin/python bench/reprocess_bench.py                 # N=1000, ingest sample 8
    PYTHONPATH=. .venv/bin/python bench/reprocess_bench.py --records 200 --sample 4 --json

1. Ingest: `--sample` page scans of the corpus (tests/fixtures/corpus/pages) are ingested with real
   OCR (application.ingest.ingest_file, one after the other): seconds per record. Ingesting 1,000
   records with OCR would take over an hour on this machine, so ingest is measured on the sample
   and the figure for N records is that rate times N (said so in the output).
2. The archive: N records, copies of the ingested ones, each with its own original (the scan's
   bytes and a distinct trailing chunk), their pages, words, metadata and classification as the
   pipeline made them, written with write_package and indexed (no OCR).
3. Reprocess: application.reprocess.reprocess_record over every record, one after the other
   (what each task of the flow does), under the rules the archive was ingested with: the new
   versions written (must be 0), seconds, records per second, CPU seconds.
4. Growth: a rules file with one more access rule (a keyword of some records' text ->
   not_accessible), reprocess again: for the records that changed, the bytes the store grew by
   against the size of the files that changed (the JSON files of the record), and the OCFL
   inventories' share.

The load average is printed beside every timed figure (the machine is shared).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = (ROOT / "tests" / "fixtures" / "corpus" / "pages", Path("/work/shared/corpus/pages"))
OUT = ROOT / "bench" / "out" / "reprocess"


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def sample_files(count: int) -> list[Path]:
    for folder in SAMPLES:
        files = sorted(folder.glob("*.png"))
        if files:
            return files[:count]
    raise SystemExit("no sample scans in " + ", ".join(map(str, SAMPLES)))


def services_at(home: Path, rules: Path | None = None):
    from application.services import build_services
    from core.settings import load_settings

    return build_services(load_settings(home=home, rules=rules, workers=1))


def ingest_sample(home: Path, files: list[Path]) -> dict:
    from application.ingest import ingest_file

    services = services_at(home)
    started, cpu0, load0 = time.monotonic(), cpu(), load()
    outcomes = [ingest_file(path, services) for path in files]
    seconds = time.monotonic() - started
    services.close()
    ingested = [o for o in outcomes if o.status in ("ingested", "near_duplicate")]
    return {
        "files": len(files),
        "ingested": len(ingested),
        "statuses": sorted({o.status for o in outcomes}),
        "seconds": round(seconds, 2),
        "seconds_per_record": round(seconds / max(1, len(files)), 3),
        "cpu_seconds": round(cpu() - cpu0, 2),
        "load_before": load0,
        "load_after": load(),
    }


def fill_archive(home: Path, records: int) -> int:
    """Copies of the ingested records, each with its own original, up to `records` in all."""
    from schemas import record_id_for
    from storage import iter_record_ids, read_record, write_package
    from storage.layout import FINGERPRINT_FILE, SEARCHABLE_PDF
    from storage.package import original_key, read_package_bytes

    services = services_at(home)
    sources = list(iter_record_ids(services.store))
    have, n = len(sources), 0
    with tempfile.TemporaryDirectory() as work:
        while have < records:
            source_id = sources[n % len(sources)]
            source = read_record(services.store, source_id)
            data = services.store.get_bytes(original_key(services.store, source_id)) + f"copy {n}".encode()
            sha256 = hashlib.sha256(data).hexdigest()
            original = Path(work) / f"copy{n}.png"
            original.write_bytes(data)
            record = source.model_copy(
                update={
                    "id": record_id_for(sha256),
                    "sha256": sha256,
                    "size": len(data),
                    "source": original.name,
                }
            )
            extra = {
                SEARCHABLE_PDF: read_package_bytes(services.store, source_id, SEARCHABLE_PDF),
                FINGERPRINT_FILE: read_package_bytes(services.store, source_id, FINGERPRINT_FILE),
            }
            write_package(services.store, record, original, extra)
            services.index.add(record)
            original.unlink()
            have, n = have + 1, n + 1
    services.close()
    return have


def reprocess_all(home: Path, rules: Path | None = None) -> tuple[dict, list]:
    from application.reprocess import ReprocessOptions, Selection, reprocess_record, selected_ids

    services = services_at(home, rules)
    ids = selected_ids(services, Selection())
    started, cpu0, load0 = time.monotonic(), cpu(), load()
    results = [reprocess_record(i, services, ReprocessOptions()) for i in ids]
    seconds = time.monotonic() - started
    services.close()
    changed = [r for r in results if r is not None and r.version is not None]
    return {
        "records": len(ids),
        "new_versions": len(changed),
        "failed": sum(1 for r in results if r is not None and r.status == "failed"),
        "seconds": round(seconds, 2),
        "records_per_second": round(len(ids) / seconds, 1),
        "seconds_per_record": round(seconds / max(1, len(ids)), 4),
        "cpu_seconds": round(cpu() - cpu0, 2),
        "load_before": load0,
        "load_after": load(),
    }, changed


def closing_rules(home: Path) -> tuple[Path, str]:
    """The shipped rules plus one access rule on a word of some records' text only."""
    from classify.rules import DEFAULT_RULES
    from storage import iter_record_ids, read_record

    services = services_at(home)
    texts = [
        read_record(services.store, i, with_words=False).text.lower().split()
        for i in iter_record_ids(services.store)
    ]
    counts: dict[str, int] = {}
    for words in texts:
        for word in set(words):
            if word.isalpha() and len(word) >= 5:
                counts[word] = counts.get(word, 0) + 1
    keyword = min(counts, key=lambda w: (abs(counts[w] - len(texts) / 4), w))  # about a quarter
    data = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    data["version"] = data["version"] + ".bench"
    data["rule_sets"][-1]["rules"].append(
        {
            "id": "A7.9",
            "kind": "access",
            "tag": "P",
            "title": f"bench: {keyword}",
            "basis": "bench",
            "match": {"body_keywords": [keyword]},
            "outcome": {"access": "not_accessible"},
            "confidence": 1.0,
        }
    )
    path = home / "rules-bench.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path, keyword


def growth(home: Path, changed: list) -> dict:
    """Bytes the changed records' objects grew by in their newest version, against the size of
    the files that changed in it."""
    from storage import read_manifest
    from storage.ocfl_layout import record_object_id
    from storage.package import ocfl_root

    services = services_at(home)
    ocfl = ocfl_root(services.store)
    added = changed_bytes = inventories = 0
    for result in changed:
        object_root = services.store.root / ocfl.object_root(record_object_id(result.id)).rstrip("/")
        version = object_root / f"v{result.version}"
        added += tree_bytes(version)
        inventories += (version / "inventory.json").stat().st_size + (
            version / "inventory.json.sha512"
        ).stat().st_size
        before = read_manifest(services.store, result.id, version=result.version - 1)
        after = read_manifest(services.store, result.id, version=result.version)
        for name, digest in after.items():
            if before.get(name) != digest:
                changed_bytes += len(ocfl.read_bytes(record_object_id(result.id), name))
    services.close()
    n = max(1, len(changed))
    return {
        "records_changed": len(changed),
        "bytes_added_per_version": round(added / n),
        "changed_files_bytes_per_version": round(changed_bytes / n),
        "content_bytes_per_version": round((added - inventories) / n),
        "inventory_bytes_per_version": round(inventories / n),
        "content_not_above_changed_files": added - inventories <= changed_bytes,
    }


def print_text(report: dict, records: int) -> None:
    s, r = report["ingest_sample"], report["reprocess_unchanged"]
    c, g = report["reprocess_changed_rules"], report["growth"]

    def loads(x: dict) -> str:
        return f"({x['load_before']} -> {x['load_after']})"

    lines = [
        f"ingest (OCR) of {s['files']} sample scans: {s['seconds']} s, {s['seconds_per_record']} s/record "
        + loads(s),
        f"archive of {report['archive']['records']} records (copies of the sample) built in "
        f"{report['archive']['seconds']} s",
        f"reprocess --all --classify, unchanged rules: {r['records']} records, {r['new_versions']} new "
        f"versions, {r['seconds']} s, {r['records_per_second']} records/s, CPU {r['cpu_seconds']} s "
        + loads(r),
        f"re-ingesting {records} at the sample's rate: ~{report['ingest_estimate_for_archive_seconds']} s;"
        f" reprocess is {report['speedup']}x faster",
        f"changed rule ({c['keyword']} -> not_accessible): {c['new_versions']} new versions in "
        f"{c['seconds']} s "
        + loads(c)
        + f"; rerun: {report['rerun_after_change']['new_versions']} new versions",
        f"growth per version: {g['bytes_added_per_version']} bytes added ({g['content_bytes_per_version']} "
        f"content + {g['inventory_bytes_per_version']} version inventory); changed files "
        f"{g['changed_files_bytes_per_version']} bytes; the store grew {report['store_growth_bytes']} "
        "bytes in all (root inventories rewritten too)",
    ]
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=8, help="scans ingested with OCR")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    home = OUT / f"home-{args.records}-{args.sample}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    report: dict = {"machine": {"cores": os.cpu_count()}}
    report["ingest_sample"] = ingest_sample(home, sample_files(args.sample))
    started = time.monotonic()
    report["archive"] = {
        "records": fill_archive(home, args.records),
        "seconds": round(time.monotonic() - started, 1),
    }
    report["reprocess_unchanged"], _ = reprocess_all(home)
    per_ingest = report["ingest_sample"]["seconds_per_record"]
    per_reprocess = report["reprocess_unchanged"]["seconds_per_record"]
    report["ingest_estimate_for_archive_seconds"] = round(per_ingest * args.records, 1)
    report["speedup"] = round(per_ingest / per_reprocess, 1)
    rules, keyword = closing_rules(home)
    store_before = tree_bytes(home / "store" / "ocfl")
    changed_run, changed = reprocess_all(home, rules)
    changed_run["keyword"] = keyword
    report["reprocess_changed_rules"] = changed_run
    report["store_growth_bytes"] = tree_bytes(home / "store" / "ocfl") - store_before
    report["growth"] = growth(home, changed)
    report["rerun_after_change"], _ = reprocess_all(home, rules)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_text(report, args.records)
    ok = report["reprocess_unchanged"]["new_versions"] == 0 and report["speedup"] >= 5
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
