"""The four-step request wizard, end to end and step by step."""

import html
from http import HTTPStatus

import pytest
from django.core import mail
from django.urls import reverse

from access_requests import services
from access_requests.models import (
    AccessProfile,
    AccessRequest,
    Application,
    NetworkAdministrator,
    Organisation,
)
from accounts.models import OutboundEmail
from tests.factories import (
    AccessProfileFactory,
    AccessRequestFactory,
    ApplicationFactory,
    CountryFactory,
    InstitutionFactory,
    MembershipFactory,
    NetworkFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(client):
    user = UserFactory(first_name="Anna", last_name="Schmidt")
    client.force_login(user)
    return user


@pytest.fixture
def cpms(db):
    """The part of the reference data these tests need, built by factories (fast)."""
    cpms = ApplicationFactory(code="cpms", name="CPMS")
    ApplicationFactory(code="aac", name="AAC", is_open=False)
    hp = AccessProfileFactory(application=cpms, code="HP", name="HP", position=2)
    for position, (code, name) in enumerate(
        [("COORDINATOR", "Coordinator"), ("DISPATCHER", "Dispatcher")]
    ):
        AccessProfileFactory(
            application=cpms, code=code, name=name, position=position, prerequisite=hp
        )
    AccessProfileFactory(application=cpms, code="RESEARCHER", name="Researcher", position=3)
    for code, name in [("RARE-LIVER", "Hepatological Diseases"), ("BOND", "Bone Disorders")]:
        germany = CountryFactory(parent=NetworkFactory(application=cpms, code=code, name=name))
        CountryFactory(parent=germany.parent, code="AT", name="Austria")
        InstitutionFactory(parent=germany, code=Organisation.GUEST_CODE, name="Guest Access")
        InstitutionFactory(parent=germany, code="DE05", name="Medizinische Hochschule Hannover")
        InstitutionFactory(
            parent=germany, code="DE40", name="Universitätsklinikum Hamburg-Eppendorf"
        )
    return cpms


@pytest.fixture
def germany(cpms):
    return Organisation.objects.get(parent__code="RARE-LIVER", parent__parent=None, code="DE")


@pytest.fixture
def de40(germany):
    return Organisation.objects.get(parent=germany, code="DE40")


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_whole_wizard_rare_liver_germany_de40_hp(
    client, user, reference_data, django_capture_on_commit_callbacks
):
    cpms = Application.objects.get(code="cpms")
    germany = Organisation.objects.get(parent__code="RARE-LIVER", parent__parent=None, code="DE")
    de40 = Organisation.objects.get(parent=germany, code="DE40")
    hp = AccessProfile.objects.get(application=cpms, code="HP")
    superuser = UserFactory(is_superuser=True, is_staff=True)
    rare_liver = germany.parent

    # Home → step 1.
    body = text(client.get(reverse("access_requests:home")))
    step1 = f"{reverse('access_requests:wizard-application')}?application={cpms.pk}"
    assert step1 in body
    response = client.get(step1)
    assert response.status_code == HTTPStatus.OK

    # Step 1 → step 2: the networks.
    response = client.get(step1 + "&go=1", follow=True)
    assert response.status_code == HTTPStatus.OK
    body = text(response)
    assert "RARE-LIVER - Hepatological Diseases" in body
    assert "BOND - Bone Disorders" in body
    step2 = reverse("access_requests:wizard-organisation")

    # Open RARE-LIVER: the countries.
    response = client.get(step2, {"application": cpms.pk, "node": rare_liver.pk})
    body = text(response)
    assert "← Up" in body and "Germany" in body and "Austria" in body

    # Open Germany: the institutions with radio buttons.
    response = client.get(step2, {"application": cpms.pk, "node": germany.pk})
    body = text(response)
    assert "RARE-LIVER - Hepatological Diseases" in body
    assert "0000 Guest Access" in body
    assert "DE40 - Universitätsklinikum Hamburg-Eppendorf" in body
    assert "Showing 1 to 6 of 6 entries" in body
    assert "25 records per page" in body
    assert f'type="radio" name="organisation" value="{de40.pk}"' in body
    assert "← Step 1 : select an application" in body
    assert "Step 3 : select an access profile →" in body

    # Select DE40 → step 3.
    response = client.get(
        step2, {"application": cpms.pk, "node": germany.pk, "organisation": de40.pk, "go": "1"}
    )
    assert response.status_code == HTTPStatus.FOUND
    step3 = response["Location"]
    response = client.get(step3)
    body = text(response)
    for name in ("Coordinator", "Dispatcher", "HP", "Researcher"):
        assert name in body
    assert "healthcare professional available to participate in or lead panels" in body
    assert "Coordinator and Dispatcher need the HP profile in the same network" in body
    assert "← Step 2 : select an organisation" in body and "Step 4 : type a comment →" in body

    # Tick HP → step 4.
    response = client.get(
        reverse("access_requests:wizard-profile"),
        {"application": cpms.pk, "organisation": de40.pk, "profile": hp.pk, "go": "1"},
    )
    assert response.status_code == HTTPStatus.FOUND
    step4 = response["Location"]
    response = client.get(step4)
    body = text(response)
    assert "Summary" in body
    assert "RARE-LIVER - Hepatological Diseases / Germany / DE40" in body
    assert "A request to get access to an application will be validated by the administrators" in (
        body
    )
    assert "Submit request access" in body and "← Step 3 : select an access profile" in body
    assert AccessRequest.objects.count() == 0  # nothing is written before the submission

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("access_requests:wizard-recap"),
            {
                "application": cpms.pk,
                "organisation": de40.pk,
                "profile": [hp.pk],
                "comment": "Hepatologist at UKE",
            },
        )
    assert response.status_code == HTTPStatus.FOUND
    access_request = AccessRequest.objects.get()
    assert access_request.status == AccessRequest.Status.SUBMITTED
    assert access_request.user == user and access_request.institution == de40
    assert list(access_request.profiles.all()) == [hp]
    assert access_request.comment == "Hepatologist at UKE"
    assert response["Location"] == reverse(
        "access_requests:request-submitted", args=[access_request.pk]
    )
    body = text(client.get(response["Location"]))
    assert "2-3 days" in body

    # Two e-mails: the applicant's receipt and the notice to the network's administrators
    # (a superuser, as RARE-LIVER has no administrator of its own here).
    assert sorted(m.to[0] for m in mail.outbox) == sorted([user.email, superuser.email])
    receipt = next(m for m in mail.outbox if m.to == [user.email])
    notice = next(m for m in mail.outbox if m.to == [superuser.email])
    assert "CPMS" in receipt.subject and "Hello Anna" in receipt.body
    assert "DE40 - Universitätsklinikum Hamburg-Eppendorf" in receipt.body
    assert "RARE-LIVER" in notice.subject
    assert "Hepatologist at UKE" in notice.body and user.email in notice.body
    assert f"/admin/access_requests/accessrequest/{access_request.pk}/" in notice.body


