"""Security headers on every kind of page, and the production transport settings.

ASVS 5.0 V3.4.1 (HSTS), V3.4.3 (CSP without unsafe-inline), V3.4.4 (nosniff),
V3.4.5 (Referrer-Policy), V3.4.6 (frame-ancestors / X-Frame-Options), V3.3.1-V3.3.4
(Secure, SameSite, __Host- and HttpOnly cookies), V13.4.2 (no debug in production).
"""

import json
import os
import re
import secrets
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]


def _production_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "VIRTUAL_ENV", "SYSTEMROOT"}
    }
    env.update(
        PRODUCTION="true",
        SECRET_KEY=secrets.token_urlsafe(50),
        # accounts.checks refuses production without its own TOTP encryption key.
        TOTP_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="cpms.example.eu",
        # A real deployment configures its mail server; Django's check refuses console mail.
        EMAIL_URL="smtp://mail.example.eu:587",
        # accounts.checks refuses development SMS and localhost URLs in production.
        SITE_URL="https://cpms.example.eu",
        SMS_BACKEND="accounts.sms.TwilioSMSBackend",
        WEBAUTHN_RP_ID="cpms.example.eu",
        WEBAUTHN_ALLOWED_ORIGINS="https://cpms.example.eu",
        DJANGO_SETTINGS_MODULE="cpms_portal.settings",
        **extra,
    )
    return env


def _pages(client) -> list[str]:
    user = UserFactory()
    client.force_login(user)
    return [
        reverse("home"),
        reverse("access_requests:home"),
        reverse("access_requests:wizard-application"),
    ]


def test_every_page_sends_the_security_headers(client):
    anonymous_pages = [reverse("home"), reverse("account_login"), reverse("account_signup")]
    responses = [client.get(url) for url in anonymous_pages]
    responses += [client.get(url) for url in _pages(client)]
    for response in responses:
        assert response.status_code == HTTPStatus.OK, response.wsgi_request.path
        headers = response.headers
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        policy = headers["Permissions-Policy"]
        for feature in ["camera=()", "microphone=()", "geolocation=()", "payment=()"]:
            assert feature in policy


def test_content_security_policy_has_no_unsafe_inline_scripts(client):
    responses = [client.get(reverse("home")), client.get(reverse("account_login"))]
    responses += [client.get(url) for url in _pages(client)]
    responses.append(client.get(reverse("admin:index")))
    for response in responses:
        csp = response.headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
        script_src = directives["script-src"]
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
        assert "'unsafe-inline'" not in directives["style-src"]
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        # Django adds the nonce source only when a page uses it; every script on the
        # page is then a file or carries this response's nonce.
        nonce = re.search(r"'nonce-([^']+)'", script_src)
        for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
            assert "src=" in tag or (nonce and f'nonce="{nonce.group(1)}"' in tag), tag
        assert not re.search(r"\son\w+\s*=", response.content.decode()), "inline handler"


def test_production_settings_secure_transport_and_cookies():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "from cpms_portal.app_settings import app_settings as portal; "
        "print(json.dumps({k: getattr(s, k) for k in ["
        "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_SSL_REDIRECT', "
        "'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', "
        "'SESSION_COOKIE_NAME', 'CSRF_COOKIE_SECURE', 'CSRF_COOKIE_HTTPONLY', "
        "'CSRF_COOKIE_NAME', 'DEBUG', 'X_FRAME_OPTIONS', 'SESSION_COOKIE_AGE'"
        "]} | {'SESSION_IDLE_TIMEOUT': portal.SESSION_IDLE_TIMEOUT}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] in {"Lax", "Strict"}
    assert values["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert values["DEBUG"] is False
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SESSION_IDLE_TIMEOUT"] == 30 * 60
    assert values["SESSION_COOKIE_AGE"] == 12 * 60 * 60


def test_production_sends_hsts_and_secure_cookies_over_https():
    # The real middleware stack in production mode, on a real request through the test
    # client, in a fresh interpreter (settings are read once per process).
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "from django.test.utils import setup_test_environment, override_settings; "
        "setup_test_environment(); "
        # Without collectstatic there is no manifest: serve static names as they are.
        "override_settings(STORAGES={**settings.STORAGES, 'staticfiles': {'BACKEND': "
        "'django.contrib.staticfiles.storage.StaticFilesStorage'}}).enable(); "
        "from django.test import Client; c = Client(); "
        "r = c.get('/accounts/login/', secure=True, HTTP_HOST='cpms.example.eu'); "
        "m = c.cookies; "
        # A session written through the real SessionMiddleware (kept in the local cache
        # here, as there is no database in this interpreter), for its cookie's flags.
        "from django.contrib.sessions.middleware import SessionMiddleware; "
        "from django.http import HttpResponse; from django.test import RequestFactory; "
        "override_settings(SESSION_ENGINE='django.contrib.sessions.backends.cache').enable(); "
        "view = lambda q: (q.session.__setitem__('x', 1), HttpResponse())[1]; "
        "s = SessionMiddleware(view)(RequestFactory().get('/', secure=True, "
        "HTTP_HOST='cpms.example.eu')).cookies; m.update(s); "
        "print(json.dumps({'status': r.status_code, 'hsts': r.headers.get('Strict-Transport-"
        "Security'), 'cookies': {k: {'secure': bool(v['secure']), 'httponly': bool(v["
        "'httponly']), 'samesite': v['samesite'], 'path': v['path'], 'domain': v['domain']} "
        "for k, v in m.items()}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=_production_env(DATABASE_URL="sqlite:///:memory:"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["status"] == HTTPStatus.OK
    assert values["hsts"] == "max-age=31536000; includeSubDomains; preload"
    # __Host- cookies: Secure, path /, no Domain (the browser refuses them otherwise).
    host_only = {"secure": True, "httponly": True, "samesite": "Lax", "path": "/", "domain": ""}
    assert values["cookies"]["__Host-csrftoken"] == host_only
    assert values["cookies"]["__Host-sessionid"] == host_only


def test_manage_py_check_deploy_is_clean_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
