"""Every write of the preferences app, each audited in its own transaction."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_requests.models import Membership, Organisation
from accounts.audit import record_event
from accounts.models import User
from preferences.audit_actions import Action
from preferences.models import DirectoryListing, Expertise, ThematicArea
from preferences.rules import answer_problem


class PreferencesError(Exception):
    """An answer that cannot be saved; ``str()`` is a message for the user."""


@dataclass
class ExpertiseAnswer:
    """A member's answer for one network: "None", or some of its current areas."""

    network: Organisation
    areas: list[ThematicArea] = field(default_factory=list)
    is_none: bool = False


def _check_answer(*, user: User, answer: ExpertiseAnswer) -> None:
    network = answer.network
    problem = answer_problem(is_none=answer.is_none, has_areas=bool(answer.areas))
    if problem is not None:
        raise PreferencesError(
            _("%(network)s: %(problem)s") % {"network": network.code, "problem": problem.message}
        )
    if not Membership.objects.active().filter(user=user, network=network).exists():
        raise PreferencesError(
            _("%(network)s: you are not an active member of this network.")
            % {"network": network.code}
        )
    for area in answer.areas:
        if area.network_id != network.pk or area.retired_at is not None:
            raise PreferencesError(
                _("%(network)s: “%(area)s” is not offered by this network.")
                % {"network": network.code, "area": area.name}
            )


def save_expertise(
    *,
    user: User,
    answers: Iterable[ExpertiseAnswer],
    request: HttpRequest | None = None,
) -> list[Expertise]:
    """Record the member's answers (all or none), each with the time it was given.

    A new answer replaces the previous one for that network, except for retired areas:
    the form no longer offers them, so they stay on the answer as history (shown under
    the form, counted as "retired" in the reports), unless the answer is "None". The
    audit trail keeps what was answered before.
    """
    answers = list(answers)
    for answer in answers:
        _check_answer(user=user, answer=answer)
    now = timezone.now()
    saved = []
    with transaction.atomic():
        for answer in answers:
            expertise, created = Expertise.objects.select_for_update().get_or_create(
                user=user,
                network=answer.network,
                defaults={"is_none": answer.is_none, "answered_at": now},
            )
            previous = [] if created else sorted(expertise.areas.values_list("name", flat=True))
            if not created:
                expertise.is_none = answer.is_none
                expertise.answered_at = now
                expertise.save(update_fields=["is_none", "answered_at"])
            history = (
                []
                if created or answer.is_none
                else list(expertise.areas.filter(retired_at__isnull=False))
            )
            expertise.areas.set([*answer.areas, *history])
            data = {
                "network": answer.network.code,
                "none": answer.is_none,
                "areas": [a.name for a in answer.areas],
                "previous_areas": previous,
            }
            if history:
                data["retired_areas_kept"] = sorted(a.name for a in history)
            record_event(
                action=Action.PREFERENCES_SAVED,
                actor=user,
                target=expertise,
                data=data,
                request=request,
            )
            saved.append(expertise)
    return saved


def set_directory_listing(
    *, user: User, hidden: bool, request: HttpRequest | None = None
) -> DirectoryListing:
    """Hide the member from the directory of experts (nobody can find or invite them)
    or list them again."""
    with transaction.atomic():
        listing, _created = DirectoryListing.objects.select_for_update().get_or_create(
            user=user, defaults={"hidden": hidden}
        )
        listing.hidden = hidden
        listing.changed_at = timezone.now()
        listing.save(update_fields=["hidden", "changed_at"])
        record_event(
            action=Action.PREFERENCES_SAVED,
            actor=user,
            target=listing,
            data={"directory_hidden": hidden},
            request=request,
        )
    return listing


def save_area(
    *,
    area: ThematicArea,
    actor: User,
    changed: Iterable[str] = (),
    request: HttpRequest | None = None,
) -> ThematicArea:
    """Add, rename or reorder a network's thematic area (from the admin)."""
    created = area.pk is None
    with transaction.atomic():
        area.save()
        record_event(
            action=Action.PREFERENCES_SAVED,
            actor=actor,
            target=area,
            data={
                "area": "added" if created else "changed",
                "network": area.network.code,
                "name": area.name,
                "position": area.position,
                "fields": sorted(changed),
            },
            request=request,
        )
    return area


def _set_retired(
    *, area: ThematicArea, retired: bool, actor: User, request: HttpRequest | None
) -> ThematicArea:
    with transaction.atomic():
        locked = ThematicArea.objects.select_for_update().get(pk=area.pk)
        if (locked.retired_at is not None) == retired:
            return locked
        locked.retired_at = timezone.now() if retired else None
        locked.save(update_fields=["retired_at"])
        record_event(
            action=Action.PREFERENCES_SAVED,
            actor=actor,
            target=locked,
            data={"area": "retired" if retired else "restored", "name": locked.name},
            request=request,
        )
    area.retired_at = locked.retired_at
    return locked


def retire_area(
    *, area: ThematicArea, actor: User, request: HttpRequest | None = None
) -> ThematicArea:
    """Take an area off the form; it stays on the answers that name it, as history."""
    return _set_retired(area=area, retired=True, actor=actor, request=request)


def restore_area(
    *, area: ThematicArea, actor: User, request: HttpRequest | None = None
) -> ThematicArea:
    """Offer a retired area on the form again."""
    return _set_retired(area=area, retired=False, actor=actor, request=request)
