"""Verification link → choosing the password → login; expired and used links; reset."""

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Rare-liver-panel-2026!"


def signup_data(altcha: str) -> dict[str, str]:
    return {
        "first_name": "Luc",
        "last_name": "Martin",
        "email": "luc.martin@chu.example.fr",
        "email2": "luc.martin@chu.example.fr",
        "email_language": "en",
        "altcha": altcha,
        "privacy": "on",
    }


@pytest.fixture
def signed_up(client, solve_robot_check, outbox):
    """A person who has just created an account; returns (user, link from the e-mail)."""
    response = client.post(reverse("account_signup"), signup_data(solve_robot_check()))
    assert response.status_code == HTTPStatus.FOUND
    return User.objects.get(), link_in(outbox()[-1].body)


def link_in(body: str) -> str:
    return re.search(r"http://testserver(/\S+)", body).group(1)


def actions(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_id=str(user.pk))
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )


def test_the_link_verifies_then_leads_to_choosing_the_password_then_login(client, signed_up):
    user, link = signed_up
    page = client.get(link)
    assert page.status_code == HTTPStatus.OK
    assert "Verify my e-mail address" in page.content.decode()

    response = client.post(link)
    assert response.status_code == HTTPStatus.FOUND
    assert EmailAddress.objects.get(user=user).verified
    # allauth keeps the key in the session and shows the form at a key-less URL.
    response = client.get(response["Location"], follow=True)
    body = response.content.decode()
    assert "Choose your password" in body
    form_url = response.redirect_chain[-1][0]

    weak = client.post(form_url, {"password1": "password123", "password2": "password123"})
    assert "This password is too common." in weak.content.decode()
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("account_reset_password_from_key_done")
    done = client.get(response["Location"]).content.decode()
    assert "Password successfully set." in done and "changed" not in done
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    response = client.post(
        reverse("account_login"), {"login": user.email, "password": NEW_PASSWORD}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("cpms-home")
    assert actions(user) == ["signup", "email_verified", "password_set", "login"]


def test_the_password_link_is_single_use(client, signed_up):
    _user, link = signed_up
    password_url = client.post(link)["Location"]
    client.post(link)  # the verification link itself is now used
    form_url = client.get(password_url)["Location"]
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    again = Client().get(password_url)
    assert "This link has expired or has already been used." in again.content.decode()
    assert reverse("accounts:new_link") in again.content.decode()


def test_an_expired_link_offers_a_new_one(client, signed_up, time_machine, settings, outbox):
    user, link = signed_up
    time_machine.move_to(
        timezone.now() + timedelta(days=settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS, hours=1)
    )
    page = client.get(link)
    body = page.content.decode()
    assert page.status_code == HTTPStatus.OK
    assert "This link has expired or has already been used." in body
    assert f'action="{reverse("accounts:new_link")}"' in body
    assert not EmailAddress.objects.get(user=user).verified

    response = client.post(reverse("accounts:new_link"), {"email": user.email})
    assert "If an account uses the address" in response.content.decode()
    fresh = link_in(outbox()[-1].body)
    assert fresh != link
    client.post(fresh)
    assert EmailAddress.objects.get(user=user).verified


def test_a_used_link_offers_a_password_link_when_none_was_chosen(client, signed_up, outbox):
    user, link = signed_up
    client.post(link)  # verified, but the person left before choosing a password
    assert "This link has expired" in Client().get(link).content.decode()
    Client().post(reverse("accounts:new_link"), {"email": user.email})
    message = outbox()[-1]
    assert "/accounts/password/reset/key/" in message.body


def test_new_link_page_is_the_same_for_unknown_addresses(client, outbox):
    UserFactory(email="known@uke.example.de")
    known = client.post(reverse("accounts:new_link"), {"email": "known@uke.example.de"})
    unknown = Client().post(reverse("accounts:new_link"), {"email": "ghost@uke.example.de"})
    assert known.status_code == unknown.status_code == HTTPStatus.OK
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|known@|ghost@')
    assert strip.sub("", known.content.decode()) == strip.sub("", unknown.content.decode())
    assert outbox(to="ghost@uke.example.de") == []


def test_password_reset_does_not_reveal_a_registered_address(client, outbox):
    UserFactory(email="known@uke.example.de")
    known = client.post(reverse("account_reset_password"), {"email": "known@uke.example.de"})
    unknown = Client().post(reverse("account_reset_password"), {"email": "ghost@example.org"})
    assert known.status_code == unknown.status_code == HTTPStatus.FOUND
    assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")
    assert "/accounts/password/reset/key/" in outbox(to="known@uke.example.de")[0].body
    assert "no account uses this address" in outbox(to="ghost@example.org")[0].body


def test_password_reset_sets_a_new_password(client, outbox):
    user = UserFactory()
    client.post(reverse("account_reset_password"), {"email": user.email})
    link = link_in(outbox(to=user.email)[-1].body)
    form_url = client.get(link)["Location"]
    assert "Choose a new password" in client.get(form_url).content.decode()
    done = client.post(
        form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True
    )
    assert "Password successfully changed." in done.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert actions(user)[-1] == "password_changed"


def test_login_page_follows_the_guide_and_audits_failures(client):
    user = UserFactory()
    page = client.get(reverse("account_login")).content.decode()
    assert "ERN-CPMS requires you to authenticate" in page and "Sign in to continue" in page
    assert f'href="{reverse("account_reset_password")}">Lost your password?' in page
    assert page.count(reverse("account_reset_password")) == 1  # not allauth's help text too

    response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    assert response.status_code == HTTPStatus.OK
    assert user.email in response.content.decode()  # the typed address is kept
    assert actions(user) == ["login_failed"]


def test_login_goes_to_next_and_logout_is_audited(client):
    user = UserFactory()
    response = client.post(
        reverse("account_login") + "?next=" + reverse("accounts:profile"),
        {"login": user.email, "password": PASSWORD},
    )
    assert response["Location"] == reverse("accounts:profile")
    client.post(reverse("account_logout"))
    assert actions(user) == ["login", "logout"]


def test_password_change_is_audited(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == HTTPStatus.FOUND
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert actions(user)[-1] == "password_changed"


def test_a_new_link_goes_out_after_the_response_so_timing_reveals_nothing(rf):
    """Known and unknown addresses take as long: the mail is sent once the page is out."""
    from allauth.core import context as allauth_context
    from django.contrib.auth.models import AnonymousUser
    from django.core import mail

    from accounts.models import OutboundEmail
    from accounts.views import new_link

    user = UserFactory(email="known@uke.example.de")
    request = rf.post(reverse("accounts:new_link"), {"email": user.email})
    request.user = AnonymousUser()
    request.session = {}
    request._dont_enforce_csrf_checks = True

    with allauth_context.request_context(request):
        response = new_link(request)

    assert response.status_code == HTTPStatus.OK
    assert OutboundEmail.objects.filter(to=user.email, sent_at__isnull=True).exists()
    assert mail.outbox == []
    response.close()  # the server closes the response once it is delivered
    assert [m.to for m in mail.outbox] == [[user.email]]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_sign_up_and_confirmation_say_each_thing_once_in_the_portals_words(
    client, solve_robot_check, outbox
):
    response = client.post(
        reverse("account_signup"), signup_data(solve_robot_check()), follow=True
    )
    # The page says "We have sent you an e-mail": no "Confirmation email sent to …".
    assert "We have sent you an e-mail." in response.content.decode()
    assert messages_of(response) == []

    response = client.post(link_in(outbox()[-1].body), follow=True)
    # The page says the address "is verified": no "You have confirmed …" above it.
    assert "is verified. Choose the password of your account." in response.content.decode()
    assert messages_of(response) == []


def labels_of(body: str) -> list[str]:
    return [" ".join(label.split()) for label in re.findall(r"<label[^>]*>([^<]+)", body)]


def test_the_password_pages_label_in_sentence_case_and_write_one_apostrophe(client, signed_up):
    _user, link = signed_up
    response = client.get(client.post(link)["Location"], follow=True)
    body = response.content.decode()

    assert labels_of(body)[-2:] == ["New password", "New password (again)"]
    # Django's help texts write "can\u2019t": the portal's own says it the same way.
    assert "can\u2019t be mostly repeated or consecutive characters" in body
    assert "can&#x27;t" not in body and "can't" not in body

    client.force_login(UserFactory())
    body = client.get(reverse("account_change_password")).content.decode()
    assert labels_of(body)[-3:] == ["Current password", "New password", "New password (again)"]
