"""Show that two portal instances share sessions and rate limits.

Run it with both instances up (bin/two-instances starts them and sets INSTANCE_URLS):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cpms_deploy \\
    REDIS_URL=redis://127.0.0.1:6379/8 \\
      bin/two-instances .venv/bin/python bench/shared_limits.py

It uses the same DATABASE_URL and REDIS_URL as the instances to create its test
account and to start each experiment with no rate-limit state (it clears the
cache: give it a Redis database of its own). Then, over HTTP only:

1. logs in on the first instance and uses that session on the second, logs out
   on the second and checks the session is gone on the first;
2. sends wrong passwords until allauth's ``login_failed`` limit trips
   (ACCOUNT_RATE_LIMITS: per account and per client address), once from a
   client that alternates between the instances and once from a client that
   stays on one, and prints how many tries each got. The login page words a
   wrong password and a tripped limit alike, so the probe is the right
   password: refused once the limit has tripped.

Every request carries the same Host header, as a load balancer in front of the
instances passes on the public host: allauth's per-account key includes the
site's domain (the Host when django.contrib.sites is not installed), so
instances reached under different host names would count apart.

SMS codes need no experiment: django-otp's throttle (failure count and time)
is stored on the SMSDevice row in PostgreSQL, so every instance reads the same
state by construction.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpms_portal.settings")

import django

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from httpclient import LOGIN_PATH, Client, Response  # noqa: E402

from accounts.models import User  # noqa: E402

EMAIL = "shared-limits@bench.example.eu"
PASSWORD = "shared-limits-bench-password-2026"
MAX_TRIES = 15  # the limits are 5 per account and 10 per address
PUBLIC_HOST = "127.0.0.1"  # in ALLOWED_HOSTS of the development settings


def browser(url: str, cookies: dict[str, str] | None = None) -> Client:
    return Client(url, cookies=cookies if cookies is not None else {}, host_header=PUBLIC_HOST)


def ensure_account() -> None:
    user = User.objects.filter(email=EMAIL).first()
    if user is None:
        user = User.objects.create_user(EMAIL, PASSWORD, first_name="Shared", last_name="Limits")
    EmailAddress.objects.update_or_create(
        user=user, email=EMAIL, defaults={"verified": True, "primary": True}
    )


def check_sessions(first: str, second: str) -> list[str]:
    """Log in on one instance, use and end the session on the other."""
    client = browser(first)
    client.login(EMAIL, PASSWORD)
    on_second = browser(second, client.cookies)
    page = on_second.get("/accounts/email/")
    used = page.status == 200 and EMAIL in page.body
    token = page.body.split('name="csrfmiddlewaretoken" value="', 1)[-1].split('"', 1)[0]
    on_second.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    after = browser(first, on_second.cookies).get("/accounts/email/")
    ended = after.status in (301, 302) and "/accounts/login/" in after.location
    return [
        f"session opened on {first} used on {second}: {'yes' if used else 'NO'}",
        f"logout on {second} ends it on {first}: {'yes' if ended else 'NO'}",
    ]


def logged_in(final: Response) -> bool:
    """Past the password: a page, or a redirect elsewhere than the login form."""
    if final.status in (301, 302, 303):
        return LOGIN_PATH not in final.location
    return final.status == 200 and 'name="password"' not in final.body


def refused_after(urls: list[str], wrong: int, *, same_account: bool) -> bool:
    """After ``wrong`` wrong passwords (cycling through ``urls``), is the right password
    refused? The page says the same whether the password is wrong or the limit has
    tripped (nothing tells an attacker which), so the right password is the probe."""
    cache.clear()  # every probe starts with no rate-limit state
    for attempt in range(wrong):
        email = EMAIL if same_account else f"nobody-{attempt}@bench.example.eu"
        browser(urls[attempt % len(urls)]).login(email, "a-wrong-password")
    return not logged_in(browser(urls[wrong % len(urls)]).login(EMAIL, PASSWORD))


def tries_until_limited(urls: list[str], *, same_account: bool) -> int:
    """Wrong passwords after which the right one is refused, cycling through ``urls``."""
    for wrong in range(MAX_TRIES):
        if refused_after(urls, wrong, same_account=same_account):
            return wrong
    return MAX_TRIES


def main() -> int:
    urls = os.environ.get("INSTANCE_URLS", "http://127.0.0.1:8207 http://127.0.0.1:8208").split()
    if len(urls) < 2:
        print("Need two instance URLs in INSTANCE_URLS.", file=sys.stderr)
        return 2
    ensure_account()
    cache.clear()
    print("Sessions")
    for line in check_sessions(urls[0], urls[1]):
        print("  " + line)
    limits = settings.ACCOUNT_RATE_LIMITS["login_failed"]
    print(f"\nWrong passwords after which the right one is refused (login_failed: {limits})")
    rows = [
        ("same account", True),
        ("new account each try, same address", False),
    ]
    print(f"  {'':38} {'alternating':>12} {'one instance':>13}")
    ok = True
    for label, same_account in rows:
        alternating = tries_until_limited(urls[:2], same_account=same_account)
        single = tries_until_limited(urls[:1], same_account=same_account)
        ok &= alternating == single < MAX_TRIES
        print(f"  {label:38} {alternating:>12} {single:>13}")
    cache.clear()
    print(
        "\nSMS codes: django-otp's throttle lives on the SMSDevice row in PostgreSQL "
        "(throttling_failure_count, throttling_failure_timestamp), shared by construction."
    )
    print("\nResult: " + ("limits hold across instances" if ok else "LIMITS DIFFER"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