# --- Step 2 -----------------------------------------------------------------------------


@pytest.fixture
def big_country(db):
    """A country with the guest institution and 59 hospitals: three pages of 25."""
    country = CountryFactory(parent__application=ApplicationFactory())
    InstitutionFactory(parent=country, code="0000", name="Guest Access")
    for n in range(1, 60):
        InstitutionFactory(parent=country, code=f"DE{n:02d}", name=f"Klinikum {n:02d}")
    return country


def step2(client, country, **params):
    return client.get(
        reverse("access_requests:wizard-organisation"),
        {"application": country.application_id, "node": country.pk, **params},
    )


def test_step_2_lists_countries_by_name_as_the_guide_does(client, user):
    network = NetworkFactory(code="RARE-LIVER", name="Hepatological Diseases")
    for code, name in [("HR", "Croatia"), ("CY", "Cyprus"), ("BG", "Bulgaria")]:
        CountryFactory(parent=network, code=code, name=name)
    body = text(
        client.get(
            reverse("access_requests:wizard-organisation"),
            {"application": network.application_id, "node": network.pk},
        )
    )
    assert body.index("Bulgaria") < body.index("Croatia") < body.index("Cyprus")


def test_step_2_paginates_25_records_per_page(client, user, big_country):
    body = text(step2(client, big_country))
    assert "Showing 1 to 25 of 60 entries" in body
    assert "0000 Guest Access" in body and "DE24 - Klinikum 24" in body
    assert "DE25 - Klinikum 25" not in body
    assert 'rel="next"' in body and 'rel="prev"' not in body
    body = text(step2(client, big_country, page=3))
    assert "Showing 51 to 60 of 60 entries" in body
    assert "DE59 - Klinikum 59" in body and "DE24 - Klinikum 24" not in body
    assert 'rel="prev"' in body and 'rel="next"' not in body
    # An out-of-range or invalid page shows a page, never an error.
    assert step2(client, big_country, page="999999999999999999999").status_code == HTTPStatus.OK
    assert step2(client, big_country, page="x").status_code == HTTPStatus.OK


