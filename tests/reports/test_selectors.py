"""KPIs of the known data set (tests/reports/conftest.py), each figure worked out by hand.

Active RARE-LIVER members today: Adler (Coordinator+HP, DE40), Berger (Dispatcher+HP,
DE40), Costa (Researcher, NL01), Dijk (HP, DE40), Engel (HP, DE05), Fischer (HP,
NL01); all have a verified phone but Engel and Fischer. Graf is revoked, Hahn
expired, Ivanov and Jansen belong to ERN-EYE.
"""

from datetime import timedelta

import pytest

from reports import selectors
from reports.selectors import MemberFilters, MemberStatus, Period, Role
from tests.factories import MembershipFactory, UserFactory
from tests.reports.conftest import MARCH, at

ALL = MemberFilters()


def counts(rows):
    return {row.label: row.count for row in rows}


def test_member_overview_counts_each_figure(known):
    overview = selectors.member_overview(known.rl, ALL)
    assert overview.members == 6
    assert overview.never_logged_in == 2  # Costa, Dijk
    assert overview.without_verified_phone == 2  # Engel's is unconfirmed; Fischer: TOTP only
    assert overview.answered_preferences == 4  # Adler, Berger, Dijk, Engel
    assert overview.answered_none == 1  # Berger
    assert overview.answered_share == pytest.approx(4 / 6)


def test_members_by_country_institution_and_profile(known):
    assert counts(selectors.members_by_country(known.rl, ALL)) == {
        "Germany": 4,
        "Netherlands": 2,
    }
    by_institution = selectors.members_by_institution(known.rl, ALL)
    assert counts(by_institution) == {
        "DE40 - Universitätsklinikum Hamburg-Eppendorf": 3,
        "NL01 - Erasmus MC": 2,
        "DE05 - Medizinische Hochschule Hannover": 1,
    }
    assert [row.count for row in by_institution] == [3, 2, 1]
    assert by_institution[0].detail == "Germany"
    by_profile = selectors.members_by_profile(known.rl, ALL)
    assert [(row.label, row.count) for row in by_profile] == [
        ("Coordinator", 1),
        ("Dispatcher", 1),
        ("HP", 5),
        ("Researcher", 1),
    ]


def test_members_per_thematic_area_counts_members_only(known):
    rows = selectors.members_per_thematic_area(known.rl, ALL)
    # Graf (revoked) also named the first area: not a member, not counted.
    assert [(row.label, row.count) for row in rows] == [
        ("Autoimmune liver disease", 2),
        ("Metabolic liver disease", 2),
        ("Paediatric hepatology", 0),
        ("Retired, still named", 1),
    ]


def test_status_filter_selects_revoked_and_expired_members(known):
    revoked = MemberFilters(status=MemberStatus.REVOKED)
    expired = MemberFilters(status=MemberStatus.EXPIRED)
    everyone = MemberFilters(status=MemberStatus.ALL)
    assert selectors.member_overview(known.rl, revoked).members == 1
    assert selectors.member_overview(known.rl, expired).members == 1
    assert selectors.member_overview(known.rl, everyone).members == 8


def test_country_institution_and_profile_filters(known):
    assert selectors.member_overview(known.rl, MemberFilters(country="NL")).members == 2
    assert selectors.member_overview(known.rl, MemberFilters(institution=known.de40)).members == 3
    hp = MemberFilters(profile=known.profiles["HP"])
    assert selectors.member_overview(known.rl, hp).members == 5
    assert counts(selectors.members_by_profile(known.rl, hp)) == {"HP": 5}


def test_request_figures_of_the_period(known):
    figures = selectors.request_figures(known.rl, MARCH, ALL)
    assert figures.submitted == 6  # 2, 5, 10, 15, 20 and 28 March
    assert figures.approved == 3  # decided 3, 7 and 2 March
    assert figures.rejected == 1
    assert figures.withdrawn == 1
    # On 31 March: the one of 20 March, of 10 January, and of 28 March (decided in April).
    assert figures.pending_at_end == 3


def test_request_figures_follow_the_filters(known):
    figures = selectors.request_figures(known.rl, MARCH, MemberFilters(country="NL"))
    assert (figures.submitted, figures.approved, figures.rejected) == (2, 0, 1)
    assert figures.pending_at_end == 1


def test_decision_times_median_and_90th_percentile(known):
    times = selectors.decision_times(known.rl, MARCH, ALL)
    # 24 h, 48 h, 120 h, 240 h: median (48+120)/2 = 84 h; p90 at 2.7 → 120 + 0.7 * 120 = 204 h.
    assert times.decisions == 4
    assert times.median == timedelta(hours=84)
    assert times.p90 == timedelta(hours=204)


def test_decision_times_without_decisions(known):
    empty = Period(start=MARCH.start.replace(year=2020), end=MARCH.end.replace(year=2020))
    assert selectors.decision_times(known.rl, empty, ALL) == selectors.DecisionTimes(0, None, None)


def test_oldest_pending_submission(known):
    assert selectors.oldest_pending_submission(known.rl, ALL) == at(1, 10)
    assert selectors.oldest_pending_submission(known.eye, ALL) == at(1, 2)


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [([5.0], 0.9, 5.0), ([1.0, 2.0], 0.5, 1.5), ([1.0, 2.0, 3.0, 4.0, 5.0], 0.9, 4.6)],
)
def test_percentile_cont_interpolates_like_sql(values, fraction, expected):
    assert selectors.percentile_cont(values, fraction) == pytest.approx(expected)


def test_default_period_is_the_last_90_days_ending_today(frozen):
    period = Period.default()
    assert period.end == frozen.date()
    assert (period.end - period.start).days + 1 == 90


def test_kpis_take_a_fixed_number_of_queries(known, django_assert_num_queries):
    for _ in range(10):
        MembershipFactory(user=UserFactory(), institution=known.de40, profile=known.profiles["HP"])
    with django_assert_num_queries(1):
        assert selectors.member_overview(known.rl, ALL).members == 16
    with django_assert_num_queries(1):
        selectors.members_by_institution(known.rl, ALL)
    with django_assert_num_queries(1):
        selectors.members_per_thematic_area(known.rl, ALL)


def test_report_roles_follow_active_profiles(known, django_user_model):
    assert selectors.report_roles(known.coordinator) == {known.rl.pk: Role.COORDINATOR}
    assert selectors.report_roles(known.dispatcher) == {known.rl.pk: Role.DISPATCHER}
    assert selectors.report_roles(known.researcher) == {known.rl.pk: Role.RESEARCHER}
    assert selectors.report_roles(known.h1) == {}
    assert selectors.network_for_report(known.coordinator, "ERN-EYE") is None
    assert selectors.network_for_report(known.coordinator, "RARE-LIVER") == (
        known.rl,
        Role.COORDINATOR,
    )
    admin = django_user_model.objects.create_superuser("root@example.eu", "x", first_name="R")
    assert selectors.report_roles(admin) == {
        known.rl.pk: Role.COORDINATOR,
        known.eye.pk: Role.COORDINATOR,
    }


def test_a_revoked_coordinator_has_no_role(known):
    MembershipFactory(
        user=known.h1,
        institution=known.de40,
        profile=known.profiles["COORDINATOR"],
        status="revoked",
        ended_at=at(3, 1),
    )
    assert selectors.report_roles(known.h1) == {}
