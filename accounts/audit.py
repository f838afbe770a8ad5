"""The one writer of the audit trail; every service calls it in its own transaction."""

import logging
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest

from accounts.audit_actions import registry
from accounts.models import AuditEvent

logger = logging.getLogger("cpms.audit")


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as allauth sees it (trusted proxies only, never a raw header)."""
    if request is None:
        return None
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request)
    except Exception:  # a malformed proxy header must not break an audited action
        return request.META.get("REMOTE_ADDR")


def mask_email(email: str) -> str:
    """``a•••@example.eu``: enough to recognise an address in the trail, not to reuse it."""
    local, _at, domain = (email or "").partition("@")
    return f"{local[:1]}•••@{domain}" if domain else ""


def record_event(
    *,
    action: str,
    actor=None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one audit event; the caller's transaction makes it atomic with the change."""
    if action not in registry:
        raise ValueError(
            f"Unknown audit action {action!r}: register it in its app's audit_actions."
        )
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    # The row's own model: a proxy (the recovery codes) is the same row.
    concrete_model = target._meta.concrete_model if target is not None else None
    event = AuditEvent.objects.create(
        action=action,
        actor=actor,
        target_type=concrete_model._meta.label_lower if concrete_model is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        data=data or {},
        ip=ip or client_ip(request),
    )
    for follower in registry.followers(action):
        follower(event)
    # One log line per audit event, once it is committed (a rolled-back event never happened).
    transaction.on_commit(lambda: logger.info("audit %s", action, extra=_log_fields(event)))
    return event


def _log_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "audit_event_id": event.pk,
        "action": event.action,
        "actor_id": event.actor_id,
        "target_type": event.target_type,
        "target_id": event.target_id,
    }
