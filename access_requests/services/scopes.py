"""Which networks a staff user administers: granted and withdrawn, audited."""

from django.db import transaction
from django.http import HttpRequest

from access_requests.audit_actions import Action
from access_requests.models import NetworkAdministrator, Organisation
from accounts.audit import record_event
from accounts.models import User


@transaction.atomic
def grant_network_admin(
    *, user: User, network: Organisation, actor: User, request: HttpRequest | None = None
) -> NetworkAdministrator:
    """Scope a staff user to a network's requests and members, audited."""
    scope = NetworkAdministrator.objects.create(user=user, network=network)
    record_event(
        action=Action.NETWORK_ADMIN_GRANTED,
        actor=actor,
        target=user,
        data={"network": network.code},
        request=request,
    )
    return scope


@transaction.atomic
def revoke_network_admin(
    *, scope: NetworkAdministrator, actor: User, request: HttpRequest | None = None
) -> None:
    """Withdraw a staff user's scope over a network, audited."""
    record_event(
        action=Action.NETWORK_ADMIN_REVOKED,
        actor=actor,
        target=scope.user,
        data={"network": scope.network.code},
        request=request,
    )
    scope.delete()
