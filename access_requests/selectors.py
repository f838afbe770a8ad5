"""Reads of the access_requests app shared by pages.

The applicant's side (home page and the request wizard) comes first; each
selector runs a fixed number of queries whatever the size of the tree.
"""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from access_requests.models import (
    AccessProfile,
    AccessRequest,
    Application,
    Membership,
    Organisation,
    RequestedProfile,
)
from accounts.models import User

# --- The applicant's requests and memberships ---------------------------------------------


def requests_of_user(*, user: User) -> QuerySet[AccessRequest]:
    """The user's requests, newest first, with what the home page shows (three queries)."""
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
    name or city; the guest institution comes first, then by code."""
    rows = Organisation.objects.filter(application=application, parent=parent)
    search = search.strip()
    if search:
        rows = rows.filter(
            Q(code__icontains=search) | Q(name__icontains=search) | Q(city__icontains=search)
        )
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
    held = (
        Membership.objects.active()
        .filter(user=user, network_id=institution.network_id)
        .values_list("profile_id", "institution_id")
    )
    pending = RequestedProfile.objects.filter(
        user=user, is_open=True, institution__network_id=institution.network_id
    ).values_list("profile_id", "institution_id")
    held, pending = list(held), list(pending)
    return ProfileHoldings(
        held_here=frozenset(p for p, i in held if i == institution.pk),
        pending_here=frozenset(p for p, i in pending if i == institution.pk),
        held_or_pending_in_network=frozenset(p for p, _i in held + pending),
    )
