"""Production settings, request ids, JSON logs, and the deployment files."""

import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.audit import record_event
from accounts.models import AuditEvent
from cpms_portal.logging import JsonFormatter, RequestIdFilter, current_request_id
from tests.factories import UserFactory

BASE_DIR = Path(__file__).resolve().parents[2]


def production_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "LOG_FORMAT", "BENCH_ENDPOINTS", "EMAIL_BACKEND"}
    }
    env.update(
        PRODUCTION="true",
        SECRET_KEY=secrets.token_urlsafe(60),
        TOTP_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="cpms.example.eu",
        SITE_URL="https://cpms.example.eu",
        SMS_BACKEND="accounts.sms.TwilioSMSBackend",
        WEBAUTHN_RP_ID="cpms.example.eu",
        WEBAUTHN_ALLOWED_ORIGINS="https://cpms.example.eu",
        **extra,
    )
    return env


APP_SETTINGS_IMPORTS = (
    "from django.conf import settings as s; "
    "from accounts.app_settings import app_settings as accounts; "
    "from access_requests.app_settings import app_settings as access; "
    "from cpms_portal.app_settings import app_settings as portal"
)


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_any_warning():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_check_deploy_refuses_development_sms_and_localhost_urls():
    env = production_env()
    for name in ("SITE_URL", "SMS_BACKEND", "WEBAUTHN_RP_ID", "WEBAUTHN_ALLOWED_ORIGINS"):
        env.pop(name)

    result = run_manage("check", "--deploy", env=env)

    assert result.returncode != 0
    for check_id in ("accounts.E001", "accounts.E002", "accounts.E003"):
        assert check_id in result.stderr, result.stderr


def test_production_logs_json_by_default():
    result = run_manage(
        "shell",
        "-c",
        "import logging; from django.conf import settings; "
        "print(settings.LOG_FORMAT); logging.getLogger('cpms.test').warning('hello')",
        env=production_env(),
    )

    assert result.returncode == 0, result.stderr
    assert "json" in result.stdout.splitlines()
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello" and line["logger"] == "cpms.test"


def test_trusted_proxy_count_reaches_allauths_client_address():
    snippet = (
        "from django.test import RequestFactory; "
        "from allauth.core.internal.httpkit import get_client_ip; "
        "r = RequestFactory().get('/', REMOTE_ADDR='10.0.0.1', "
        "HTTP_X_FORWARDED_FOR='203.0.113.7, 198.51.100.2'); print(get_client_ip(r))"
    )

    result = run_manage("shell", "-c", snippet, env=production_env(TRUSTED_PROXY_COUNT="1"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "198.51.100.2"


def test_an_empty_variable_gives_the_default_as_docker_compose_passes_them():
    """docker-compose.yml hands optional settings over as ${NAME:-}: empty means default."""
    empty = dict.fromkeys(
        [
            "SUPPORT_EMAIL",
            "GUEST_ACCESS_DAYS",
            "SESSION_IDLE_TIMEOUT",
            "TRUSTED_PROXY_COUNT",
            "SECRET_KEY_FALLBACKS",
            "LOGIN_FAILED_RATE_LIMITS",
            "SETUP_VIDEO_URL",
        ],
        "",
    )
    snippet = (
        f"{APP_SETTINGS_IMPORTS}; print(accounts.SUPPORT_EMAIL, "
        "access.GUEST_ACCESS_DAYS, portal.SESSION_IDLE_TIMEOUT, s.ALLAUTH_TRUSTED_PROXY_COUNT, "
        "len(s.SECRET_KEY_FALLBACKS), s.ACCOUNT_RATE_LIMITS['login_failed'], "
        "repr(portal.SETUP_VIDEO_URL), hasattr(s, 'ACCOUNTS_SUPPORT_EMAIL'))"
    )

    result = run_manage("shell", "-c", snippet, env=production_env(**empty))

    assert result.returncode == 0, result.stderr
    # The defaults are the apps' (app_settings.py): settings.py defines none of them.
    assert result.stdout.strip().splitlines()[-1] == (
        "Sante-ERN-CPMS-itsupport@ec.europa.eu 90 1800 0 0 10/m/ip,5/5m/key,20/2h/key '' False"
    )


def test_each_variable_that_is_set_reaches_its_apps_setting():
    """The operators' variable names stay; each sets the Django setting of its app."""
    variables = {
        "SUPPORT_EMAIL": "help@cpms.example.eu",
        "PHONE_ALLOWED_REGIONS": "BE,CH",
        "GUEST_ACCESS_DAYS": "45",
        "SESSION_IDLE_TIMEOUT": "600",
        "SETUP_VIDEO_URL": "https://video.example.eu/set-up",
        "TRUSTED_PROXY_COUNT": "1",
        "TRUST_REQUEST_ID_HEADER": "false",
    }
    snippet = (
        f"{APP_SETTINGS_IMPORTS}; print(s.ACCOUNTS_SUPPORT_EMAIL, accounts.SUPPORT_EMAIL, "
        "accounts.PHONE_ALLOWED_REGIONS, s.ACCESS_REQUESTS_GUEST_ACCESS_DAYS, "
        "access.GUEST_ACCESS_DAYS, s.PORTAL_SESSION_IDLE_TIMEOUT, portal.SESSION_IDLE_TIMEOUT, "
        "portal.SETUP_VIDEO_URL, portal.TRUST_REQUEST_ID_HEADER, accounts.SITE_URL)"
    )

    result = run_manage("shell", "-c", snippet, env=production_env(**variables))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "help@cpms.example.eu help@cpms.example.eu ['BE', 'CH'] 45 45 600 600 "
        "https://video.example.eu/set-up False https://cpms.example.eu"
    )


# --- request id and the request log line ---------------------------------------------


@pytest.mark.django_db
def test_every_response_carries_a_new_request_id(client):
    first = client.get(reverse("home"))["X-Request-ID"]
    second = client.get(reverse("home"))["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_the_request_id_header_is_trusted_by_default_behind_a_trusted_proxy(settings):
    from cpms_portal.app_settings import app_settings

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert app_settings.TRUST_REQUEST_ID_HEADER is False
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert app_settings.TRUST_REQUEST_ID_HEADER is True
    settings.PORTAL_TRUST_REQUEST_ID_HEADER = False
    assert app_settings.TRUST_REQUEST_ID_HEADER is False


@pytest.mark.django_db
def test_request_id_of_a_trusted_proxy_is_kept(client, settings):
    settings.PORTAL_TRUST_REQUEST_ID_HEADER = True

    response = client.get(reverse("home"), headers={"X-Request-ID": "lb-1234.abc"})

    assert response["X-Request-ID"] == "lb-1234.abc"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("trusted", "sent"),
    [(False, "lb-1234"), (True, "forged\nline"), (True, "x" * 129)],
)
def test_request_id_from_an_untrusted_client_or_malformed_is_replaced(
    client, settings, trusted, sent
):
    settings.PORTAL_TRUST_REQUEST_ID_HEADER = trusted

    response = client.get(reverse("home"), headers={"X-Request-ID": sent})

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.django_db
def test_one_log_line_per_request_with_user_and_request_id(client, caplog):
    user = UserFactory()
    client.force_login(user)

    with caplog.at_level(logging.INFO, logger="cpms.request"):
        response = client.get(reverse("cpms-home"))

    [record] = [r for r in caplog.records if r.name == "cpms.request"]
    assert record.method == "GET"
    assert record.path == reverse("cpms-home")
    assert record.status == response.status_code
    assert record.duration_ms >= 0
    assert record.user_id == user.pk
    assert record.request_id == response["X-Request-ID"]


@pytest.mark.django_db
def test_the_request_log_adds_no_query(client, settings):
    # Without the middlewares that read the user on every request, nothing loads
    # the user for /healthz: the log line must not either.
    user_readers = {
        "cpms_portal.middleware.SessionTimeoutMiddleware",
        "accounts.middleware.PrivacyAcknowledgementMiddleware",
        "accounts.middleware.UserSessionActivityMiddleware",
    }
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m not in user_readers]
    client.force_login(UserFactory())

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("healthz"))

    assert not [q for q in queries.captured_queries if "accounts_user" in q["sql"]]


