"""Reads behind the onboarding reports: who may report on which network, and the KPIs.

Every KPI is one or two aggregate queries; nothing loops over members in Python.
Member figures describe the members *today*; request figures describe a period.
"""

import enum
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from access_requests.app_settings import app_settings as access_settings
from access_requests.models import (
    AccessProfile,
    AccessRequest,
    Membership,
    Organisation,
    RequestedProfile,
    institution_label,
)
from accounts.models import SMSDevice
from preferences.models import Expertise, ThematicArea
from reports.app_settings import app_settings

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Role(enum.IntEnum):
    """What a viewer may see of a network's report; a higher role sees more."""

    RESEARCHER = 1  # aggregate figures, small counts suppressed
    DISPATCHER = 2  # every KPI
    COORDINATOR = 3  # every KPI and the export of the user list

    @property
    def label(self) -> str:
        return str(_ROLE_LABELS[self])

    @property
    def may_export(self) -> bool:
        return self >= Role.COORDINATOR

    @property
    def sees_small_counts(self) -> bool:
        return self >= Role.DISPATCHER


_ROLE_LABELS = {
    Role.RESEARCHER: _("Researcher"),
    Role.DISPATCHER: _("Dispatcher"),
    Role.COORDINATOR: _("Coordinator"),
}

ROLE_BY_PROFILE_CODE = {
    "COORDINATOR": Role.COORDINATOR,
    "DISPATCHER": Role.DISPATCHER,
    "RESEARCHER": Role.RESEARCHER,
}


class MemberStatus:
    """The status filter of the member figures and the export."""

    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"
    ALL = "all"
    CHOICES = [
        (ACTIVE, _("Active")),
        (REVOKED, _("Revoked")),
        (EXPIRED, _("Expired")),
        (ALL, _("All")),
    ]


@dataclass(frozen=True)
class Period:
    """Whole days from ``start`` to ``end``, both included, in the portal's time zone."""

    start: date
    end: date

    @classmethod
    def default(cls, today: date | None = None) -> "Period":
        today = today or timezone.localdate()
        return cls(start=today - timedelta(days=app_settings.DEFAULT_PERIOD_DAYS - 1), end=today)

    def bounds(self) -> tuple[datetime, datetime]:
        """The half-open interval [start 00:00, day after end 00:00) as aware datetimes."""
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )


@dataclass(frozen=True)
class MemberFilters:
    """The filters of the page, also applied to the export."""

    country: str = ""
    institution: Organisation | None = None
    profile: AccessProfile | None = None
    status: str = MemberStatus.ACTIVE

    def as_audit_data(self) -> dict[str, str]:
        return {
            "country": self.country,
            "institution": self.institution.code if self.institution else "",
            "profile": self.profile.code if self.profile else "",
            "status": self.status,
        }


# --- Who may report on what --------------------------------------------------------


def report_roles(user) -> dict[int, Role]:
    """Network id → the highest report role the user holds there (superusers: all networks)."""
    if not user.is_authenticated:
        return {}
    if user.is_superuser:
        return dict.fromkeys(_cpms_networks().values_list("pk", flat=True), Role.COORDINATOR)
    roles: dict[int, Role] = {}
    rows = (
        Membership.objects.active()
        .filter(user=user, profile__code__in=ROLE_BY_PROFILE_CODE)
        .values_list("network_id", "profile__code")
    )
    for network_id, code in rows:
        roles[network_id] = max(roles.get(network_id, Role.RESEARCHER), ROLE_BY_PROFILE_CODE[code])
    return roles


def reportable_networks(user) -> list[tuple[Organisation, Role]]:
    """The networks the user may report on, by code, each with the user's role there."""
    roles = report_roles(user)
    networks = _cpms_networks().filter(pk__in=roles).order_by("code")
    return [(network, roles[network.pk]) for network in networks]


def network_for_report(user, network_code: str) -> tuple[Organisation, Role] | None:
    """The network with this code and the user's role in it, or None if they have none."""
    network = _cpms_networks().filter(code=network_code).first()
    if network is None:
        return None
    role = report_roles(user).get(network.pk)
    return (network, role) if role is not None else None


def _cpms_networks() -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        kind=Organisation.Kind.NETWORK,
        application__code=access_settings.CPMS_APPLICATION_CODE,
    )


# --- Members -----------------------------------------------------------------------


