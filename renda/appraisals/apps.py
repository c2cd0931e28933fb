from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalsConfig(AppConfig):
    name = "renda.appraisals"
    label = "appraisals"
    verbose_name = _("Performance reviews and appraisals")

    def ready(self) -> None:
        from renda.appraisals import tables  # noqa: F401
