"""Project rules that ruff and mypy cannot express (STYLE.md §10). Exits non-zero on a hit.

- No unscoped `.objects.get(` in views: fetch through `visible_to(user)` or an access helper.
- No `.status = ` outside services (and migrations): only services change workflow state.
  The one exception is `renda/core/workflow.py`, the state-move mechanism that every
  service calls to assign a status (its `move()` is the services' shared helper).
- No CDN or external asset URLs in templates: government intranets have no internet.
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
            and p.name != "services.py"
            and "migrations" not in p.parts
            and p.name not in {"roster.py", "models.py"}
            # The shared state-move helper the services call (checks the state table).
            and p.as_posix() != "renda/core/workflow.py"
        ),
        ".status assigned outside a service",
    ),
    (
        re.compile(r"""(src|href)=["'](https?:)?//"""),
        lambda p: p.suffix == ".html",
        "external asset URL in a template",
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
