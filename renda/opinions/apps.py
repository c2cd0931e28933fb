from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionsConfig(AppConfig):
    name = "renda.opinions"
    label = "opinions"
    verbose_name = _("Public opinions")

    def ready(self) -> None:
        # The engine links a resident's messages about an opinion to this door's public
        # tracking page (ticket + check code); it never reverses this app's URL names.
        from django.urls import reverse

        from renda.cases.models import CaseKind
        from renda.cases.services import register_door

        register_door(CaseKind.OPINION, track_url=lambda _case: reverse("opinions:track"))
