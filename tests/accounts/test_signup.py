"""Create an account: each bad input re-renders with its message and the input kept."""

import re
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.app_settings import app_settings
from accounts.models import AuditEvent, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = reverse("account_signup")


@pytest.fixture
def signup_data(solve_robot_check):
    def data(**overrides) -> dict:
        values = {
            "first_name": "Anna",
            "last_name": "Schmidt",
            "email": "anna.schmidt@uke.example.de",
            "email2": "anna.schmidt@uke.example.de",
            "email_language": "de",
            "altcha": solve_robot_check(),
            "privacy": "on",
        }
        values.update(overrides)
        return {key: value for key, value in values.items() if value is not None}

    return data


def without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def assert_input_kept(body: str, data: dict) -> None:
    for name in ("first_name", "last_name", "email", "email2"):
        if data.get(name):
            assert f'name="{name}" value="{data[name]}"' in body, name
    assert f'<option value="{data["email_language"]}" selected>' in body


def test_the_form_has_the_guides_fields(client):
    body = client.get(SIGNUP).content.decode()
    for label in ("First name", "Last name", "E-mail", "Confirm e-mail", "E-mail language"):
        assert f">{label}</label>" in body
    assert "<altcha-widget" in body and "js/robot-check.js" in body
    assert reverse("accounts:privacy_statement") in body
    assert "you acknowledge that you have read and understood the" in body
    # The 24 e-mail languages and the switch's page languages.
    assert len(re.findall(r"<option value=", body)) == 24 + len(settings.LANGUAGES)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email2": "anna.schmit@uke.example.de"}, "email2", "The two e-mail addresses differ"),
        (
            {"email": "anna.schmidt@", "email2": "anna.schmidt@"},
            "email",
            "Enter a valid email address.",
        ),
        ({"privacy": None}, "privacy", "Please acknowledge the privacy statement"),
        ({"altcha": None}, "altcha", "Please complete the check against robots"),
        ({"altcha": "eyJmb3JnZWQiOiB0cnVlfQ=="}, "altcha", "could not be verified"),
        ({"first_name": ""}, "first_name", "This field is required."),
    ],
    ids=["mismatched-emails", "invalid-email", "no-privacy", "no-robot-check", "forged", "name"],
)
def test_bad_input_rerenders_with_the_message_and_the_input_kept(
    client, signup_data, overrides, field, message
):
    data = signup_data(**overrides)
    response = client.post(SIGNUP, data)
    assert response.status_code == HTTPStatus.OK
    body = response.content.decode()
    assert message in body
    assert f'id="id_{field}_error"' in body  # the message sits at its field
    assert_input_kept(body, data)
    assert not User.objects.exists()


def test_a_replayed_robot_check_is_refused(client, signup_data):
    data = signup_data()
    assert client.post(SIGNUP, data).status_code == HTTPStatus.FOUND
    replay = {**data, "email": "bot@spam.example", "email2": "bot@spam.example"}
    response = client.post(SIGNUP, replay)
    assert response.status_code == HTTPStatus.OK
    assert "This check against robots has already been used" in response.content.decode()
    assert_input_kept(response.content.decode(), replay)
    assert list(User.objects.values_list("email", flat=True)) == ["anna.schmidt@uke.example.de"]


def test_signup_creates_an_account_without_password_and_mails_in_its_language(
    client, signup_data, outbox
):
    response = client.post(SIGNUP, signup_data())
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("account_email_verification_sent")

    user = User.objects.get()
    assert (user.first_name, user.last_name, user.email_language) == ("Anna", "Schmidt", "de")
    assert not user.has_usable_password()
    assert user.privacy_version == app_settings.PRIVACY_STATEMENT_VERSION
    assert user.privacy_acknowledged_at is not None
    assert not EmailAddress.objects.get(user=user).verified
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SIGNUP, target_id=user.pk).exists()

    (message,) = outbox()
    assert message.to == user.email
    assert (
        message.subject
        == "[ERN CPMS] Bestätigen Sie Ihre E-Mail-Adresse und wählen Sie Ihr Passwort"
    )
    assert message.body.startswith("Guten Tag Anna,")
    assert "Um Ihre Adresse zu bestätigen und Ihr Passwort zu wählen" in message.body
    assert "/accounts/confirm-email/" in message.body


@pytest.mark.parametrize(
    ("language", "subject_start"), [("fr", "[ERN CPMS] Vérifiez"), ("pl", "[ERN CPMS] Zweryfikuj")]
)
def test_other_languages_get_their_mail_in_their_language(
    client, signup_data, outbox, language, subject_start
):
    client.post(SIGNUP, signup_data(email_language=language))
    (message,) = outbox()
    assert message.subject.startswith(subject_start)


def test_signup_does_not_reveal_a_registered_address(client, signup_data, outbox):
    known = UserFactory(email="known@uke.example.de", email_language="en")
    new = client.post(SIGNUP, signup_data(email="new@uke.example.de", email2="new@uke.example.de"))
    other_browser = Client()
    again = other_browser.post(
        SIGNUP, signup_data(email="known@uke.example.de", email2="known@uke.example.de")
    )
    assert (new.status_code, new["Location"]) == (again.status_code, again["Location"])
    page_new = without_csrf(client.get(new["Location"])).replace("new@", "@")
    page_again = without_csrf(other_browser.get(again["Location"])).replace("known@", "@")
    assert page_new == page_again
    assert User.objects.filter(email__iexact="known@uke.example.de").count() == 1
    # The owner of the known address learns that someone tried, by e-mail only.
    (warning,) = outbox(to=known.email)
    assert "already exists" in warning.body


def test_the_page_follows_the_browser_language(client):
    body = client.get(SIGNUP, headers={"accept-language": "fr"}).content.decode()
    assert "Créer un compte" in body and '<html lang="fr">' in body
    assert '<option value="fr" selected>français (fr)</option>' in body  # e-mail language too


def test_the_language_switcher_works_before_login(client):
    response = client.post(reverse("set_language"), {"language": "de", "next": SIGNUP})
    assert response["Location"] == SIGNUP
    assert "Konto erstellen" in client.get(SIGNUP).content.decode()
