from collections.abc import Iterator

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


def department_names() -> Iterator[str]:
    """Departments' names and short names, words of the Chinese tokenizer's dictionary."""
    from renda.congress.models import Department

    for name, short_name in Department.objects.values_list("name", "short_name"):
        yield name
        if short_name:
            yield short_name


class CongressConfig(AppConfig):
    default = True
    name = "renda.congress"
    label = "congress"
    verbose_name = _("Congresses and deputies")

    def ready(self) -> None:
        from renda.congress import roster, workspace_tiles
        from renda.congress.workspace import register as register_todos
        from renda.core import jobs, text

        text.register_words(department_names)
        jobs.register_runner(jobs.ROSTER_PREVIEW, roster.preview_job)
        jobs.register_runner(jobs.ROSTER_IMPORT, roster.import_job)
        for provider in (
            workspace_tiles.auditor_todos,
            workspace_tiles.administrator_todos,
            workspace_tiles.operator_todos,
            workspace_tiles.calendar_todos,
        ):
            register_todos(provider)


class RendaAdminConfig(admin_apps.AdminConfig):
    default = False
    """The Django admin, with Renda's scoped site as the default site."""

    default_site = "renda.congress.admin_site.RendaAdminSite"
