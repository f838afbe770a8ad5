"""Drive a running portal from a separate process and print the benchmark table.

Started by bench/run with the server's environment (DATABASE_URL, REDIS_URL,
PRODUCTION...), which it needs only to prepare: it picks a member of the
synthetic volume, makes an administrator, and opens their sessions directly
in the session store (with the second factor marked as passed), so that pages
are measured whatever the login flow looks like. Everything it measures goes
over HTTP to gunicorn on 127.0.0.1.

To add a page, add a line to PAGES: (name, path, who) where who is "" (no
login), "member" or "admin". A page that answers 404 on this build is listed
as absent, not measured.
"""

import multiprocessing
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpms_portal.settings")

PAGES: list[tuple[str, str, str]] = [
    ("landing page", "/", ""),
    ("login page", "/accounts/login/", ""),
    ("CPMS home", "/cpms/", "member"),
    ("request list", "/requests/", "member"),
    ("wizard 1 application", "/requests/new/", "member"),
    (
        "wizard 2 organisation",
        "/requests/new/organisation/?application={app}&node={country}",
        "member",
    ),
    ("wizard 3 profile", "/requests/new/profile/?application={app}&organisation={inst}", "member"),
    (
        "wizard 4 recap",
        "/requests/new/recap/?application={app}&organisation={inst}&profile={profile}",
        "member",
    ),
    ("directory (everyone)", "/cpms/preferences/directory/", "member"),
    ("directory name search", "/cpms/preferences/directory/?name=muller", "member"),
    ("preferences", "/cpms/preferences/", "member"),
    ("admin queue", "/admin/access_requests/accessrequest/?status__exact=submitted", "admin"),
    ("admin members", "/admin/access_requests/membership/", "admin"),
]
FLOOR_PATH = "/bench/floor"
SEQUENTIAL_REQUESTS = 40  # at 1 client
CONCURRENT_CLIENTS = 20
REQUESTS_PER_CLIENT = 10  # at 20 clients: 200 requests
# Each phase of a page stops after this long (a slow page gets fewer samples), so the
# whole run stays within minutes whatever the pages cost.
PHASE_SECONDS = float(os.environ.get("BENCH_PHASE_SECONDS", "15"))
LOGIN_SECONDS = float(os.environ.get("BENCH_LOGIN_SECONDS", "20"))
CODE_CHECKS = int(os.environ.get("BENCH_CODE_CHECKS", "300"))  # members for the SMS step
CHALLENGE_PATH = "/security/challenge/"
HASH_SECONDS = 4.0
CORES = os.cpu_count() or 1
WORKERS = int(os.environ.get("GUNICORN_WORKERS") or 2 * CORES + 1)
# Concurrent logins: enough to keep every worker busy while others wait on the network.
LOGIN_CLIENTS = int(os.environ.get("BENCH_LOGIN_CLIENTS", str(4 * CORES)))
# BENCH_ONLY="logins" or a comma-separated list of page names (or parts of them, such as
# "wizard,directory"): measure only those, to iterate on one figure. Empty: everything.
ONLY = [part.strip().lower() for part in os.environ.get("BENCH_ONLY", "").split(",")]
ONLY = [part for part in ONLY if part]


def selected(name: str) -> bool:
    return not ONLY or any(part in name.lower() for part in ONLY)


import django  # noqa: E402

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.hashers import get_hasher  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from httpclient import LOGIN_PATH, Client, Response, csrf_token, percentile  # noqa: E402

from access_requests.models import Membership  # noqa: E402
from accounts.models import SMSDevice, User  # noqa: E402
from accounts.two_factor.services import SMS_BINDING_SESSION_KEY  # noqa: E402
from cpms_portal.management.commands.generate_volume import (  # noqa: E402
    DEFAULT_PASSWORD,
    EMAIL_DOMAIN,
)
from preferences.models import Expertise  # noqa: E402

ADMIN_EMAIL = "bench-admin@bench.example.eu"


# --- preparation (database, not HTTP) ----------------------------------------------------


def _ensure_second_factor(user: User) -> SMSDevice:
    device = SMSDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = SMSDevice.objects.create(user=user, name="Mobile phone", number="+32460999999")
    return device


def _session_store(session_key: str | None = None):
    return import_string(f"{settings.SESSION_ENGINE}.SessionStore")(session_key)


def _open_session(user: User, *, verified: bool = True) -> dict[str, str]:
    """A logged-in session with the second factor passed, as after a full login
    (``verified=False``: as after the password, before the second factor)."""
    store = _session_store()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if verified:
        store[DEVICE_ID_SESSION_KEY] = _ensure_second_factor(user).persistent_id
    store.save()
    return {settings.SESSION_COOKIE_NAME: store.session_key}


