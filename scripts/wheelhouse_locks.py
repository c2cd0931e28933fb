"""Write the wheelhouse's own copies of the lock files, for installing with no network.

`pip wheel -r requirements.lock` checks every download against the lock's hashes. A package
published only as a source archive (jieba) is then built into a wheel on this machine, and
that wheel's hash is in no lock: `pip install --require-hashes` would refuse it. This script
copies each lock into the wheelhouse and adds, to the entry of every package that has such
a locally built wheel, the hash of that wheel (the lock's own hashes are kept): the source
was verified against the lock when the wheel was built, and the install verifies the wheel.

    python scripts/wheelhouse_locks.py WHEELHOUSE requirements.lock requirements-dev.lock
    python scripts/wheelhouse_locks.py --check WHEELHOUSE requirements.lock  # before installing
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

_ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def wheels(house: Path) -> dict[tuple[str, str], list[str]]:
    """(name, version) -> sha256 of each wheel in the wheelhouse."""
    found: dict[tuple[str, str], list[str]] = {}
    for wheel in sorted(house.glob("*.whl")):
        name, version = wheel.name.split("-")[:2]
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        found.setdefault((normalize(name), version), []).append(digest)
    return found


def rewrite(lock: Path, built: dict[tuple[str, str], list[str]]) -> tuple[str, list[str]]:
    """The lock's text with the missing wheel hashes added; the packages that got one."""
    lines = lock.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    added: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        match = _ENTRY.match(line)
        if not match:
            out.append(line)
            i += 1
            continue
        block = [line]
        while block[-1].rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            block.append(lines[i])
        i += 1
        known = set(_HASH.findall("\n".join(block)))
        key = (normalize(match.group(1)), match.group(2))
        extra = [h for h in built.get(key, []) if h not in known]
        if extra and known:
            indent = re.match(r"\s*", block[-1]).group(0) or "    "  # type: ignore[union-attr]
            block[-1] = block[-1].rstrip() + " \\"
            block += [f"{indent}--hash=sha256:{h} \\" for h in extra]
            block[-1] = block[-1].rstrip(" \\")
            block.append("    # + the wheel built here from the locked source (make wheelhouse)")
            added.append(f"{match.group(1)}=={match.group(2)}")
        out.extend(block)
    return "\n".join(out) + "\n", added


def entries(text: str) -> dict[str, tuple[str, set[str]]]:
    """name -> (version, hashes) of a lock's text."""
    found: dict[str, tuple[str, set[str]]] = {}
    current = ""
    for line in text.splitlines():
        match = _ENTRY.match(line)
        if match:
            current = normalize(match.group(1))
            found[current] = (match.group(2), set())
        if current:
            found[current][1].update(_HASH.findall(line))
    return found


def check(house: Path, lock: Path) -> list[str]:
    """What differs between a lock and the wheelhouse's copy (built from an older lock?)."""
    copy = house / lock.name
    if not copy.exists():
        return [f"{copy} is missing"]
    mine, theirs = entries(lock.read_text("utf-8")), entries(copy.read_text("utf-8"))
    problems = []
    for name, (version, hashes) in mine.items():
        other = theirs.get(name)
        if other is None or other[0] != version or not hashes <= other[1]:
            problems.append(f"{name}=={version}")
    return problems


def main(argv: list[str]) -> int:
    if argv[1] == "--check":
        house = Path(argv[2])
        stale = [p for name in argv[3:] for p in check(house, Path(name))]
        if stale:
            print(
                f"{house} was built from other locks ({', '.join(stale[:5])}…): "
                "run `make wheelhouse` again on a machine with network access",
                file=sys.stderr,
            )
            return 1
        return 0
    house = Path(argv[1])
    built = wheels(house)
    for name in argv[2:]:
        lock = Path(name)
        text, added = rewrite(lock, built)
        (house / lock.name).write_text(text, encoding="utf-8")
        note = f" (local wheel hashes added: {', '.join(added)})" if added else ""
        print(f"{house / lock.name}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
