from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "renda.projects"
    label = "projects"
    verbose_name = _("Livelihood projects")

    def ready(self) -> None:
        # Its office lists and figures register their exports (renda.core.exports).
        # The office's case page of a public opinion offers to propose it as a project
        # idea; the case engine learns the link here instead of naming this app's pages.
        from django.urls import reverse

        from renda.cases.models import CaseKind
        from renda.cases.services import register_case_link
        from renda.projects import tables  # noqa: F401

        register_case_link(
            "projects.idea_from_case",
            lambda case: (
                (_("Propose as a project idea"), reverse("projects:idea_from_case", args=[case.pk]))
                if case.kind == CaseKind.OPINION
                else None
            ),
        )
