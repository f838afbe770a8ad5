"""Applications, their organisation trees and profiles, requests and memberships."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Application(models.Model):
    """An application of the authorisation system (the guide's "Select an application")."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    is_open = models.BooleanField(
        _("open"), default=False, help_text=_("Closed applications accept no requests.")
    )

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = [models.functions.Lower("name")]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A node of an application's tree: network (ERN) → country → institution."""

    class Kind(models.TextChoices):
        NETWORK = "network", _("Network")
        COUNTRY = "country", _("Country")
        INSTITUTION = "institution", _("Institution")

    GUEST_CODE = "0000"

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="+"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # The network this node belongs to (itself for a network): one join away for
    # every query that scopes by network, whatever the depth.
    network = models.ForeignKey(
        "self",
        verbose_name=_("network"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=255)
    country_code = models.CharField(
        _("country code"), max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2")
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    is_open = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "code"],
                condition=Q(parent__isnull=True),
                name="org_unique_root_code",
            ),
            models.UniqueConstraint(
                fields=["parent", "code"],
                condition=Q(parent__isnull=False),
                name="org_unique_child_code",
            ),
            models.CheckConstraint(
                condition=(Q(kind="network") & Q(parent__isnull=True))
                | (~Q(kind="network") & Q(parent__isnull=False) & Q(network__isnull=False)),
                name="org_networks_are_roots",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["network", "country", "institution"]),
                name="org_kind_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["parent", "code"], name="org_parent_code_idx"),
            models.Index(fields=["network", "kind"], name="org_network_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The guide's label: "RARE-LIVER - Hepatological Diseases", "0000 Guest Access"."""
        if self.kind == self.Kind.COUNTRY:
            return self.name
        if self.is_guest:
            return f"{self.code} {self.name}"
        if not self.name or self.name == self.code:
            return self.code
        return f"{self.code} - {self.name}"

    @property
    def is_guest(self) -> bool:
        return self.kind == self.Kind.INSTITUTION and self.code == self.GUEST_CODE

    @property
    def is_institution(self) -> bool:
        return self.kind == self.Kind.INSTITUTION

    def ancestors(self) -> list["Organisation"]:
        """From the root down to this node's parent (at most two queries deep)."""
        chain = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def path_label(self) -> str:
        """ "RARE-LIVER - Hepatological Diseases / Germany / DE05 - ...": where it sits."""
        return " / ".join(node.label for node in [*self.ancestors(), self])


def institution_label(code: str, name: str) -> str:
    """The guide's label of an institution without loading the row."""
    return Organisation(kind=Organisation.Kind.INSTITUTION, code=code, name=name).label


class AccessProfile(models.Model):
    """A profile of an application (Coordinator, Dispatcher, HP, Researcher)."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="profiles",
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    prerequisite = models.ForeignKey(
        "self",
        verbose_name=_("requires"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("A profile that must be held or requested in the same network first."),
    )

    class Meta:
        verbose_name = _("access profile")
        verbose_name_plural = _("access profiles")
        ordering = ["application", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["application", "code"], name="profile_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name


class AccessRequest(models.Model):
    """A user's request for profiles at one institution. Status moves only in services."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATUSES = (Status.SUBMITTED,)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.CASCADE,
        related_name="access_requests",
    )
    institution = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    # Denormalised from the institution so that queues and KPIs filter by
    # network with one index and no join.
    network = models.ForeignKey(
        Organisation, verbose_name=_("network"), on_delete=models.PROTECT, related_name="+"
    )
    profiles = models.ManyToManyField(
        AccessProfile,
        verbose_name=_("access profiles"),
        through="RequestedProfile",
        related_name="+",
    )
    comment = models.TextField(_("Comments"), blank=True, max_length=2000)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "approved", "rejected", "withdrawn"]),
                name="request_status_valid",
            ),
            # A decided request says when; a rejection says why.
            models.CheckConstraint(
                condition=Q(status="submitted") | Q(decided_at__isnull=False),
                name="request_decided_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_reason=""),
                name="request_rejection_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "network", "submitted_at"], name="request_queue_idx"),
            # The superuser's queue (every network, oldest first) reads this in order.
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(status="submitted"),
                name="request_pending_oldest_idx",
            ),
            models.Index(fields=["user", "status"], name="request_user_status_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.user} → {self.institution}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class RequestedProfile(models.Model):
    """One profile of a request. ``is_open`` mirrors the request's status so that the
    database itself allows only one open request per user, institution and profile."""

    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="items")
    profile = models.ForeignKey(AccessProfile, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    institution = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    is_open = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("requested profile")
        verbose_name_plural = _("requested profiles")
        constraints = [
            models.UniqueConstraint(fields=["request", "profile"], name="reqprofile_unique"),
            models.UniqueConstraint(
                fields=["user", "institution", "profile"],
                condition=Q(is_open=True),
                name="one_open_request_per_user_institution_profile",
            ),
        ]

    def __str__(self) -> str:
        return str(self.profile)


class MembershipQuerySet(models.QuerySet):
    def active(self, at=None):
        """Granted, not revoked, and not past its expiry (checked at each request)."""
        at = at or timezone.now()
        return self.filter(status=Membership.Status.ACTIVE).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=at)
        )


