from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CpmsPortalConfig(AppConfig):
    name = "cpms_portal"
    verbose_name = _("CPMS portal")
