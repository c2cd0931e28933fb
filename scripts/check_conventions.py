"""Project rules that ruff and mypy cannot express (STYLE.md §10). Exits non-zero on a hit.

- No unscoped `.objects.get(` in views: fetch through `visible_to(user)` or an access helper.
- No `.status = ` anywhere but `renda/core/workflow.py`: every status change goes through
  `workflow.move()`, which checks the model's transition table and writes the audit entry.
- No CDN or external asset URLs in templates: government intranets have no internet.
- No Django date/time input widgets outside `renda/core/widgets.py`: zh-Hans renders dates as
  "2026/02/21", which `<input type="date">` rejects; the shared widgets render ISO.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "renda"

RULES = [
    (
        re.compile(r"\.objects\.get\("),
        lambda p: "views" in p.parts,
        "unscoped .objects.get( in a view",
    ),
    (
        re.compile(r"\.status\s*=[^=]"),
        lambda p: (
            p.suffix == ".py"
            and "migrations" not in p.parts
            # The one state-move mechanism: every status change of every app comes through
            # `renda.core.workflow.move`, which checks the model's transition table.
            and p.as_posix() != "renda/core/workflow.py"
        ),
        ".status assigned outside renda/core/workflow.py (use workflow.move)",
    ),
    (
        re.compile(r"""(src|href)=["'](https?:)?//"""),
        lambda p: p.suffix == ".html",
        "external asset URL in a template",
    ),
    (
        re.compile(
            r"forms\.(DateInput|TimeInput|DateTimeInput)\b|[\"']type[\"']:\s*[\"'](date|time|datetime-local)[\"']"
        ),
        lambda p: p.suffix == ".py" and p.as_posix() != "renda/core/widgets.py",
        "a date/time input widget outside renda/core/widgets.py (use its ISO widgets)",
    ),
]


def main() -> int:
    hits = []
    for path in sorted(ROOT.rglob("*")):
        if not path.is_file() or path.suffix not in {".py", ".html"}:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern, applies, message in RULES:
            if not applies(path.relative_to(ROOT.parent)):
                continue
            for lineno, line in enumerate(text.splitlines(), start=1):
                if pattern.search(line):
                    hits.append(f"{path.relative_to(ROOT.parent)}:{lineno}: {message}")
    for hit in hits:
        print(hit)
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
