"""'Your sessions' in User Data details, and the e-mail of a login from a new browser."""

import re
from http import HTTPStatus

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from accounts import sessions
from accounts.models import AuditEvent, KnownBrowser, OutboundEmail
from tests.factories import PASSWORD, SMSDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")
END_ONE = reverse("accounts:session_end")
END_OTHERS = reverse("accounts:sessions_end_others")
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def browser(user_agent: str = FIREFOX_LINUX, address: str = "198.51.100.7") -> Client:
    return Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)


def log_out(client: Client) -> None:
    # Not Client.logout(): it forgets every cookie, the browser's id too.
    client.post(reverse("account_logout"))


def log_in(client: Client, user) -> None:
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:500]


@pytest.fixture
def user():
    return UserFactory(first_name="Ada")


def test_describe_device_names_the_browser_and_the_system():
    assert sessions.describe_device(FIREFOX_LINUX) == "Firefox on Linux"
    assert sessions.describe_device(CHROME_WINDOWS) == "Chrome on Windows"
    assert sessions.describe_device(SAFARI_IPHONE) == "Safari on iOS"
    edge = CHROME_WINDOWS + " Edg/131.0.0.0"
    assert sessions.describe_device(edge) == "Edge on Windows"
    assert sessions.describe_device("") == "Unknown browser"
    assert sessions.describe_device("curl/8.5.0") == "Unknown browser"


# --- the list ----------------------------------------------------------------------------


def test_the_list_shows_each_session_with_its_device_address_and_the_current_one(user):
    laptop, phone = browser(FIREFOX_LINUX, "198.51.100.7"), browser(SAFARI_IPHONE, "203.0.113.9")
    log_in(laptop, user)
    log_in(phone, user)

    response = laptop.get(PROFILE)

    rows = response.context["user_sessions"]
    assert [(r.device, r.ip, r.is_current) for r in rows] == [
        ("Firefox on Linux", "198.51.100.7", True),
        ("Safari on iOS", "203.0.113.9", False),
    ]
    assert all(r.last_seen_at and r.signed_in_at for r in rows)
    page = response.content.decode()
    table = page[page.index('<table class="table sessions-table">') : page.index("</table>")]
    assert "<caption" in table
    assert table.count('<th scope="col">') == 5
    assert "This session" in table
    assert "Safari on iOS" in table and "203.0.113.9" in table
    # One "End" button, for the other session; then "End all other sessions".
    assert table.count(f'action="{END_ONE}"') == 1
    assert f'action="{END_OTHERS}"' in page


def test_last_seen_follows_the_activity_at_most_once_a_minute(user, monkeypatch):
    laptop = browser()
    log_in(laptop, user)
    laptop.get(PROFILE)
    row = UserSession.objects.get(user=user)
    first_seen = row.last_seen_at

    laptop.get(PROFILE)  # within the minute: not written again
    assert UserSession.objects.get(pk=row.pk).last_seen_at == first_seen

    clock = sessions.time.time() + sessions.TRACK_RESOLUTION_SECONDS + 1
    monkeypatch.setattr(sessions.time, "time", lambda: clock)
    laptop.get(PROFILE, REMOTE_ADDR="198.51.100.8")
    row.refresh_from_db()
    assert row.last_seen_at > first_seen
    assert row.ip == "198.51.100.8"


def test_the_session_keeps_its_row_when_the_second_factor_cycles_its_key(client, user):
    from tests.accounts.two_factor_support import pass_sms_challenge

    SMSDeviceFactory(user=user, number="+4915112345678")
    log_in(client, user)
    before = UserSession.objects.get(user=user)
    pass_sms_challenge(client)

    after = UserSession.objects.get(user=user)
    assert after.pk == before.pk
    assert after.session_key == client.session.session_key != before.session_key


# --- ending sessions -----------------------------------------------------------------------


def test_ending_another_session_logs_that_browser_out(user):
    laptop, phone = browser(FIREFOX_LINUX), browser(SAFARI_IPHONE)
    log_in(laptop, user)
    log_in(phone, user)
    laptop.get(PROFILE)
    other = UserSession.objects.get(user=user, user_agent=SAFARI_IPHONE)

    response = laptop.post(END_ONE, {"session": other.pk})

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == PROFILE
    assert phone.get(PROFILE).status_code == HTTPStatus.FOUND  # to the login
    assert laptop.get(PROFILE).status_code == HTTPStatus.OK
    assert not UserSession.objects.filter(pk=other.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.SESSION_ENDED)
    assert event.actor == user
    assert event.data == {
        "count": 1,
        "sessions": [other.pk],
        "devices": ["Safari on iOS"],
        "all_others": False,
    }
    assert other.session_key not in str(event.data)


