"""What the reports app audits; registered in ``ReportsConfig.ready``."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    EXPORT = "export", _("User list exported")
