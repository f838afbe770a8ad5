"""Streamed exports of a user list (CSV, XLSX), one row per member, audited when they end.

Memory stays flat whatever the number of members: memberships come from a
server-side cursor (``.iterator(chunk_size=…)``) ordered by member, rows are
grouped as they pass, CSV is sent in small batches and XLSX by our own streaming
writer (``reports.xlsx``: the zip package is written to an unseekable sink and
handed on every few rows), so both start at once and neither touches the disk.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from access_requests.models import Membership, Organisation, institution_label
from accounts.models import User
from preferences.models import Expertise
from reports import services
from reports.app_settings import app_settings
from reports.selectors import has_second_factor
from reports.xlsx import CONTENT_TYPE as XLSX_CONTENT_TYPE
from reports.xlsx import stream_xlsx

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": XLSX_CONTENT_TYPE,
}
COLUMNS = [
    _("Name"),
    _("E-mail"),
    _("Institution"),
    _("Country"),
    _("Profiles"),
    _("Granted on"),
    _("Thematic areas"),
    _("Last login"),
    _("Second factor set up"),
    _("Status"),
]
# Best first: a member with an active and a revoked membership is active.
_STATUS_RANK: dict[str, int] = {
    Membership.Status.ACTIVE: 0,
    Membership.Status.EXPIRED: 1,
    Membership.Status.REVOKED: 2,
}
_CSV_BATCH_BYTES = 64 * 1024
_XLSX_CHUNK_BYTES = 64 * 1024
# Column widths in characters, in the order of COLUMNS.
_XLSX_WIDTHS = (24, 32, 40, 16, 24, 12, 36, 17, 12, 10)
# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_FIELDS = (
    "user_id",
    "user__first_name",
    "user__last_name",
    "user__email",
    "user__last_login",
    "institution__code",
    "institution__name",
    "institution__parent__name",
    "profile__name",
    "granted_at",
    "status",
    "expires_at",
    "areas",
    "answered_none",
    "second_factor",
)


def export_values(queryset: QuerySet[Membership]) -> QuerySet:
    """The memberships as flat tuples ordered by member: the one query of an export."""
    expertise = Expertise.objects.filter(
        user_id=OuterRef("user_id"), network_id=OuterRef("network_id")
    )
    area_names = StringAgg(
        "areas__name",
        Value("; "),
        order_by=("areas__position", "areas__name")
        if connection.features.supports_aggregate_order_by_clause
        else None,
    )
    return (
        queryset.annotate(
            areas=Subquery(expertise.annotate(names=area_names).values("names")[:1]),
            answered_none=Exists(expertise.filter(is_none=True)),
            second_factor=ExpressionWrapper(has_second_factor(), output_field=BooleanField()),
        )
        .order_by(
            "user__last_name",
            "user__first_name",
            "user_id",
            "profile__position",
            "institution__code",
        )
        .values_list(*_FIELDS)
    )


@dataclass
class MemberRow:
    """One member of the export, their memberships folded together (times are local)."""

    name: str
    email: str
    institutions: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    granted_on: datetime | None = None
    areas: str = ""
    last_login: datetime | None = None
    second_factor: bool = False
    status: str = Membership.Status.ACTIVE


def member_rows(
    queryset: QuerySet[Membership], *, chunk_size: int | None = None
) -> Iterator[MemberRow]:
    """One row per member, grouped on the fly from memberships ordered by member."""
    now = timezone.now()
    # Translated and looked up once, not per row.
    statuses = {value: str(label) for value, label in Membership.Status.choices}
    tz = timezone.get_current_timezone()
    none_answer = gettext("None")
    labels: dict[tuple[str, str], str] = {}  # one per institution, not per row
    current_id = None
    row: MemberRow | None = None
    profile_status: dict[str, str] = {}
    values = export_values(queryset).iterator(
        chunk_size=chunk_size or app_settings.EXPORT_CHUNK_SIZE
    )
    for (
        user_id,
        first_name,
        last_name,
        email,
        last_login,
        inst_code,
        inst_name,
        country,
        profile,
        granted_at,
        status,
        expires_at,
        areas,
        answered_none,
        second_factor,
    ) in values:
        if status == Membership.Status.ACTIVE and expires_at is not None and expires_at <= now:
            status = Membership.Status.EXPIRED
        if row is None or user_id != current_id:  # None: the first row, a new member
            if row is not None:
                yield _finish(row, profile_status, statuses)
            current_id = user_id
            profile_status = {}
            row = MemberRow(
                name=f"{first_name} {last_name}".strip(),
                email=email,
                granted_on=granted_at.astimezone(tz),
                areas=areas or (none_answer if answered_none else ""),
                last_login=last_login.astimezone(tz) if last_login else None,
                second_factor=second_factor,
                status=status,
            )
        institution = labels.get((inst_code, inst_name))
        if institution is None:
            institution = labels[inst_code, inst_name] = institution_label(inst_code, inst_name)
        if institution not in row.institutions:
            row.institutions.append(institution)
        if country not in row.countries:
            row.countries.append(country)
        held = profile_status.get(profile)
        if held is None or _STATUS_RANK[status] < _STATUS_RANK[held]:
            profile_status[profile] = status
        if _STATUS_RANK[status] < _STATUS_RANK[row.status]:
            row.status = status
        if granted_at < row.granted_on:
            row.granted_on = granted_at.astimezone(tz)
    if row is not None:
        yield _finish(row, profile_status, statuses)


def _finish(row: MemberRow, profile_status: dict[str, str], statuses: dict) -> MemberRow:
    row.profiles = [
        name if status == Membership.Status.ACTIVE else f"{name} ({statuses[status].lower()})"
        for name, status in profile_status.items()
    ]
    row.status = statuses[row.status]
    return row


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(_FORMULA_PREFIXES) else value


@dataclass
class _ExportRun:
    """Counts the rows that leave and audits the export when the stream ends."""

    fmt: str
    actor: User | None
    request: HttpRequest | None
    network: Organisation | None
    networks: list[str] | None
    filters: dict[str, Any] | None
    source: str
    rows: int = 0

    def count(self, rows: Iterable[MemberRow]) -> Iterator[MemberRow]:
        for row in rows:
            self.rows += 1
            yield row

    def audited(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        # Recorded when the stream ends (finished, failed or cut off by the client,
        # whose disconnect closes this generator) so the count is what really left.
        complete = False
        try:
            with transaction.atomic(), _fast_read():
                yield from chunks
            complete = True
        finally:
            services.record_export(
                actor=self.actor,
                fmt=self.fmt,
                rows=self.rows,
                complete=complete,
                network=self.network,
                networks=self.networks,
                filters=self.filters,
                source=self.source,
                request=self.request,
            )


@contextmanager
def _fast_read() -> Iterator[None]:
    """Read-only tuning of the export's own transaction on PostgreSQL.

    Inside a transaction the server-side cursor streams rows as PostgreSQL makes
    them (outside one, Django's WITH HOLD cursor materialises the whole result
    first), all from one snapshot; JIT compilation would cost seconds on this
    one-off query and win nothing.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
    yield


