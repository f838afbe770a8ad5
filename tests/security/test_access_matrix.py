"""The access-control matrix: every URL of the portal by every kind of user, each with the
status it must answer. A URL added without a row here fails the test.

ASVS 5.0 V8.2.1 (function-level access), V8.2.2 (data-specific access: another user's
request is 404, another network's row in the admin does not exist), V8.3.1 (enforced on
the server), V8.4.1 (network scoping of the admin); the CPMS gate (members only, after the
second factor).

Statuses are those of a GET (a POST for an admin action's row); 302 is a redirect (to the
login, the CPMS gate's next step, the admin's login, or the admin's "does not exist" page),
405 a view that only takes POST.

The admin has a row for each of its URLs too. A row ``name`` of an object URL (change,
history, delete…) opens an object of RARE-LIVER, the scoped administrator's network (or of
no network); ``name @other`` the same kind of object in BOND, which is not theirs. A row
``name POST action`` is the action's first step (its confirmation page, or the action
itself when it has none), posted from the list or the object's page with that object
selected. ``admin:app_list @label`` is the admin's page of one app. Every BOND object holds
``MARKER``: no page shows it to anyone but the superuser and BOND's own coordinator.
"""

import functools

import pytest
from allauth.idp.oidc.models import Client
from django.contrib import admin
from django.contrib.admin import ActionLocation
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import Client as TestClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from access_requests.audit_actions import Action as RequestAction
from access_requests.models import (
    AccessProfile,
    AccessRequest,
    Application,
    Membership,
    NetworkAdministrator,
    Organisation,
    RequestedProfile,
)
from accounts.models import AuditEvent, SMSDevice
from preferences.models import DirectoryListing, Expertise, ThematicArea
from tests.factories import SMSDeviceFactory, UserFactory, force_login_verified

pytestmark = pytest.mark.django_db

KINDS = [
    "anonymous",
    "registered",
    "applicant",
    "hp_member",
    "coordinator_rare_liver",
    "coordinator_other_network",
    "dispatcher",
    "researcher",
    "scoped_admin",
    "superuser",
]

MARKER = "bond-secret"

# The objects the admin's object URLs and actions are tried on, by model: "" one of
# RARE-LIVER (or of no network), "other" the same kind of object in BOND. A model with a
# network needs both; a model newly registered in the admin needs its line (and objects).
OBJECT_VARIANTS = {
    "access_requests.accessprofile": ("",),
    "access_requests.accessrequest": ("", "other"),
    "access_requests.application": ("",),
    "access_requests.membership": ("", "other"),
    "access_requests.networkadministrator": ("", "other"),
    "access_requests.organisation": ("", "other"),
    "accounts.auditevent": ("", "other"),
    "accounts.smsdevice": ("",),
    "allauth_idp_oidc.client": ("",),
    "accounts.user": ("",),
    "auth.group": ("",),
    "preferences.directorylisting": ("",),
    "preferences.expertise": ("", "other"),
    "preferences.thematicarea": ("", "other"),
}


