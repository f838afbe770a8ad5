"""What the preferences app audits; registered in ``PreferencesConfig.ready``."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    PREFERENCES_SAVED = "preferences_saved", _("Preferences saved")
