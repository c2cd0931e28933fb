"""The layer contract (docs/architecture.md, "Layers") fails on a reference that runs upward.

`make lint` runs `lint-imports` (pyproject.toml, `[tool.importlinter]`) and
`scripts/check_layers.py`. The tests here copy the package's Python files into a temporary
directory once; each adds a reference to the copy, runs the same checkers on it and undoes
its change.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

_spec = importlib.util.spec_from_file_location(
    "check_layers", REPOSITORY / "scripts" / "check_layers.py"
)
assert _spec and _spec.loader
check_layers = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("check_layers", check_layers)
_spec.loader.exec_module(check_layers)


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` as `make lint` runs it; the CLI puts its working directory first on
    sys.path, so `renda` is the copy under `root`."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(  # noqa: S603 (our own tool, fixed arguments)
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _python_files_only(directory: str, names: list[str]) -> set[str]:
    return {
        name
        for name in names
        if name == "__pycache__"
        or (not name.endswith(".py") and not os.path.isdir(os.path.join(directory, name)))
    }


class Tree:
    """A copy of pyproject.toml and the package's Python files, shared by the tests of this
    module; each test's additions are undone after it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.added: list[Path] = []
        self.changed: dict[Path, str] = {}

    def add(self, relative: str, code: str) -> None:
        """Write a new module (new files: the tests do not depend on which modules exist
        today, and other work may move them)."""
        path = self.root / relative
        assert not path.exists()
        assert path.parent.joinpath("__init__.py").exists()
        path.write_text(code, encoding="utf-8")
        self.added.append(path)

    def append(self, relative: str, code: str) -> None:
        path = self.root / relative
        text = self.changed.setdefault(path, path.read_text(encoding="utf-8"))
        path.write_text(text + "\n\n" + code, encoding="utf-8")

    def undo(self) -> None:
        for path in reversed(self.added):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        for path, text in self.changed.items():
            path.write_text(text, encoding="utf-8")
        self.added.clear()
        self.changed.clear()