# One row per URL name; the statuses follow KINDS:
#   anonymous registered applicant hp_member coord_rare_liver coord_other dispatcher
#   researcher scoped_admin superuser
MATRIX = {
    "access_requests:home": "302 200 200 200 200 200 200 200 200 200",
    "access_requests:request-remind": "302 405 405 405 405 405 405 405 405 405",
    "access_requests:request-submitted": "302 404 200 404 404 404 404 404 404 404",
    "access_requests:request-withdraw": "302 404 200 404 404 404 404 404 404 404",
    "access_requests:wizard-application": "302 200 200 200 200 200 200 200 200 200",
    "access_requests:wizard-organisation": "302 400 400 400 400 400 400 400 400 400",
    "access_requests:wizard-profile": "302 400 400 400 400 400 400 400 400 400",
    "access_requests:wizard-recap": "302 400 400 400 400 400 400 400 400 400",
    "account_change_password": "302 200 200 200 200 200 200 200 200 200",
    "account_confirm_email": "200 200 200 200 200 200 200 200 200 200",
    "account_confirm_login_code": "302 302 302 302 302 302 302 302 302 302",
    "account_email": "302 200 200 200 200 200 200 200 200 200",
    "account_email_verification_sent": "200 200 200 200 200 200 200 200 200 200",
    "account_inactive": "200 200 200 200 200 200 200 200 200 200",
    "account_login": "200 302 302 302 302 302 302 302 302 302",
    "account_logout": "302 200 200 200 200 200 200 200 200 200",
    "account_reauthenticate": "302 200 200 200 200 200 200 200 200 200",
    # Reauthentication by an e-mailed code is switched off (password only).
    "account_request_reauthentication_code": "302 403 403 403 403 403 403 403 403 403",
    "account_confirm_reauthentication_code": "302 403 403 403 403 403 403 403 403 403",
    "account_reset_password": "200 200 200 200 200 200 200 200 200 200",
    "account_reset_password_done": "200 200 200 200 200 200 200 200 200 200",
    "account_reset_password_from_key": "200 200 200 200 200 200 200 200 200 200",
    "account_reset_password_from_key_done": "200 200 200 200 200 200 200 200 200 200",
    "account_set_password": "302 302 302 302 302 302 302 302 302 302",
    "account_signup": "200 302 302 302 302 302 302 302 302 302",
    "accounts:account_delete": "302 200 200 200 200 200 200 200 200 200",
    "accounts:data_export": "302 405 405 405 405 405 405 405 405 405",
    "accounts:new_link": "200 200 200 200 200 200 200 200 200 200",
    "accounts:privacy_acknowledge": "302 302 302 302 302 302 302 302 302 302",
    "accounts:privacy_statement": "200 200 200 200 200 200 200 200 200 200",
    "accounts:profile": "302 200 200 200 200 200 200 200 200 200",
    "accounts:robot_challenge": "200 200 200 200 200 200 200 200 200 200",
    # "Your sessions": ending one takes a POST (tests/accounts/test_sessions.py).
    "accounts:session_end": "302 405 405 405 405 405 405 405 405 405",
    "accounts:sessions_end_others": "302 405 405 405 405 405 405 405 405 405",
    # allauth's page of sessions is User Data details'.
    "usersessions_list": "302 302 302 302 302 302 302 302 302 302",
    # The portal's login for visitors, 403 for non-staff, back to "next" for staff.
    "admin:login": "302 403 403 403 403 403 403 403 302 302",
    "cpms-home": "302 302 302 200 200 200 200 200 302 302",
    "admin:allauth_idp_oidc_client_add": "302 302 302 302 302 302 302 302 403 200",
    "admin:allauth_idp_oidc_client_change": "302 302 302 302 302 302 302 302 403 200",
    "admin:allauth_idp_oidc_client_changelist": "302 302 302 302 302 302 302 302 403 200",
    "admin:allauth_idp_oidc_client_changelist POST delete_selected": (
        "302 302 302 302 302 302 302 302 403 200"
    ),
    "admin:allauth_idp_oidc_client_delete": "302 302 302 302 302 302 302 302 403 200",
    "admin:allauth_idp_oidc_client_history": "302 302 302 302 302 302 302 302 403 200",
    "admin:app_list @allauth_idp_oidc": "302 302 302 302 302 302 302 302 404 200",
    # The OpenID provider: only superusers register clients; the endpoints of the
    # relying parties answer as OAuth says (POST only, 401 without a bearer token).
    "idp:oidc:authorization": "302 200 200 200 200 200 200 200 200 200",
    "idp:oidc:configuration": "200 200 200 200 200 200 200 200 200 200",
    "idp:oidc:device_code": "405 405 405 405 405 405 405 405 405 405",
    "idp:oidc:jwks": "200 200 200 200 200 200 200 200 200 200",
    "idp:oidc:logout": "302 200 200 200 200 200 200 200 200 200",
    "idp:oidc:revoke": "405 405 405 405 405 405 405 405 405 405",
    "idp:oidc:token": "405 405 405 405 405 405 405 405 405 405",
    "idp:oidc:userinfo": "401 401 401 401 401 401 401 401 401 401",
    "oidc_provider:consent-withdraw": "302 405 405 405 405 405 405 405 405 405",
    # The federation ("Login via EU Login"), off in these tests: its provider's login and
    # callback do not exist; allauth's connections page is User Data details'.
    "openid_connect_login": "404 404 404 404 404 404 404 404 404 404",
    "openid_connect_callback": "404 404 404 404 404 404 404 404 404 404",
    "socialaccount_connections": "302 302 302 302 302 302 302 302 302 302",
    "socialaccount_login_cancelled": "200 200 200 200 200 200 200 200 200 200",
    "socialaccount_login_error": "302 401 401 401 401 401 401 401 401 401",
    "socialaccount_signup": "302 302 302 302 302 302 302 302 302 302",
    "federation:unlink": "302 405 405 405 405 405 405 405 405 405",
    "healthz": "200 200 200 200 200 200 200 200 200 200",
    "home": "200 200 200 200 200 200 200 200 200 200",
    "otp_webauthn:credential-authentication-begin": "302 405 405 405 405 405 405 405 405 405",
    "otp_webauthn:credential-authentication-complete": "302 405 405 405 405 405 405 405 405 405",
    "otp_webauthn:credential-registration-begin": "302 403 403 403 403 403 403 403 403 403",
    "otp_webauthn:credential-registration-complete": "302 403 403 403 403 403 403 403 403 403",
    "otp_webauthn:js-i18n-catalog": "302 200 200 200 200 200 200 200 200 200",
    "preferences:directory": "302 302 302 200 200 200 200 200 302 302",
    "preferences:directory-listing": "302 302 302 405 405 405 405 405 302 302",
    "preferences:update": "302 302 302 200 200 200 200 200 302 302",
    # Reports: the network's members with a reporting profile; exports for coordinators.
    "reports:export-csv": "302 302 302 404 200 404 403 403 302 302",
    "reports:export-xlsx": "302 302 302 404 200 404 403 403 302 302",
    "reports:index": "302 302 302 200 200 200 200 200 302 302",
    "reports:network": "302 302 302 404 200 404 200 200 302 302",
    "set_language": "302 302 302 302 302 302 302 302 302 302",
    "two_factor:challenge": "302 302 302 302 302 302 302 302 302 302",
    "two_factor:methods": "302 302 302 200 200 200 200 200 302 302",
    "two_factor:phone": "302 200 200 200 200 200 200 200 200 200",
    "two_factor:phone-resend": "302 405 405 405 405 405 405 405 405 405",
    "two_factor:phone-verify": "302 405 405 405 405 405 405 405 405 405",
    "two_factor:recovery-codes": "302 302 302 200 200 200 200 200 302 302",
    "two_factor:remove": "302 405 405 405 405 405 405 405 405 405",
    "two_factor:totp-setup": "302 302 302 302 302 302 302 302 302 302",
}

