"""Compile every .po catalog under renda/locale to .mo with polib (pure Python), so that a
fresh machine needs no system gettext. Rebuilds only what is out of date."""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent / "renda" / "locale"


def main() -> int:
    compiled = 0
    for po_path in sorted(ROOT.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        catalog = polib.pofile(str(po_path))
        catalog.save_as_mofile(str(mo_path))
        compiled += 1
        print(
            f"compiled {po_path.relative_to(ROOT.parent.parent)} ({catalog.percent_translated()}% translated)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
