"""The SMS send limits and the failed-login limits hold across web processes that share
Redis (run with REDIS_URL)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs REDIS_URL: processes share limits in Redis"
)

# One "web process": Django set up from the project's settings, sending for one number.
WORKER = """
import django, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpms_portal.settings")
django.setup()
from types import SimpleNamespace
from django.test import RequestFactory
from allauth.core.ratelimit import consume
from accounts.two_factor.services import SMS_RATE_LIMIT_ACTION
request = RequestFactory().post("/security/challenge/", REMOTE_ADDR=sys.argv[1])
request.user = SimpleNamespace(pk=int(sys.argv[2]), is_authenticated=True)
action = sys.argv[3] if len(sys.argv) > 3 else SMS_RATE_LIMIT_ACTION
key = sys.argv[4] if len(sys.argv) > 4 else "+32470123456"
allowed = sum(consume(request, action=action, key=key) for _ in range(4))
print(allowed)
"""


def _run_two_workers(*extra: str) -> list[int]:
    root = Path(settings.BASE_DIR)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, ip, user_pk, *extra],
            cwd=root,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(root)},
        )
        for ip, user_pk in (("192.0.2.1", "1"), ("192.0.2.2", "2"))
    ]
    return [int(w.communicate(timeout=60)[0].strip().splitlines()[-1]) for w in workers]


def test_two_processes_share_the_per_number_limit(settings_cache_is_redis):
    allowed = _run_two_workers()

    # 3 per 5 minutes per number, whichever process (and IP, and user) asks.
    assert sum(allowed) == 3


def test_two_processes_share_the_failed_login_limit(settings_cache_is_redis):
    """Wrong passwords for one account, sent to two processes from two addresses: the
    account's 5 per 5 minutes hold in total, as allauth's login_failed limit lives in Redis."""
    allowed = _run_two_workers("login_failed", "portal:anna@uke.example.de")

    assert sum(allowed) == 5


@pytest.fixture
def settings_cache_is_redis():
    assert "redis" in settings.CACHES["default"]["BACKEND"].lower()