def test_ending_all_other_sessions_keeps_this_one(user):
    laptop, phone, desktop = (
        browser(FIREFOX_LINUX),
        browser(SAFARI_IPHONE),
        browser(CHROME_WINDOWS),
    )
    for each in (laptop, phone, desktop):
        log_in(each, user)
    laptop.get(PROFILE)
    others = set(
        UserSession.objects.filter(user=user)
        .exclude(user_agent=FIREFOX_LINUX)
        .values_list("pk", flat=True)
    )

    response = laptop.post(END_OTHERS)

    assert response.status_code == HTTPStatus.FOUND
    assert phone.get(PROFILE).status_code == HTTPStatus.FOUND
    assert desktop.get(PROFILE).status_code == HTTPStatus.FOUND
    assert laptop.get(PROFILE).status_code == HTTPStatus.OK
    assert [s.user_agent for s in UserSession.objects.filter(user=user)] == [FIREFOX_LINUX]
    event = AuditEvent.objects.get(action=AuditEvent.Action.SESSION_ENDED)
    assert event.data["count"] == 2 and event.data["all_others"] is True
    assert set(event.data["sessions"]) == others


def test_nothing_to_end_writes_no_audit_event(user):
    laptop = browser()
    log_in(laptop, user)

    response = laptop.post(END_OTHERS, follow=True)

    assert "You are not logged in anywhere else." in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SESSION_ENDED).exists()


def test_another_users_session_cannot_be_ended(user):
    intruder, victim_browser = browser(CHROME_WINDOWS), browser(SAFARI_IPHONE)
    victim = UserFactory()
    log_in(victim_browser, victim)
    log_in(intruder, user)
    victims_session = UserSession.objects.get(user=victim)

    response = intruder.post(END_ONE, {"session": victims_session.pk})

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert UserSession.objects.filter(pk=victims_session.pk).exists()
    assert victim_browser.get(PROFILE).status_code == HTTPStatus.OK
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SESSION_ENDED).exists()


@pytest.mark.parametrize("value", ["", "abc", "-1", "999999", "9" * 30])
def test_an_unknown_session_is_not_found(user, value):
    laptop = browser()
    log_in(laptop, user)

    assert laptop.post(END_ONE, {"session": value}).status_code == HTTPStatus.NOT_FOUND


def test_the_current_session_is_not_ended_by_the_end_button(user):
    laptop = browser()
    log_in(laptop, user)
    laptop.get(PROFILE)
    current = UserSession.objects.get(user=user)

    assert laptop.post(END_ONE, {"session": current.pk}).status_code == HTTPStatus.NOT_FOUND
    assert laptop.get(PROFILE).status_code == HTTPStatus.OK


@pytest.mark.parametrize("url", [END_ONE, END_OTHERS])
def test_ending_takes_a_post(user, url):
    laptop = browser()
    log_in(laptop, user)

    assert laptop.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED


@pytest.mark.parametrize("url", [END_ONE, END_OTHERS])
def test_ending_needs_the_csrf_token(user, url):
    laptop = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=FIREFOX_LINUX)
    log_in_with_csrf(laptop, user)

    assert laptop.post(url, {"session": "1"}).status_code == HTTPStatus.FORBIDDEN


def log_in_with_csrf(client: Client, user) -> None:
    page = client.get(reverse("account_login")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    log_in_response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert log_in_response.status_code == HTTPStatus.FOUND


@pytest.mark.parametrize("url", [END_ONE, END_OTHERS])
def test_a_session_before_its_second_factor_cannot_end_sessions(user, url):
    SMSDeviceFactory(user=user, number="+4915112345678")
    verified, half = browser(FIREFOX_LINUX), browser(SAFARI_IPHONE)
    log_in(verified, user)
    log_in(half, user)  # the password only: the SMS code is still to come
    other = UserSession.objects.get(user=user, user_agent=FIREFOX_LINUX)

    response = half.post(url, {"session": other.pk})

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("two_factor:challenge"))
    assert UserSession.objects.filter(pk=other.pk).exists()