def network_memberships(
    network: Organisation, filters: MemberFilters, at: datetime | None = None
) -> QuerySet[Membership]:
    """The network's memberships that the filters select; a member may hold several."""
    at = at or timezone.now()
    qs = Membership.objects.filter(network=network)
    if filters.status == MemberStatus.ACTIVE:
        qs = qs.active(at)
    elif filters.status == MemberStatus.REVOKED:
        qs = qs.filter(status=Membership.Status.REVOKED)
    elif filters.status == MemberStatus.EXPIRED:
        # A membership past its expiry counts as expired before the nightly job marks it.
        qs = qs.filter(
            Q(status=Membership.Status.EXPIRED)
            | Q(status=Membership.Status.ACTIVE, expires_at__lte=at)
        )
    if filters.country:
        qs = qs.filter(institution__country_code=filters.country)
    if filters.institution is not None:
        qs = qs.filter(institution=filters.institution)
    if filters.profile is not None:
        qs = qs.filter(profile=filters.profile)
    return qs


def has_second_factor(user_ref: str = "user_id") -> Q:
    """A confirmed SMS device, authenticator app (TOTP) or security key (WebAuthn)."""
    return (
        Q(Exists(SMSDevice.objects.filter(user_id=OuterRef(user_ref), confirmed=True)))
        | Q(Exists(TOTPDevice.objects.filter(user_id=OuterRef(user_ref), confirmed=True)))
        | Q(Exists(WebAuthnCredential.objects.filter(user_id=OuterRef(user_ref), confirmed=True)))
    )


@dataclass(frozen=True)
class MemberOverview:
    members: int
    never_logged_in: int
    without_verified_phone: int
    answered_preferences: int
    answered_none: int

    @property
    def answered_share(self) -> float | None:
        """Share of members who answered the preferences, from 0 to 1 (None without members)."""
        return self.answered_preferences / self.members if self.members else None


def member_overview(network: Organisation, filters: MemberFilters) -> MemberOverview:
    """Members, and how many never logged in, lack a verified phone, answered preferences."""
    expertise = Expertise.objects.filter(user_id=OuterRef("user_id"), network=network)
    figures = network_memberships(network, filters).aggregate(
        members=Count("user", distinct=True),
        never_logged_in=Count("user", distinct=True, filter=Q(user__last_login__isnull=True)),
        without_verified_phone=Count(
            "user",
            distinct=True,
            filter=~Q(
                Exists(SMSDevice.objects.filter(user_id=OuterRef("user_id"), confirmed=True))
            ),
        ),
        answered_preferences=Count("user", distinct=True, filter=Q(Exists(expertise))),
        answered_none=Count(
            "user", distinct=True, filter=Q(Exists(expertise.filter(is_none=True)))
        ),
    )
    return MemberOverview(**figures)


@dataclass(frozen=True)
class CountRow:
    """One line of a "members by …" table."""

    label: str
    count: int
    detail: "StrOrPromise" = ""
    key: str = field(default="", compare=False)


def members_by_country(network: Organisation, filters: MemberFilters) -> list[CountRow]:
    """Distinct members per country of their institution, most first."""
    rows = (
        network_memberships(network, filters)
        .values("institution__country_code", "institution__parent__name")
        .annotate(n=Count("user", distinct=True))
        .order_by("-n", "institution__parent__name")
    )
    return [
        CountRow(
            label=r["institution__parent__name"], count=r["n"], key=r["institution__country_code"]
        )
        for r in rows
    ]


def members_by_institution(network: Organisation, filters: MemberFilters) -> list[CountRow]:
    """Distinct members per institution, most first; the country is the detail."""
    rows = (
        network_memberships(network, filters)
        .values(
            "institution_id", "institution__code", "institution__name", "institution__parent__name"
        )
        .annotate(n=Count("user", distinct=True))
        .order_by("-n", "institution__code", "institution__parent__name")
    )
    return [
        CountRow(
            label=institution_label(r["institution__code"], r["institution__name"]),
            count=r["n"],
            detail=r["institution__parent__name"],
            key=str(r["institution_id"]),
        )
        for r in rows
    ]


def members_by_profile(network: Organisation, filters: MemberFilters) -> list[CountRow]:
    """Distinct members per access profile, in the profiles' order."""
    rows = (
        network_memberships(network, filters)
        .values("profile__code", "profile__name", "profile__position")
        .annotate(n=Count("user", distinct=True))
        .order_by("profile__position", "profile__name")
    )
    return [CountRow(label=r["profile__name"], count=r["n"], key=r["profile__code"]) for r in rows]


def members_per_thematic_area(network: Organisation, filters: MemberFilters) -> list[CountRow]:
    """Members who named each area (current areas, and retired ones still named)."""
    members = network_memberships(network, filters).values("user_id")
    areas = (
        ThematicArea.objects.filter(network=network)
        .annotate(
            n=Count(
                "experts__user",
                distinct=True,
                filter=Q(experts__network=network, experts__user__in=members),
            )
        )
        .filter(Q(retired_at__isnull=True) | Q(n__gt=0))
        .order_by("position", "id")
    )
    return [
        CountRow(
            label=a.name, count=a.n, detail=_("retired") if a.retired_at else "", key=str(a.pk)
        )
        for a in areas
    ]