@pytest.fixture(scope="module")
def _copy(tmp_path_factory: pytest.TempPathFactory) -> Tree:
    root = tmp_path_factory.mktemp("layers")
    shutil.copy(REPOSITORY / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(REPOSITORY / "renda", root / "renda", ignore=_python_files_only)
    return Tree(root)


@pytest.fixture
def tree(_copy: Tree) -> Iterator[Tree]:
    yield _copy
    _copy.undo()


def test_the_real_tree_keeps_the_contract():
    result = lint_imports(REPOSITORY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout
    assert check_layers.check(REPOSITORY) == []


def test_the_copy_keeps_the_contract_until_changed(tree):
    # The baseline for the tests below: a copy of the real tree passes both checks.
    result = lint_imports(tree.root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert check_layers.check(tree.root) == []


def test_core_importing_the_case_engine_is_reported(tree):
    tree.add("renda/core/probe.py", "from renda.cases import models as _cases  # noqa\n")
    result = lint_imports(tree.root)
    assert result.returncode == 1
    assert "renda.core is not allowed to import renda.cases" in result.stdout
    assert "renda.core.probe -> renda.cases.models" in result.stdout


def test_an_import_inside_a_function_body_is_reported(tree):
    tree.add(
        "renda/cases/probe.py",
        "def _door_forms():\n    from renda.opinions import forms\n\n    return forms\n",
    )
    result = lint_imports(tree.root)
    assert result.returncode == 1
    assert "renda.cases is not allowed to import renda.opinions" in result.stdout
    assert "renda.cases.probe -> renda.opinions.forms" in result.stdout


def test_independent_siblings_may_not_import_each_other(tree):
    tree.add("renda/opinions/probe.py", "from renda.suggestions import models as _s  # noqa\n")
    tree.add("renda/ballots/probe.py", "def _f():\n    import renda.cases.models\n")
    result = lint_imports(tree.root)
    assert result.returncode == 1
    assert "renda.opinions.probe -> renda.suggestions.models" in result.stdout
    assert "renda.ballots.probe -> renda.cases.models" in result.stdout


def test_a_door_may_import_stations_and_a_programme_the_engines(tree):
    # Downward edges of the revised order: opinions/suggestions -> stations -> cases,
    # projects -> ballots and cases, portal -> everything below.
    tree.add("renda/suggestions/probe.py", "def _f():\n    import renda.stations.models\n")
    tree.add("renda/opinions/probe.py", "import renda.stations.models  # noqa\n")
    tree.add("renda/stations/probe.py", "import renda.cases.models  # noqa\n")
    tree.add("renda/projects/probe.py", "import renda.cases.models, renda.ballots.models  # noqa\n")
    tree.add("renda/portal/probe.py", "import renda.appraisals.models  # noqa\n")
    tree.add("renda/api/probe.py", "import renda.suggestions.models  # noqa\n")
    result = lint_imports(tree.root)
    assert result.returncode == 0, result.stdout


def test_stations_may_not_import_a_door_above_it(tree):
    tree.add("renda/stations/probe.py", "def _f():\n    from renda.opinions import forms\n")
    result = lint_imports(tree.root)
    assert result.returncode == 1
    assert "renda.stations.probe -> renda.opinions.forms" in result.stdout


def test_a_new_app_must_be_given_its_row(tree):
    # (An app name no row holds: `reports` and `records` have their rows now.)
    (tree.root / "renda" / "newapp").mkdir()
    tree.added.append(tree.root / "renda" / "newapp")
    (tree.root / "renda" / "newapp" / "__init__.py").write_text("")
    result = lint_imports(tree.root)
    assert result.returncode == 1
    assert "- renda.newapp" in result.stdout


def test_a_service_importing_a_view_is_reported(tree):
    # Inside an app: models and services never import views, URLs or the admin. (The
    # probe sits in ballots' services, a module or, once split, a package.)
    if (tree.root / "renda/ballots/services").is_dir():
        tree.add("renda/ballots/services/probe.py", "from renda.ballots.views import voter\n")
        importer = "renda.ballots.services.probe"
    else:
        tree.append(
            "renda/ballots/services.py", "def _f():\n    from renda.ballots.views import voter\n"
        )
        importer = "renda.ballots.services"
    result = lint_imports(tree.root)
    assert result.returncode == 1
    assert f"{importer} -> renda.ballots.views.voter" in result.stdout


def test_runtime_code_importing_a_dev_tool_is_reported(tree):
    tree.add("renda/core/probe.py", "def _f():\n    import jsonschema\n")
    result = lint_imports(tree.root)
    assert result.returncode == 1
    assert "renda is not allowed to import jsonschema" in result.stdout
    assert "renda.core.probe -> jsonschema" in result.stdout


# What import-linter cannot see: scripts/check_layers.py.


def test_get_model_of_a_higher_app_is_reported(tree):
    tree.add(
        "renda/stations/probe.py",
        "from django.apps import apps\n\n\n"
        "def _suggestion_model():\n"
        '    return apps.get_model("suggestions", "Suggestion")\n',
    )
    hits = check_layers.check(tree.root)
    assert len(hits) == 1, hits
    assert hits[0].startswith("renda/stations/probe.py:5:")
    assert "renda.stations refers to renda.suggestions (upward)" in hits[0]
    assert "apps.get_model('suggestions', 'Suggestion')" in hits[0]
    # import-linter does not see it: that is why the script exists.
    assert lint_imports(tree.root).returncode == 0


@pytest.mark.parametrize(
    ("relative", "code", "expected"),
    [
        (
            "renda/stations/probe.py",
            "from django.db import models\n\n\n"
            "class Link(models.Model):\n"
            "    suggestion = models.ForeignKey(\n"
            '        "suggestions.Suggestion", on_delete=models.PROTECT\n'
            "    )\n",
            "renda.stations refers to renda.suggestions (upward): 'suggestions.Suggestion'",
        ),
        (
            "renda/cases/probe.py",
            "from django.db import models\n\n\n"
            "class Link(models.Model):\n"
            '    idea = models.OneToOneField(to="projects.Idea", on_delete=models.PROTECT)\n',
            "renda.cases refers to renda.projects (upward): 'projects.Idea'",
        ),
        (
            "renda/cases/probe.py",
            "def _f():\n"
            "    from django.apps import apps\n\n"
            '    return apps.get_model("projects.Idea")\n',
            "renda.cases refers to renda.projects (upward): apps.get_model('projects.Idea')",
        ),
        (
            "renda/congress/probe.py",
            "def _f():\n"
            "    from django.contrib.contenttypes.models import ContentType\n\n"
            '    return ContentType.objects.filter(app_label="cases")\n',
            "renda.congress refers to renda.cases (upward)",
        ),
        (
            "renda/core/probe.py",
            "def _f():\n"
            "    from django.utils.module_loading import import_string\n\n"
            '    return import_string("renda.cases.services.submit_case")\n',
            "renda.core refers to renda.cases (upward): 'renda.cases.services.submit_case'",
        ),
        (
            "renda/ballots/probe.py",
            'AUDITED = "cases.case"\n',
            "renda.ballots refers to renda.cases (between independent siblings): 'cases.case'",
        ),
    ],
)
def test_string_references_across_a_layer_are_reported(tree, relative, code, expected):
    tree.add(relative, code)
    hits = check_layers.check(tree.root)
    assert len(hits) == 1, hits
    assert hits[0].startswith(relative + ":")
    assert expected in hits[0]


def test_string_references_downward_or_inside_an_app_pass(tree):
    tree.add(
        "renda/portal/probe.py",
        "from django.apps import apps\n\n\n"
        "def _f():\n"
        '    apps.get_model("cases", "Case")\n'
        '    return "renda.suggestions.services", "portal.Article"\n',
    )
    tree.add("renda/opinions/probe.py", 'STATION = "stations.Station"\n')
    tree.add("renda/cases/probe.py", 'NOT_A_MODEL = "cases.view"\n')
    tree.add("renda/core/probe.py", 'def _f():\n    "The cases.Case rows are audited."\n')
    assert check_layers.check(tree.root) == []


# Pages: a URL name of a higher app, in Python or in the app's templates.


def test_a_url_name_of_a_higher_app_is_reported(tree):
    tree.add(
        "renda/stations/probe.py",
        "from django.urls import reverse\n\n\n"
        "def _form() -> str:\n"
        '    return reverse("opinions:submit", args=[1])\n',
    )
    hits = check_layers.check(tree.root)
    assert len(hits) == 1, hits
    assert "renda.stations refers to renda.opinions (upward): 'opinions:submit'" in hits[0]


def test_a_template_linking_to_a_higher_app_is_reported(tree):
    folder = tree.root / "renda" / "stations" / "templates" / "stations"
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / "_probe.html"
    probe.write_text(
        "{% load i18n %}\n<a href=\"{% url 'opinions:track' %}\">x</a>\n", encoding="utf-8"
    )
    tree.added.append(probe)
    hits = check_layers.check(tree.root)
    assert len(hits) == 1, hits
    assert hits[0].startswith("renda/stations/templates/stations/_probe.html:2:")
    assert "renda.stations links to renda.opinions (upward)" in hits[0]


def test_links_downward_and_the_project_frame_pass(tree):
    folder = tree.root / "renda" / "projects" / "templates" / "projects"
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / "_probe.html"
    probe.write_text("<a href=\"{% url 'cases:office_inbox' %}\">x</a>\n", encoding="utf-8")
    tree.added.append(probe)
    frame = tree.root / "renda" / "templates"
    frame.mkdir(parents=True, exist_ok=True)
    base = frame / "_probe_frame.html"
    base.write_text("<a href=\"{% url 'portal:home' %}\">x</a>\n", encoding="utf-8")
    tree.added.append(base)
    assert check_layers.check(tree.root) == []


def test_projects_record_inspections_on_activities_which_import_no_programme(tree):
    # Issue 15: activities has its own row below "appraisals | projects".
    tree.add("renda/projects/probe.py", "import renda.activities.services  # noqa\n")
    tree.add("renda/appraisals/probe.py", "import renda.activities.models  # noqa\n")
    assert lint_imports(tree.root).returncode == 0


def test_activities_may_not_import_projects_or_appraisals(tree):
    tree.add("renda/activities/probe.py", "import renda.projects.models  # noqa\n")
    tree.add("renda/activities/probe2.py", "def _f():\n    import renda.appraisals.models\n")
    result = lint_imports(tree.root)
    assert result.returncode == 1
    assert "renda.activities.probe -> renda.projects.models" in result.stdout
    assert "renda.activities.probe2 -> renda.appraisals.models" in result.stdout