# Only staff reach past the admin's login: every other kind gets its redirect (302),
# whatever the page. ADMIN_MATRIX gives the last two statuses: scoped_admin superuser.
ADMIN_ONLY = "302 302 302 302 302 302 302 302"

# The scoped administrator sees and acts on their networks' requests, memberships and
# audit events (200); BOND's (@other) do not exist for them: 302 is the admin's "does not
# exist" (the same answer as for an id nobody has, see the test below), or, for an action
# from the list, its "Items must be selected". 403: a model or page beyond their group's
# permissions, and adding or deleting rows that are read-only for everyone. An action the
# user may not run is sent back to the list (302); a list with no action at all just shows
# itself again (200).
ADMIN_MATRIX = {
    "admin:access_requests_accessprofile_add": "403 200",
    "admin:access_requests_accessprofile_change": "403 200",
    "admin:access_requests_accessprofile_changelist": "403 200",
    "admin:access_requests_accessprofile_changelist POST delete_selected": "403 200",
    "admin:access_requests_accessprofile_delete": "403 200",
    "admin:access_requests_accessprofile_history": "403 200",
    "admin:access_requests_accessrequest_add": "403 403",
    "admin:access_requests_accessrequest_change": "200 200",
    "admin:access_requests_accessrequest_change @other": "302 200",
    "admin:access_requests_accessrequest_change POST approve_selected": "200 200",
    "admin:access_requests_accessrequest_change POST approve_selected @other": "302 200",
    "admin:access_requests_accessrequest_change POST reject_selected": "200 200",
    "admin:access_requests_accessrequest_change POST reject_selected @other": "302 200",
    "admin:access_requests_accessrequest_changelist": "200 200",
    "admin:access_requests_accessrequest_changelist POST approve_selected": "200 200",
    "admin:access_requests_accessrequest_changelist POST approve_selected @other": "302 200",
    "admin:access_requests_accessrequest_changelist POST delete_selected": "302 302",
    "admin:access_requests_accessrequest_changelist POST delete_selected @other": "302 302",
    "admin:access_requests_accessrequest_changelist POST reject_selected": "200 200",
    "admin:access_requests_accessrequest_changelist POST reject_selected @other": "302 200",
    "admin:access_requests_accessrequest_delete": "403 403",
    "admin:access_requests_accessrequest_delete @other": "403 403",
    "admin:access_requests_accessrequest_history": "200 200",
    "admin:access_requests_accessrequest_history @other": "302 200",
    "admin:access_requests_application_add": "403 200",
    "admin:access_requests_application_change": "403 200",
    "admin:access_requests_application_changelist": "403 200",
    "admin:access_requests_application_changelist POST delete_selected": "403 200",
    "admin:access_requests_application_delete": "403 200",
    "admin:access_requests_application_history": "403 200",
    "admin:access_requests_membership_add": "403 403",
    "admin:access_requests_membership_change": "200 200",
    "admin:access_requests_membership_change @other": "302 200",
    "admin:access_requests_membership_change POST extend_selected": "200 200",
    "admin:access_requests_membership_change POST extend_selected @other": "302 200",
    "admin:access_requests_membership_change POST reinstate_selected": "200 200",
    "admin:access_requests_membership_change POST reinstate_selected @other": "302 200",
    "admin:access_requests_membership_change POST reset_second_factor_of_selected": "200 200",
    "admin:access_requests_membership_change POST reset_second_factor_of_selected @other": (
        "302 200"
    ),
    "admin:access_requests_membership_change POST revoke_selected": "200 200",
    "admin:access_requests_membership_change POST revoke_selected @other": "302 200",
    "admin:access_requests_membership_changelist": "200 200",
    "admin:access_requests_membership_changelist POST delete_selected": "302 302",
    "admin:access_requests_membership_changelist POST delete_selected @other": "302 302",
    "admin:access_requests_membership_changelist POST export_members_csv": "200 200",
    "admin:access_requests_membership_changelist POST export_members_csv @other": "302 200",
    "admin:access_requests_membership_changelist POST export_members_xlsx": "200 200",
    "admin:access_requests_membership_changelist POST export_members_xlsx @other": "302 200",
    "admin:access_requests_membership_changelist POST extend_selected": "200 200",
    "admin:access_requests_membership_changelist POST extend_selected @other": "302 200",
    "admin:access_requests_membership_changelist POST reinstate_selected": "200 200",
    "admin:access_requests_membership_changelist POST reinstate_selected @other": "302 200",
    "admin:access_requests_membership_changelist POST reset_second_factor_of_selected": "200 200",
    "admin:access_requests_membership_changelist POST reset_second_factor_of_selected @other": (
        "302 200"
    ),
    "admin:access_requests_membership_changelist POST revoke_selected": "200 200",
    "admin:access_requests_membership_changelist POST revoke_selected @other": "302 200",
    "admin:access_requests_membership_delete": "403 403",
    "admin:access_requests_membership_delete @other": "403 403",
    "admin:access_requests_membership_history": "200 200",
    "admin:access_requests_membership_history @other": "302 200",
    "admin:access_requests_networkadministrator_add": "403 200",
    "admin:access_requests_networkadministrator_change": "403 200",
    "admin:access_requests_networkadministrator_change @other": "403 200",
    "admin:access_requests_networkadministrator_changelist": "403 200",
    "admin:access_requests_networkadministrator_changelist POST delete_selected": "403 200",
    "admin:access_requests_networkadministrator_changelist POST delete_selected @other": "403 200",
    "admin:access_requests_networkadministrator_delete": "403 200",
    "admin:access_requests_networkadministrator_delete @other": "403 200",
    "admin:access_requests_networkadministrator_history": "403 200",
    "admin:access_requests_networkadministrator_history @other": "403 200",
    "admin:access_requests_organisation_add": "403 200",
    "admin:access_requests_organisation_change": "403 200",
    "admin:access_requests_organisation_change @other": "403 200",
    "admin:access_requests_organisation_changelist": "403 200",
    "admin:access_requests_organisation_changelist POST delete_selected": "403 200",
    "admin:access_requests_organisation_changelist POST delete_selected @other": "403 200",
    "admin:access_requests_organisation_delete": "403 200",
    "admin:access_requests_organisation_delete @other": "403 200",
    "admin:access_requests_organisation_history": "403 200",
    "admin:access_requests_organisation_history @other": "403 200",
    "admin:accounts_auditevent_add": "403 403",
    "admin:accounts_auditevent_change": "200 200",
    "admin:accounts_auditevent_change @other": "302 200",
    "admin:accounts_auditevent_changelist": "200 200",
    "admin:accounts_auditevent_changelist POST delete_selected": "302 302",
    "admin:accounts_auditevent_changelist POST delete_selected @other": "302 302",
    "admin:accounts_auditevent_changelist POST export_csv": "200 200",
    "admin:accounts_auditevent_changelist POST export_csv @other": "302 200",
    "admin:accounts_auditevent_delete": "403 403",
    "admin:accounts_auditevent_delete @other": "403 403",
    "admin:accounts_auditevent_history": "200 200",
    "admin:accounts_auditevent_history @other": "302 200",
    "admin:accounts_smsdevice_add": "403 403",
    "admin:accounts_smsdevice_change": "403 200",
    "admin:accounts_smsdevice_changelist": "403 200",
    "admin:accounts_smsdevice_changelist POST delete_selected": "403 200",
    "admin:accounts_smsdevice_delete": "403 403",
    "admin:accounts_smsdevice_history": "403 200",
    "admin:accounts_user_add": "403 200",
    "admin:accounts_user_change": "403 200",
    "admin:accounts_user_change POST reset_second_factor_of_selected": "403 200",
    "admin:accounts_user_changelist": "403 200",
    "admin:accounts_user_changelist POST delete_selected": "403 200",
    "admin:accounts_user_changelist POST reset_second_factor_of_selected": "403 200",
    "admin:accounts_user_delete": "403 200",
    "admin:accounts_user_history": "403 200",
    "admin:app_list @access_requests": "200 200",
    "admin:app_list @accounts": "200 200",
    "admin:app_list @auth": "404 200",
    "admin:app_list @preferences": "404 200",
    "admin:auth_group_add": "403 200",
    "admin:auth_group_change": "403 200",
    "admin:auth_group_changelist": "403 200",
    "admin:auth_group_changelist POST delete_selected": "403 200",
    "admin:auth_group_delete": "403 200",
    "admin:auth_group_history": "403 200",
    # A password is changed by its owner (or the reset link), never set in the admin.
    "admin:auth_user_password_change": "403 403",
    # No field uses it; Django refuses a request without its parameters.
    "admin:autocomplete": "403 403",
    "admin:index": "200 200",
    "admin:jsi18n": "200 200",
    # Logging out takes a POST.
    "admin:logout": "405 405",
    # The portal's own password change (rate-limited, audited), not the admin's form.
    "admin:password_change": "302 302",
    "admin:password_change_done": "200 200",
    "admin:preferences_directorylisting_add": "403 403",
    "admin:preferences_directorylisting_change": "403 200",
    "admin:preferences_directorylisting_changelist": "403 200",
    "admin:preferences_directorylisting_changelist POST delete_selected": "403 200",
    "admin:preferences_directorylisting_delete": "403 403",
    "admin:preferences_directorylisting_history": "403 200",
    "admin:preferences_expertise_add": "403 403",
    "admin:preferences_expertise_change": "403 200",
    "admin:preferences_expertise_change @other": "403 200",
    "admin:preferences_expertise_changelist": "403 200",
    "admin:preferences_expertise_changelist POST delete_selected": "403 200",
    "admin:preferences_expertise_changelist POST delete_selected @other": "403 200",
    "admin:preferences_expertise_delete": "403 403",
    "admin:preferences_expertise_delete @other": "403 403",
    "admin:preferences_expertise_history": "403 200",
    "admin:preferences_expertise_history @other": "403 200",
    "admin:preferences_thematicarea_add": "403 200",
    "admin:preferences_thematicarea_change": "403 200",
    "admin:preferences_thematicarea_change @other": "403 200",
    "admin:preferences_thematicarea_changelist": "403 200",
    "admin:preferences_thematicarea_changelist POST delete_selected": "403 302",
    "admin:preferences_thematicarea_changelist POST delete_selected @other": "403 302",
    "admin:preferences_thematicarea_changelist POST restore": "403 302",
    "admin:preferences_thematicarea_changelist POST restore @other": "403 302",
    "admin:preferences_thematicarea_changelist POST retire": "403 302",
    "admin:preferences_thematicarea_changelist POST retire @other": "403 302",
    "admin:preferences_thematicarea_delete": "403 403",
    "admin:preferences_thematicarea_delete @other": "403 403",
    "admin:preferences_thematicarea_history": "403 200",
    "admin:preferences_thematicarea_history @other": "302 200",
    # No model has a page of its own on the site.
    "admin:view_on_site": "404 404",
}
MATRIX.update({key: f"{ADMIN_ONLY} {statuses}" for key, statuses in ADMIN_MATRIX.items()})


