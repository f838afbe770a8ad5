"""Reads shared by the preferences pages and the CPMS gate."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Concat, Lower

from access_requests.app_settings import app_settings as access_settings
from access_requests.models import Membership, Organisation, institution_label
from accounts.models import User
from preferences.models import DirectoryListing, Expertise, ThematicArea

if TYPE_CHECKING:
    from preferences.forms import ExpertiseForm


def member_networks(user: User | int, at=None) -> QuerySet[Organisation]:
    """The CPMS networks in which the user holds at least one active membership (at ``at``,
    now by default), by code. ``user``: a user or a user's id."""
    return Organisation.objects.filter(
        kind=Organisation.Kind.NETWORK,
        application__code=access_settings.CPMS_APPLICATION_CODE,
        pk__in=Membership.objects.active(at).filter(user=user).values("network_id"),
    ).order_by(Lower("code"), "pk")


def networks_missing_answers(user: User | int, at=None) -> QuerySet[Organisation]:
    """The member's active networks for which no answer ("None" included) is recorded."""
    return member_networks(user, at).exclude(
        Exists(Expertise.objects.filter(user=user, network=OuterRef("pk")))
    )


@dataclass
class NetworkPreferences:
    """What the preferences page shows for one network."""

    network: Organisation
    areas: list[ThematicArea]
    expertise: Expertise | None
    retired_areas: list[ThematicArea] = field(default_factory=list)
    # The page's form for the network: set by the view (preferences.views), not here.
    form: "ExpertiseForm" = field(init=False, repr=False, compare=False)


def preferences_of(user: User) -> list[NetworkPreferences]:
    """Per active network: its current areas in order, the member's answer, and the
    retired areas still on that answer (history)."""
    networks = list(
        member_networks(user).prefetch_related(
            Prefetch(
                "thematic_areas",
                queryset=ThematicArea.objects.current().order_by("position", "id"),
                to_attr="current_areas",
            )
        )
    )
    answers = {
        e.network_id: e
        for e in Expertise.objects.filter(user=user, network__in=networks).prefetch_related(
            Prefetch("areas", queryset=ThematicArea.objects.order_by("position", "id"))
        )
    }
    result = []
    for network in networks:
        expertise = answers.get(network.pk)
        retired = (
            [a for a in expertise.areas.all() if a.retired_at is not None] if expertise else []
        )
        result.append(
            NetworkPreferences(
                network=network,
                areas=network.current_areas,
                expertise=expertise,
                retired_areas=retired,
            )
        )
    return result


def is_listed(user: User) -> bool:
    """Members appear in the directory unless they chose to hide themselves."""
    return not User.objects.filter(pk=user.pk, directory_listing__hidden=True).exists()


def directory_areas(networks) -> QuerySet[ThematicArea]:
    """The current areas that the directory can be searched by."""
    return (
        ThematicArea.objects.current()
        .filter(network__in=networks)
        .select_related("network")
        .order_by(Lower("network__code"), "position", "id")
    )


def directory_countries(networks) -> list[tuple[str, str]]:
    """(ISO code, name) of the countries of the given networks, by name."""
    rows = (
        Organisation.objects.filter(kind=Organisation.Kind.COUNTRY, network__in=networks)
        .exclude(country_code="")
        .order_by()
        .values_list("country_code", "name")
        .distinct()
    )
    return sorted(set(rows), key=lambda row: (row[1], row[0]))


def _expert_memberships(
    *,
    viewer_networks,
    network: Organisation | None,
    area: ThematicArea | None,
    country: str,
    institution: str,
    name: str,
    user_ref: str,
    user_prefix: str,
):
    """The two halves of a directory search.

    ``memberships`` are the active memberships matching the membership criteria;
    ``people`` are the conditions on the person (listed, the area, the name), written
    against ``user_ref`` (the user's id: ``"pk"`` from users, ``"user_id"`` from
    memberships) and ``user_prefix`` (the lookup path to the user's fields).
    """
    networks = [network] if network is not None else viewer_networks
    memberships = Membership.objects.active().filter(network__in=networks)
    if country:
        memberships = memberships.filter(institution__country_code=country)
    if institution:
        memberships = memberships.filter(
            Q(institution__name__icontains=institution)
            | Q(institution__code__icontains=institution)
        )
    # NOT IN the few hidden members, the same from users and from memberships: PostgreSQL
    # hashes them once (a hashed SubPlan) whatever its statistics say. As NOT EXISTS, with
    # no one hidden yet, it planned a nested loop probing the table once per membership
    # (20 ms of the directory's count at 25,000 memberships).
    hidden = DirectoryListing.objects.filter(hidden=True).values("user_id")
    people: list[Q | Exists] = [~Q(**{f"{user_ref}__in": hidden})]
    if area is not None:
        people.append(
            Exists(
                Expertise.objects.filter(
                    user=OuterRef(user_ref), areas=area, network__in=viewer_networks
                )
            )
        )
    for term in name.split():
        people.append(
            Q(**{f"{user_prefix}first_name__icontains": term})
            | Q(**{f"{user_prefix}last_name__icontains": term})
        )
    return memberships, people


