"""Failed logins: limited per account and per IP, one message for every refusal.

ASVS 5.0 V6.3.1 (brute force and credential stuffing controls), V6.3.8 (no
account enumeration through the login answer); NIST SP 800-63B 5.2.2 (rate limiting:
no more than 100 consecutive failed attempts on one account), allauth ACCOUNT_RATE_LIMITS
"login_failed": 10/m/ip, 5/5m/key, 20/2h/key (growing waits). Client IPs: ASVS V4.1.3 (trust
only configured proxies).
"""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth.signals import user_login_failed
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _login(client, email, password, ip="192.0.2.10", **headers):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=ip,
        headers=headers,
    )


def _refusal(response) -> str:
    assert response.status_code == HTTPStatus.OK, "the login was not refused"
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1
    return errors[0]


def _is_logged_in(response) -> bool:
    return response.status_code == HTTPStatus.FOUND and "_auth_user_id" in (
        response.wsgi_request.session
    )


def test_wrong_password_unknown_account_and_throttled_account_get_the_same_message(client):
    user = UserFactory()
    wrong_password = _refusal(_login(client, user.email, "not-the-password-at-all"))
    unknown_account = _refusal(_login(client, "nobody@hospital.example.eu", PASSWORD))
    for _i in range(4):
        _login(client, user.email, "still-not-the-password")
    throttled = _refusal(_login(client, user.email, PASSWORD))  # right password, throttled
    assert wrong_password == unknown_account == throttled
    assert "not correct" in wrong_password


def test_failed_logins_are_limited_per_account(client, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    user = UserFactory()
    for attempt in range(5):  # from five different addresses
        _refusal(_login(client, user.email, "wrong-password-guess", ip=f"198.51.100.{attempt}"))
    # The right password from a fresh address is refused as well: the account is limited.
    _refusal(_login(client, user.email, PASSWORD, ip="203.0.113.99"))
    other = UserFactory()
    assert _is_logged_in(_login(client, other.email, PASSWORD, ip="203.0.113.98"))

    client.logout()
    time_machine.move_to("2026-03-02 09:05:01+00:00", tick=False)
    assert _is_logged_in(_login(client, user.email, PASSWORD, ip="203.0.113.99"))


def test_waits_grow_with_the_failures(client, time_machine):
    """Five failures cost a five-minute wait; after twenty, five minutes are not enough:
    the account waits until the oldest of the twenty is two hours old."""
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    user = UserFactory()
    for burst in range(4):  # four bursts of five wrong passwords, each burst after the short wait
        for attempt in range(5):
            _refusal(_login(client, user.email, "wrong-password", ip=f"198.51.{burst}.{attempt}"))
        _refusal(_login(client, user.email, PASSWORD, ip="203.0.113.99"))  # locked
        time_machine.shift(timedelta(minutes=5, seconds=1))
    # Twenty failures in 20 minutes: the short wait is over, the long one is not.
    _refusal(_login(client, user.email, PASSWORD, ip="203.0.113.99"))
    time_machine.move_to("2026-03-02 10:59:00+00:00", tick=False)
    _refusal(_login(client, user.email, PASSWORD, ip="203.0.113.99"))
    time_machine.move_to("2026-03-02 11:00:01+00:00", tick=False)
    assert _is_logged_in(_login(client, user.email, PASSWORD, ip="203.0.113.99"))


def test_failed_logins_are_limited_per_ip(client):
    users = UserFactory.create_batch(11)
    for user in users[:10]:
        _refusal(_login(client, user.email, "wrong-password-guess", ip="198.51.100.7"))
    _refusal(_login(client, users[10].email, PASSWORD, ip="198.51.100.7"))
    assert _is_logged_in(_login(client, users[10].email, PASSWORD, ip="198.51.100.8"))


def test_at_most_100_password_checks_per_account_per_hour(client, time_machine):
    """An attacker who spreads guesses over many addresses and waits out every window
    still gets no more than 100 guesses at one account per hour."""
    user = UserFactory()
    checked = []

    def count(sender, credentials, **kwargs):
        checked.append(credentials)

    user_login_failed.connect(count)
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    try:
        for attempt in range(120):  # a guess every 30 seconds, each from a new address
            _login(client, user.email, f"guess-{attempt}-x", ip=f"10.0.0.{attempt + 1}")
            time_machine.shift(timedelta(seconds=30))
    finally:
        user_login_failed.disconnect(count)
    assert 0 < len(checked) <= 100


def test_forwarded_for_header_does_not_change_the_limited_address(client, settings):
    """With no trusted proxy (the default), X-Forwarded-For is ignored: changing it at
    every attempt does not escape the per-IP limit."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    users = UserFactory.create_batch(11)
    for index, user in enumerate(users[:10]):
        _refusal(
            _login(
                client,
                user.email,
                "wrong-password-guess",
                ip="198.51.100.7",
                x_forwarded_for=f"203.0.113.{index}",
            )
        )
    response = _login(
        client, users[10].email, PASSWORD, ip="198.51.100.7", x_forwarded_for="203.0.113.200"
    )
    _refusal(response)


def test_trusted_proxy_count_takes_the_address_the_proxy_saw(client, settings):
    """Behind one trusted proxy the client is the address that proxy appended (the last
    one); what the client itself put in front of it is not believed."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    users = UserFactory.create_batch(11)
    for user in users[:10]:
        _refusal(
            _login(
                client,
                user.email,
                "wrong-password-guess",
                ip="10.0.0.2",  # the proxy
                x_forwarded_for="1.2.3.4, 198.51.100.7",  # forged first entry, real last
            )
        )
    forged_differently = _login(
        client, users[10].email, PASSWORD, ip="10.0.0.2", x_forwarded_for="5.6.7.8, 198.51.100.7"
    )
    _refusal(forged_differently)
    another_client = _login(
        client, users[10].email, PASSWORD, ip="10.0.0.2", x_forwarded_for="198.51.100.8"
    )
    assert _is_logged_in(another_client)
