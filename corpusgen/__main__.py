"""python -m corpusgen SPLIT [--out DIR] [--pages N] [--variant lowres70]: write a split."""

from __future__ import annotations

import argparse
from pathlib import Path

from corpusgen.split import SPLITS, split_dir, write_split


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a generated split (pages, ground truth, manifest)")
    parser.add_argument("split", choices=sorted(SPLITS))
    parser.add_argument("--out", type=Path, help="folder (default: the cache under $SOHOA_HOME)")
    parser.add_argument("--pages", type=int, help="at least this many pages (whole documents)")
    parser.add_argument("--variant", default="", choices=["", "lowres70"], help="lowres70: 70 dpi, JPEG 60")
    args = parser.parse_args(argv)
    out = args.out or split_dir(args.split, args.pages, args.variant)
    print(write_split(args.split, out, args.pages, args.variant))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
