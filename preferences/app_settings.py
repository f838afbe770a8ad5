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

    @property
    def DIRECTORY_COUNT_CAP(self) -> int:
        """The directory counts the people found up to this many and says "More than"
        beyond, so a search costs the same whatever the number of members (the exact
        count of a common name took 150 ms at a million memberships)."""
        return self._setting("DIRECTORY_COUNT_CAP", 1000)


app_settings = AppSettings()
