"""Property-based tests: every form and URL parameter, fed unicode, very long strings,
control characters, SQL and HTML metacharacters and malformed phone numbers, never gives
a 500, never reflects a script, never redirects off the site.

ASVS 5.0 V1.2.1 (output encoding against XSS), V1.2.4 (parameterised queries), V2.2.1
(input validated against its expected structure), V3.7.2 (``next`` never leads off the site),
V16.5.3 (fails securely, no 500 on bad input).
"""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access_requests.models import AccessProfile, Application, Organisation
from tests.factories import (
    ExpertiseFactory,
    MembershipFactory,
    SMSDeviceFactory,
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
VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),  # any unicode, control characters included
    st.text(min_size=2000, max_size=5000),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    PHONES,
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
def member_client():
    device = SMSDeviceFactory(number="+32470123456")
    membership = MembershipFactory(user=device.user)
    ExpertiseFactory(user=device.user, network=membership.network, is_none=True)
    client = Client()
    force_login_verified(client, device.user)
    return client


@pytest.fixture
def superuser_client():
    client = Client()
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    return client


# (URL name, method, fields, who)
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
    ("two_factor:challenge", "post", ["method", "action", "code", "next"], "member"),
    ("two_factor:challenge", "get", ["method", "next"], "member"),
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
]


@pytest.mark.parametrize(
    ("name", "method", "fields", "who"),
    FORMS,
    ids=[f"{name}-{method}" for name, method, _f, _w in FORMS],
)
def test_form_and_url_parameters_never_fail_or_reflect_a_script(
    request, name, method, fields, who, data=None
):
    client = request.getfixturevalue(
        {
            "anonymous": "anonymous",
            "user": "user_client",
            "member": "member_client",
            "superuser": "superuser_client",
        }[who]
    )
    url = reverse(name)

    @FUZZ
    @given(st.fixed_dictionaries({field: VALUES for field in fields}))
    def run(data):
        check(getattr(client, method)(url, data))

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
