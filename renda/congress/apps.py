from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CongressConfig(AppConfig):
    default = True
    name = "renda.congress"
    label = "congress"
    verbose_name = _("Congresses and deputies")


class RendaAdminConfig(admin_apps.AdminConfig):
    default = False
    """The Django admin, with Renda's scoped site as the default site."""

    default_site = "renda.congress.admin_site.RendaAdminSite"
