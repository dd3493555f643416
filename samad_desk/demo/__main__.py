"""``python -m samad_desk.demo [--seed N] [--citizens N] [--cases N] [--format jsonl|csv] OUT_DIR``:
write a demo data set (one file per entity) and print the row counts."""

from __future__ import annotations

import argparse
import sys
import time

from samad_desk.demo import generate, write_dataset


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m samad_desk.demo", description=__doc__)
    p.add_argument("out_dir")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--citizens", type=int, default=1000)
    p.add_argument("--cases", type=int, default=200)
    p.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    counts = write_dataset(generate(args.seed, args.citizens, args.cases), args.out_dir, args.format)
    for entity, n in sorted(counts.items()):
        print(f"{entity:10} {n:>10,}")
    print(f"{time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