def test_step_2_search_filters_and_keeps_the_state_in_page_links(client, user, big_country):
    body = text(step2(client, big_country, q="klinikum 1"))
    # Klinikum 10 … 19
    assert "Showing 1 to 10 of 10 entries" in body
    assert "DE15 - Klinikum 15" in body and "DE21 - Klinikum 21" not in body
    body = text(step2(client, big_country, q="Klinikum"))
    assert "Showing 1 to 25 of 59 entries" in body
    assert "q=Klinikum&page=2" in body
    body = text(step2(client, big_country, q="nowhere"))
    assert "Showing 0 to 0 of 0 entries" in body
    assert "No organisation matches your search." in body


def test_step_2_marks_institutions_with_a_pending_request(client, user, big_country):
    institution = big_country.children.get(code="DE03")
    AccessRequestFactory(user=user, institution=institution)
    decided = big_country.children.get(code="DE04")
    withdrawn = AccessRequestFactory(user=user, institution=decided)
    services.withdraw_request(access_request=withdrawn, user=user)
    AccessRequestFactory(institution=big_country.children.get(code="DE05"))  # someone else's
    body = text(step2(client, big_country))
    assert "DE03 - Klinikum 03</label> <em>(request submitted)</em>" in body
    assert body.count("(request submitted)") == 2  # the row and the guide's explanation
    assert "Organisation marked with (request submitted) can already be used" in body
    # It can still be chosen (for another profile).
    response = step2(client, big_country, organisation=institution.pk, go="1")
    assert response.status_code == HTTPStatus.FOUND


def test_step_2_without_a_selection_says_so(client, user, big_country):
    response = step2(client, big_country, go="1")
    assert response.status_code == HTTPStatus.OK
    assert "Select an institution." in text(response)


def test_step_2_up_and_breadcrumb(client, user, germany, de40):
    body = text(step2(client, germany, organisation=de40.pk))
    assert "← Up" in body
    network_url = (
        f"{reverse('access_requests:wizard-organisation')}"
        f"?application={germany.application_id}&node={germany.parent_id}"
    )
    assert f'href="{network_url}"' in body.replace("&amp;", "&")
    assert '<span aria-current="location">Germany</span>' in body
    assert f'value="{de40.pk}" id="org-{de40.pk}" checked' in body


def test_closed_institution_cannot_be_selected(client, user, big_country):
    closed = big_country.children.get(code="DE07")
    closed.is_open = False
    closed.save()
    body = text(step2(client, big_country))
    assert f'value="{closed.pk}"' not in body
    assert "DE07 - Klinikum 07 <em>(closed)</em>" in body
    response = step2(client, big_country, organisation=closed.pk, go="1")
    assert response.status_code == HTTPStatus.OK
    assert "is closed" in text(response)


