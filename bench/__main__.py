"""Run every benchmark (or those named on the command line)."""

from __future__ import annotations

import sys

from bench import benchmarks


def main(argv: list[str]) -> int:
    selected = set(argv) or set(benchmarks.REGISTRY)
    unknown = selected - set(benchmarks.REGISTRY)
    if unknown:
        print(f"unknown benchmarks: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    for name, run in benchmarks.REGISTRY.items():
        if name in selected:
            run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
