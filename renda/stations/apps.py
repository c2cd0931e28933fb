from collections.abc import Iterable

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def station_names() -> Iterable[str]:
    """Stations' names, words of the Chinese tokenizer's dictionary."""
    from renda.stations.models import Station

    return Station.objects.values_list("name", flat=True)


class StationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "renda.stations"
    verbose_name = _("Liaison stations")

    def ready(self) -> None:
        # Its office lists and figures register their exports (renda.core.exports).
        # The workspace (congress) shows this app's to-dos.
        from renda.congress.workspace import register as register_todos
        from renda.stations import tables  # noqa: F401
        from renda.stations import workspace as stations_workspace

        register_todos(stations_workspace.office_todos)
        register_todos(stations_workspace.deputy_todos)

        from renda.core import text

        text.register_words(station_names)
