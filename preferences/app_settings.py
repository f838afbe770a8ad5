"""Settings of the preferences app, with their defaults (prefix ``CPMS_PREFERENCES_``)."""

from django.conf import settings


class AppSettings:
    prefix = "CPMS_PREFERENCES_"

    def _setting(self, name: str, default):
        return getattr(settings, self.prefix + name, default)

    @property
    def DIRECTORY_PAGE_SIZE(self) -> int:
        """Experts per page of the directory."""
        return self._setting("DIRECTORY_PAGE_SIZE", 25)


app_settings = AppSettings()
