"""Reads of the accounts app shared by pages."""

from typing import Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import AuditEvent, User

# Fields that hold secrets or keys: never part of a download.
_SECRET_FIELD_MARKERS = ("password", "token", "secret", "key", "hash", "credential")
# Models handled on their own (or that hold nothing the person should download).
_SKIPPED_MODELS = {
    AuditEvent._meta.label_lower,
    EmailAddress._meta.label_lower,
    "admin.logentry",
    "sessions.session",
}


def _is_secret(field: models.Field) -> bool:
    return any(marker in field.name.lower() for marker in _SECRET_FIELD_MARKERS)


def _value(obj: models.Model, field: models.Field) -> Any:
    if field.is_relation:
        related = getattr(obj, field.name)
        return None if related is None else {"id": related.pk, "label": str(related)}
    value = field.value_from_object(obj)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def _record(obj: models.Model) -> dict[str, Any]:
    return {
        field.name: _value(obj, field)
        for field in obj._meta.concrete_fields
        if not _is_secret(field)
    }


def user_foreign_keys(model: type[models.Model]) -> list[models.ForeignKey]:
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey)
        and field.many_to_one
        and field.related_model is not None
        and field.related_model._meta.label == settings.AUTH_USER_MODEL
    ]


def _owns(key: models.ForeignKey) -> bool:
    # The user's own rows go when the account goes (CASCADE); rows that merely name
    # the user (decided by, ended by: SET_NULL) belong to someone else.
    return key.remote_field.on_delete is models.CASCADE


def _user_models():
    for model in apps.get_models():
        label = model._meta.label_lower
        # A proxy's rows are its concrete model's, found (once) under that model.
        if label in _SKIPPED_MODELS or model is User or model._meta.proxy:
            continue
        keys = user_foreign_keys(model)
        if keys:
            yield label, model, keys


def records_about(*, user: User) -> dict[str, list[dict[str, Any]]]:
    """The rows the user owns in every other model (requests, memberships, ...).

    Found through the models' foreign keys rather than imported, so that the
    bottom app does not depend on the apps built on it. Other people's rows that
    name the user (a request the user decided) are not part of it: see ``mentions_of``.
    """
    found: dict[str, list[dict[str, Any]]] = {}
    for label, model, keys in _user_models():
        condition = Q()
        for key in filter(_owns, keys):
            condition |= Q(**{key.name: user})
        if not condition:
            continue
        rows = [_record(obj) for obj in model._default_manager.filter(condition).order_by("pk")]
        if rows:
            found[label] = rows
    return found


def owned_row_ids(*, user: User) -> dict[str, list[str]]:
    """The ids (as the audit trail stores them) of the rows the user owns, by model label."""
    found: dict[str, list[str]] = {}
    for label, model, keys in _user_models():
        condition = Q()
        for key in filter(_owns, keys):
            condition |= Q(**{key.name: user})
        if condition:
            ids = [
                str(pk)
                for pk in model._default_manager.filter(condition).values_list("pk", flat=True)
            ]
            if ids:
                found[label] = ids
    return found


def mentions_of(*, user: User) -> dict[str, int]:
    """How many rows of other people name the user (e.g. requests decided): counts only."""
    counts: dict[str, int] = {}
    for label, model, keys in _user_models():
        for key in keys:
            if _owns(key):
                continue
            count = model._default_manager.filter(**{key.name: user}).count()
            if count:
                counts[f"{label}.{key.name}"] = count
    return counts


def audit_events_about(*, user: User) -> models.QuerySet[AuditEvent]:
    """Events the user caused or that concern the user, oldest first."""
    return AuditEvent.objects.filter(
        Q(actor=user) | Q(target_type=User._meta.label_lower, target_id=str(user.pk))
    ).order_by("created_at", "id")


def personal_data(*, user: User) -> dict[str, Any]:
    """The download of "my data": the account, its addresses, its records, its audit trail.

    Events the user caused on other people's rows keep their type and id, not their label.
    """
    records = records_about(user=user)
    own_targets = {(User._meta.label_lower, str(user.pk))} | {
        (label, str(row["id"])) for label, rows in records.items() for row in rows
    }
    return {
        "user": {
            "id": user.pk,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email_language": user.email_language,
            "mobile_phone": str(user.mobile_phone) if user.mobile_phone else "",
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "privacy_version": user.privacy_version,
            "privacy_acknowledged_at": (
                user.privacy_acknowledged_at.isoformat() if user.privacy_acknowledged_at else None
            ),
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "records": records,
        "mentioned_in": mentions_of(user=user),
        "audit_events": [
            {
                "time": event.created_at.isoformat(),
                "action": event.action,
                "by_me": event.actor_id == user.pk,
                "target_type": event.target_type,
                "target": (
                    event.target_repr
                    if (event.target_type, event.target_id) in own_targets
                    else ""
                ),
                "data": event.data,
                "ip": event.ip,
            }
            for event in audit_events_about(user=user)
        ],
    }