def _answer_preferences(user: User) -> None:
    networks = Membership.objects.active().filter(user=user).values_list("network", flat=True)
    for network in set(networks):
        Expertise.objects.get_or_create(user=user, network_id=network, defaults={"is_none": True})


def prepare() -> dict[str, dict[str, str]]:
    members = (
        User.objects.filter(email__endswith=EMAIL_DOMAIN, is_staff=False)
        .annotate(n=Count("memberships", filter=Q(memberships__status="active")))
        .order_by("-n", "pk")
    )
    member = members.first()
    if member is None:
        raise SystemExit("No synthetic volume: run generate_volume first (bench/run does).")
    _answer_preferences(member)
    admin = User.objects.filter(email=ADMIN_EMAIL).first()
    if admin is None:
        admin = User.objects.create_superuser(
            ADMIN_EMAIL, None, first_name="Bench", last_name="Admin"
        )
    EmailAddress.objects.get_or_create(
        user=admin, email=ADMIN_EMAIL, defaults={"verified": True, "primary": True}
    )
    print(
        f"Member: {member.email} ({member.n} active memberships); administrator: superuser.",
        flush=True,
    )
    return {"": {}, "member": _open_session(member), "admin": _open_session(admin)}


def wizard_ids() -> dict[str, int]:
    """The ids the wizard's URLs carry: CPMS, RARE-LIVER's Germany (the largest page of the
    volume's institutions is elsewhere, but every country page costs the same queries),
    DE05 and the Researcher profile, which the bench member does not hold there."""
    from access_requests.app_settings import app_settings as access_settings
    from access_requests.models import AccessProfile, Application, Organisation

    app = Application.objects.get(code=access_settings.CPMS_APPLICATION_CODE)
    country = Organisation.objects.get(network__code="RARE-LIVER", kind="country", code="DE")
    inst = Organisation.objects.get(parent=country, code="DE05")
    profile = AccessProfile.objects.get(application=app, code="RESEARCHER")
    return {"app": app.pk, "country": country.pk, "inst": inst.pk, "profile": profile.pk}


# --- measuring ----------------------------------------------------------------------------


def run_clients(
    clients: int, requests_each: int, make: Callable[[], Client], path: str
) -> tuple[list[float], list[Response]]:
    """Each client thread sends its requests one after the other; all threads at once."""
    latencies: list[float] = []
    failures: list[Response] = []
    lock = threading.Lock()
    start = threading.Barrier(clients)

    deadline = [0.0]

    def worker() -> None:
        client = make()
        if start.wait() == 0:
            deadline[0] = time.perf_counter() + PHASE_SECONDS
        for i in range(requests_each):
            if i and time.perf_counter() > deadline[0]:
                break
            try:
                response = client.get(path)
            except OSError as exc:  # a timeout counts as a failure, not a crash
                response = Response(599, {}, str(exc), client.timeout)
            with lock:
                latencies.append(response.seconds * 1000)
                if response.status >= 400:
                    failures.append(response)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures


def measure(base_url: str, path: str, cookies: dict[str, str]) -> dict[str, float]:
    def make() -> Client:
        return Client(base_url, behind_tls_proxy=True, cookies=dict(cookies))

    # Every worker answers its first request of a page slowly (templates, URL patterns,
    # prepared statements): warm them all, or the first measures count that.
    warm = make()
    for _ in range(3 * WORKERS):
        warm.get(path)
    one, _ = run_clients(1, SEQUENTIAL_REQUESTS, make, path)
    started = time.perf_counter()
    many, failures = run_clients(CONCURRENT_CLIENTS, REQUESTS_PER_CLIENT, make, path)
    elapsed = time.perf_counter() - started
    return {
        "p50_1": statistics.median(one),
        "p95_1": percentile(one, 95),
        "p50_20": statistics.median(many),
        "p95_20": percentile(many, 95),
        "rps_20": len(many) / elapsed,
        "samples": len(one) + len(many),
        "errors": len(failures),
    }


def _hash_for(seconds: float) -> int:
    hasher, n, until = get_hasher(), 0, time.perf_counter() + seconds
    while time.perf_counter() < until:
        hasher.encode("bench-password-to-hash", hasher.salt())
        n += 1
    return n


def measure_hashing() -> tuple[str, float, float]:
    """One hash alone (ms), and hashes per second per core with every core hashing."""
    hasher = get_hasher()
    times = []
    for _ in range(15):
        started = time.perf_counter()
        hasher.encode("bench-password-to-hash", hasher.salt())
        times.append((time.perf_counter() - started) * 1000)
    with multiprocessing.Pool(CORES) as pool:
        counts = pool.map(_hash_for, [HASH_SECONDS] * CORES)
    params = ""
    if hasattr(hasher, "memory_cost"):
        params = f"m={hasher.memory_cost} KiB, t={hasher.time_cost}, p={hasher.parallelism}"
    label = f"{hasher.algorithm} ({params})" if params else hasher.algorithm
    return label, statistics.median(times), sum(counts) / HASH_SECONDS / CORES