def search_experts(
    *,
    viewer_networks,
    network: Organisation | None = None,
    area: ThematicArea | None = None,
    country: str = "",
    institution: str = "",
    name: str = "",
) -> QuerySet[User]:
    """Listed, active members of the viewer's networks matching every criterion given.

    Only what lies in ``viewer_networks`` is matched, so nobody sees a network of which
    they are not an active member; ``expert_rows`` reads what a page of them shows.

    The order is that of the index ``user_directory_order_idx`` (active users by
    LOWER(last_name), LOWER(first_name), id): PostgreSQL reads a page along it, checking
    each user's memberships by index, instead of sorting every member. Count the result
    with ``count_experts`` (same arguments), not ``.count()``.
    """
    memberships, people = _expert_memberships(
        viewer_networks=viewer_networks,
        network=network,
        area=area,
        country=country,
        institution=institution,
        name=name,
        user_ref="pk",
        user_prefix="",
    )
    users = User.objects.filter(
        Exists(memberships.filter(user=OuterRef("pk"))), *people, is_active=True
    )
    by_last_name = Lower("last_name")
    if name.split():
        # With a name, the few who bear it are found by the trigram indexes and sorted
        # (about 15 ms for the 2,500 Mullers of the benchmark); along the order index,
        # PostgreSQL, believing names spread evenly, would walk every name before M
        # (57 ms). The same order through an expression that index cannot give steers
        # it to the first plan.
        by_last_name = Lower(Concat("last_name", Value("")))
    return users.order_by(by_last_name, Lower("first_name"), "pk")


def _counted_memberships(**criteria) -> QuerySet[Membership]:
    """The memberships whose distinct users ``count_experts`` counts."""
    memberships, people = _expert_memberships(**criteria, user_ref="user_id", user_prefix="user__")
    inactive = User.objects.filter(pk=OuterRef("user_id"), is_active=False)
    return memberships.filter(~Exists(inactive), *people)


def count_experts(
    *,
    viewer_networks,
    network: Organisation | None = None,
    area: ThematicArea | None = None,
    country: str = "",
    institution: str = "",
    name: str = "",
    cap: int | None = None,
) -> int:
    """How many people ``search_experts`` finds with the same arguments; with ``cap``,
    counted no further than ``cap + 1`` (enough to tell that more were found).

    Counted from the memberships (the covering index ``membership_active_member_idx``),
    not from the users: the users' COUNT had to read every active user to join them
    (100,000 for 20,000 found). Inactive users are ruled out by an anti-join on the few
    of them (``user_inactive_idx``), so no user row is read unless a name is searched.
    """
    memberships = _counted_memberships(
        viewer_networks=viewer_networks,
        network=network,
        area=area,
        country=country,
        institution=institution,
        name=name,
    )
    if cap is None:
        return memberships.aggregate(n=Count("user_id", distinct=True))["n"]
    return memberships.order_by().values("user_id").distinct()[: cap + 1].count()


@dataclass
class ExpertiseShown:
    """A member's answer for one network, as the directory shows it."""

    network_code: str
    is_none: bool
    areas: list[str] = field(default_factory=list)  # the current ones, in the form's order


@dataclass
class ExpertRow:
    """One line of the directory: a member as the viewer may see them."""

    user: User
    institutions: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    expertise: list[ExpertiseShown] = field(default_factory=list)


def _add_once(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def expert_rows(experts, *, viewer_networks) -> list[ExpertRow]:
    """Rows of a page of ``search_experts``: what the page shows of the viewer's networks,
    in three queries whatever the page holds (memberships, answers, their areas).

    Read as plain values, not as models: building the memberships with their network,
    institution, country and profile was half of the directory's time in Python."""
    rows = {user.pk: ExpertRow(user=user) for user in experts}
    memberships = (
        Membership.objects.active()
        .filter(network__in=viewer_networks, user_id__in=list(rows))
        .order_by("network__code", "institution__code", "profile__position", "pk")
        .values_list(
            "user_id",
            "network__code",
            "institution__code",
            "institution__name",
            "institution__parent__name",
            "profile__name",
        )
    )
    for user_id, network, code, name, country, profile in memberships:
        row = rows[user_id]
        _add_once(row.institutions, f"{institution_label(code, name)} ({network})")
        _add_once(row.countries, country)
        _add_once(row.profiles, f"{profile} ({network})")
    answers: dict[int, ExpertiseShown] = {}
    expertise = (
        Expertise.objects.filter(network__in=viewer_networks, user_id__in=list(rows))
        .order_by("network__code")
        .values_list("pk", "user_id", "network__code", "is_none")
    )
    for pk, user_id, network, is_none in expertise:
        answers[pk] = ExpertiseShown(network_code=network, is_none=is_none)
        rows[user_id].expertise.append(answers[pk])
    chosen = (
        Expertise.areas.through.objects.filter(expertise_id__in=list(answers))
        .filter(thematicarea__retired_at__isnull=True)
        .order_by("thematicarea__position", "thematicarea_id")
        .values_list("expertise_id", "thematicarea__name")
    )
    for expertise_id, area in chosen:
        answers[expertise_id].areas.append(area)
    return list(rows.values())
