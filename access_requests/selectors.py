"""Reads of the access_requests app shared by pages.

The applicant's side (home page and the request wizard) comes first; each
selector runs a fixed number of queries whatever the size of the tree.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import CharField, Prefetch, Q, QuerySet
from django.db.models.functions import Cast

from access_requests.models import (
    AccessProfile,
    AccessRequest,
    Application,
    Membership,
    NetworkAdministrator,
    Organisation,
    RequestedProfile,
)
from accounts.models import AuditEvent, SMSDevice, User

# --- The applicant's requests and memberships ---------------------------------------------


def requests_of_user(*, user: User) -> QuerySet[AccessRequest]:
    """The user's requests, newest first, with what the home page shows (two queries)."""
    return (
        AccessRequest.objects.filter(user=user)
        .select_related("institution__parent__parent", "institution__application")
        .prefetch_related(
            Prefetch("profiles", queryset=AccessProfile.objects.order_by("position", "name"))
        )
        .order_by("-submitted_at", "-id")
    )


def request_of_user(*, user: User, pk: int) -> QuerySet[AccessRequest]:
    """One request of the user's (a queryset, so that someone else's is simply not found)."""
    return requests_of_user(user=user).filter(pk=pk)


def memberships_of_user(*, user: User) -> QuerySet[Membership]:
    """The user's granted profiles, active ones first."""
    return (
        Membership.objects.filter(user=user)
        .select_related("institution__parent__parent", "institution__application", "profile")
        .order_by("status", "network__code", "institution__code", "profile__position")
    )


def applications_without_profile(*, user: User) -> QuerySet[Application]:
    """Open applications where the user holds no active membership."""
    held = (
        Membership.objects.active()
        .filter(user=user)
        .values_list("institution__application_id", flat=True)
    )
    return Application.objects.filter(is_open=True).exclude(pk__in=held)


def has_pending_request(*, user: User) -> bool:
    """Whether the user has a request waiting for a decision."""
    return AccessRequest.objects.filter(user=user, status__in=AccessRequest.OPEN_STATUSES).exists()


# --- The request wizard -----------------------------------------------------------------


def wizard_applications() -> QuerySet[Application]:
    """Every application of step 1, open or closed (closed ones are shown as such)."""
    return Application.objects.all()


def application_by_code(code: str) -> Application | None:
    """The application with this code, if the reference data has it."""
    return Application.objects.filter(code=code).first()


def application_by_pk(pk: int) -> Application | None:
    return Application.objects.filter(pk=pk).first()


def organisation_node(*, pk: int) -> Organisation | None:
    """A node of a tree with its ancestors loaded in the same query (the tree is 3 deep)."""
    return (
        Organisation.objects.select_related("application", "parent__parent", "network")
        .filter(pk=pk)
        .first()
    )


def organisation_children(
    *, application: Application, parent: Organisation | None, search: str = ""
) -> QuerySet[Organisation]:
    """The children of ``parent`` (the networks when None), optionally searched by code,
    name or city. Countries by name, as the guide lists them (Bulgaria, Croatia, Cyprus);
    networks and institutions by code, so the guest institution (0000) comes first."""
    rows = Organisation.objects.filter(application=application, parent=parent)
    search = search.strip()
    if search:
        rows = rows.filter(
            Q(code__icontains=search) | Q(name__icontains=search) | Q(city__icontains=search)
        )
    if parent is not None and parent.kind == Organisation.Kind.NETWORK:
        return rows.order_by("name", "pk")
    return rows.order_by("code", "name", "pk")


def institutions_with_open_request(*, user: User, institution_ids: list[int]) -> set[int]:
    """Which of these institutions the user has a pending request at (one query)."""
    if not institution_ids:
        return set()
    return set(
        RequestedProfile.objects.filter(
            user=user, is_open=True, institution_id__in=institution_ids
        ).values_list("institution_id", flat=True)
    )


def application_profiles(*, application: Application) -> QuerySet[AccessProfile]:
    """The profiles of an application, in the guide's order, with their prerequisite."""
    return AccessProfile.objects.filter(application=application).select_related("prerequisite")


@dataclass(frozen=True)
class ProfileHoldings:
    """What the user already has in one network, for the rules of step 3."""

    held_here: frozenset[int]
    pending_here: frozenset[int]
    held_or_pending_in_network: frozenset[int]


def profile_holdings(*, user: User, institution: Organisation) -> ProfileHoldings:
    """Profiles the user holds or awaits at the institution and in its network (two queries)."""
    held = list(
        Membership.objects.active()
        .filter(user=user, network_id=institution.network_id)
        .values_list("profile_id", "institution_id")
    )
    pending = list(
        RequestedProfile.objects.filter(
            user=user, is_open=True, institution__network_id=institution.network_id
        ).values_list("profile_id", "institution_id")
    )
    return ProfileHoldings(
        held_here=frozenset(p for p, i in held if i == institution.pk),
        pending_here=frozenset(p for p, i in pending if i == institution.pk),
        held_or_pending_in_network=frozenset(p for p, _i in held + pending),
    )


