from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuggestionsConfig(AppConfig):
    name = "renda.suggestions"
    label = "suggestions"
    verbose_name = _("Deputies' suggestions")

    def ready(self) -> None:
        # Its figures register their export (renda.core.exports).
        # The workspace (congress) shows this app's to-dos.
        from renda.congress.workspace import register as register_todos
        from renda.suggestions import ledger, tables  # noqa: F401  (their exports)
        from renda.suggestions import workspace as suggestions_workspace

        register_todos(suggestions_workspace.office_todos)
        register_todos(suggestions_workspace.deputy_todos)

        # The case engine tells "those who raised the case" about replies; for a suggestion
        # that is the lead deputy and every confirmed co-signer.
        from renda.cases import services as case_services
        from renda.cases.models import CaseKind
        from renda.suggestions.services import suggestion_audience

        case_services.AUDIENCES[CaseKind.SUGGESTION] = suggestion_audience

        # The ledger import (补录) reads the suggestions ledger's deputy and session
        # columns and creates the deputy's record through what is registered here.
        from renda.cases import ledger_import
        from renda.suggestions.imports import DOOR

        ledger_import.register_ledger_door(CaseKind.SUGGESTION, DOOR)

        # A matter raised at a station reception can become the forwarding deputy's draft:
        # stations offer the action through the handler registered here, never importing
        # this app.
        from django.urls import reverse

        from renda.stations import services as station_services
        from renda.stations.models import Disposition
        from renda.suggestions.services import draft_from_matter

        station_services.register_matter_handler(
            Disposition.SUGGESTION,
            draft_from_matter,
            url=lambda draft: reverse("suggestions:detail", args=[draft.pk]),
        )
