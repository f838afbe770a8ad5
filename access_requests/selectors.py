"""Reads of the access_requests app shared by the admin, the commands and the pages."""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import CharField, Prefetch, Q, QuerySet
from django.db.models.functions import Cast

from access_requests.models import (
    AccessRequest,
    Membership,
    NetworkAdministrator,
    Organisation,
    RequestedProfile,
)
from accounts.models import AuditEvent, SMSDevice, User


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


def stale_requests_by_administrator(*, older_than: datetime) -> dict[User, list[AccessRequest]]:
    """Pending requests submitted before ``older_than``, grouped by each active staff
    administrator of their network (a request appears for every administrator)."""
    stale = list(
        AccessRequest.objects.filter(
            status=AccessRequest.Status.SUBMITTED, submitted_at__lt=older_than
        )
        .select_related("user", "institution", "network")
        .order_by("submitted_at", "id")
    )
    if not stale:
        return {}
    by_network: dict[int, list[AccessRequest]] = defaultdict(list)
    for access_request in stale:
        by_network[access_request.network_id].append(access_request)
    result: dict[User, list[AccessRequest]] = defaultdict(list)
    assignments = NetworkAdministrator.objects.filter(
        network_id__in=by_network, user__is_active=True, user__is_staff=True
    ).select_related("user")
    for assignment in assignments.order_by("user_id", "network__code"):
        result[assignment.user].extend(by_network[assignment.network_id])
    return dict(result)


def network_administrators(network_id: int) -> list[User]:
    """Active staff users who administer the network."""
    return list(
        User.objects.filter(
            administered_networks__network_id=network_id, is_active=True, is_staff=True
        ).order_by("email")
    )


def requested_profile_names(access_request: AccessRequest) -> list[str]:
    """The names of a request's profiles, in the application's order."""
    return [
        item.profile.name
        for item in RequestedProfile.objects.filter(request=access_request)
        .select_related("profile")
        .order_by("profile__position", "profile__name")
    ]
