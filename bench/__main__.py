"""Run every benchmark part, or one: ``python -m bench [--part NAME]``.

Timings belong here, never in test assertions: the machines are shared and noisy.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"
# part name -> module with a ``run() -> dict`` function
PARTS = {
    "privacy": "bench.privacy",
    "review": "bench.review",
    "fanout": "bench.fanout",
    "capacity": "bench.capacity",
    "lighthouse": "bench.lighthouse",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--part", choices=sorted(PARTS), help="run only this part")
    args = parser.parse_args(argv)
    names = [args.part] if args.part else list(PARTS)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in names:
        print(f"== {name} ==", flush=True)
        results.update(importlib.import_module(PARTS[name]).run())
        RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True))
    print(f"results written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
