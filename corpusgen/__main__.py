"""python -m corpusgen SPLIT [--out DIR] [--pages N] [--variant lowres70] [--dossiers N]: write a split
(or, with --dossiers, N dossiers of the split into DIR/dossiers)."""

from __future__ import annotations

import argparse
from pathlib import Path

from corpusgen.dossier import make_dossier, write_dossier
from corpusgen.split import SPLITS, split_dir, write_split


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a generated split (pages, ground truth, manifest)")
    parser.add_argument("split", choices=sorted(SPLITS))
    parser.add_argument("--out", type=Path, help="folder (default: the cache under $SOHOA_HOME)")
    parser.add_argument("--pages", type=int, help="at least this many pages (whole documents)")
    parser.add_argument("--variant", default="", choices=["", "lowres70"], help="lowres70: 70 dpi, JPEG 60")
    parser.add_argument(
        "--dossiers", type=int, help="write this many dossiers (multi-page TIFF + truth) instead"
    )
    args = parser.parse_args(argv)
    out = args.out or split_dir(args.split, args.pages, args.variant)
    if args.dossiers:
        for index in range(args.dossiers):
            print(write_dossier(make_dossier(args.split, index), out / "dossiers"), flush=True)
        return 0
    print(write_split(args.split, out, args.pages, args.variant))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