# --- Step 3 rules -------------------------------------------------------------------------


@pytest.fixture
def profiles(cpms):
    return {p.code: p for p in AccessProfile.objects.filter(application=cpms)}


def step3(client, institution, *chosen):
    return client.get(
        reverse("access_requests:wizard-profile"),
        {
            "application": institution.application_id,
            "organisation": institution.pk,
            "profile": [p.pk for p in chosen],
            "go": "1",
        },
    )


def test_step_3_needs_at_least_one_profile(client, user, de40):
    response = step3(client, de40)
    assert response.status_code == HTTPStatus.OK
    assert "Select at least one access profile." in text(response)


def test_step_3_refuses_a_held_profile_and_shows_its_status(client, user, de40, profiles):
    MembershipFactory(user=user, institution=de40, profile=profiles["HP"])
    response = step3(client, de40, profiles["HP"])
    body = text(response)
    assert "You already hold the HP profile at this organisation." in body
    assert f'value="{profiles["HP"].pk}" id="profile-{profiles["HP"].pk}" disabled' in body
    assert '<span class="status">Granted</span>' in body


def test_step_3_refuses_a_pending_profile_and_shows_its_status(client, user, de40, profiles):
    AccessRequestFactory(user=user, institution=de40, with_profiles=[profiles["RESEARCHER"]])
    body = text(step3(client, de40, profiles["RESEARCHER"]))
    assert (
        "You already have a pending request for the Researcher profile at this organisation."
        in body
    )
    assert '<span class="status">Submitted</span>' in body
    # Another profile at the same institution is fine.
    assert step3(client, de40, profiles["HP"]).status_code == HTTPStatus.FOUND


@pytest.mark.parametrize("code", ["COORDINATOR", "DISPATCHER"])
def test_step_3_coordinator_and_dispatcher_need_hp_in_the_network(
    client, user, de40, profiles, code
):
    body = text(step3(client, de40, profiles[code]))
    name = profiles[code].name
    assert (
        f"The {name} profile needs the HP profile in the same network: "
        "select HP too, or request it first." in body
    )
    # Requested in the same submission: accepted.
    assert step3(client, de40, profiles[code], profiles["HP"]).status_code == HTTPStatus.FOUND


def test_step_3_hp_held_or_pending_elsewhere_in_the_network_is_enough(
    client, user, germany, de40, profiles
):
    de05 = germany.children.get(code="DE05")
    MembershipFactory(user=user, institution=de05, profile=profiles["HP"])
    assert step3(client, de40, profiles["COORDINATOR"]).status_code == HTTPStatus.FOUND


def test_step_3_hp_pending_elsewhere_in_the_network_is_enough(
    client, user, germany, de40, profiles
):
    de05 = germany.children.get(code="DE05")
    AccessRequestFactory(user=user, institution=de05, with_profiles=[profiles["HP"]])
    assert step3(client, de40, profiles["DISPATCHER"]).status_code == HTTPStatus.FOUND


def test_step_3_hp_in_another_network_is_not_enough(client, user, de40, profiles):
    other = Organisation.objects.get(
        parent__parent__code="BOND", parent__code="DE", code=Organisation.GUEST_CODE
    )
    MembershipFactory(user=user, institution=other, profile=profiles["HP"])
    assert step3(client, de40, profiles["COORDINATOR"]).status_code == HTTPStatus.OK


