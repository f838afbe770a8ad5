"""Reliability: a mail server that is down, a database that restarts, an SMS provider that
is down or slow. Nothing is lost, nothing hangs, the portal recovers by itself.

ASVS 5.0 V16.5.2 (the application keeps working securely when an external resource
fails), V16.5.3 (fails gracefully and securely), V16.5.1 (a generic message, no
internals).
"""

import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
from contextlib import suppress
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from access_requests.models import AccessProfile, AccessRequest, Organisation
from accounts.models import OutboundEmail
from tests.accounts.test_twilio import ACCOUNT_SID, FakeTwilio
from tests.factories import (
    ExpertiseFactory,
    MembershipFactory,
    SMSDeviceFactory,
    UserFactory,
)

BASE_DIR = Path(__file__).resolve().parents[2]
SERVER_PORT = 8111
DATABASE_PROXY_PORT = 8112


class MailServerDown(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("connection refused by the mail server")


@pytest.mark.django_db
def test_mail_server_down_at_submission_keeps_the_request_and_retries_the_mail(
    client, settings, reference_data, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": "tests.security.test_reliability.MailServerDown"}}
    user = UserFactory()
    client.force_login(user)
    de40 = Organisation.objects.get(
        parent__parent__code="RARE-LIVER", parent__code="DE", code="DE40"
    )
    hp = AccessProfile.objects.get(application__code="cpms", code="HP")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("access_requests:wizard-recap"),
            {
                "application": de40.application_id,
                "organisation": de40.pk,
                "profile": [hp.pk],
                "comment": "Hepatologist",
            },
        )

    assert response.status_code == HTTPStatus.FOUND  # the applicant sees the confirmation
    access_request = AccessRequest.objects.get(user=user)
    assert access_request.status == AccessRequest.Status.SUBMITTED
    unsent = OutboundEmail.objects.filter(sent_at__isnull=True)
    assert unsent.exists()
    assert all(row.attempts == 1 and "refused" in row.last_error for row in unsent)
    assert mail.outbox == []

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    # What the deployment runs (docker compose's `tasks` service) retries the mail.
    call_command("run_scheduler", "--once", verbosity=0)
    assert not OutboundEmail.objects.filter(sent_at__isnull=True).exists()
    assert user.email in {address for message in mail.outbox for address in message.to}


# --- database restart ---------------------------------------------------------------


class TCPProxy:
    """Forwards a local port to the database; ``stop()`` drops every connection and
    refuses new ones, as a database restart does; ``start()`` opens it again."""

    def __init__(self, port: int, target: tuple[str, int]):
        self.port, self.target = port, target
        self._server: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        deadline = time.monotonic() + 5
        while True:  # the previous listener may take its accept timeout to let go
            try:
                server = socket.create_server(("127.0.0.1", self.port))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        server.settimeout(0.2)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        with self._lock:
            for conn in self._connections:
                with suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self._connections.clear()

    def _accept(self, server: socket.socket) -> None:
        while self._server is server:
            try:
                downstream, _address = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._connections += [downstream, upstream]
            threading.Thread(target=self._pipe, args=(downstream, upstream), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        with suppress(OSError):
            while True:
                readable, _w, _x = select.select([a, b], [], [], 1)
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (b if source is a else a).sendall(data)


@pytest.fixture
def portal_behind_a_restartable_database(transactional_db):
    """The portal in gunicorn (one sync worker, persistent connections as in production),
    reaching the test database through a proxy the test can cut."""
    if connection.vendor != "postgresql":
        pytest.skip("a database restart is tested on PostgreSQL (SQLite has no server)")
    settings_dict = connection.settings_dict
    proxy = TCPProxy(
        DATABASE_PROXY_PORT,
        (settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432)),
    )
    proxy.start()
    user = settings_dict["USER"] or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    env = {
        **{k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}},
        "DATABASE_URL": (
            f"postgres://{user}{password}@127.0.0.1:{DATABASE_PROXY_PORT}/{settings_dict['NAME']}"
        ),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": "reliability-test-key-" + "x" * 40,
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "CRITICAL",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "cpms_portal.wsgi",
            "--bind",
            f"127.0.0.1:{SERVER_PORT}",
            "--workers",
            "1",
            "--timeout",
            "30",
            "--config",
            "/dev/null",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{SERVER_PORT}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with suppress(requests.ConnectionError):
                requests.get(base + "/healthz", timeout=5)
                break
            assert time.monotonic() < deadline, "gunicorn did not start"
            assert server.poll() is None, "gunicorn stopped"
            time.sleep(0.2)
        yield base, proxy, server
    finally:
        server.terminate()
        server.wait(timeout=10)
        proxy.stop()


def _login_attempt(session: requests.Session, base: str) -> requests.Response:
    page = session.get(base + reverse("account_login"), timeout=10)
    token = (
        session.cookies.get("csrftoken", domain=urlsplit(base).hostname)
        or session.cookies["csrftoken"]
    )
    return session.post(
        base + reverse("account_login"),
        data={
            "login": "nobody@hospital.example.eu",
            "password": "wrong",
            "csrfmiddlewaretoken": token,
        },
        headers={"Referer": page.url},
        timeout=10,
    )


@pytest.mark.postgres
def test_database_restart_fails_cleanly_then_recovers_without_restarting_the_portal(
    portal_behind_a_restartable_database,
):
    base, proxy, server = portal_behind_a_restartable_database
    browser = requests.Session()
    assert requests.get(base + "/healthz", timeout=10).json()["database"] == "ok"
    assert _login_attempt(browser, base).status_code == HTTPStatus.OK  # refused, on the page

    # A quick restart between two requests: the very next one succeeds (the stale
    # persistent connection is health-checked and replaced, CONN_HEALTH_CHECKS).
    proxy.stop()
    proxy.start()
    assert _login_attempt(browser, base).status_code == HTTPStatus.OK

    proxy.stop()  # the database goes away, with the portal's open connection
    during = requests.get(base + "/healthz", timeout=10)
    assert during.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert during.json()["database"].startswith("error")
    failed = _login_attempt(browser, base)
    assert failed.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "Traceback" not in failed.text and "psycopg" not in failed.text
    assert server.poll() is None  # the portal itself keeps running

    proxy.start()  # the database is back
    assert requests.get(base + "/healthz", timeout=10).json()["database"] == "ok"
    assert _login_attempt(browser, base).status_code == HTTPStatus.OK
    assert server.poll() is None


# --- SMS provider down or slow ----------------------------------------------------------

SMS_FAILED = "We could not send the SMS, please try again."


@pytest.fixture
def twilio_stand_in(settings):
    """A local stand-in for the Twilio API (the login branch's), with the portal's real
    SMS timeout (ACCOUNTS_SMS_TIMEOUT_SECONDS, default 5 s)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    server.daemon_threads = True
    server.block_on_close = False
    server.seen, server.status, server.delay = [], HTTPStatus.CREATED, 0.0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.ACCOUNTS_SMS_BACKEND = "accounts.sms.TwilioSMSBackend"
    settings.ACCOUNTS_TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.ACCOUNTS_TWILIO_AUTH_TOKEN = "test-auth-token"
    settings.ACCOUNTS_TWILIO_FROM_NUMBER = "+3225550100"
    settings.ACCOUNTS_TWILIO_API_BASE = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
@pytest.mark.parametrize("failure", ["connection refused", "server error", "reply after 30 s"])
def test_sms_provider_down_or_slow_gives_a_clear_message_and_a_retry(
    client, settings, twilio_stand_in, failure
):
    device = SMSDeviceFactory(number="+32470123456")
    membership = MembershipFactory(user=device.user)
    ExpertiseFactory(user=device.user, network=membership.network, is_none=True)
    client.force_login(device.user)
    challenge = reverse("two_factor:challenge")
    if failure == "connection refused":
        settings.ACCOUNTS_TWILIO_API_BASE = f"http://127.0.0.1:{_closed_port()}"
    elif failure == "server error":
        twilio_stand_in.status = HTTPStatus.INTERNAL_SERVER_ERROR
    else:
        twilio_stand_in.delay = 30

    started = time.monotonic()
    response = client.post(challenge, {"method": "sms", "action": "send"}, follow=True)
    elapsed = time.monotonic() - started

    assert elapsed < 10
    assert response.status_code == HTTPStatus.OK
    assert SMS_FAILED in response.content.decode()
    device.refresh_from_db()
    assert device.token_hash == ""  # no code is live that nobody received

    # The provider is back: the user asks again at once, gets the code and gets in.
    settings.ACCOUNTS_TWILIO_API_BASE = f"http://127.0.0.1:{twilio_stand_in.server_address[1]}"
    twilio_stand_in.status, twilio_stand_in.delay = HTTPStatus.CREATED, 0.0
    twilio_stand_in.seen.clear()
    response = client.post(challenge, {"method": "sms", "action": "send"}, follow=True)
    assert SMS_FAILED not in response.content.decode()
    code = re.search(r"\b(\d{6})\b", twilio_stand_in.seen[-1]["form"]["Body"]).group(1)
    response = client.post(challenge, {"method": "sms", "action": "verify", "code": code})
    assert response.status_code == HTTPStatus.FOUND
    assert client.get(reverse("cpms-home")).status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_a_failed_scheduler_round_is_logged_and_the_next_task_still_runs(monkeypatch, caplog):
    """The scheduler outlives a failing round: the mail round fails, the daily tasks run."""

    def refuse():
        raise ConnectionRefusedError("database away")

    ran = []
    monkeypatch.setattr("accounts.management.commands.send_queued_mail.send_queued", refuse)
    monkeypatch.setattr(
        "access_requests.management.commands.run_daily_tasks.services.expire_memberships",
        lambda: ran.append("expire") or 0,
    )
    call_command("run_scheduler", "--once", verbosity=0)
    assert ran == ["expire"]
    assert "send_queued_mail failed" in caplog.text