def _walk_url_names() -> set[str]:
    names = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or ""
                walk(
                    pattern.url_patterns, f"{namespace}:{inner}".strip(":") if inner else namespace
                )
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return names


@functools.cache
def admin_url_models() -> dict[str, tuple[str, bool]]:
    """Each URL name of a registered model's admin → (its model, whether it opens a row)."""
    found = {}
    for model, model_admin in admin.site._registry.items():
        for pattern in model_admin.urls:
            if isinstance(pattern, URLPattern) and pattern.name:
                found[f"admin:{pattern.name}"] = (
                    model._meta.label_lower,
                    bool(pattern.pattern.converters),
                )
    return found


def row_key(name: str, action: str = "", variant: str = "") -> str:
    parts = [name]
    if action:
        parts += ["POST", action]
    if variant:
        parts.append(f"@{variant}")
    return " ".join(parts)


def parse_row_key(key: str) -> tuple[str, str, str]:
    """``name [POST action] [@variant]`` → (name, action, variant)."""
    name, *rest = key.split()
    action = variant = ""
    while rest:
        token = rest.pop(0)
        if token == "POST":
            action = rest.pop(0)
        else:
            variant = token.removeprefix("@")
    return name, action, variant


def _variants(label: str) -> tuple[str, ...]:
    return OBJECT_VARIANTS.get(label, ("",))


