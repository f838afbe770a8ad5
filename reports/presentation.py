"""What a viewer is shown of the KPIs: small counts suppressed for researchers, SVG bars.

The charts are drawn on the server as plain SVG (no script, no library): each
bar chart repeats a table that holds the same figures, so the table is what
assistive technology and keyboard users read.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from access_requests.models import Organisation
from reports import selectors
from reports.app_settings import app_settings
from reports.selectors import CountRow, MemberFilters, Period, Role

CHART_WIDTH = 560
CHART_LABEL_WIDTH = 235
CHART_BAR_AREA = 275
CHART_ROW_HEIGHT = 28
CHART_BAR_HEIGHT = 18
CHART_LABEL_CHARS = 27


@dataclass(frozen=True)
class Figure:
    """A count as the viewer may see it: ``text`` is "<5" when it is suppressed."""

    value: int
    text: str
    suppressed: bool = False


def disclose(value: int, role: Role) -> Figure:
    """The figure itself, or "<5" for a researcher when it is between 1 and 4."""
    threshold = app_settings.SUPPRESS_BELOW
    if not role.sees_small_counts and 0 < value < threshold:
        return Figure(value=value, text=f"<{threshold}", suppressed=True)
    return Figure(value=value, text=number_format(value, force_grouping=True))


@dataclass(frozen=True)
class Bar:
    label: str
    short_label: str
    text: str
    y: int
    width: int

    @property
    def text_y(self) -> int:
        return self.y + CHART_BAR_HEIGHT - 4

    @property
    def value_x(self) -> int:
        return CHART_LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class BarChart:
    """An SVG bar chart; a suppressed figure gets no bar, only its "<5"."""

    chart_id: str
    title: str
    bars: list[Bar]
    width: int = CHART_WIDTH
    label_width: int = CHART_LABEL_WIDTH
    bar_height: int = CHART_BAR_HEIGHT

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * CHART_ROW_HEIGHT + 8

    @property
    def label_x(self) -> int:
        return self.label_width - 8

    @property
    def summary(self) -> str:
        """The chart in one sentence, for its <desc>."""
        # Translators: one bar of a chart read aloud, e.g. "Approved: 5".
        pair = gettext("%(label)s: %(value)s")
        return "; ".join(pair % {"label": bar.label, "value": bar.text} for bar in self.bars)


def bar_chart(chart_id: str, title: str, items: list[tuple[str, Figure]]) -> BarChart:
    shown = [figure.value for _label, figure in items if not figure.suppressed]
    top = max(shown, default=0) or 1
    bars = []
    for index, (label, figure) in enumerate(items):
        width = 0 if figure.suppressed else round(CHART_BAR_AREA * figure.value / top)
        short = label if len(label) <= CHART_LABEL_CHARS else label[: CHART_LABEL_CHARS - 1] + "…"
        bars.append(
            Bar(
                label=label,
                short_label=short,
                text=figure.text,
                y=4 + index * CHART_ROW_HEIGHT,
                width=width,
            )
        )
    return BarChart(chart_id=chart_id, title=title, bars=bars)


@dataclass(frozen=True)
class CountTable:
    """A "members by …" table and its chart."""

    chart_id: str
    title: str
    column: str
    rows: list[tuple[CountRow, Figure]]
    chart: BarChart
    detail_column: str = ""


def withhold(figure: Figure) -> Figure:
    """A figure shown as withheld although it is not small itself (secondary suppression)."""
    return Figure(value=figure.value, text="—", suppressed=True)


def protect_by_difference(figures: list[Figure]) -> list[Figure]:
    """Secondary suppression: the rows of a "members by …" table add up to a total the
    page shows, so one hidden row, or hidden rows that add up to less than the threshold,
    could be worked out by subtraction. Withhold the smallest shown rows too until the
    hidden ones are at least two and add up to at least the threshold."""
    threshold = app_settings.SUPPRESS_BELOW
    figures = list(figures)
    hidden = [i for i, figure in enumerate(figures) if figure.suppressed]
    if not hidden:
        return figures
    candidates = sorted(
        (i for i, figure in enumerate(figures) if not figure.suppressed and figure.value),
        key=lambda i: figures[i].value,
    )
    while candidates and (len(hidden) < 2 or sum(figures[i].value for i in hidden) < threshold):
        i = candidates.pop(0)
        figures[i] = withhold(figures[i])
        hidden.append(i)
    return figures


def count_table(
    chart_id: str, title: str, column: str, rows: list[CountRow], role: Role, detail_column=""
) -> CountTable:
    figures = [disclose(row.count, role) for row in rows]
    if not role.sees_small_counts:
        figures = protect_by_difference(figures)
    shown = list(zip(rows, figures, strict=True))
    labels = [
        (f"{row.label} ({row.detail})" if row.detail else row.label, figure)
        for row, figure in shown
    ]
    return CountTable(
        chart_id=chart_id,
        title=title,
        column=column,
        rows=shown,
        chart=bar_chart(chart_id, title, labels),
        detail_column=detail_column,
    )


def format_duration(value: timedelta | None) -> str:
    """A waiting time in words a reader compares at a glance (minutes, hours or days)."""
    if value is None:
        return "—"
    seconds = value.total_seconds()
    if seconds < 3600:
        minutes = round(seconds / 60)
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
    if seconds < 48 * 3600:
        return gettext("%(n)s hours") % {"n": number_format(round(seconds / 3600, 1), 1)}
    return gettext("%(n)s days") % {"n": number_format(round(seconds / 86400, 1), 1)}


@dataclass
class NetworkReport:
    """Everything the report page shows, already disclosed for the viewer's role."""

    network: Organisation
    role: Role
    period: Period
    today: date
    requests: list[tuple[str, Figure]]
    requests_chart: BarChart
    pending_at_end: Figure
    decisions: Figure
    median_decision: str
    p90_decision: str
    decision_times_suppressed: bool
    oldest_pending_hidden: bool
    oldest_pending: datetime | None
    oldest_pending_age: str
    members: Figure
    never_logged_in: Figure
    without_verified_phone: Figure
    answered_preferences: Figure
    answered_none: Figure
    answered_share: str
    tables: list[CountTable] = field(default_factory=list)


