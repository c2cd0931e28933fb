from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "renda.core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from renda.core import signals  # noqa: F401  (audit of logins and lockouts)

        post_migrate.connect(_load_holidays, sender=self)

        from django.core import checks

        from renda.core import keys, sms

        checks.register(keys.deploy_check, checks.Tags.security, deploy=True)
        checks.register(sms.check)
        checks.register(sms.deploy_check, checks.Tags.compatibility, deploy=True)


def _load_holidays(sender, using: str = "default", **kwargs) -> None:  # noqa: ANN001, ANN003
    """A fresh installation knows the public holidays: `migrate` loads the State Council's
    schedule of last year on (idempotent; never overwrites the office's corrections).
    RENDA_HOLIDAYS_ON_MIGRATE=false turns it off (the test suite does)."""
    from django.conf import settings

    if not getattr(settings, "RENDA_HOLIDAYS_ON_MIGRATE", True) or using != "default":
        return
    state = kwargs.get("apps")  # the schema migrate left: not the current one after a rollback
    if state is not None:
        fields = {f.name for f in state.get_model("core", "Holiday")._meta.get_fields()}
        if "source" not in fields:
            return
    from renda.core import holidays

    holidays.load_recent()
