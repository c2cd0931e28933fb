from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "renda.activities"
    label = "activities"
    verbose_name = _("Deputies' activities")

    def ready(self) -> None:
        # Its figures register their exports (renda.core.exports).
        from renda.activities import tables  # noqa: F401

        # A finding's case is answered to the activity's organiser: the engine learns here
        # who rates the reply (its "authors") and where they follow it.
        from renda.activities.services.findings import finding_audience, finding_track_url
        from renda.cases.models import CaseKind
        from renda.cases.services import register_door

        register_door(CaseKind.FINDING, audience=finding_audience, track_url=finding_track_url)
        # A deliberation opinion is followed on its meeting's page (the office rates it).
        register_door(CaseKind.DELIBERATION, track_url=_meeting_url)


def _meeting_url(case):  # noqa: ANN001, ANN202
    from django.urls import reverse

    from renda.activities.models import DeliberationOpinion

    meeting = (
        DeliberationOpinion.objects.filter(case_id=case.pk)
        .values_list("meeting_id", flat=True)
        .first()
    )
    return reverse("activities:meeting", args=[meeting]) if meeting else ""
