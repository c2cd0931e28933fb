"""The layer contract, for the references that import-linter cannot see. Exits non-zero on a hit.

`lint-imports` (configured in pyproject.toml, `[tool.importlinter]`) checks every import
statement, including those inside functions. A module can also reach another app without
an import statement; this script checks those references against the same layer list (read
from the contract with id "layers", so there is one list):

- `apps.get_model("label", "Model")`, `apps.get_model("label.Model")`,
  `apps.get_app_config("label")`, `ContentType.objects.get_by_natural_key("label", …)` and
  any `app_label="label"` keyword;
- a string naming a model as "label.Model" (lazy relations: `ForeignKey("label.Model")`,
  `to=`, `through=`; also "label.model" as the audit log stores it): a foreign key from a
  lower app to a higher one is an upward dependency even though Django resolves it lazily;
- a string naming a module "renda.app…" (`import_module`, `import_string`,
  `apps.is_installed`, Celery task names, patch targets);
- a URL name "namespace:name" of another app, in Python (`reverse`, `redirect`, …) and in
  the app's templates (`{% url 'namespace:name' %}`): linking to a higher app's page is an
  upward dependency too (a lower app learns such a page through a registry the higher app
  fills, e.g. the case engine's door registry). Templates in the project's own
  `renda/templates/` (the site frame, the home and workspace pages) sit on top and may link
  anywhere.

A reference is allowed from an app to itself, to any app in a lower row, and to a sibling in
its own row when the row is written with ":" (not with "|", which makes siblings
independent). Migrations are not checked: they mirror the models, which are. Docstrings are
not checked.

Usage: scripts/check_layers.py [--root DIR]  (DIR holds pyproject.toml and renda/; default:
the repository).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
PACKAGE = "renda"
CONTRACT_ID = "layers"

# Calls whose first argument is an app label ("label" or "label.Model").
LABEL_CALLS = {"get_model", "get_app_config", "get_registered_model", "get_by_natural_key"}
MODULE_STRING = re.compile(rf"{PACKAGE}\.([A-Za-z_]\w*)(\.[A-Za-z_]\w*)*")
MODEL_STRING = re.compile(r"([A-Za-z_]\w*)\.([A-Za-z_]\w*)")
URL_NAME_STRING = re.compile(r"([a-z][a-z0-9_]*):[A-Za-z_][\w-]*")
TEMPLATE_URL = re.compile(r"""\{%\s*url\s+["']([a-z][a-z0-9_]*):""")
APP_NAME = re.compile(r"""^app_name\s*=\s*["']([a-z][a-z0-9_]*)["']""", re.MULTILINE)


@dataclass(frozen=True)
class Layers:
    """The contract's rows, lowest first: each row's apps and whether they are independent."""

    rows: tuple[tuple[frozenset[str], bool], ...]

    def row_of(self, app: str) -> int | None:
        for index, (apps, _independent) in enumerate(self.rows):
            if app in apps:
                return index
        return None

    def refusal(self, importer: str, imported: str) -> str | None:
        """Why `importer` may not depend on `imported`, or None if it may."""
        if importer == imported:
            return None
        low, high = self.row_of(importer), self.row_of(imported)
        if low is None or high is None:
            return None  # Not in the contract: lint-imports reports it (exhaustive).
        if high > low:
            return "upward"
        if high == low and self.rows[low][1]:
            return "between independent siblings"
        return None


def load_layers(pyproject: Path) -> Layers:
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c.get("id") == CONTRACT_ID)
    if contract.get("containers") != [PACKAGE]:
        raise SystemExit(f"the {CONTRACT_ID!r} contract must have containers = [{PACKAGE!r}]")
    rows = []
    for raw in reversed(contract["layers"]):  # The contract lists the highest row first.
        independent = ":" not in raw
        names = re.split(r"[|:]", raw)
        apps = frozenset(name.strip().strip("()").strip() for name in names)
        rows.append((apps, independent))
    return Layers(tuple(rows))


def app_of(path: Path, package_dir: Path) -> str:
    """The top-level module of `renda` a file belongs to (`renda/cases/x.py` -> `cases`)."""
    parts = path.relative_to(package_dir).parts
    return parts[0] if len(parts) > 1 else path.stem


def _assigned_string(tree: ast.Module, class_base: str, attribute: str) -> str | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            isinstance(b, ast.Name | ast.Attribute) and ast.unparse(b).endswith(class_base)
            for b in node.bases
        ):
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and any(
                        isinstance(t, ast.Name) and t.id == attribute for t in statement.targets
                    )
                    and isinstance(statement.value, ast.Constant)
                    and isinstance(statement.value.value, str)
                ):
                    return statement.value.value
    return None


def app_labels(package_dir: Path) -> dict[str, str]:
    """Django app label -> top-level module (`apps.py` may set `label`; default: the name)."""
    labels = {}
    for apps_py in sorted(package_dir.glob("*/apps.py")):
        tree = ast.parse(apps_py.read_text(encoding="utf-8"))
        app = apps_py.parent.name
        labels[_assigned_string(tree, "AppConfig", "label") or app] = app
    return labels