def test_step_4_with_a_refused_profile_goes_back_to_step_3_with_the_message(
    client, user, de40, profiles
):
    response = client.get(
        reverse("access_requests:wizard-recap"),
        {
            "application": de40.application_id,
            "organisation": de40.pk,
            "profile": profiles["COORDINATOR"].pk,
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0].startswith(reverse("access_requests:wizard-profile"))
    assert "needs the HP profile" in text(response)


def test_guest_access_says_when_it_expires(client, user, germany, profiles, settings):
    settings.ACCESS_REQUESTS_GUEST_ACCESS_DAYS = 45
    guest = germany.children.get(code=Organisation.GUEST_CODE)
    response = client.get(
        reverse("access_requests:wizard-recap"),
        {
            "application": guest.application_id,
            "organisation": guest.pk,
            "profile": profiles["HP"].pk,
        },
    )
    assert "the membership expires 45 days after it is approved" in text(response)


# --- Step 4 and after ---------------------------------------------------------------------


def recap_post(client, institution, *chosen, comment=""):
    return client.post(
        reverse("access_requests:wizard-recap"),
        {
            "application": institution.application_id,
            "organisation": institution.pk,
            "profile": [p.pk for p in chosen],
            "comment": comment,
        },
    )


def test_replayed_submission_creates_one_request(client, user, de40, profiles):
    first = recap_post(client, de40, profiles["HP"])
    assert first.status_code == HTTPStatus.FOUND
    again = recap_post(client, de40, profiles["HP"])
    assert again.status_code == HTTPStatus.FOUND
    assert again["Location"] == reverse("access_requests:home")
    assert AccessRequest.objects.count() == 1
    body = text(client.get(again["Location"]))
    assert "You already have a pending request for this profile at this organisation." in body


def test_duplicate_refused_by_the_database_is_a_message(client, user, de40, profiles, monkeypatch):
    """The race the form cannot see: the service's DuplicateRequest becomes a message."""
    recap_post(client, de40, profiles["HP"])
    monkeypatch.setattr(
        "access_requests.forms.ProfileForm.clean_profile",
        lambda self: list(self.cleaned_data["profile"]),
    )
    response = recap_post(client, de40, profiles["HP"])
    assert response["Location"] == reverse("access_requests:home")
    assert AccessRequest.objects.count() == 1


def test_comment_too_long_is_refused_and_kept(client, user, de40, profiles):
    response = recap_post(client, de40, profiles["HP"], comment="x" * 2001)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = text(response)
    assert "Ensure this value has at most 2000 characters" in body
    assert "x" * 2001 in body
    assert AccessRequest.objects.count() == 0


def test_submit_needs_a_post_with_csrf(user, de40, profiles):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    response = recap_post(csrf_client, de40, profiles["HP"])
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert AccessRequest.objects.count() == 0


def test_confirmation_page_tells_what_comes_next(client, user, de40, profiles):
    response = client.get(recap_post(client, de40, profiles["HP"])["Location"])
    body = text(response)
    assert "2-3 days" in body and "SMS" in body and "mobile phone" in body
    assert f'href="{reverse("two_factor:phone")}">Add your mobile phone number now' in body


# --- Tampered URLs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "params", "status", "message"),
    [
        ("wizard-organisation", {}, 400, "Select an application first."),
        ("wizard-organisation", {"application": "abc"}, 400, "is not a valid application"),
        ("wizard-organisation", {"application": "99999"}, 404, "This application does not exist."),
        ("wizard-organisation", {"application": "9" * 30}, 400, "is not a valid application"),
        ("wizard-organisation", {"application": "-1"}, 400, "is not a valid application"),
        ("wizard-organisation", {"application": "CLOSED"}, 400, "is closed"),
        ("wizard-organisation", {"node": "99999"}, 404, "This organisation does not exist."),
        ("wizard-organisation", {"node": "OTHER"}, 400, "does not belong to the application"),
        ("wizard-organisation", {"node": "DE40"}, 400, "An institution has nothing to open"),
        ("wizard-organisation", {"node": "x1"}, 400, "is not a valid organisation"),
        ("wizard-profile", {}, 400, "Select an organisation first."),
        ("wizard-profile", {"organisation": "GERMANY"}, 400, "select an institution"),
        ("wizard-profile", {"organisation": "NETWORK"}, 400, "select an institution"),
        ("wizard-profile", {"organisation": "OTHER"}, 400, "does not belong to the application"),
        ("wizard-profile", {"organisation": "99999999"}, 404, "does not exist"),
        ("wizard-profile", {"organisation": "9" * 19}, 400, "is not a valid organisation"),
        ("wizard-profile", {"organisation": "\uff11\uff12"}, 400, "is not a valid organisation"),
        ("wizard-recap", {"organisation": "GERMANY"}, 400, "select an institution"),
        ("wizard-recap", {"application": "CLOSED", "organisation": "DE40"}, 400, "is closed"),
    ],
)
def test_tampered_urls_give_a_clear_error_page(
    client, user, cpms, germany, de40, url_name, params, status, message
):
    closed = Application.objects.get(name="AAC")
    other_app = ApplicationFactory(code="other", name="Other")
    other = InstitutionFactory(parent=CountryFactory(parent=NetworkFactory(application=other_app)))
    names = {
        "CLOSED": closed.pk,
        "OTHER": other.pk,
        "DE40": de40.pk,
        "GERMANY": germany.pk,
        "NETWORK": germany.parent_id,
    }
    query = {"application": cpms.pk}
    if url_name != "wizard-organisation":
        query["organisation"] = de40.pk
    query.update({k: names.get(v, v) for k, v in params.items()})
    if params == {}:
        query.pop("organisation" if url_name == "wizard-profile" else "application")
    response = client.get(reverse(f"access_requests:{url_name}"), query)
    assert response.status_code == status
    assert message in text(response)
    assert "Start again at step 1" in text(response)