# --- Requests ----------------------------------------------------------------------


def _network_requests(network: Organisation, filters: MemberFilters) -> QuerySet[AccessRequest]:
    qs = AccessRequest.objects.filter(network=network)
    if filters.country:
        qs = qs.filter(institution__country_code=filters.country)
    if filters.institution is not None:
        qs = qs.filter(institution=filters.institution)
    if filters.profile is not None:
        qs = qs.filter(
            Exists(
                RequestedProfile.objects.filter(request=OuterRef("pk"), profile=filters.profile)
            )
        )
    return qs


@dataclass(frozen=True)
class RequestFigures:
    submitted: int
    approved: int
    rejected: int
    withdrawn: int
    pending_at_end: int


def request_figures(
    network: Organisation, period: Period, filters: MemberFilters
) -> RequestFigures:
    """Requests submitted, approved, rejected, withdrawn in the period; pending at its end."""
    start, end = period.bounds()
    decided_in_period = Q(decided_at__gte=start, decided_at__lt=end)
    s = AccessRequest.Status
    figures = _network_requests(network, filters).aggregate(
        submitted=Count("pk", filter=Q(submitted_at__gte=start, submitted_at__lt=end)),
        approved=Count("pk", filter=Q(status=s.APPROVED) & decided_in_period),
        rejected=Count("pk", filter=Q(status=s.REJECTED) & decided_in_period),
        withdrawn=Count("pk", filter=Q(status=s.WITHDRAWN) & decided_in_period),
        # Submitted before the end and not decided by then (every decision has a time).
        pending_at_end=Count(
            "pk",
            filter=Q(submitted_at__lt=end) & (Q(status=s.SUBMITTED) | Q(decided_at__gte=end)),
        ),
    )
    return RequestFigures(**figures)


@dataclass(frozen=True)
class DecisionTimes:
    decisions: int
    median: timedelta | None
    p90: timedelta | None


def decision_times(network: Organisation, period: Period, filters: MemberFilters) -> DecisionTimes:
    """Median and 90th percentile of submission → approval or rejection, decided in the period.

    The percentiles interpolate between neighbours like PostgreSQL's percentile_cont;
    they are computed here over the period's decisions (not its members), so the
    same code runs on SQLite and PostgreSQL.
    """
    start, end = period.bounds()
    rows = (
        _network_requests(network, filters)
        .filter(
            status__in=[AccessRequest.Status.APPROVED, AccessRequest.Status.REJECTED],
            decided_at__gte=start,
            decided_at__lt=end,
        )
        .values_list("submitted_at", "decided_at")
    )
    # decided_at__gte leaves out the rows without a decision time.
    seconds = sorted(
        (decided - submitted).total_seconds() for submitted, decided in rows if decided is not None
    )
    if not seconds:
        return DecisionTimes(decisions=0, median=None, p90=None)
    return DecisionTimes(
        decisions=len(seconds),
        median=timedelta(seconds=statistics.median(seconds)),
        p90=timedelta(seconds=percentile_cont(seconds, 0.9)),
    )


def percentile_cont(sorted_values: list[float], fraction: float) -> float:
    """The continuous percentile of sorted values (linear interpolation, as in SQL)."""
    position = (len(sorted_values) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * (
        position - lower
    )


def oldest_pending_submission(network: Organisation, filters: MemberFilters) -> datetime | None:
    """When the longest-waiting request still pending today was submitted."""
    return (
        _network_requests(network, filters)
        .filter(status=AccessRequest.Status.SUBMITTED)
        .order_by("submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )


# --- Filter choices ----------------------------------------------------------------


def network_countries(network: Organisation) -> list[tuple[str, str]]:
    """(ISO code, name) of the network's countries, by name."""
    return list(
        Organisation.objects.filter(parent=network, kind=Organisation.Kind.COUNTRY)
        .order_by("name")
        .values_list("country_code", "name")
    )


def network_institutions(network: Organisation) -> QuerySet[Organisation]:
    """The network's institutions, by country then code, with their country."""
    return (
        Organisation.objects.filter(network=network, kind=Organisation.Kind.INSTITUTION)
        .select_related("parent")
        .order_by("parent__name", "code")
    )


def network_profiles(network: Organisation) -> QuerySet[AccessProfile]:
    return AccessProfile.objects.filter(application_id=network.application_id).order_by(
        "position", "name"
    )
