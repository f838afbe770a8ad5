"""Fixtures of the account tests: real ALTCHA challenges, solved as a browser would."""

import altcha
import pytest
from django.urls import reverse

from accounts.models import OutboundEmail


@pytest.fixture(autouse=True)
def _cheap_proof_of_work(settings):
    """Real challenges, signed and verified as in production, with fewer PBKDF2 rounds."""
    settings.ACCOUNTS_ALTCHA_COST = 50


@pytest.fixture
def solve_robot_check(client):
    """Fetch a challenge from the page's endpoint and solve it with the altcha library."""

    def solve() -> str:
        challenge = altcha.Challenge.from_dict(
            client.get(reverse("accounts:robot_challenge")).json()
        )
        solution = altcha.solve_challenge(challenge)
        assert solution is not None
        return altcha.Payload(challenge, solution).to_base64()

    return solve


@pytest.fixture
def outbox():
    """The e-mails queued so far (written in the request's transaction)."""

    def messages(to: str | None = None) -> list[OutboundEmail]:
        rows = OutboundEmail.objects.order_by("id")
        return list(rows.filter(to=to) if to else rows)

    return messages