# --- audit events -------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_audit_event_is_logged_once_committed_with_the_request_id(
    caplog, django_capture_on_commit_callbacks
):
    user = UserFactory()
    token = current_request_id.set("req-42")
    try:
        with (
            caplog.at_level(logging.INFO, logger="cpms.audit"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            event = record_event(action=AuditEvent.Action.LOGIN, actor=user, target=user)
            assert not [r for r in caplog.records if r.name == "cpms.audit"]
    finally:
        current_request_id.reset(token)

    [record] = [r for r in caplog.records if r.name == "cpms.audit"]
    assert record.audit_event_id == event.pk
    assert record.action == "login"
    assert record.actor_id == user.pk
    assert (record.target_type, record.target_id) == ("accounts.user", str(user.pk))


def test_json_formatter_writes_one_object_per_line_with_the_extra_fields():
    record = logging.makeLogRecord(
        {
            "name": "cpms.request",
            "levelname": "INFO",
            "msg": "GET %s",
            "args": ("/cpms/",),
            "path": "/cpms/",
            "status": 200,
        }
    )
    token = current_request_id.set("abc123")
    try:
        RequestIdFilter().filter(record)
    finally:
        current_request_id.reset(token)

    line = JsonFormatter().format(record)

    assert "\n" not in line
    payload = json.loads(line)
    assert payload["message"] == "GET /cpms/"
    assert payload["path"] == "/cpms/" and payload["status"] == 200
    assert payload["request_id"] == "abc123"
    assert {"time", "level", "logger"} <= payload.keys()


# --- benchmark endpoints ----------------------------------------------------------------


@pytest.mark.django_db
def test_benchmark_endpoints_are_off_by_default(client):
    assert client.get("/bench/floor").status_code == HTTPStatus.NOT_FOUND
    assert "X-SQL-Queries" not in client.get(reverse("healthz"))


@pytest.mark.django_db
def test_query_count_header_counts_every_query_of_the_request(client, settings):
    settings.PORTAL_BENCH_ENDPOINTS = True  # before the client's first request builds its stack
    client.force_login(UserFactory())

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cpms-home"))

    assert int(response["X-SQL-Queries"]) == len(queries.captured_queries) > 0


# --- deployment files ---------------------------------------------------------------------


PRINT_WORKERS = "import runpy; print(runpy.run_path('gunicorn.conf.py')['workers'])"


def test_gunicorn_workers_follow_the_cores():
    result = subprocess.run(
        [sys.executable, "-c", PRINT_WORKERS],
        cwd=BASE_DIR,
        env={k: v for k, v in os.environ.items() if k != "GUNICORN_WORKERS"},
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert int(result.stdout) == os.cpu_count() * 2 + 1


def _compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


def test_docker_compose_file_is_valid_with_the_example_env():
    command = _compose_command()
    if command is None:
        pytest.skip("neither docker compose nor docker-compose is installed")

    result = subprocess.run(
        [*command, "--env-file", ".env.example", "config", "--services"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    # The scheduler retries queued e-mails and runs the daily tasks.
    assert set(result.stdout.split()) == {"db", "redis", "migrate", "web", "tasks"}
