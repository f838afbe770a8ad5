from django.apps import AppConfig


class CpmsPortalConfig(AppConfig):
    name = "cpms_portal"
    verbose_name = "CPMS portal"
