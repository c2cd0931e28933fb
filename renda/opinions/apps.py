from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionsConfig(AppConfig):
    name = "renda.opinions"
    label = "opinions"
    verbose_name = _("Public opinions")

    def ready(self) -> None:
        # The engine links a resident's messages about an opinion to this door's public
        # tracking page (ticket + check code); stations open this door's form from their QR
        # codes and show a visitor's receipt on its page. Neither reverses this app's names.
        from django.urls import reverse

        from renda.cases.models import CaseKind
        from renda.cases.services import register_door
        from renda.opinions.views.public import show_receipt

        register_door(
            CaseKind.OPINION,
            track_url=lambda _case: reverse("opinions:track"),
            form_url=lambda congress_id: reverse("opinions:submit", args=[congress_id]),
            receipt_url=show_receipt,
        )
