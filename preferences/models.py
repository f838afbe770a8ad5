"""Thematic areas of each network and the expertise members declare in them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ThematicAreaQuerySet(models.QuerySet):
    def current(self):
        """Areas offered on the form today (retired ones stay on old answers)."""
        return self.filter(retired_at__isnull=True)


class ThematicArea(models.Model):
    """An area of expertise of one network, in the network's order."""

    network = models.ForeignKey(
        "access_requests.Organisation",
        verbose_name=_("network"),
        on_delete=models.CASCADE,
        related_name="thematic_areas",
        limit_choices_to={"kind": "network"},
    )
    name = models.CharField(_("name"), max_length=255)
    position = models.PositiveIntegerField(_("order"), default=0)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    objects = ThematicAreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("thematic area")
        verbose_name_plural = _("thematic areas")
        ordering = ["network", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["network", "name"], name="area_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Expertise(models.Model):
    """A member's answer for one network: some areas, or "None"."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="expertise",
    )
    network = models.ForeignKey(
        "access_requests.Organisation",
        verbose_name=_("network"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    areas = models.ManyToManyField(
        ThematicArea, verbose_name=_("I'm a specialist in:"), blank=True, related_name="experts"
    )
    is_none = models.BooleanField(_("None"), default=False)
    answered_at = models.DateTimeField(_("answered"), default=timezone.now)

    class Meta:
        verbose_name = _("expertise")
        verbose_name_plural = _("expertise")
        constraints = [
            models.UniqueConstraint(fields=["user", "network"], name="expertise_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.network}"


class DirectoryListing(models.Model):
    """Whether a member appears in the directory of experts (listed unless they opt out)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_listing"
    )
    hidden = models.BooleanField(
        _("Hide me from the directory of experts"),
        default=False,
        help_text=_("Colleagues will not find you and cannot invite you to their panels."),
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("directory listing")
        verbose_name_plural = _("directory listings")

    def __str__(self) -> str:
        return f"{self.user} ({'hidden' if self.hidden else 'listed'})"