def test_allauths_page_of_sessions_is_user_data_details(user):
    laptop = browser()
    log_in(laptop, user)

    response = laptop.get(reverse("usersessions_list"))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == PROFILE


def test_the_users_sessions_and_browsers_go_with_the_account(user):
    from accounts import services

    laptop = browser()
    log_in(laptop, user)
    assert UserSession.objects.filter(user=user).exists()
    assert KnownBrowser.objects.filter(user=user).exists()

    services.delete_account(user=user, request=None)

    assert not UserSession.objects.exists()
    assert not KnownBrowser.objects.exists()


# --- new browsers --------------------------------------------------------------------------


def new_browser_mails(user) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(to=user.email, subject__contains="new browser"))


def test_the_first_browser_is_not_mailed_but_remembered(user):
    laptop = browser()
    log_in(laptop, user)

    assert not OutboundEmail.objects.filter(to=user.email).exists()
    assert KnownBrowser.objects.filter(user=user).count() == 1
    cookie = laptop.cookies[sessions.browser_cookie_name()]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == sessions.BROWSER_COOKIE_AGE
    # Only the id's hash is stored.
    assert not KnownBrowser.objects.filter(browser_hash=cookie.value).exists()


def test_a_second_browser_is_mailed_once_and_audited(user):
    laptop, phone = browser(FIREFOX_LINUX), browser(SAFARI_IPHONE, "203.0.113.9")
    log_in(laptop, user)
    log_in(phone, user)

    [message] = new_browser_mails(user)
    assert "Safari on iOS" in message.body
    assert "203.0.113.9" in message.body
    assert "http://localhost:8000" + PROFILE in message.body
    assert f'href="http://localhost:8000{PROFILE}"' in message.html_body
    assert "change your password" in message.body
    assert message.sent_at is not None  # sent once the response was delivered
    event = AuditEvent.objects.get(action=AuditEvent.Action.NEW_BROWSER_LOGIN)
    assert event.actor == user and event.data == {"device": "Safari on iOS"}
    assert event.ip == "203.0.113.9"

    log_out(phone)
    log_in(phone, user)  # the same browser again: known now
    log_out(laptop)
    log_in(laptop, user)
    assert len(new_browser_mails(user)) == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.NEW_BROWSER_LOGIN).count() == 1


def test_a_browser_used_by_someone_else_is_new_to_this_user(user):
    shared = browser()
    colleague = UserFactory()
    log_in(browser(CHROME_WINDOWS), user)
    log_in(shared, colleague)
    log_out(shared)

    log_in(shared, user)

    assert len(new_browser_mails(user)) == 1
    assert not new_browser_mails(colleague)


def test_a_forged_cookie_is_replaced(user):
    laptop = browser()
    log_in(laptop, user)
    log_out(laptop)
    laptop.cookies[sessions.browser_cookie_name()] = "not-an-id"

    log_in(laptop, user)

    assert laptop.cookies[sessions.browser_cookie_name()].value != "not-an-id"
    assert len(new_browser_mails(user)) == 1


def test_the_mail_is_in_the_users_email_language(user):
    user.email_language = "de"
    user.save(update_fields=["email_language"])
    log_in(browser(FIREFOX_LINUX), user)
    log_in(browser(SAFARI_IPHONE), user)

    [message] = OutboundEmail.objects.filter(to=user.email)
    # The structure, whatever the translation holds by now: the facts and the link.
    assert "http://localhost:8000" + PROFILE in message.body
    assert "Safari" in message.body
    from django.utils import translation

    with translation.override("de"):
        from django.utils.translation import gettext

        subject = gettext("A login from a new browser")
    assert subject in message.subject
    if subject != "A login from a new browser":  # the catalogue has it: not English
        assert "A login from a new browser" not in message.subject


def test_the_cookie_is_secure_and_host_only_where_the_session_cookie_is(settings):
    settings.SESSION_COOKIE_SECURE = True
    assert sessions.browser_cookie_name() == "__Host-cpms_browser"
    settings.SESSION_COOKIE_SECURE = False
    assert sessions.browser_cookie_name() == "cpms_browser"
