from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BallotsConfig(AppConfig):
    name = "renda.ballots"
    label = "ballots"
    verbose_name = _("Ballots")

    def ready(self) -> None:
        from renda.ballots import tables  # noqa: F401

        # The workspace (congress) shows this app's to-dos.
        from renda.ballots import workspace as ballots_workspace
        from renda.congress.workspace import register as register_todos

        register_todos(ballots_workspace.office_todos)
        register_todos(ballots_workspace.deputy_todos)