def measure_logins(base_url: str, clients: int) -> tuple[float, int, int, str, float]:
    """Full password logins (page, POST, redirect) by many users for LOGIN_SECONDS.

    Also returns the cores this process (the client) kept busy meanwhile: on one machine
    the client competes with the server for the same cores."""
    emails = list(
        User.objects.filter(email__endswith=EMAIL_DOMAIN, is_staff=False)
        .order_by("pk")
        .values_list("email", flat=True)[:20000]
    )
    counter = iter(range(len(emails)))
    lock = threading.Lock()
    done, failed, sample = [0], [0], [""]
    until = [0.0]

    def worker() -> None:
        while time.perf_counter() < until[0]:
            with lock:
                i = next(counter)
            # Each login comes from its own address, as real users behind the proxy do
            # (allauth limits logins per address).
            client = Client(
                base_url,
                behind_tls_proxy=True,
                forwarded_for=f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
            )
            try:
                final = client.login(emails[i], DEFAULT_PASSWORD)
                # Past the password: a page, or the gate's redirect to the member's next
                # step (the challenge, or the requests page for one without a membership)
                # — anything but the login form again.
                ok = (final.status == 200 and 'name="password"' not in final.body) or (
                    final.status == 302 and LOGIN_PATH not in final.location
                )
            except RuntimeError as exc:
                ok, final = False, None
                sample[0] = str(exc)
            with lock:
                if ok:
                    done[0] += 1
                else:
                    failed[0] += 1
                    if final is not None and not sample[0]:
                        sample[0] = f"HTTP {final.status}"

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started, cpu_started = time.perf_counter(), time.process_time()
    until[0] = started + LOGIN_SECONDS
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    client_cores = (time.process_time() - cpu_started) / elapsed
    return done[0] / elapsed, done[0], failed[0], sample[0], client_cores


def _code_sent(base_url: str, i: int, device: SMSDevice) -> tuple[Client, dict[str, str]]:
    """A session before the second factor in which the server has sent an SMS code.

    The server's SMS goes to its own memory, so the driver issues the code again the
    way the server does: bound to the session's SMS binding, which it reads from the
    session store. Returns the client and the form that checks the code."""
    client = Client(
        base_url,
        behind_tls_proxy=True,
        forwarded_for=f"10.250.{i // 256 % 256}.{i % 256}",  # sends are limited per address
        cookies=_open_session(device.user, verified=False),
    )
    form = {"csrfmiddlewaretoken": csrf_token(client.get(CHALLENGE_PATH).body), "method": "sms"}
    sent = client.post(CHALLENGE_PATH, {**form, "action": "send"})
    store = _session_store(client.cookies.get(settings.SESSION_COOKIE_NAME))
    binding = store.get(SMS_BINDING_SESSION_KEY)
    if sent.status != 302 or not binding:
        raise RuntimeError(f"no code sent (HTTP {sent.status})")
    device.refresh_from_db()
    return client, {**form, "action": "verify", "code": device.issue_token(binding=binding)}