def build_report(
    network: Organisation, role: Role, period: Period, filters: MemberFilters
) -> NetworkReport:
    """Run the KPIs of one network and disclose them for ``role``."""
    now = timezone.now()
    figures = selectors.request_figures(network, period, filters)
    times = selectors.decision_times(network, period, filters)
    oldest = selectors.oldest_pending_submission(network, filters)
    overview = selectors.member_overview(network, filters)

    requests = [
        (gettext("Submitted"), disclose(figures.submitted, role)),
        (gettext("Approved"), disclose(figures.approved, role)),
        (gettext("Rejected"), disclose(figures.rejected, role)),
        (gettext("Withdrawn"), disclose(figures.withdrawn, role)),
    ]
    # Percentiles of fewer than five decisions would tell a researcher about one person.
    times_suppressed = (
        not role.sees_small_counts and 0 < times.decisions < app_settings.SUPPRESS_BELOW
    )
    answered = disclose(overview.answered_preferences, role)
    share = overview.answered_share
    answered_share = (
        "—"
        if share is None or answered.suppressed
        else gettext("%(percent)s %%") % {"percent": number_format(round(share * 100, 1), 1)}
    )
    tables = [
        count_table(
            "by-country",
            gettext("Members by country"),
            gettext("Country"),
            selectors.members_by_country(network, filters),
            role,
        ),
        count_table(
            "by-institution",
            gettext("Members by institution"),
            gettext("Institution"),
            selectors.members_by_institution(network, filters),
            role,
            detail_column=gettext("Country"),
        ),
        count_table(
            "by-profile",
            gettext("Members by access profile"),
            gettext("Access Profile"),
            selectors.members_by_profile(network, filters),
            role,
        ),
        count_table(
            "by-area",
            gettext("Members per thematic area"),
            gettext("Thematic area"),
            selectors.members_per_thematic_area(network, filters),
            role,
        ),
    ]
    return NetworkReport(
        network=network,
        role=role,
        period=period,
        today=timezone.localdate(now),
        requests=requests,
        requests_chart=bar_chart("requests", gettext("Requests"), requests),
        pending_at_end=disclose(figures.pending_at_end, role),
        decisions=disclose(times.decisions, role),
        median_decision="—" if times_suppressed else format_duration(times.median),
        p90_decision="—" if times_suppressed else format_duration(times.p90),
        decision_times_suppressed=times_suppressed,
        # One request's date describes one person: not for those who see aggregates only.
        oldest_pending_hidden=not role.sees_small_counts,
        oldest_pending=oldest if role.sees_small_counts else None,
        oldest_pending_age=format_duration(now - oldest) if oldest else "",
        members=disclose(overview.members, role),
        never_logged_in=disclose(overview.never_logged_in, role),
        without_verified_phone=disclose(overview.without_verified_phone, role),
        answered_preferences=answered,
        answered_none=disclose(overview.answered_none, role),
        answered_share=answered_share,
        tables=tables,
    )


ROLE_HELP = {
    Role.COORDINATOR: _("You see every figure and can export the user list."),
    Role.DISPATCHER: _("You see every figure; the export of the user list is for coordinators."),
    Role.RESEARCHER: _(
        "You see aggregate figures only; counts from 1 to 4 are shown as “<5”, and “—” "
        "marks a count withheld so that a hidden one cannot be worked out from a total."
    ),
}
