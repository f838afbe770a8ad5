"""The administrators' side: the queue of pending requests, memberships, reference data.

Every row an administrator sees or acts on comes from a selector scoped to the
networks they administer (superusers: all). Requests and memberships are read-only
here; they change only through the actions, which call the services. The audit trail is
accounts' admin, scoped to the administrator's networks through its
``scope_audit_trail`` hook (``AccessRequestsConfig.ready``).
"""

from access_requests.admin import memberships, reference, requests
from access_requests.admin.memberships import register_membership_actions

__all__ = ["memberships", "reference", "register_membership_actions", "requests"]
