from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "renda.cases"
    label = "cases"
    verbose_name = _("Case handling")

    def ready(self) -> None:
        # The workspace (congress) shows the office's and the departments' to-dos.
        from renda.cases import workspace
        from renda.congress.workspace import register

        register(workspace.office_todos)
        register(workspace.department_todos)
