"""Fill the database with synthetic volume for benchmarks, reproducibly from a seed.

On top of the reference data it adds institutions spread over every network's
countries (a larger share in RARE-LIVER), users with a verified e-mail address,
a confirmed mobile phone and one password hash computed once and shared,
access requests in every status with their requested profiles (never two open
ones for the same user, institution and profile), memberships granted by the
approved requests (topped up with memberships that predate the portal), and
RARE-LIVER members' expertise.

Speed: primary keys are allocated here, so every row is written without a
round trip: PostgreSQL gets one ``COPY`` per table, other databases
``bulk_create``. The sequences are moved past the new keys at the end.
"""

import io
import random
import string
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import get_hasher
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

from access_requests.app_settings import app_settings as access_settings
from access_requests.models import (
    AccessProfile,
    AccessRequest,
    Membership,
    NetworkAdministrator,
    Organisation,
    RequestedProfile,
)
from accounts.languages import EmailLanguage
from accounts.models import SMSDevice, User
from preferences.models import Expertise, ThematicArea

EMAIL_DOMAIN = "volume.example.eu"
DEFAULT_PASSWORD = "volume-password-cpms-2026"  # noqa: S105 (synthetic users only)
SYNTHETIC_CODE_START = 100  # reference institutions use two-digit codes (DE05, NL01)

FIRST_NAMES = [
    "Anna",
    "Lukas",
    "Marie",
    "Jan",
    "Sofia",
    "Pieter",
    "Elena",
    "Matteo",
    "Ines",
    "Jonas",
    "Clara",
    "Mateo",
    "Eva",
    "Tomas",
    "Lea",
    "Nikolaos",
    "Maja",
    "Andrei",
    "Julia",
    "Mikkel",
    "Zofia",
    "Luca",
    "Ana",
    "Oskar",
    "Ieva",
    "Bruno",
    "Chiara",
    "Karel",
    "Saoirse",
    "Emil",
    "Laura",
    "Joao",
    "Petra",
    "Henrik",
    "Agnieszka",
    "Dimitar",
    "Katarina",
    "Aino",
    "Lars",
    "Marta",
]
LAST_NAMES = [
    "Muller",
    "Schmidt",
    "Dubois",
    "Rossi",
    "Jansen",
    "Novak",
    "Kowalski",
    "Garcia",
    "Silva",
    "Papadopoulos",
    "Nielsen",
    "Virtanen",
    "Horvath",
    "Popescu",
    "Murphy",
    "Andersson",
    "Fischer",
    "Bernard",
    "Bianchi",
    "Peeters",
    "Svoboda",
    "Nowak",
    "Fernandez",
    "Costa",
    "Georgiou",
    "Hansen",
    "Korhonen",
    "Nagy",
    "Ionescu",
    "Byrne",
    "Johansson",
    "Weber",
    "Martin",
    "Romano",
    "Maes",
    "Dvorak",
    "Wisniewski",
    "Lopez",
    "Pereira",
    "Ozols",
]
HOSPITAL_KINDS = [
    "University Hospital",
    "General Hospital",
    "Children's Hospital",
    "Medical Centre",
    "Clinical Centre",
    "Institute of Medicine",
]
# (profile codes of one request, weight): Coordinator and Dispatcher come with HP,
# their prerequisite.
PROFILE_SETS = [
    (("HP",), 60),
    (("RESEARCHER",), 15),
    (("HP", "COORDINATOR"), 10),
    (("HP", "DISPATCHER"), 10),
    (("HP", "RESEARCHER"), 5),
]
S = AccessRequest.Status
STATUS_WEIGHTS = [(S.SUBMITTED, 20), (S.APPROVED, 60), (S.REJECTED, 10), (S.WITHDRAWN, 10)]
RARE_LIVER_SHARE = 0.1
GUEST_SHARE = 0.1
REVOKED_SHARE = 0.1
STAFF_PER_NETWORK = 1


def _weighted(rng: random.Random, choices: list[tuple[Any, int]]) -> Any:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


