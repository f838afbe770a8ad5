"""How fast does the admin's queue of pending requests open with 100,000 requests?

Run against a PostgreSQL database of its own (it migrates it, loads the reference
data and seeds it once; later runs reuse the rows):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cpms_bench \
        .venv/bin/python bench/admin_queue.py

Prints the time of the queue page (Django test client, logged-in superuser) as
the median of a few warm runs, and the number of SQL queries. Target: < 0.5 s.
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpms_portal.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from access_requests.models import (  # noqa: E402
    AccessProfile,
    AccessRequest,
    Organisation,
    RequestedProfile,
)
from accounts.models import SMSDevice, User  # noqa: E402

TOTAL = int(os.environ.get("BENCH_REQUESTS", "100000"))
PENDING_SHARE = 0.2  # the rest is decided history, as in a running system
BATCH = 5000
RUNS = 7


def seed() -> None:
    existing = AccessRequest.objects.count()
    if existing >= TOTAL:
        print(f"reusing {existing} requests")
        return
    institutions = list(
        Organisation.objects.filter(kind=Organisation.Kind.INSTITUTION)
        .exclude(code=Organisation.GUEST_CODE)
        .values_list("pk", "network_id")[:2000]
    )
    profiles = list(AccessProfile.objects.values_list("pk", flat=True))
    if not institutions or not profiles:
        sys.exit("No reference data: run manage.py load_reference_data first.")
    now = timezone.now()
    start = time.perf_counter()
    for offset in range(existing, TOTAL, BATCH):
        size = min(BATCH, TOTAL - offset)
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(
                    email=f"bench{offset + i}@bench.example.eu",
                    first_name="Bench",
                    last_name=f"User {offset + i}",
                    password="!",
                )
                for i in range(size)
            )
            SMSDevice.objects.bulk_create(
                SMSDevice(user=u, name="phone", number="+4915112345678", confirmed=True)
                for u in users[::3]
            )
            requests = []
            for i, user in enumerate(users):
                n = offset + i
                institution_id, network_id = institutions[n % len(institutions)]
                pending = (n % 100) < PENDING_SHARE * 100
                submitted = now - timedelta(minutes=n)
                requests.append(
                    AccessRequest(
                        user=user,
                        institution_id=institution_id,
                        network_id=network_id,
                        comment="Benchmark request" if n % 4 == 0 else "",
                        submitted_at=submitted,
                        status=AccessRequest.Status.SUBMITTED
                        if pending
                        else AccessRequest.Status.WITHDRAWN,
                        decided_at=None if pending else submitted,
                    )
                )
            requests = AccessRequest.objects.bulk_create(requests)
            RequestedProfile.objects.bulk_create(
                RequestedProfile(
                    request=r,
                    profile_id=profiles[r.pk % len(profiles)],
                    user=r.user,
                    institution_id=r.institution_id,
                    is_open=r.status == AccessRequest.Status.SUBMITTED,
                )
                for r in requests
            )
        print(f"seeded {offset + size}/{TOTAL}", end="\r", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"\nseeded in {time.perf_counter() - start:.1f} s")


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run this benchmark on PostgreSQL (set DATABASE_URL).")
    call_command("migrate", verbosity=0)
    if not Organisation.objects.exists():
        call_command("load_reference_data", verbosity=0)
    seed()
    admin, _ = User.objects.get_or_create(
        email="bench-admin@bench.example.eu",
        defaults={"first_name": "Bench", "last_name": "Admin", "is_staff": True},
    )
    if not admin.is_superuser:
        admin.is_superuser = True
        admin.is_staff = True
        admin.save(update_fields=["is_superuser", "is_staff"])
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(admin)
    url = reverse("admin:access_requests_accessrequest_changelist")
    pending = AccessRequest.objects.filter(status=AccessRequest.Status.SUBMITTED).count()

    assert client.get(url).status_code == 200  # warm up connections and caches
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    median = statistics.median(timings)
    print(
        f"admin queue page: median {median:.3f} s, best {min(timings):.3f} s, "
        f"worst {max(timings):.3f} s over {RUNS} runs; {len(queries.captured_queries)} "
        f"SQL queries; {AccessRequest.objects.count()} requests, {pending} pending "
        f"(target < 0.5 s: {'met' if median < 0.5 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
