"""The four-step request wizard, end to end and step by step."""

import html
from http import HTTPStatus

import pytest
from django.core import mail
from django.urls import reverse

from access_requests.models import AccessProfile, AccessRequest, Application, Organisation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(client):
    user = UserFactory(first_name="Anna", last_name="Schmidt")
    client.force_login(user)
    return user


@pytest.fixture
def cpms(reference_data):
    return Application.objects.get(code="cpms")


@pytest.fixture
def germany(cpms):
    return Organisation.objects.get(parent__code="RARE-LIVER", parent__parent=None, code="DE")


@pytest.fixture
def de40(germany):
    return Organisation.objects.get(parent=germany, code="DE40")


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_whole_wizard_rare_liver_germany_de40_hp(
    client, user, cpms, germany, de40, django_capture_on_commit_callbacks
):
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
