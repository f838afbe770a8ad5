"""Every parameter of the wizard, the applicant's request pages and the admin queue,
given a value the database would refuse (NUL, huge numbers, odd digits): a page with a
message or the state ignored, never a 500. Run on PostgreSQL too: SQLite takes NUL."""

from http import HTTPStatus

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from tests.factories import (
    AccessProfileFactory,
    AccessRequestFactory,
    ApplicationFactory,
    CountryFactory,
    InstitutionFactory,
    MembershipFactory,
    NetworkFactory,
    UserFactory,
    force_login_verified,
)

pytestmark = pytest.mark.django_db

BAD_VALUES = ["\x00", "a\x00b", "1\x00", "\x001", "9" * 40, "²", "-1", "1.5", " "]


@pytest.fixture
def state(client):
    user = UserFactory()
    client.force_login(user)
    cpms = ApplicationFactory(code="cpms", name="CPMS")
    hp = AccessProfileFactory(application=cpms, code="HP", name="HP")
    coordinator = AccessProfileFactory(
        application=cpms, code="COORDINATOR", name="Coordinator", prerequisite=hp
    )
    country = CountryFactory(parent=NetworkFactory(application=cpms))
    institution = InstitutionFactory(parent=country, code="DE40", name="Klinikum")
    return {
        "user": user,
        "application": str(cpms.pk),
        "node": str(country.pk),
        "organisation": str(institution.pk),
        "profile": [str(hp.pk), str(coordinator.pk)],
        "institution": institution,
    }


# (page, method, its parameters)
WIZARD = [
    ("access_requests:wizard-application", "get", ["application", "go"]),
    (
        "access_requests:wizard-organisation",
        "get",
        ["application", "node", "organisation", "q", "page", "go"],
    ),
    ("access_requests:wizard-profile", "get", ["application", "organisation", "profile", "go"]),
    ("access_requests:wizard-recap", "get", ["application", "organisation", "profile"]),
    (
        "access_requests:wizard-recap",
        "post",
        ["application", "organisation", "profile", "comment"],
    ),
]


@pytest.mark.parametrize(
    ("url_name", "method", "param"),
    [(u, m, p) for u, m, params in WIZARD for p in params],
)
def test_wizard_parameters_never_give_a_server_error(client, state, url_name, method, param):
    full = {k: state[k] for k in ["application", "node", "organisation", "profile"]}
    full.update({"q": "Klin", "page": "1", "comment": "Thanks"})
    # Each value is tried where it is read: with and without "go", and on step 2 with
    # no organisation chosen yet (the search and the pages of the list).
    bases = [{**full, "go": "1"}, full, {k: full[k] for k in ["application", "node", "q", "page"]}]
    for bad in BAD_VALUES:
        for base in bases:
            data = {**base, param: [bad, *state["profile"]] if param == "profile" else bad}
            response = getattr(client, method)(reverse(url_name), data)
            assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR, (param, bad, base)


@pytest.mark.parametrize("url_name", ["request-submitted", "request-withdraw", "request-remind"])
def test_request_pages_ignore_stray_parameters(client, state, url_name):
    access_request = AccessRequestFactory(user=state["user"])
    url = reverse(f"access_requests:{url_name}", args=[access_request.pk])
    for bad in BAD_VALUES:
        # A NUL anywhere is refused up front (cpms_portal.security_middleware); any
        # other stray value is ignored.
        expected = HTTPStatus.BAD_REQUEST if "\x00" in bad else HTTPStatus.OK
        if url_name != "request-remind":
            assert client.get(url, {"x": bad, "page": bad}).status_code == expected
        assert client.post(url, {"x": bad}).status_code < HTTPStatus.INTERNAL_SERVER_ERROR
    home = client.get(reverse("access_requests:home"), {"x": "\x00"})
    assert home.status_code == HTTPStatus.BAD_REQUEST
    assert client.get(reverse("access_requests:home"), {"x": "²"}).status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    ("changelist", "param"),
    [
        *[
            ("accessrequest", p)
            for p in ["q", "status", "network", "country", "profile", "age", "o", "p"]
        ],
        *[
            ("membership", p)
            for p in ["q", "state", "network", "country", "profile", "institution"]
        ],
    ],
)
def test_admin_list_parameters_never_give_a_server_error(client, state, changelist, param):
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    AccessRequestFactory(institution=state["institution"])
    url = reverse(f"admin:access_requests_{changelist}_changelist")
    for bad in BAD_VALUES:
        response = client.get(url, {param: bad})
        assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR, (param, bad)


@pytest.mark.parametrize(
    ("changelist", "action"),
    [
        ("access_requests_accessrequest", "approve_selected"),
        ("access_requests_membership", "export_members_csv"),
        ("accounts_user", "delete_selected"),
    ],
)
def test_admin_action_selection_never_gives_a_server_error(client, state, changelist, action):
    # Django's admin hands the selected ids straight to pk__in: "1.5" or 40 digits were a 500.
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    MembershipFactory(institution=state["institution"])
    url = reverse(f"admin:{changelist}_changelist")
    for bad in [*BAD_VALUES, "abc", ""]:
        data = {"action": action, "index": "0", ACTION_CHECKBOX_NAME: [bad]}
        response = client.post(url, data)
        assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR, bad
        if bad in ("1.5", "9" * 40, "abc", ""):
            assert response.status_code == HTTPStatus.BAD_REQUEST, bad


def test_a_search_with_a_nul_character_is_refused_with_a_clear_page(client, state):
    # No person types a NUL; a crafted URL gets the portal's "Bad request" page.
    response = client.get(
        reverse("access_requests:wizard-organisation"),
        {"application": state["application"], "node": state["node"], "q": "Kli\x00nikum"},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Bad request" in response.content.decode()