def measure_code_checks(base_url: str, clients: int) -> tuple[float, int, int, str]:
    """The second-factor step: the POST of the right SMS code on the challenge page, by
    CODE_CHECKS members whose code was sent beforehand (the sending is not timed)."""
    devices = list(
        SMSDevice.objects.filter(
            confirmed=True, user__email__endswith=EMAIL_DOMAIN, user__is_staff=False
        )
        .select_related("user")
        .order_by("-user_id")[:CODE_CHECKS]
    )
    ready: list[tuple[Client, dict[str, str]]] = []
    done, failed, sample = [0], [0], [""]
    lock = threading.Lock()
    pending = iter(enumerate(devices))

    def prepare_worker() -> None:
        while True:
            with lock:
                i, device = next(pending, (None, None))
            if device is None:
                return
            try:
                prepared = _code_sent(base_url, i, device)
            except (RuntimeError, OSError) as exc:
                with lock:
                    failed[0] += 1
                    sample[0] = sample[0] or str(exc)
                continue
            with lock:
                ready.append(prepared)

    def check_worker() -> None:
        while True:
            with lock:
                if not ready:
                    return
                client, form = ready.pop()
            try:
                answer = client.post(CHALLENGE_PATH, form)
                ok = answer.status == 302 and CHALLENGE_PATH not in answer.location
                why = f"HTTP {answer.status}"
            except OSError as exc:
                ok, why = False, str(exc)
            with lock:
                done[0] += ok
                if not ok:
                    failed[0] += 1
                    sample[0] = sample[0] or why

    def run(worker: Callable[[], None]) -> float:
        threads = [threading.Thread(target=worker) for _ in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    run(prepare_worker)
    elapsed = run(check_worker)
    return done[0] / elapsed, done[0], failed[0], sample[0]


def probe(base_url: str, path: str, cookies: dict[str, str]) -> Response:
    return Client(base_url, behind_tls_proxy=True, cookies=dict(cookies)).get(path)


# --- the table ----------------------------------------------------------------------------


def report_logins(base_url: str) -> None:
    """Hashing alone beside full logins and the second-factor step."""
    label, hash_ms, hashes_per_core = measure_hashing()
    login_clients = LOGIN_CLIENTS
    rate, _ok, failed, why, client_cores = measure_logins(base_url, login_clients)
    per_core = rate / CORES
    code_rate, codes_ok, codes_failed, codes_why = measure_code_checks(base_url, login_clients)

    print(f"Password hash {label}: {hash_ms:.1f} ms each; {hashes_per_core:.1f}/s per core")
    print(
        f"Full logins (GET page, POST, follow redirect; {login_clients} clients, "
        f"{LOGIN_SECONDS:.0f} s): {rate:.1f}/s = {per_core:.1f}/s per core = "
        f"{100 * per_core / hashes_per_core:.0f}% of hashing alone"
        + (f"; {failed} failed ({why})" if failed else "")
    )
    server_cores = CORES - client_cores
    print(
        f"  the client itself kept {client_cores:.2f} of the {CORES} cores busy: "
        f"{rate / server_cores:.1f}/s per core left to the server = "
        f"{100 * rate / server_cores / hashes_per_core:.0f}% of hashing alone"
    )
    print(
        f"Second-factor step (POST of the SMS code on the challenge page, redirect not "
        f"followed; {codes_ok} members, {login_clients} clients): {code_rate:.1f}/s = "
        f"{code_rate / CORES:.1f}/s per core"
        + (f"; {codes_failed} failed ({codes_why})" if codes_failed else "")
    )


def main() -> int:
    base_url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8107"
    workers = os.environ.get("GUNICORN_WORKERS", "?")
    sessions = prepare()
    counts = {
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
    }
    print(
        f"Server {base_url}: gunicorn {workers} sync workers on {CORES} cores, "
        f"{counts['users']} users, {counts['memberships']} memberships; "
        f"client: this process, {CONCURRENT_CLIENTS} threads max.\n",
        flush=True,
    )

    floor = measure(base_url, FLOOR_PATH, {})
    floor_sql = probe(base_url, FLOOR_PATH, {}).headers.get("x-sql-queries", "?")

    if selected("logins"):
        report_logins(base_url)
    print()
    header = (
        f"{'page':24} {'who':6} {'HTTP':>4} {'SQL':>4} | {'1 client p50':>12} {'p95':>7} | "
        f"{'20 clients p50':>14} {'p95':>7} {'req/s':>6} | {'x floor':>7}"
    )
    print(header)
    print("-" * len(header))

    def row(name: str, who: str, status: str, sql: str, m: dict[str, float]) -> None:
        ratio = m["p50_1"] / floor["p50_1"]
        errors = f"  ({int(m['errors'])} errors)" if m["errors"] else ""
        left = f"{name:24} {who or '-':6} {status:>4} {sql:>4}"
        one = f"{m['p50_1']:9.1f} ms {m['p95_1']:7.1f}"
        many = f"{m['p50_20']:11.1f} ms {m['p95_20']:7.1f} {m['rps_20']:6.0f}"
        print(f"{left} | {one} | {many} | {ratio:6.1f}x{errors}", flush=True)

    row("floor (/bench/floor)", "", "200", floor_sql, floor)
    absent = []
    ids = wizard_ids()
    for name, path, who in PAGES:
        if not selected(name):
            continue
        path = path.format(**ids)
        first = probe(base_url, path, sessions[who])
        if first.status == 404:
            absent.append(name)
            continue
        row(
            name,
            who,
            str(first.status),
            first.headers.get("x-sql-queries", "?"),
            measure(base_url, path, sessions[who]),
        )
    print("-" * len(header))
    print(
        "Latencies in ms as the client saw them (one TCP connection per request); "
        f"each phase stops after {PHASE_SECONDS:.0f} s, so slow pages have fewer samples."
    )
    print("HTTP is the status of the page (3xx: the page redirects this user; measured as is).")
    if absent:
        print(f"Absent on this build (404), not measured: {', '.join(absent)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