@pytest.mark.parametrize("profile", ["abc", "99999", "9" * 30])
def test_tampered_profile_ids_are_refused_with_a_message(client, user, de40, profile):
    response = client.get(
        reverse("access_requests:wizard-profile"),
        {"application": de40.application_id, "organisation": de40.pk, "profile": profile, "go": 1},
    )
    assert response.status_code == HTTPStatus.OK
    assert "This access profile does not exist." in text(response)


def test_submission_mails_the_network_administrators_not_the_superusers(
    client, user, de40, profiles, django_capture_on_commit_callbacks
):
    admin = UserFactory(is_staff=True)
    NetworkAdministrator.objects.create(user=admin, network=de40.network)
    other_network_admin = UserFactory(is_staff=True)
    NetworkAdministrator.objects.create(
        user=other_network_admin, network=Organisation.objects.get(code="BOND")
    )
    UserFactory(is_superuser=True, is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        recap_post(client, de40, profiles["HP"])
    assert sorted(m.to[0] for m in mail.outbox) == sorted([user.email, admin.email])


def test_no_mail_when_nothing_is_submitted(
    client, user, de40, profiles, django_capture_on_commit_callbacks
):
    UserFactory(is_superuser=True, is_staff=True)
    recap_post(client, de40, profiles["HP"])
    with django_capture_on_commit_callbacks(execute=True):
        recap_post(client, de40, profiles["HP"])  # a replay: refused, nothing queued
    assert OutboundEmail.objects.count() == 2


def test_step_indicator_links_earlier_steps_with_the_state(client, user, de40, profiles):
    response = client.get(
        reverse("access_requests:wizard-recap"),
        {
            "application": de40.application_id,
            "organisation": de40.pk,
            "profile": profiles["HP"].pk,
        },
    )
    body = response.content.decode().replace("&amp;", "&")
    app = de40.application_id
    assert f'href="/requests/new/?application={app}">1 Select application' in body
    assert (
        f'href="/requests/new/organisation/?application={app}&node={de40.parent_id}'
        f'&organisation={de40.pk}">2 Select organisation' in body
    )
    assert (
        f'href="/requests/new/profile/?application={app}&organisation={de40.pk}'
        f'&profile={profiles["HP"].pk}">3 Select access profile' in body
    )
    assert '<li aria-current="step">4 Recap and Submission' in body
