"""Typed settings of the preferences app (prefix ``PREFERENCES_``), each with its one default."""

from django.conf import settings


class AppSettings:
    prefix = "PREFERENCES_"

    def _setting(self, name: str, default):
        return getattr(settings, self.prefix + name, default)

    @property
    def DIRECTORY_PAGE_SIZE(self) -> int:
        """Experts per page of the directory."""
        return self._setting("DIRECTORY_PAGE_SIZE", 25)


app_settings = AppSettings()