def enumerate_url_names() -> set[str]:
    """Every row the matrix must have: each named URL of the portal (ours, allauth's, the
    second factor's, the admin's); the admin's object URLs once per object variant of
    their model; the admin's page of each app; every admin action, from the list and (where
    it is offered there) from the object's page, once per object variant."""
    rows = _walk_url_names() - {"admin:app_list"}
    rows |= {row_key("admin:app_list", variant=m._meta.app_label) for m in admin.site._registry}
    for name, (label, opens_object) in admin_url_models().items():
        if opens_object:
            rows |= {row_key(name, variant=v) for v in _variants(label)}
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        for location, page in [
            (ActionLocation.CHANGE_LIST, "changelist"),
            (ActionLocation.CHANGE_FORM, "change"),
        ]:
            for action in model_admin._get_base_actions(action_location=location):
                rows |= {
                    row_key(f"{prefix}_{page}", action.name, v)
                    for v in _variants(model._meta.label_lower)
                }
    return rows


@pytest.fixture
def world(reference_data):
    """One pending request, members of each kind, a scoped administrator, a superuser, and
    an object of each model the admin shows, in RARE-LIVER and (where it has a network) in
    BOND."""
    call_command("create_admin_group", verbosity=0)
    rare_liver = Organisation.objects.get(code="RARE-LIVER", parent=None)
    bond = Organisation.objects.get(code="BOND", parent=None)
    de40 = Organisation.objects.get(parent__parent=rare_liver, parent__code="DE", code="DE40")
    bond_institution = Organisation.objects.filter(
        network=bond, kind=Organisation.Kind.INSTITUTION
    ).first()
    profiles = {p.code: p for p in AccessProfile.objects.filter(application__code="cpms")}

    users = {"anonymous": None, "registered": UserFactory()}
    applicant = UserFactory()
    pending = AccessRequest.objects.create(
        user=applicant, institution=de40, network=rare_liver, comment="please"
    )
    RequestedProfile.objects.create(
        request=pending, profile=profiles["HP"], user=applicant, institution=de40
    )
    users["applicant"] = applicant

    def member(*codes, institution=de40, user=None):
        user = user or UserFactory()
        SMSDeviceFactory(user=user)
        for code in codes:
            Membership.objects.create(
                user=user,
                institution=institution,
                network=institution.network,
                profile=profiles[code],
            )
        # The preferences are answered ("None"), the gate's last step.
        Expertise.objects.create(user=user, network=institution.network, is_none=True)
        return user

    users["hp_member"] = member("HP")
    users["coordinator_rare_liver"] = member("HP", "COORDINATOR")
    users["coordinator_other_network"] = member("HP", "COORDINATOR", institution=bond_institution)
    users["dispatcher"] = member("HP", "DISPATCHER")
    users["researcher"] = member("RESEARCHER")
    scoped = UserFactory(is_staff=True)
    admin_group = Group.objects.get(name="Network administrators")
    scoped.groups.add(admin_group)
    own_scope = NetworkAdministrator.objects.create(user=scoped, network=rare_liver)
    users["scoped_admin"] = scoped
    users["superuser"] = UserFactory(is_staff=True, is_superuser=True)

    # BOND's side, each object marked: its applicant, a member, an administrator.
    bond_applicant = UserFactory(email=f"{MARKER}-applicant@hospital.example.eu")
    bond_request = AccessRequest.objects.create(
        user=bond_applicant, institution=bond_institution, network=bond, comment=MARKER
    )
    RequestedProfile.objects.create(
        request=bond_request,
        profile=profiles["HP"],
        user=bond_applicant,
        institution=bond_institution,
    )
    bond_member = member(
        "HP", institution=bond_institution, user=UserFactory(email=f"{MARKER}-member@x.eu")
    )
    bond_scope = NetworkAdministrator.objects.create(
        user=UserFactory(email=f"{MARKER}-admin@x.eu", is_staff=True), network=bond
    )
    hp_member = users["hp_member"]

    def audit_event(access_request):
        return AuditEvent.objects.create(
            action=RequestAction.REQUEST_SUBMITTED,
            actor=access_request.user,
            target_type=AccessRequest._meta.label_lower,
            target_id=str(access_request.pk),
            target_repr=str(access_request.user.email),
        )

    objects = {
        ("access_requests.accessprofile", ""): profiles["HP"],
        ("access_requests.accessrequest", ""): pending,
        ("access_requests.accessrequest", "other"): bond_request,
        ("access_requests.application", ""): Application.objects.get(code="cpms"),
        ("access_requests.membership", ""): Membership.objects.get(user=hp_member),
        ("access_requests.membership", "other"): Membership.objects.get(user=bond_member),
        ("access_requests.networkadministrator", ""): own_scope,
        ("access_requests.networkadministrator", "other"): bond_scope,
        ("access_requests.organisation", ""): de40,
        ("access_requests.organisation", "other"): Organisation.objects.create(
            parent=bond_institution.parent,
            application=bond.application,
            network=bond,
            kind=Organisation.Kind.INSTITUTION,
            code="ZZ99",
            name=f"{MARKER} hospital",
            country_code=bond_institution.country_code,
        ),
        ("accounts.auditevent", ""): audit_event(pending),
        ("accounts.auditevent", "other"): audit_event(bond_request),
        ("accounts.smsdevice", ""): SMSDevice.objects.get(user=hp_member),
        ("accounts.user", ""): hp_member,
        ("allauth_idp_oidc.client", ""): Client.objects.create(id="cpms-matrix", name="CPMS"),
        ("auth.group", ""): admin_group,
        ("preferences.directorylisting", ""): DirectoryListing.objects.create(user=hp_member),
        ("preferences.expertise", ""): Expertise.objects.get(user=hp_member),
        ("preferences.expertise", "other"): Expertise.objects.get(user=bond_member),
        ("preferences.thematicarea", ""): ThematicArea.objects.filter(network=rare_liver).first(),
        ("preferences.thematicarea", "other"): ThematicArea.objects.create(
            network=bond, name=f"{MARKER} area"
        ),
    }
    return {"users": users, "pending": pending, "objects": objects}


