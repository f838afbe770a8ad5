"""Property-based tests: every form and URL parameter, fed unicode, very long strings,
control characters, SQL and HTML metacharacters and malformed phone numbers, never gives
a 500, never reflects a script, never redirects off the site.

ASVS 5.0 V1.2.1 (output encoding against XSS), V1.2.4 (parameterised queries), V2.2.1
(input validated against its expected structure), V3.7.2 (``next`` never leads off the site),
V16.5.3 (fails securely, no 500 on bad input).
"""

from datetime import date, timedelta
from http import HTTPStatus

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access_requests.models import AccessProfile, Application, Organisation
from tests.factories import (
    PASSWORD,
    AccessRequestFactory,
    ExpertiseFactory,
    MembershipFactory,
    SMSDeviceFactory,
    ThematicAreaFactory,
    UserFactory,
    force_login_verified,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>cpms_xss()</script>"
NASTY = [
    SCRIPT,
    '"><img src=x onerror=cpms_xss()>',
    "' OR '1'='1' --",
    '"; DROP TABLE accounts_user; --',
    "%' AND 1=1 AND '%'='",
    "\x00",
    "a\x00b",
    "\r\nSet-Cookie: injected=1",
    "../../../../etc/passwd",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "${jndi:ldap://x}",
    "\u202eevil",
    "\ufeff",
    "Ünïcödé ✓ 中文 العربية \U0001d518",
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "[]",
    "//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
]
PHONES = st.one_of(
    st.from_regex(r"\+?[0-9 ()./-]{0,25}", fullmatch=True),
    st.sampled_from(
        [
            "+",
            "++4915112345678",
            "+00000000000",
            "+999 123",
            "+32 470 12 34 56 78 90 12",
            "+4915112345678" + "0" * 40,
            "+1 900 555 0100",
            "+882 1234 5678",
            "tel:+32470123456",
        ]
    ),
)
DATES = st.one_of(
    st.dates().map(date.isoformat),  # the calendar's ends included: year 1, year 9999
    st.sampled_from(["0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "20260101"]),
)
VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),  # any unicode, control characters included
    st.text(min_size=2000, max_size=5000),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    PHONES,
    DATES,
)
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def check(response) -> None:
    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR, response.status_code
    body = response.content.decode(errors="replace")
    # The markers may appear escaped (as text); never as markup.
    assert "<script>cpms_xss" not in body and "<img src=x onerror" not in body
    location = response.headers.get("Location", "")
    assert not location.startswith(("//", "http://", "https://", "javascript:")) or (
        location.startswith("http://testserver/")
    ), location


@pytest.fixture
def anonymous():
    return Client()


@pytest.fixture
def user_client():
    client = Client()
    client.force_login(UserFactory())
    return client


@pytest.fixture
def member():
    """A healthcare professional and coordinator of a network with thematic areas (every
    member page, the reports and their exports), preferences answered; their membership."""
    device = SMSDeviceFactory(number="+32470123456")
    membership = MembershipFactory(user=device.user)
    MembershipFactory(
        user=device.user, institution=membership.institution, profile__code="COORDINATOR"
    )
    ThematicAreaFactory.create_batch(3, network=membership.network)
    ExpertiseFactory(user=device.user, network=membership.network, is_none=True)
    return membership


@pytest.fixture
def member_client(member):
    client = Client()
    force_login_verified(client, member.user)
    # Verified by the phone, which stays when the recovery codes are made anew.
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = member.user.smsdevice_set.get().persistent_id
    session.save()
    return client


@pytest.fixture
def unverified_member_client(member):
    """The member after the password, before the second factor: the challenge's form."""
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def reauthenticated_member_client(member_client):
    """The member has just typed the password again: the second-factor pages open."""
    response = member_client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == HTTPStatus.FOUND
    return member_client


@pytest.fixture
def pending_phone_client(user_client):
    """A user who added a number and has not entered its code yet."""
    user = user_client.session["_auth_user_id"]
    SMSDeviceFactory(user_id=user, number="+32470123499", confirmed=False)
    return user_client


@pytest.fixture
def superuser_client():
    client = Client()
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def form_ids(member):
    """Real ids for the fields, URLs and fixed values of FORMS ("{network}" etc.): the
    member's network, a pending request and a guest membership for the admin's actions."""
    return {
        "network": member.network_id,
        "network_code": member.network.code,
        "access_request": AccessRequestFactory().pk,
        "membership": MembershipFactory(expires_at=timezone.now() + timedelta(days=30)).pk,
    }


URL_KWARGS = {
    "reports:network": {"network_code": "{network_code}"},
    "reports:export-csv": {"network_code": "{network_code}"},
    "reports:export-xlsx": {"network_code": "{network_code}"},
}
REPORT_FILTERS = ["date_from", "date_to", "country", "institution", "profile", "status"]

# (URL name, method, fields, who[, fixed values sent with every example])
FORMS = [
    ("account_login", "post", ["login", "password", "next"], "anonymous"),
    ("account_login", "get", ["next"], "anonymous"),
    (
        "account_signup",
        "post",
        ["first_name", "last_name", "email", "email2", "email_language", "altcha"],
        "anonymous",
    ),
    ("account_reset_password", "post", ["email"], "anonymous"),
    ("accounts:new_link", "post", ["email"], "anonymous"),
    ("set_language", "post", ["language", "next"], "anonymous"),
    ("accounts:profile", "post", ["first_name", "last_name", "email_language"], "user"),
    ("accounts:privacy_acknowledge", "post", ["acknowledge", "next"], "user"),
    ("account_reauthenticate", "post", ["password", "next"], "user"),
    ("account_change_password", "post", ["oldpassword", "password1", "password2"], "user"),
    ("account_email", "post", ["email", "action_add"], "user"),
    ("two_factor:phone", "post", ["number", "next"], "user"),
    ("two_factor:phone-verify", "post", ["code", "next"], "user"),
    ("two_factor:challenge", "post", ["method", "action", "code", "next"], "unverified_member"),
    ("two_factor:challenge", "get", ["method", "next"], "unverified_member"),
    ("access_requests:wizard-application", "get", ["application", "go"], "user"),
    (
        "access_requests:wizard-organisation",
        "get",
        ["application", "node", "organisation", "q", "page", "go"],
        "user",
    ),
    (
        "access_requests:wizard-profile",
        "get",
        ["application", "organisation", "profile", "go"],
        "user",
    ),
    (
        "access_requests:wizard-recap",
        "post",
        ["application", "organisation", "profile", "comment"],
        "user",
    ),
    ("admin:accounts_user_changelist", "get", ["q", "o", "p", "is_active__exact"], "superuser"),
    (
        "admin:access_requests_accessrequest_changelist",
        "get",
        ["q", "status", "network", "country", "age", "o"],
        "superuser",
    ),
    ("admin:accounts_auditevent_changelist", "get", ["q", "action__exact", "o"], "superuser"),
    ("preferences:update", "post", ["ern{network}-none", "ern{network}-areas", "next"], "member"),
    (
        "preferences:directory",
        "get",
        ["network", "area", "country", "institution", "name", "page"],
        "member",
    ),
    ("preferences:directory-listing", "post", ["hidden"], "member"),
    ("reports:network", "get", REPORT_FILTERS, "member"),
    ("reports:export-csv", "get", REPORT_FILTERS, "member"),
    ("reports:export-xlsx", "get", REPORT_FILTERS, "member"),
    ("accounts:account_delete", "post", ["password", "confirm"], "user"),
    ("accounts:data_export", "post", ["next"], "user"),
    ("two_factor:totp-setup", "post", ["code"], "reauthenticated_member"),
    ("two_factor:remove", "post", ["method", "device"], "reauthenticated_member"),
    ("two_factor:recovery-codes", "post", ["next"], "reauthenticated_member"),
    ("two_factor:phone-resend", "post", ["next"], "pending_phone"),
    # The admin's intermediate forms, confirmed ("post": "yes") on a real row...
    (
        "admin:access_requests_accessrequest_changelist",
        "post",
        ["reason"],
        "superuser",
        {
            "action": "reject_selected",
            "index": "0",
            "post": "yes",
            ACTION_CHECKBOX_NAME: "{access_request}",
        },
    ),
    (
        "admin:access_requests_membership_changelist",
        "post",
        ["reason"],
        "superuser",
        {
            "action": "revoke_selected",
            "index": "0",
            "post": "yes",
            ACTION_CHECKBOX_NAME: "{membership}",
        },
    ),
    (
        "admin:access_requests_membership_changelist",
        "post",
        ["days"],
        "superuser",
        {
            "action": "extend_selected",
            "index": "0",
            "post": "yes",
            ACTION_CHECKBOX_NAME: "{membership}",
        },
    ),
    # ... and the selection an action is posted with.
    (
        "admin:access_requests_accessrequest_changelist",
        "post",
        [ACTION_CHECKBOX_NAME, "select_across", "index"],
        "superuser",
        {"action": "approve_selected"},
    ),
]
FORMS = [(*form, {})[:5] for form in FORMS]  # no fixed values unless given


@pytest.mark.parametrize(
    ("name", "method", "fields", "who", "fixed"),
    FORMS,
    ids=[
        "-".join([name, method, *([fixed["action"]] if "action" in fixed else [])])
        for name, method, _f, _w, fixed in FORMS
    ],
)
def test_form_and_url_parameters_never_fail_or_reflect_a_script(
    request, form_ids, name, method, fields, who, fixed, data=None
):
    client = request.getfixturevalue(
        {
            "anonymous": "anonymous",
            "user": "user_client",
            "pending_phone": "pending_phone_client",
            "unverified_member": "unverified_member_client",
            "member": "member_client",
            "reauthenticated_member": "reauthenticated_member_client",
            "superuser": "superuser_client",
        }[who]
    )
    url = reverse(
        name, kwargs={k: v.format(**form_ids) for k, v in URL_KWARGS.get(name, {}).items()}
    )
    fields = [field.format(**form_ids) for field in fields]
    fixed = {key: value.format(**form_ids) for key, value in fixed.items()}

    @FUZZ
    @given(st.fixed_dictionaries({field: VALUES for field in fields}))
    def run(data):
        check(getattr(client, method)(url, {**fixed, **data}))

    run()


@pytest.fixture
def wizard_ids(reference_data):
    """Real ids mixed into the wizard's parameters, so the fuzz reaches the deeper steps."""
    de40 = Organisation.objects.get(parent__parent__code="RARE-LIVER", code="DE40")
    return {
        "application": str(Application.objects.get(code="cpms").pk),
        "node": str(de40.parent_id),
        "organisation": str(de40.pk),
        "profile": str(AccessProfile.objects.get(application__code="cpms", code="HP").pk),
    }


def test_wizard_with_real_ids_and_fuzzed_search_and_comment(user_client, wizard_ids):
    @FUZZ
    @given(q=VALUES, page=VALUES, comment=VALUES)
    def run(q, page, comment):
        check(
            user_client.get(
                reverse("access_requests:wizard-organisation"),
                {**wizard_ids, "q": q, "page": page},
            )
        )
        check(
            user_client.get(
                reverse("access_requests:wizard-recap"), {**wizard_ids, "comment": comment}
            )
        )

    run()


def test_path_parameters_never_fail(user_client):
    @FUZZ
    @given(pk=st.integers(min_value=0, max_value=2**70))
    def run(pk):
        for name in ["request-submitted", "request-withdraw", "request-remind"]:
            url = reverse(f"access_requests:{name}", kwargs={"pk": pk})
            check(user_client.get(url))
            check(user_client.post(url))

    run()

    @FUZZ
    @given(key=VALUES.filter(lambda v: v and "/" not in v))
    def confirm(key):
        check(Client().get(f"/accounts/confirm-email/{key}/"))
        check(Client().get(f"/accounts/password/reset/key/1-{key}/"))

    confirm()


def test_nul_character_in_any_parameter_is_a_bad_request(user_client, wizard_ids):
    # PostgreSQL refuses NUL in text: without the middleware this search is a 500 there.
    url = reverse("access_requests:wizard-organisation")
    response = user_client.get(url, {**wizard_ids, "q": "uke\x00"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    response = user_client.post(reverse("accounts:profile"), {"first_name": "A\x00"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert user_client.get(url, {**wizard_ids, "q": "uke"}).status_code == HTTPStatus.OK