class Membership(models.Model):
    """A granted (user, institution, profile). Revocable, never deleted."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    institution = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    network = models.ForeignKey(
        Organisation, verbose_name=_("network"), on_delete=models.PROTECT, related_name="+"
    )
    profile = models.ForeignKey(
        AccessProfile, verbose_name=_("access profile"), on_delete=models.PROTECT, related_name="+"
    )
    granted_by_request = models.ForeignKey(
        AccessRequest,
        verbose_name=_("granted by request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    granted_at = models.DateTimeField(_("granted on"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    expiry_reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    end_reason = models.TextField(_("reason"), blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "institution", "profile"],
                condition=Q(status="active"),
                name="one_active_membership_per_user_institution_profile",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "revoked", "expired"]),
                name="membership_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="active") | Q(ended_at__isnull=False),
                name="membership_ended_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["network", "status"], name="membership_network_idx"),
            models.Index(fields=["user", "status"], name="membership_user_idx"),
            # Covers the directory of experts' count (who holds an active membership in
            # these networks?) with an index-only scan; ``expires_at`` is there for
            # ``active()``'s expiry test (a key column: SQLite has no INCLUDE).
            models.Index(
                fields=["network", "user", "expires_at"],
                condition=Q(status="active"),
                name="membership_active_member_idx",
            ),
            # The members list (newest first, 100 a page) reads this in order instead of
            # sorting every membership.
            models.Index(fields=["-granted_at", "-id"], name="membership_newest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.profile} @ {self.institution}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE and (
            self.expires_at is None or self.expires_at > timezone.now()
        )


class NetworkAdministrator(models.Model):
    """Scopes a staff user to the networks whose requests and members they manage."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("administrator"),
        on_delete=models.CASCADE,
        related_name="administered_networks",
    )
    network = models.ForeignKey(
        Organisation,
        verbose_name=_("network"),
        on_delete=models.CASCADE,
        related_name="administrators",
        limit_choices_to={"kind": "network"},
    )

    class Meta:
        verbose_name = _("network administrator")
        verbose_name_plural = _("network administrators")
        constraints = [
            models.UniqueConstraint(fields=["user", "network"], name="network_admin_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.network}"


class DigestDelivery(models.Model):
    """A day's digest mailed to one recipient: makes the daily digest idempotent however
    often cron runs, for network administrators and the superusers who stand in for them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", editable=False
    )
    sent_on = models.DateField(editable=False)

    class Meta:
        verbose_name = _("digest delivery")
        verbose_name_plural = _("digest deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "sent_on"], name="one_digest_per_user_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.sent_on}"