def _url(name: str, world) -> str:
    kwargs = {
        "access_requests:request-submitted": {"pk": world["pending"].pk},
        "access_requests:request-withdraw": {"pk": world["pending"].pk},
        "access_requests:request-remind": {"pk": world["pending"].pk},
        "reports:network": {"network_code": "RARE-LIVER"},
        "reports:export-csv": {"network_code": "RARE-LIVER"},
        "reports:export-xlsx": {"network_code": "RARE-LIVER"},
        "account_confirm_email": {"key": "not-a-real-key"},
        "oidc_provider:consent-withdraw": {"client_id": "cpms-matrix"},
        "openid_connect_login": {"provider_id": "eulogin"},
        "openid_connect_callback": {"provider_id": "eulogin"},
        "account_reset_password_from_key": {"uidb36": "zz", "key": "not-a-real-key"},
        "admin:view_on_site": {
            "content_type_id": ContentType.objects.get_for_model(AccessRequest).pk,
            "object_id": world["pending"].pk,
        },
    }.get(name, {})
    return reverse(name, kwargs=kwargs)


def request_for(key: str, world, pk=None) -> tuple[str, str, dict | None]:
    """The method, URL and POST data of a row; ``pk`` in place of its object's id."""
    name, action, variant = parse_row_key(key)
    if name == "admin:app_list":
        return "get", reverse(name, kwargs={"app_label": variant}), None
    if name not in admin_url_models():
        return "get", _url(name, world), None
    label, opens_object = admin_url_models()[name]
    pk = pk or world["objects"][(label, variant)].pk
    url = reverse(name, args=[pk]) if opens_object else reverse(name)
    if not action:
        return "get", url, None
    if opens_object:  # the action menu of the object's page
        data = {f"{ActionLocation.CHANGE_FORM.value}-action": action}
    else:
        data = {"action": action, "index": "0"}
    return "post", url, {**data, ACTION_CHECKBOX_NAME: [pk]}


