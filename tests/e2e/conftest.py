"""Fixtures of the browser tests.

- ``portal_server``: the portal served by gunicorn in a process of its own on
  127.0.0.1, connected to the test database that pytest-django created
  (PostgreSQL in CI; on SQLite the test database is a file for that reason,
  see ``pytest_configure``). E-mails and SMS are written to files the test
  reads (``portal.mails()``, ``portal.last_sms_code()``).
- ``portal``: the same, for one test: data that the test commits is visible to
  the portal (``transactional_db``); outboxes and cache start empty.
- ``browser``: Debian's Chromium (/usr/bin/chromium, installed by
  bin/setup-e2e; Playwright never downloads a browser), headless.
- ``page`` (1280x800), ``phone_page`` (390x844), ``new_page(language=, viewport=)``.
"""

import email
import email.policy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e import checks

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The browser's locale for each of the portal's languages (Accept-Language and formats).
LOCALES = {
    "bg": "bg-BG", "cs": "cs-CZ", "da": "da-DK", "de": "de-DE", "el": "el-GR", "en": "en-GB",
    "es": "es-ES", "et": "et-EE", "fi": "fi-FI", "fr": "fr-FR", "ga": "ga-IE", "hr": "hr-HR",
    "hu": "hu-HU", "it": "it-IT", "lt": "lt-LT", "lv": "lv-LV", "mt": "mt-MT", "nl": "nl-NL",
    "pl": "pl-PL", "pt": "pt-PT", "ro": "ro-RO", "sk": "sk-SK", "sl": "sl-SI", "sv": "sv-SE",
}  # fmt: skip


