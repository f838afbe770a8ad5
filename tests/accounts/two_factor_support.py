"""Helpers shared by the second-factor and gate tests (fixtures stay in the test files)."""

import re

from django.urls import reverse

from accounts import sms
from tests.factories import PASSWORD

CODE = re.compile(r"\b(\d{6})\b")


def last_sms_code() -> str:
    return CODE.search(sms.outbox[-1].body).group(1)


def send_challenge_code(client, next_url: str = "") -> str:
    data = {"method": "sms", "action": "send"}
    if next_url:
        data["next"] = next_url
    client.post(reverse("two_factor:challenge"), data)
    return last_sms_code()


def pass_sms_challenge(client, next_url: str = ""):
    """Send a code to the verified phone and enter it; returns the response."""
    code = send_challenge_code(client, next_url)
    data = {"method": "sms", "action": "verify", "code": code}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("two_factor:challenge"), data)


def reauthenticate(client, url: str = ""):
    """Enter the password again on allauth's reauthentication page (``url``: where a
    sensitive change sent the user, with its ``next``)."""
    return client.post(url or reverse("account_reauthenticate"), {"password": PASSWORD})
