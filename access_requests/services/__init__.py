"""Every write of the access_requests app, one module per lifecycle.

- ``requests``: an access request's status map and its moves (submit, withdraw,
  approve, reject, remind);
- ``memberships``: a membership's status map and its moves (grant, revoke, extend,
  expire, reinstate) and the expiry reminders;
- ``notifications``: the e-mails and the administrators' daily digest;
- ``scopes``: which networks a staff user administers;
- ``errors``: why a write was refused.

Callers import from here; the modules import one another downwards only
(requests → memberships → notifications → errors).
"""

from access_requests.services.errors import (
    DuplicateRequest,
    InvalidProfileChoice,
    RequestError,
    TransitionNotAllowed,
)
from access_requests.services.memberships import (
    MEMBERSHIP_TRANSITIONS,
    Move,
    expire_memberships,
    extend_membership,
    reinstate_membership,
    revoke_membership,
    send_expiry_reminders,
)
from access_requests.services.notifications import send_digests
from access_requests.services.requests import (
    ALLOWED_TRANSITIONS,
    approve_request,
    can_send_reminder,
    delete_user_rows,
    profile_choice_errors,
    reject_request,
    send_reminder,
    submit_request,
    transition,
    withdraw_request,
)
from access_requests.services.scopes import grant_network_admin, revoke_network_admin

__all__ = [
    "ALLOWED_TRANSITIONS",
    "MEMBERSHIP_TRANSITIONS",
    "DuplicateRequest",
    "InvalidProfileChoice",
    "Move",
    "RequestError",
    "TransitionNotAllowed",
    "approve_request",
    "can_send_reminder",
    "delete_user_rows",
    "expire_memberships",
    "extend_membership",
    "grant_network_admin",
    "profile_choice_errors",
    "reinstate_membership",
    "reject_request",
    "revoke_membership",
    "revoke_network_admin",
    "send_digests",
    "send_expiry_reminders",
    "send_reminder",
    "submit_request",
    "transition",
    "withdraw_request",
]