def _day_text(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else ""


def _minute_text(moment: datetime | None) -> str:
    return moment.isoformat(" ", "minutes")[:16] if moment else ""


def _day_cell(moment: datetime | None) -> date | None:
    return moment.date() if moment else None


def _minute_cell(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=None, second=0, microsecond=0) if moment else None


def _cells(row: MemberRow, yes: str, no: str, escape, day, minute) -> list:
    """The row's cells in the header's order: the texts through ``escape``, the day it
    was granted and the last login through ``day`` and ``minute`` (text for CSV, date
    cells for XLSX), each computed once."""
    return [
        escape(row.name),
        escape(row.email),
        escape("; ".join(row.institutions)),
        "; ".join(row.countries),
        "; ".join(row.profiles),
        day(row.granted_on),
        escape(row.areas),
        minute(row.last_login),
        yes if row.second_factor else no,
        row.status,
    ]


def csv_chunks(rows: Iterable[MemberRow], header: list[str]) -> Iterator[bytes]:
    """The header at once (with a BOM so that spreadsheets read UTF-8), then ~64 KB batches."""
    yes, no = gettext("Yes"), gettext("No")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield ("\ufeff" + buffer.getvalue()).encode()
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow(_cells(row, yes, no, safe_text, _day_text, _minute_text))
        if buffer.tell() >= _CSV_BATCH_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def xlsx_chunks(rows: Iterable[MemberRow], header: list[str], title: str) -> Iterator[bytes]:
    """The workbook streamed as it is written: the header at once, then ~64 KB chunks.

    Inline-string cells are never formulas, so text is not escaped with safe_text here;
    dates and last logins are real date cells (local time, to the minute).
    """
    yes, no = gettext("Yes"), gettext("No")
    cells = (_cells(row, yes, no, str, _day_cell, _minute_cell) for row in rows)
    return stream_xlsx(
        cells,
        header=header,
        title=title,
        column_widths=_XLSX_WIDTHS,
        chunk_bytes=_XLSX_CHUNK_BYTES,
    )


def export_memberships_response(
    queryset: QuerySet[Membership],
    fmt: str,
    actor: User | None,
    request: HttpRequest | None,
    *,
    network: Organisation | None = None,
    filters: dict[str, Any] | None = None,
    source: str = "admin",
) -> StreamingHttpResponse:
    """A streamed CSV or XLSX of the members holding these memberships, audited at its end.

    The caller has already decided that ``actor`` may see these memberships; an
    admin action passes its selection, the coordinator page its filtered network.
    """
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}; use one of {FORMATS}.")
    networks = None
    if network is None:
        networks = sorted(queryset.order_by().values_list("network__code", flat=True).distinct())
    run = _ExportRun(
        fmt=fmt,
        actor=actor,
        request=request,
        network=network,
        networks=networks,
        filters=filters,
        source=source,
    )
    # Labels are translated now, in the language of the request, not while streaming.
    header = [str(label) for label in COLUMNS]
    rows = run.count(member_rows(queryset))
    stem = f"{network.code if network else 'cpms'}-members-{timezone.localdate():%Y-%m-%d}"
    if fmt == "csv":
        chunks = csv_chunks(rows, header)
    else:
        chunks = xlsx_chunks(rows, header, title=gettext("Members"))
    response = StreamingHttpResponse(run.audited(chunks), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, f"{stem}.{fmt}")
    response["Cache-Control"] = "no-store"
    return response