def pytest_configure(config):
    """On SQLite the test database must be a file: the portal process opens it too."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = Path(tempfile.gettempdir()) / f"cpms-e2e-test-{os.getpid()}.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(name)
        # Two processes write to it: wait for the other's lock instead of failing.
        database.setdefault("OPTIONS", {}).setdefault("timeout", 20)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"e2e_report_{report.when}", report)
    return report


def pytest_terminal_summary(terminalreporter):
    if not checks.REPORT:
        return
    write = terminalreporter.write_line
    terminalreporter.section("pages checked in the browser")
    write(f"{'page':38} {'axe crit/ser/mod/min':>22} {'vnu errors':>11} {'warnings':>9}")
    for name, row in sorted(checks.REPORT.items()):
        axe = "/".join(str(row["axe"][i]) for i in checks.IMPACTS) if row["axe"] else "-"
        errors = "-" if row["vnu_errors"] is None else row["vnu_errors"]
        warnings = "-" if row["vnu_warnings"] is None else row["vnu_warnings"]
        write(f"{name:38} {axe:>22} {errors!s:>11} {warnings!s:>9}")
        if row.get("axe_rules"):
            write(f"{'':38} axe: {', '.join(row['axe_rules'])}")


# --- The portal process ------------------------------------------------------------------


@dataclass
class Mail:
    to: str
    subject: str
    body: str

    def links(self) -> list[str]:
        return re.findall(r"https?://[^\s<>\"]+", self.body)


@dataclass
class Portal:
    url: str
    mail_dir: Path
    sms_file: Path
    cache_dir: Path
    log_file: Path

    def reset(self) -> None:
        for path in (self.mail_dir, self.cache_dir):
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir(parents=True)
        self.sms_file.unlink(missing_ok=True)

    def mails(self) -> list[Mail]:
        """Every e-mail the portal sent during this test, oldest first."""
        found = []
        files = sorted(self.mail_dir.glob("*.log"), key=lambda p: (p.stat().st_mtime_ns, p.name))
        for path in files:
            # The file backend writes each message followed by a line of 79 dashes.
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if not raw.strip():
                    continue
                message = email.message_from_bytes(raw, policy=email.policy.default)
                body = message.get_body(preferencelist=("plain",))
                found.append(
                    Mail(
                        to=str(message["To"]),
                        subject=str(message["Subject"]),
                        body=body.get_content() if body else "",
                    )
                )
        return found

    def wait_for_mail(self, *, to: str, timeout: float = 10) -> Mail:
        """The latest e-mail to ``to`` (they are sent when the request's transaction commits)."""
        deadline = time.monotonic() + timeout
        while True:
            mails = [m for m in self.mails() if to.lower() in m.to.lower()]
            if mails:
                return mails[-1]
            assert time.monotonic() < deadline, f"no e-mail to {to}; sent: {self.mails()}"
            time.sleep(0.1)

    def sms(self):
        from accounts.sms import read_sms_file

        return read_sms_file(self.sms_file)

    def wait_for_sms_code(self, *, to: str | None = None, timeout: float = 10) -> str:
        """The one-time code in the latest SMS (to ``to`` when given, digits compared)."""
        digits = re.sub(r"\D", "", to or "")
        deadline = time.monotonic() + timeout
        while True:
            messages = [m for m in self.sms() if not digits or re.sub(r"\D", "", m.to) == digits]
            if messages:
                code = re.search(r"\b(\d{6,8})\b", messages[-1].body)
                assert code, f"no code in {messages[-1].body!r}"
                return code.group(1)
            assert time.monotonic() < deadline, f"no SMS to {to}; sent: {self.sms()}"
            time.sleep(0.1)

    def log_since(self, offset: int) -> str:
        with self.log_file.open("rb") as file:
            file.seek(offset)
            return file.read().decode("utf-8", "replace")


def _start_validator():
    """The Nu Html Checker's JVM starts while the portal and the browser do."""
    checks.html_validator.start()


@pytest.fixture(scope="package")
def portal_server(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from serve_portal(tmp_path_factory)


def serve_portal(tmp_path_factory, *, port: int | None = None, environ: dict | None = None):
    """The portal process (``portal_server``); ``environ``: its settings from the
    environment (the federation's tests configure the identity provider so)."""
    from django.db import connections

    _start_validator()
    root = tmp_path_factory.mktemp("portal")
    port = port or checks.free_port()
    portal = Portal(
        url=f"http://127.0.0.1:{port}",
        mail_dir=root / "mail",
        sms_file=root / "sms.jsonl",
        cache_dir=root / "cache",
        log_file=root / "server.log",
    )
    portal.reset()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.e2e.server_settings",
        "E2E_DATABASE": json.dumps(connections["default"].settings_dict, default=str),
        "E2E_MAIL_DIR": str(portal.mail_dir),
        "E2E_SMS_FILE": str(portal.sms_file),
        "E2E_CACHE_DIR": str(portal.cache_dir),
        "PYTHONUNBUFFERED": "1",
        **(environ or {}),
    }
    for name in ("DEBUG", "PRODUCTION", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "cpms_portal.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        "--workers=1",
        "--threads=4",
        "--timeout=60",
        "--graceful-timeout=2",
        "--access-logfile=-",
        "--error-logfile=-",
    ]
    with portal.log_file.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=checks.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_up(portal, process)
        yield portal
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(portal: Portal, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            health = f"{portal.url}/healthz"  # our own server on 127.0.0.1
            with urllib.request.urlopen(health, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the portal did not start:\n{portal.log_since(0)[-5000:]}")
        time.sleep(0.2)


@pytest.fixture
def portal(portal_server, transactional_db, request):
    """The portal for one test, with its outboxes and cache emptied; shows the
    portal's log of this test when the test fails."""
    portal_server.reset()
    offset = portal_server.log_file.stat().st_size
    yield portal_server
    report = getattr(request.node, "e2e_report_call", None)
    if report is not None and report.failed:
        sys.stderr.write(f"--- portal log ---\n{portal_server.log_since(offset)[-8000:]}\n")


# --- The browser ---------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run bin/setup-e2e (bin/test does).")
    from playwright.sync_api import sync_playwright

    _start_validator()
    # Playwright's synchronous API runs an event loop in this thread, which
    # Django's ORM takes for an async context; the tests' ORM calls are
    # synchronous all the same. Only while the browser runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package", autouse=True)
def _stop_validator_after_the_package():
    yield
    checks.html_validator.stop()


@pytest.fixture
def new_page(browser, portal, request, tmp_path):
    """Open a page in a fresh browser context (its own cookies), in a language and size."""
    contexts = []

    def make(*, language: str = "en", viewport: dict | None = None):
        context = browser.new_context(
            base_url=portal.url,
            locale=LOCALES[language],
            viewport=viewport or checks.DESKTOP,
            reduced_motion="reduce",
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        checks.watch(page, language=language)
        return page

    yield make
    report = getattr(request.node, "e2e_report_call", None)
    for number, context in enumerate(contexts):
        if report is not None and report.failed:
            for page in context.pages:
                path = tmp_path / f"failure-{number}.png"
                page.screenshot(path=path, full_page=True)
                sys.stderr.write(f"screenshot of {page.url} at failure: {path}\n")
        context.close()


@pytest.fixture
def log_in(portal):
    """Give a page a session of ``user`` without the login pages, for tests of what
    comes after them (the journey logs in as a person does)."""
    from django.conf import settings
    from django.test import Client

    def log_in(page, user) -> None:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        cookie = {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": portal.url,
        }
        page.context.add_cookies([cookie])

    return log_in


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def phone_page(new_page):
    return new_page(viewport=checks.PHONE)
