"""``python -m bench NAME [--json] [--quick]``; ``python -m bench all`` runs every benchmark."""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import pkgutil
import sys
from pathlib import Path

from bench.harness import format_table, to_json

HERE = Path(__file__).parent
SKIP = {"harness", "__main__", "__init__"}


def available() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name not in SKIP and not m.name.startswith("_")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("name", help=f"one of: all, {', '.join(available())}")
    parser.add_argument("--json", action="store_true", help="print one JSON object of metric -> value")
    parser.add_argument("--quick", action="store_true", help="smaller data, for a smoke run")
    parser.add_argument("--events", type=int, default=None,
                        help="audit: how many events to verify (default 100,000; issue 17 asks 1,000,000)")
    args = parser.parse_args(argv)
    names = available() if args.name == "all" else [args.name]
    results: dict[str, dict[str, float]] = {}
    for name in names:
        if name not in available():
            parser.error(f"unknown benchmark {name!r}; known: {', '.join(available())}")
        module = importlib.import_module(f"bench.{name}")
        extra = {"events": args.events} if args.events and "events" in inspect.signature(module.run).parameters else {}
        metrics = module.run(quick=args.quick, **extra)
        results[name] = to_json(metrics)
        if not args.json:
            print(format_table(name, metrics), flush=True)
            print()
    if args.json:
        print(json.dumps(results[names[0]] if len(names) == 1 else results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
