"""Typed settings of the access_requests app, each with its default."""

from django.conf import settings


class AppSettings:
    prefix = "CPMS_"

    def _setting(self, name: str, default):
        return getattr(settings, self.prefix + name, default)

    @property
    def GUEST_ACCESS_DAYS(self) -> int:
        """How long a `0000 Guest Access` membership lasts before it expires."""
        return self._setting("GUEST_ACCESS_DAYS", 90)

    @property
    def CPMS_APPLICATION_CODE(self) -> str:
        return self._setting("APPLICATION_CODE", "cpms")


app_settings = AppSettings()
