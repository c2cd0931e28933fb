from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "renda.cases"
    label = "cases"
    verbose_name = _("Case handling")

    def ready(self) -> None:
        # Its office lists and figures, and the opinions ledger, register their exports
        # (renda.core.exports). The workspace (congress) shows the office's and the
        # departments' to-dos.
        from renda.cases import (
            ledger_import,  # noqa: F401
            tables,  # noqa: F401
            workspace,
        )
        from renda.congress.workspace import register

        register(workspace.office_todos)
        register(workspace.department_todos)