# --- Administrators: queues, scopes, digests ---------------------------------------------
def administered_networks(user: User) -> QuerySet[Organisation] | None:
    """The networks a staff user administers; ``None`` means all of them (superuser)."""
    if user.is_superuser:
        return None
    return Organisation.objects.filter(
        kind=Organisation.Kind.NETWORK, administrators__user=user
    ).order_by("code")


def _network_scope(user: User):
    """A subquery of the administered network ids, or ``None`` for a superuser."""
    if user.is_superuser:
        return None
    return NetworkAdministrator.objects.filter(user=user).values("network_id")


def requests_for_administrator(user: User) -> QuerySet[AccessRequest]:
    """Requests of the networks ``user`` administers (all of them for a superuser)."""
    scope = _network_scope(user)
    requests = AccessRequest.objects.all()
    return requests if scope is None else requests.filter(network_id__in=scope)


def memberships_for_administrator(user: User) -> QuerySet[Membership]:
    """Memberships of the networks ``user`` administers (all of them for a superuser)."""
    scope = _network_scope(user)
    memberships = Membership.objects.all()
    return memberships if scope is None else memberships.filter(network_id__in=scope)


def audit_events_for_administrator(user: User) -> QuerySet[AuditEvent]:
    """Every event for a superuser; for a scoped administrator, the events about the
    requests and memberships of their networks and the events they caused."""
    if user.is_superuser:
        return AuditEvent.objects.all()
    as_text = Cast("pk", output_field=CharField())
    request_ids = requests_for_administrator(user).annotate(pk_text=as_text).values("pk_text")
    membership_ids = (
        memberships_for_administrator(user).annotate(pk_text=as_text).values("pk_text")
    )
    return AuditEvent.objects.filter(
        Q(target_type=AccessRequest._meta.label_lower, target_id__in=request_ids)
        | Q(target_type=Membership._meta.label_lower, target_id__in=membership_ids)
        | Q(actor=user)
    )


def with_queue_columns(requests: QuerySet[AccessRequest]) -> QuerySet[AccessRequest]:
    """Everything a queue row shows, in a fixed number of queries whatever the rows.

    The verified phone is prefetched for the page's applicants rather than annotated
    with EXISTS: PostgreSQL plans that EXISTS as a scan of every confirmed device.
    """
    return requests.select_related(
        "user", "institution", "institution__parent", "network"
    ).prefetch_related(
        "profiles",
        Prefetch(
            "user__smsdevice_set",
            queryset=SMSDevice.objects.filter(confirmed=True).only("pk", "user_id"),
            to_attr="confirmed_sms_devices",
        ),
    )


def working_days_before(moment: datetime, days: int) -> datetime:
    """``moment`` moved back by ``days`` working days (Monday to Friday; holidays are
    not known here)."""
    counted = 0
    while counted < days:
        moment -= timedelta(days=1)
        if moment.weekday() < 5:
            counted += 1
    return moment


def stale_requests_by_recipient(*, older_than: datetime) -> dict[User, list[AccessRequest]]:
    """Pending requests submitted before ``older_than``, grouped by each recipient of
    their network (``network_recipients``: a request appears for every one of them)."""
    stale = list(
        AccessRequest.objects.filter(
            status=AccessRequest.Status.SUBMITTED, submitted_at__lt=older_than
        )
        .select_related("user", "institution", "network")
        .order_by("submitted_at", "id")
    )
    by_network: dict[int, list[AccessRequest]] = defaultdict(list)
    for access_request in stale:
        by_network[access_request.network_id].append(access_request)
    result: dict[User, list[AccessRequest]] = defaultdict(list)
    # One or two queries per network with stale requests (a few dozen networks at most).
    for network_id, waiting in by_network.items():
        for recipient in network_recipients(network_id):
            result[recipient].extend(waiting)
    return {
        user: sorted(waiting, key=lambda r: (r.submitted_at, r.pk))
        for user, waiting in sorted(result.items(), key=lambda item: item[0].email)
    }


def network_administrators(network_id: int) -> list[User]:
    """Active staff users who administer the network."""
    return list(
        User.objects.filter(
            administered_networks__network_id=network_id, is_active=True, is_staff=True
        ).order_by("email")
    )


def network_recipients(network_id: int) -> list[User]:
    """Who is told about a network's requests (submissions, reminders, digests): its
    administrators, or every active superuser when it has none."""
    return network_administrators(network_id) or list(
        User.objects.filter(is_superuser=True, is_active=True).order_by("email")
    )


def requested_profile_names(access_request: AccessRequest) -> list[str]:
    """The names of a request's profiles, in the application's order."""
    return [
        item.profile.name
        for item in RequestedProfile.objects.filter(request=access_request)
        .select_related("profile")
        .order_by("profile__position", "profile__name")
    ]