class _Table:
    """Writes rows of one model with the fastest bulk path the database offers."""

    def __init__(self, model: type[models.Model], using: str) -> None:
        self.model = model
        self.connection = connections[using]
        self.using = using
        self.fields = model._meta.concrete_fields
        self.defaults = {}
        for field in self.fields:
            default = field.get_default()
            if isinstance(default, str):
                default = str(default)  # TextChoices members are str subclasses
            self.defaults[field.attname] = default
        self.written = 0

    def next_id(self) -> int:
        pk = self.model._meta.pk.attname
        last = self.model._default_manager.using(self.using).aggregate(m=models.Max(pk))["m"]
        return (last or 0) + 1

    def write(self, rows: Iterable[dict[str, Any]]) -> int:
        before = self.written
        if self.connection.vendor == "postgresql":
            self._copy(rows)
        else:
            self._bulk_create(rows)
        return self.written - before

    def _values(self, rows: Iterable[dict[str, Any]]) -> Iterator[list[Any]]:
        defaults, attnames = self.defaults, [f.attname for f in self.fields]
        for row in rows:
            self.written += 1
            yield [row[a] if a in row else defaults[a] for a in attnames]

    def _copy(self, rows: Iterable[dict[str, Any]]) -> None:
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(cast(str, f.column)) for f in self.fields)  # concrete: set
        sql = f"COPY {quote(self.model._meta.db_table)} ({columns}) FROM STDIN"
        with self.connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for values in self._values(rows):
                copy.write_row(values)

    def _bulk_create(self, rows: Iterable[dict[str, Any]]) -> None:
        attnames = [f.attname for f in self.fields]
        batch: list[models.Model] = []
        for values in self._values(rows):
            batch.append(self.model(**dict(zip(attnames, values, strict=True))))
            if len(batch) >= 5000:
                self.model._default_manager.using(self.using).bulk_create(batch)
                batch = []
        if batch:
            self.model._default_manager.using(self.using).bulk_create(batch)


class Command(BaseCommand):
    help = (
        "Fill the database with synthetic institutions, users, access requests and "
        "memberships for benchmarks (reproducible from --seed; loads reference data first)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--institutions", type=int, default=10_000)
        parser.add_argument("--users", type=int, default=100_000)
        parser.add_argument("--requests", type=int, default=100_000)
        parser.add_argument("--memberships", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help="The password of every synthetic user (hashed once).",
        )
        parser.add_argument(
            "--anchor",
            default="2026-11-01",
            help="The date the synthetic history ends on (fixed, so runs are identical).",
        )

    def handle(self, *args, **options):
        using = DEFAULT_DB_ALIAS
        self.verbosity = options["verbosity"]
        counts = {k: options[k] for k in ("institutions", "users", "requests", "memberships")}
        if any(n < 0 for n in counts.values()):
            raise CommandError("Counts cannot be negative.")
        if counts["users"] < 1 and (counts["requests"] or counts["memberships"]):
            raise CommandError("Requests and memberships need at least one user.")
        anchor = datetime.fromisoformat(options["anchor"]).replace(tzinfo=UTC)
        call_command("load_reference_data", verbosity=0, stdout=io.StringIO())
        if User.objects.using(using).filter(email__iendswith=f"@{EMAIL_DOMAIN}").exists():
            raise CommandError(
                f"This database already holds synthetic volume (users @{EMAIL_DOMAIN}); "
                "use a fresh database."
            )
        started = time.perf_counter()
        generator = _Generator(
            using=using,
            rng=random.Random(options["seed"]),
            anchor=anchor,
            password=options["password"],
            log=self._log,
        )
        with transaction.atomic(using=using):
            connection = connections[using]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            created = generator.run(**counts)
            self._reset_sequences(using)
            committing = time.perf_counter()
        # PostgreSQL checks the (deferred) foreign keys of every new row here.
        self._log(f"Committed in {time.perf_counter() - committing:.1f} s")
        if connections[using].vendor == "postgresql":
            analysing = time.perf_counter()
            with connections[using].cursor() as cursor:
                for table in generator.touched_tables():
                    cursor.execute(f"ANALYZE {connections[using].ops.quote_name(table)}")
            self._log(f"Statistics updated in {time.perf_counter() - analysing:.1f} s")
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{n} {what}" for what, n in created.items())
        self.stdout.write(self.style.SUCCESS(f"Synthetic volume in {elapsed:.1f} s: {summary}."))

    def _log(self, message: str) -> None:
        if self.verbosity >= 2:
            self.stdout.write(message)

    def _reset_sequences(self, using: str) -> None:
        connection = connections[using]
        statements = connection.ops.sequence_reset_sql(no_style(), _Generator.MODELS)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


