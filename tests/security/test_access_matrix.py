"""The access-control matrix: every URL of the portal by every kind of user, each with the
status it must answer. A URL added without a row here fails the test.

ASVS 5.0 V8.2.1 (function-level access), V8.2.2 (data-specific access: another user's
request is 404), V8.3.1 (enforced on the server), V8.4.1 (network scoping of the admin);
the CPMS gate (members only, after the second factor).

Statuses are those of a GET; 302 is a redirect (to the login, the CPMS gate's next step or
the admin's login), 405 a view that only takes POST.
"""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from access_requests.models import (
    AccessProfile,
    AccessRequest,
    Membership,
    NetworkAdministrator,
    Organisation,
    RequestedProfile,
)
from preferences.models import Expertise
from tests.factories import SMSDeviceFactory, UserFactory, force_login_verified

pytestmark = pytest.mark.django_db

OUR_APPS = {"accounts", "access_requests", "preferences", "reports", "cpms_portal"}

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
    "admin:access_requests_accessprofile_changelist": "302 302 302 302 302 302 302 302 403 200",
    "admin:access_requests_accessrequest_changelist": "302 302 302 302 302 302 302 302 200 200",
    "admin:access_requests_application_changelist": "302 302 302 302 302 302 302 302 403 200",
    "admin:access_requests_membership_changelist": "302 302 302 302 302 302 302 302 200 200",
    "admin:access_requests_networkadministrator_changelist": (
        "302 302 302 302 302 302 302 302 403 200"
    ),
    "admin:access_requests_organisation_changelist": "302 302 302 302 302 302 302 302 403 200",
    "admin:accounts_auditevent_changelist": "302 302 302 302 302 302 302 302 200 200",
    "admin:accounts_smsdevice_changelist": "302 302 302 302 302 302 302 302 403 200",
    "admin:accounts_user_changelist": "302 302 302 302 302 302 302 302 403 200",
    "admin:index": "302 302 302 302 302 302 302 302 200 200",
    "admin:preferences_directorylisting_changelist": "302 302 302 302 302 302 302 302 403 200",
    "admin:preferences_expertise_changelist": "302 302 302 302 302 302 302 302 403 200",
    "admin:preferences_thematicarea_changelist": "302 302 302 302 302 302 302 302 403 200",
    "cpms-home": "302 302 302 200 200 200 200 200 302 302",
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


def enumerate_url_names() -> set[str]:
    """Every named URL of the portal: ours, allauth's, the second factor's, and the admin's
    index and change lists of our models."""
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
    admin = {n for n in names if n.startswith("admin:")}
    changelists = {
        n
        for n in admin
        if n.endswith("_changelist") and any(n.startswith(f"admin:{app}_") for app in OUR_APPS)
    }
    return (names - admin) | {"admin:index"} | changelists


@pytest.fixture
def world(reference_data):
    """One pending request, members of each kind, a scoped administrator, a superuser."""
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

    def member(*codes, institution=de40):
        user = UserFactory()
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
    scoped.groups.add(Group.objects.get(name="Network administrators"))
    NetworkAdministrator.objects.create(user=scoped, network=rare_liver)
    users["scoped_admin"] = scoped
    users["superuser"] = UserFactory(is_staff=True, is_superuser=True)
    return {"users": users, "pending": pending}


def _url(name: str, world) -> str:
    kwargs = {
        "access_requests:request-submitted": {"pk": world["pending"].pk},
        "access_requests:request-withdraw": {"pk": world["pending"].pk},
        "access_requests:request-remind": {"pk": world["pending"].pk},
        "reports:network": {"network_code": "RARE-LIVER"},
        "reports:export-csv": {"network_code": "RARE-LIVER"},
        "reports:export-xlsx": {"network_code": "RARE-LIVER"},
        "account_confirm_email": {"key": "not-a-real-key"},
        "account_reset_password_from_key": {"uidb36": "zz", "key": "not-a-real-key"},
    }.get(name, {})
    return reverse(name, kwargs=kwargs)


def _client_for(kind: str, world) -> Client:
    client = Client()
    user = world["users"][kind]
    if user is not None:
        if kind in {"registered", "applicant"}:
            client.force_login(user)
        else:
            force_login_verified(client, user)
    return client


def test_every_url_has_a_row():
    enumerated = enumerate_url_names()
    assert enumerated - set(MATRIX) == set(), "new URLs: add their row to MATRIX"
    assert set(MATRIX) - enumerated == set(), "rows of URLs that no longer exist"


def test_access_control_matrix(world):
    clients = {kind: _client_for(kind, world) for kind in KINDS}
    wrong = []
    for name, row in sorted(MATRIX.items()):
        expected = [int(status) for status in row.split()]
        assert len(expected) == len(KINDS), name
        url = _url(name, world)
        for kind, status in zip(KINDS, expected, strict=True):
            got = clients[kind].get(url).status_code
            if got != status:
                wrong.append(f"{name} as {kind}: {got}, expected {status}")
    assert wrong == []
