"""The one write of the reports app: the audit event of an export."""

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from access_requests.models import Organisation
from accounts.audit import record_event
from accounts.models import AuditEvent, User
from reports.audit_actions import Action


def record_export(
    *,
    actor: User | None,
    fmt: str,
    rows: int,
    complete: bool,
    network: Organisation | None = None,
    networks: list[str] | None = None,
    filters: dict[str, Any] | None = None,
    source: str = "report",
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Audit one export of a user list: who, which network(s), filters, format, rows sent."""
    with transaction.atomic():
        return record_event(
            action=Action.EXPORT,
            actor=actor,
            target=network,
            data={
                "network": network.code if network is not None else "",
                "networks": networks if networks is not None else [],
                "filters": filters or {},
                "format": fmt,
                "rows": rows,
                "complete": complete,
                "source": source,
            },
            request=request,
        )