def _client_for(kind: str, world) -> Client:
    client = TestClient()
    user = world["users"][kind]
    if user is not None:
        if kind in {"registered", "applicant"}:
            client.force_login(user)
        else:
            force_login_verified(client, user)
    return client


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_every_url_has_a_row():
    enumerated = enumerate_url_names()
    assert enumerated - set(MATRIX) == set(), "new URLs: add their row to MATRIX"
    assert set(MATRIX) - enumerated == set(), "rows of URLs that no longer exist"


def test_every_admin_model_has_its_objects():
    registered = {model._meta.label_lower: model for model in admin.site._registry}
    assert set(registered) == set(OBJECT_VARIANTS), "add the model to OBJECT_VARIANTS"
    for label, model in registered.items():
        has_network = any(field.name == "network" for field in model._meta.get_fields())
        assert not has_network or "other" in OBJECT_VARIANTS[label], label


def test_access_control_matrix(world):
    assert set(world["objects"]) == {
        (label, v) for label, variants in OBJECT_VARIANTS.items() for v in variants
    }
    clients = {kind: _client_for(kind, world) for kind in KINDS}
    wrong = []
    for key, row in sorted(MATRIX.items()):
        expected = [int(status) for status in row.split()]
        assert len(expected) == len(KINDS), key
        method, url, data = request_for(key, world)
        for kind, status in zip(KINDS, expected, strict=True):
            response = getattr(clients[kind], method)(url, data)
            if response.status_code != status:
                wrong.append(f"{key} as {kind}: {response.status_code}, expected {status}")
            if kind not in {"superuser", "coordinator_other_network"} and (
                MARKER.encode() in _body(response)
            ):
                wrong.append(f"{key} as {kind}: shows BOND's data")
    assert wrong == []


def test_other_networks_rows_do_not_exist_for_the_scoped_admin(world):
    # Where the scoped administrator opens their own network's row (200), BOND's gets the
    # same answer as an id nobody has: the admin says nothing of it.
    client = _client_for("scoped_admin", world)
    scoped = KINDS.index("scoped_admin")
    nobody = 10**9
    for key in sorted(k for k in MATRIX if k.endswith(" @other")):
        if MATRIX[key.removesuffix(" @other")].split()[scoped] != "200":
            continue  # a page of theirs they cannot open either (403)
        method, url, data = request_for(key, world)
        other = getattr(client, method)(url, data)
        method, url, data = request_for(key, world, pk=nobody)
        missing = getattr(client, method)(url, data)
        assert other.status_code == missing.status_code, key
        assert other.headers.get("Location") == missing.headers.get("Location"), key