class _Generator:
    MODELS: list[type[models.Model]] = [
        Organisation,
        User,
        EmailAddress,
        SMSDevice,
        AccessRequest,
        RequestedProfile,
        Membership,
        Expertise,
        Expertise.areas.through,
    ]

    def __init__(self, *, using: str, rng: random.Random, anchor: datetime, password: str, log):
        self.using = using
        self.rng = rng
        self.anchor = anchor
        self.log = log
        self.tables = {model: _Table(model, using) for model in self.MODELS}
        # One hash for everyone, with a salt drawn from the seed so runs are identical.
        salt = "".join(rng.choices(string.ascii_letters + string.digits, k=22))
        self.password_hash = get_hasher().encode(password, salt)

    def touched_tables(self) -> list[str]:
        return [model._meta.db_table for model in self.MODELS]

    def _write(self, model: type[models.Model], rows: Iterable[dict[str, Any]]) -> int:
        started = time.perf_counter()
        n = self.tables[model].write(rows)
        self.log(f"{model._meta.label}: {n} rows in {time.perf_counter() - started:.1f} s")
        return n

    def _moment(self, days_back: float) -> datetime:
        return self.anchor - timedelta(seconds=int(days_back * 86400))

    def run(self, *, institutions: int, users: int, requests: int, memberships: int):
        created = {}
        created["institutions"] = self._institutions(institutions)
        created["users"] = self._users(users)
        created["requests"] = self._requests(requests)
        created["memberships"] = self._memberships(memberships)
        created["expertise answers"] = self._expertise()
        return created

    # --- institutions ----------------------------------------------------------

    def _institutions(self, n: int) -> int:
        orgs = Organisation.objects.using(self.using)
        cpms_countries = list(
            orgs.filter(
                kind=Organisation.Kind.COUNTRY,
                application__code=access_settings.CPMS_APPLICATION_CODE,
            )
            .select_related("network")
            .order_by("network__code", "code")
        )
        rare_liver: list[Organisation] = []
        others: list[Organisation] = []
        for country in cpms_countries:
            assert country.network is not None  # a country always sits in its network
            (rare_liver if country.network.code == "RARE-LIVER" else others).append(country)
        table = self.tables[Organisation]
        next_id = table.next_id()
        per_country: dict[int, int] = {}

        def rows():
            for i in range(n):
                pool = (
                    rare_liver if (self.rng.random() < RARE_LIVER_SHARE or not others) else others
                )
                country = self.rng.choice(pool)
                k = per_country.get(country.pk, SYNTHETIC_CODE_START)
                per_country[country.pk] = k + 1
                yield {
                    "id": next_id + i,
                    "application_id": country.application_id,
                    "parent_id": country.pk,
                    "network_id": country.network_id,
                    "kind": Organisation.Kind.INSTITUTION.value,
                    "code": f"{country.code}{k}",
                    "name": f"{self.rng.choice(HOSPITAL_KINDS)} {country.name} {k}",
                    "country_code": country.country_code,
                    "city": "",
                    "is_open": True,
                }

        return self._write(Organisation, rows())

    # --- users -------------------------------------------------------------------

    def _users(self, n: int) -> int:
        self.first_user_id = self.tables[User].next_id()
        self.user_ids = range(self.first_user_id, self.first_user_id + n)
        languages = EmailLanguage.values
        people = []
        for i in range(n):
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            phone = f"+32460{self.rng.randrange(10**6):06d}"
            people.append((first, last, f"{first}.{last}.{i}@{EMAIL_DOMAIN}".lower(), phone))
        networks = list(
            Organisation.objects.using(self.using)
            .filter(
                kind=Organisation.Kind.NETWORK,
                application__code=access_settings.CPMS_APPLICATION_CODE,
            )
            .order_by("code")
            .values_list("pk", flat=True)
        )
        # The first users administer one network each and decide its requests.
        self.staff_by_network = {
            network: self.first_user_id + i for i, network in enumerate(networks) if i < n
        }
        staff_ids = set(self.staff_by_network.values())

        def users():
            for i, (first, last, email, phone) in enumerate(people):
                uid = self.first_user_id + i
                joined = self._moment(self.rng.uniform(30, 3 * 365))
                yield {
                    "id": uid,
                    "password": self.password_hash,
                    "email": email,
                    "first_name": first,
                    "last_name": last,
                    "email_language": self.rng.choice(languages),
                    "mobile_phone": phone,
                    "is_staff": uid in staff_ids,
                    # No privacy version: like accounts made by operators, they are not
                    # asked to acknowledge a newer statement (which would redirect pages).
                    "date_joined": joined,
                }

        count = self._write(User, users())
        first_email_id = self.tables[EmailAddress].next_id()
        self._write(
            EmailAddress,
            (
                {
                    "id": first_email_id + i,
                    "user_id": self.first_user_id + i,
                    "email": email,
                    "verified": True,
                    "primary": True,
                }
                for i, (_f, _l, email, _p) in enumerate(people)
            ),
        )
        first_device_id = self.tables[SMSDevice].next_id()
        self._write(
            SMSDevice,
            (
                {
                    "id": first_device_id + i,
                    "user_id": self.first_user_id + i,
                    "name": "Mobile phone",
                    "confirmed": True,
                    "number": phone,
                    "created_at": self.anchor,
                    "valid_until": self.anchor,
                }
                for i, (_f, _l, _e, phone) in enumerate(people)
            ),
        )
        NetworkAdministrator.objects.using(self.using).bulk_create(
            NetworkAdministrator(user_id=uid, network_id=network)
            for network, uid in self.staff_by_network.items()
        )
        return count

    # --- requests ------------------------------------------------------------------

    def _institution_pool(self) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        rows = (
            Organisation.objects.using(self.using)
            .filter(
                kind=Organisation.Kind.INSTITUTION,
                application__code=access_settings.CPMS_APPLICATION_CODE,
            )
            .order_by("pk")
            .values_list("pk", "network_id", "code")
        )
        named = [(pk, net) for pk, net, code in rows if code != Organisation.GUEST_CODE]
        guests = [(pk, net) for pk, net, code in rows if code == Organisation.GUEST_CODE]
        return named, guests

    def _pick_institution(self) -> tuple[int, int, bool]:
        if self.guests and (self.rng.random() < GUEST_SHARE or not self.named):
            pk, net = self.rng.choice(self.guests)
            return pk, net, True
        pk, net = self.rng.choice(self.named)
        return pk, net, False

    def _requests(self, n: int) -> int:
        self.named, self.guests = self._institution_pool()
        profiles = dict(
            AccessProfile.objects.using(self.using)
            .filter(application__code=access_settings.CPMS_APPLICATION_CODE)
            .values_list("code", "pk")
        )
        self.profile_ids = list(profiles.values())
        profile_sets = [
            (tuple(profiles[c] for c in codes), w)
            for codes, w in PROFILE_SETS
            if all(c in profiles for c in codes)
        ]
        first_request_id = self.tables[AccessRequest].next_id()
        requests, items = [], []
        open_keys: set[tuple[int, int, int]] = set()
        self.approved_items: list[tuple[int, int, int, int, int, datetime, bool]] = []
        for i in range(n if self.user_ids else 0):
            rid = first_request_id + i
            user = self.rng.choice(self.user_ids)
            institution, network, is_guest = self._pick_institution()
            chosen = _weighted(self.rng, profile_sets)
            status = _weighted(self.rng, STATUS_WEIGHTS)
            if status == S.SUBMITTED and any((user, institution, p) in open_keys for p in chosen):
                status = S.WITHDRAWN  # the constraint allows one open request per triple
            submitted = self._moment(self.rng.uniform(0, 365))
            row = {
                "id": rid,
                "user_id": user,
                "institution_id": institution,
                "network_id": network,
                "comment": "" if self.rng.random() < 0.7 else "Please grant access for panels.",
                "status": status.value,
                "submitted_at": submitted,
            }
            if status != S.SUBMITTED:
                decided = submitted + timedelta(hours=self.rng.uniform(1, 240))
                row["decided_at"] = min(decided, self.anchor)
                if status != S.WITHDRAWN:
                    row["decided_by_id"] = self.staff_by_network.get(network)
                if status == S.REJECTED:
                    row["decision_reason"] = "Not a member of this institution."
            requests.append(row)
            for profile in chosen:
                is_open = status == S.SUBMITTED
                if is_open:
                    open_keys.add((user, institution, profile))
                items.append((rid, profile, user, institution, is_open))
                if status == S.APPROVED:
                    self.approved_items.append(
                        (rid, user, institution, network, profile, row["decided_at"], is_guest)
                    )
        count = self._write(AccessRequest, requests)
        first_item_id = self.tables[RequestedProfile].next_id()
        self._write(
            RequestedProfile,
            (
                {
                    "id": first_item_id + i,
                    "request_id": rid,
                    "profile_id": profile,
                    "user_id": user,
                    "institution_id": institution,
                    "is_open": is_open,
                }
                for i, (rid, profile, user, institution, is_open) in enumerate(items)
            ),
        )
        return count

    # --- memberships -------------------------------------------------------------------

    def _memberships(self, n: int) -> int:
        if not self.user_ids or not (self.named or self.guests) or not self.profile_ids:
            return 0
        first_id = self.tables[Membership].next_id()
        active: set[tuple[int, int, int]] = set()
        rows: list[dict[str, Any]] = []
        self.active_members: list[tuple[int, int]] = []

        def add(request_id, user, institution, network, profile, granted, is_guest) -> None:
            key = (user, institution, profile)
            revoked = key in active or self.rng.random() < REVOKED_SHARE
            row = {
                "id": first_id + len(rows),
                "user_id": user,
                "institution_id": institution,
                "network_id": network,
                "profile_id": profile,
                "granted_by_request_id": request_id,
                "status": (
                    Membership.Status.REVOKED if revoked else Membership.Status.ACTIVE
                ).value,
                "granted_at": granted,
                "expires_at": granted + timedelta(days=3 * 365) if is_guest else None,
            }
            if revoked:
                row["ended_at"] = min(granted + timedelta(days=30), self.anchor)
                row["ended_by_id"] = self.staff_by_network.get(network)
                row["end_reason"] = "Left the institution."
            else:
                active.add(key)
                self.active_members.append((user, network))
            rows.append(row)

        for item in self.approved_items[:n]:
            add(*item)
        # Members who joined before the portal existed hold memberships without a request.
        while len(rows) < n:
            institution, network, is_guest = self._pick_institution()
            user = self.rng.choice(self.user_ids)
            profile = self.rng.choice(self.profile_ids)
            add(None, user, institution, network, profile, self._moment(400), is_guest)
        return self._write(Membership, rows)

    # --- expertise -------------------------------------------------------------------------

    def _expertise(self) -> int:
        areas_by_network: dict[int, list[int]] = {}
        for area_id, network_id in (
            ThematicArea.objects.using(self.using).current().values_list("pk", "network_id")
        ):
            areas_by_network.setdefault(network_id, []).append(area_id)
        first_id = self.tables[Expertise].next_id()
        first_link_id = self.tables[Expertise.areas.through].next_id()
        answers: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        seen: set[tuple[int, int]] = set()
        for user, network in getattr(self, "active_members", []):
            areas = areas_by_network.get(network)
            if not areas or (user, network) in seen:
                continue
            seen.add((user, network))
            eid = first_id + len(answers)
            is_none = self.rng.random() < 0.2
            answers.append(
                {
                    "id": eid,
                    "user_id": user,
                    "network_id": network,
                    "is_none": is_none,
                    "answered_at": self.anchor,
                }
            )
            if not is_none:
                for area in self.rng.sample(areas, k=min(len(areas), self.rng.randint(1, 3))):
                    links.append(
                        {
                            "id": first_link_id + len(links),
                            "expertise_id": eid,
                            "thematicarea_id": area,
                        }
                    )
        count = self._write(Expertise, answers)
        self._write(Expertise.areas.through, links)
        return count