def model_names(package_dir: Path, app: str) -> set[str]:
    """Lower-cased names of the classes in an app's models module or package."""
    app_dir = package_dir / app
    files = [app_dir / "models.py", *sorted((app_dir / "models").glob("*.py"))]
    names = set()
    for file in files:
        if file.is_file():
            tree = ast.parse(file.read_text(encoding="utf-8"))
            names |= {n.name.lower() for n in tree.body if isinstance(n, ast.ClassDef)}
    return names


def url_namespaces(package_dir: Path) -> dict[str, str]:
    """URL namespace (`app_name` of a urls module) -> the top-level module that owns it."""
    namespaces = {}
    for urls in sorted(package_dir.glob("*/*urls*.py")):
        match = APP_NAME.search(urls.read_text(encoding="utf-8"))
        if match:
            namespaces[match.group(1)] = urls.parent.name
    return namespaces


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def references(
    tree: ast.Module,
    labels: dict[str, str],
    models: dict[str, set[str]],
    modules: set[str],
    namespaces: dict[str, str] | None = None,
) -> list[tuple[int, str, str]]:
    """(line, referenced app, the text that names it) for every reference to an app."""
    found: list[tuple[int, str, str]] = []
    skip = set()  # Strings that stand alone as statements: docstrings, notes.
    for node in ast.walk(tree):  # Breadth first: a statement comes before its value.
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skip.add(id(node.value))
        elif isinstance(node, ast.Call):
            args = node.args[:1] if _call_name(node) in LABEL_CALLS else []
            for arg in args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    label = arg.value.split(".")[0]
                    if label in labels:
                        found.append((node.lineno, labels[label], ast.unparse(node)))
            for keyword in node.keywords:
                value = keyword.value
                if (
                    keyword.arg == "app_label"
                    and isinstance(value, ast.Constant)
                    and value.value in labels
                ):
                    found.append((node.lineno, labels[value.value], ast.unparse(node)))
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
        ):
            text = node.value
            module = MODULE_STRING.fullmatch(text)
            if module and module.group(1) in modules:
                found.append((node.lineno, module.group(1), repr(text)))
                continue
            url_name = URL_NAME_STRING.fullmatch(text)
            if url_name and url_name.group(1) in (namespaces or {}):
                found.append((node.lineno, (namespaces or {})[url_name.group(1)], repr(text)))
                continue
            model = MODEL_STRING.fullmatch(text)
            if model and model.group(1) in labels:
                app = labels[model.group(1)]
                if model.group(2).lower() in models[app]:
                    found.append((node.lineno, app, repr(text)))
    return found


def check(root: Path) -> list[str]:
    package_dir = root / PACKAGE
    layers = load_layers(root / "pyproject.toml")
    labels = app_labels(package_dir)
    models = {app: model_names(package_dir, app) for app in set(labels.values())}
    modules = {app for apps, _independent in layers.rows for app in apps}
    namespaces = url_namespaces(package_dir)
    # Only files that could hold a reference are parsed: a quoted "renda.…", "label.…" or
    # "namespace:…", or one of the calls and keywords above.
    quoted = "|".join(sorted(map(re.escape, {*labels, PACKAGE})))
    named = "|".join(sorted(map(re.escape, namespaces)))
    words = "|".join(sorted({*LABEL_CALLS, "app_label"}))
    candidate = re.compile(rf"""["'](?:{quoted})\.|["'](?:{named}):|\b(?:{words})\b""")
    hits: dict[tuple[str, int, str], str] = {}
    for path in sorted(package_dir.glob("*/templates/**/*.html")):
        importer = app_of(path, package_dir)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in TEMPLATE_URL.finditer(line):
                imported = namespaces.get(match.group(1))
                why = layers.refusal(importer, imported) if imported else None
                where = path.relative_to(root).as_posix()
                if why and (where, number, imported) not in hits:
                    hits[where, number, imported] = (
                        f"{where}:{number}: {PACKAGE}.{importer} links to {PACKAGE}.{imported} "
                        f"({why}): {match.group(0)}"
                    )
    for path in sorted(package_dir.rglob("*.py")):
        if "migrations" in path.relative_to(package_dir).parts:
            continue
        source = path.read_text(encoding="utf-8")
        if not candidate.search(source):
            continue
        importer = app_of(path, package_dir)
        tree = ast.parse(source, filename=str(path))
        for line, imported, text in references(tree, labels, models, modules, namespaces):
            why = layers.refusal(importer, imported)
            where = path.relative_to(root).as_posix()
            if why and (where, line, imported) not in hits:  # One hit per line and app.
                hits[where, line, imported] = (
                    f"{where}:{line}: {PACKAGE}.{importer} refers to {PACKAGE}.{imported} "
                    f"({why}): {text}"
                )
    return [hits[key] for key in sorted(hits)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPOSITORY)
    args = parser.parse_args(argv)
    hits = check(args.root)
    for hit in hits:
        print(hit)
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
