"""The check against robots: ALTCHA's proof of work, issued and verified here.

The browser fetches a signed challenge, spends about a second finding the
counter that solves it (no image to read, nothing sent to a third party) and
posts the solution with the form. A solution is accepted once: its challenge
is remembered in the cache until it expires, so a replayed one is refused.
"""

import hashlib
import time
from enum import StrEnum

import altcha
from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from accounts.app_settings import app_settings

USED_KEY_PREFIX = "accounts:altcha-used:"


class RobotCheckFailure(StrEnum):
    MISSING = "missing"
    INVALID = "invalid"
    EXPIRED = "expired"
    REPLAYED = "replayed"


class RobotCheckError(Exception):
    def __init__(self, reason: RobotCheckFailure):
        super().__init__(reason.value)
        self.reason = reason


def _hmac_secret() -> str:
    return (
        app_settings.ALTCHA_HMAC_KEY
        or salted_hmac(
            "accounts.robot_check", "altcha", secret=settings.SECRET_KEY, algorithm="sha256"
        ).hexdigest()
    )


def create_challenge() -> dict:
    """A new signed challenge, as the ALTCHA widget expects it (JSON)."""
    challenge = altcha.create_challenge(
        algorithm=app_settings.ALTCHA_ALGORITHM,
        cost=app_settings.ALTCHA_COST,
        key_prefix=app_settings.ALTCHA_KEY_PREFIX,
        expires_at=int(time.time()) + app_settings.ALTCHA_EXPIRY_SECONDS,
        hmac_secret=_hmac_secret(),
    )
    return challenge.to_dict()


def verify_solution(payload: str | None) -> None:
    """Accept a solved, unexpired, untampered challenge once; raise RobotCheckError otherwise."""
    if not payload:
        raise RobotCheckError(RobotCheckFailure.MISSING)
    result = altcha.verify_solution(payload, _hmac_secret())
    if result.expired:
        raise RobotCheckError(RobotCheckFailure.EXPIRED)
    if not result.verified:
        raise RobotCheckError(RobotCheckFailure.INVALID)
    challenge = altcha.Payload.from_base64(payload).challenge
    assert challenge.signature is not None  # verify_solution refuses a challenge without one
    fingerprint = hashlib.sha256(challenge.signature.encode()).hexdigest()
    expires_at = challenge.parameters.expires_at or (
        time.time() + app_settings.ALTCHA_EXPIRY_SECONDS
    )
    ttl = max(int(expires_at - time.time()) + 1, 1)
    # cache.add is atomic (also on Redis): of two concurrent posts only one wins.
    if not cache.add(USED_KEY_PREFIX + fingerprint, True, ttl):
        raise RobotCheckError(RobotCheckFailure.REPLAYED)
