from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "renda.activities"
    label = "activities"
    verbose_name = _("Deputies' activities")

    def ready(self) -> None:
        # A finding's case is answered to the activity's organiser: the engine learns here
        # who rates the reply (its "authors") and where they follow it.
        from renda.activities.services.findings import finding_audience, finding_track_url
        from renda.cases.models import CaseKind
        from renda.cases.services import register_door

        register_door(CaseKind.FINDING, audience=finding_audience, track_url=finding_track_url)
