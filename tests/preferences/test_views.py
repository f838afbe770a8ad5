from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from preferences import selectors, services, views
from preferences.audit_actions import Action as PreferencesAction
from preferences.models import Expertise, ThematicArea
from tests.factories import (
    ExpertiseFactory,
    MembershipFactory,
    NetworkFactory,
    ThematicAreaFactory,
    UserFactory,
)
from tests.preferences.conftest import enter_cpms, institution_in

pytestmark = pytest.mark.django_db

UPDATE = reverse("preferences:update")
DIRECTORY = reverse("preferences:directory")


def field(network, name):
    return f"ern{network.pk}-{name}"


# --- Update ERN Preferences -------------------------------------------------------


def test_preferences_need_login(client):
    response = client.get(UPDATE)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))


def test_the_form_offers_none_first_then_the_areas_in_order(client, member, network, areas):
    ThematicArea.objects.filter(pk=areas[0].pk).update(position=99)  # reordered in the admin
    enter_cpms(client, member)
    response = client.get(UPDATE)
    assert response.status_code == HTTPStatus.OK
    body = response.content.decode()
    assert "The first time you login, please choose the thematic areas" in body
    assert "ERN Thematic Areas" in body and "I'm a specialist in:" in body
    positions = [body.index(label) for label in ("None", "IgG4", "Biliary", "Autoimmune")]
    assert positions == sorted(positions)
    assert 'src="/static/js/preferences.js"' in body
    assert "<script>" not in body  # CSP: no inline script


def test_none_and_an_area_are_refused_in_place(client, member, network, areas):
    enter_cpms(client, member)
    response = client.post(
        UPDATE,
        {field(network, "none"): "on", field(network, "areas"): [areas[1].pk], "next": "/cpms/"},
    )
    assert response.status_code == HTTPStatus.OK
    body = response.content.decode()
    assert "You ticked “None” and some thematic areas" in body
    # What the member ticked is still ticked.
    assert (
        f'value="{areas[1].pk}" data-expertise="area" id="id_{field(network, "areas")}_1" checked'
        in body
    )
    assert not Expertise.objects.exists()


def test_an_empty_answer_is_refused_in_place(client, member, network, areas):
    enter_cpms(client, member)
    response = client.post(UPDATE, {})
    assert response.status_code == HTTPStatus.OK
    assert "Tick the thematic areas of your expertise, or “None”." in response.content.decode()


def test_an_area_id_no_database_could_hold_is_refused_in_place(client, member, network, areas):
    # 40 digits reached pk__in: a 500 on SQLite.
    enter_cpms(client, member)
    for bad in ["9" * 40, "1.5", "-1"]:
        response = client.post(UPDATE, {field(network, "areas"): [areas[0].pk, bad]})
        assert response.status_code == HTTPStatus.OK, bad
        assert response.context["has_errors"], bad
    assert not Expertise.objects.filter(user=member).exists()


def test_saving_goes_to_the_page_asked_for(client, member, network, areas):
    enter_cpms(client, member)
    response = client.post(
        UPDATE + "?next=/cpms/preferences/directory/",
        {field(network, "areas"): [areas[0].pk, areas[2].pk]},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == DIRECTORY
    expertise = Expertise.objects.get(user=member)
    assert set(expertise.areas.all()) == {areas[0], areas[2]}
    assert AuditEvent.objects.filter(action=PreferencesAction.PREFERENCES_SAVED).count() == 1


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", ""])
def test_saving_never_leaves_the_site(client, member, network, next_url):
    enter_cpms(client, member)
    response = client.post(UPDATE, {field(network, "none"): "on", "next": next_url})
    assert response["Location"] == reverse("cpms-home")


def test_a_member_of_two_networks_answers_both(client, member, network, areas):
    blood = NetworkFactory(code="EuroBloodNet")
    MembershipFactory(user=member, institution=institution_in(blood))
    enter_cpms(client, member)
    body = client.get(UPDATE).content.decode()
    assert "EuroBloodNet" in body and "RARE-LIVER" in body
    # A network without areas still offers "None".
    assert "answer “None” for now" in body

    response = client.post(UPDATE, {field(network, "areas"): [areas[1].pk]})
    assert response.status_code == HTTPStatus.OK
    assert not Expertise.objects.exists()  # EuroBloodNet unanswered: nothing saved

    response = client.post(
        UPDATE, {field(network, "areas"): [areas[1].pk], field(blood, "none"): "on"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert set(Expertise.objects.values_list("network__code", "is_none")) == {
        ("RARE-LIVER", False),
        ("EuroBloodNet", True),
    }


def test_a_retired_area_leaves_the_form_and_stays_as_history(client, member, network, areas):
    services.save_expertise(
        user=member, answers=[services.ExpertiseAnswer(network=network, areas=areas[:2])]
    )
    services.retire_area(area=areas[1], actor=UserFactory(is_staff=True))
    enter_cpms(client, member)
    body = client.get(UPDATE).content.decode()
    assert f'value="{areas[1].pk}"' not in body  # no checkbox for it
    assert "no longer offered by the network" in body
    assert "IgG4 Disease" in body  # shown in the summary
    assert (
        f'value="{areas[0].pk}" data-expertise="area" id="id_{field(network, "areas")}_0" checked'
        in body
    )


def test_the_menu_links_to_the_preferences(client, member):
    enter_cpms(client, member)
    body = client.get(UPDATE).content.decode()
    assert f'href="{UPDATE}"' in body and "ERN Preferences" in body


# --- Directory of experts -----------------------------------------------------------


@pytest.fixture
def viewer(network):
    user = UserFactory()
    MembershipFactory(user=user, institution=institution_in(network), answered=True)
    return user


def expert(network, *, country="DE", areas=(), **user_fields):
    user = UserFactory(**user_fields)
    MembershipFactory(
        user=user,
        institution=institution_in(network, country, name=f"Hospital of {user.last_name}"),
    )
    expertise = ExpertiseFactory(user=user, network=network)
    expertise.areas.set(areas)
    return user


def names(response):
    return [u.last_name for u in response.context["page"].object_list]


def test_the_directory_is_for_members_only(client, rf):
    outsider = UserFactory()
    client.force_login(outsider)
    # The CPMS gate sends a non-member to the request-access page, which says why...
    response = client.get(DIRECTORY)
    assert response["Location"].startswith(reverse("access_requests:home"))
    # ...and the page itself refuses them if it is ever reached another way.
    request = rf.get(DIRECTORY)
    request.user = outsider
    response = views.directory(request)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "open to ERN members only" in response.content.decode()


def test_the_directory_finds_a_member_by_area(client, viewer, network, areas):
    expert(network, last_name="Hepato", areas=[areas[0]])
    expert(network, last_name="Other", areas=[areas[2]])
    enter_cpms(client, viewer)
    response = client.get(DIRECTORY, {"area": areas[0].pk})
    assert response.status_code == HTTPStatus.OK
    assert names(response) == ["Hepato"]
    assert "Autoimmune Hepatitis (AIH)" in response.content.decode()


def test_the_directory_finds_a_member_by_country_institution_and_name(client, viewer, network):
    expert(network, last_name="Dupont", first_name="Marie", country="FR")
    expert(network, last_name="Rossi", first_name="Luca", country="IT")
    enter_cpms(client, viewer)
    assert names(client.get(DIRECTORY, {"country": "FR"})) == ["Dupont"]
    assert names(client.get(DIRECTORY, {"institution": "of rossi"})) == ["Rossi"]
    assert names(client.get(DIRECTORY, {"name": "marie dup"})) == ["Dupont"]
    assert names(client.get(DIRECTORY, {"network": network.pk, "name": "luca"})) == ["Rossi"]


def test_the_directory_hides_members_who_opted_out(client, viewer, network):
    hidden = expert(network, last_name="Hidden")
    expert(network, last_name="Listed")
    services.set_directory_listing(user=hidden, hidden=True)
    enter_cpms(client, viewer)
    assert "Hidden" not in names(client.get(DIRECTORY))
    assert "Listed" in names(client.get(DIRECTORY))


def test_a_member_hides_themselves_from_the_page(client, viewer, network):
    enter_cpms(client, viewer)
    body = client.get(DIRECTORY).content.decode()
    assert "can&#x27;t invite you" in body
    response = client.post(reverse("preferences:directory-listing"), {"hidden": "on"})
    assert response.status_code == HTTPStatus.FOUND
    assert viewer.directory_listing.hidden is True
    assert viewer.last_name not in names(client.get(DIRECTORY))


def test_the_directory_shows_nothing_of_a_network_to_a_non_member(client, viewer, network, areas):
    other = NetworkFactory(code="ERN-EYE")
    secret_area = ThematicAreaFactory(network=other, name="Neuro-ophthalmology")
    expert(other, last_name="Eye", areas=[secret_area])
    both = expert(other, last_name="Both", areas=[secret_area])
    MembershipFactory(user=both, institution=institution_in(network, name="Liver Clinic"))
    enter_cpms(client, viewer)

    response = client.get(DIRECTORY)
    assert "Eye" not in names(response)
    assert "Both" in names(response)  # a fellow member of RARE-LIVER...
    body = response.content.decode()
    assert "Liver Clinic" in body
    assert "Neuro-ophthalmology" not in body  # ...but nothing of ERN-EYE is shown
    assert "ERN-EYE" not in body and "Hospital of Both" not in body
    # Searching by the other network's area or the network itself finds nobody.
    assert names(client.get(DIRECTORY, {"area": secret_area.pk})) == []
    response = client.get(DIRECTORY, {"network": other.pk})
    assert "network" in response.context["form"].errors


@pytest.mark.parametrize("count", [5, 60])
def test_the_directory_runs_a_fixed_number_of_queries(
    client, viewer, network, areas, count, django_assert_num_queries
):
    for i in range(count):
        expert(network, last_name=f"Expert{i:03d}", areas=areas[: 1 + i % 3])
    enter_cpms(client, viewer)
    client.get(DIRECTORY)  # warm the session and caches
    # The gate: user, verified device, one query for membership, phone and preferences;
    # the page: the viewer's networks, areas, countries, the viewer's listing, count,
    # page, and one prefetch each: memberships, expertise, their areas.
    with django_assert_num_queries(12):
        response = client.get(DIRECTORY, {"page": 2 if count > 25 else 1})
    assert len(response.context["page"].object_list) == min(count + 1, 25)


def test_only_members_can_change_their_listing(rf):
    request = rf.post(reverse("preferences:directory-listing"), {"hidden": "on"})
    request.user = UserFactory()
    response = views.directory_listing_update(request)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not AuditEvent.objects.filter(action=PreferencesAction.PREFERENCES_SAVED).exists()


def test_first_cpms_login_lands_on_preferences_then_on_the_page_asked_for(
    client, member, network, areas
):
    enter_cpms(client, member)
    response = client.get(DIRECTORY + "?country=DE")
    assert response.status_code == HTTPStatus.FOUND
    assert (
        response["Location"]
        == f"{UPDATE}?next=%2Fcpms%2Fpreferences%2Fdirectory%2F%3Fcountry%3DDE"
    )

    response = client.post(response["Location"], {field(network, "areas"): [areas[0].pk]})
    assert response["Location"] == DIRECTORY + "?country=DE"
    assert client.get(response["Location"]).status_code == HTTPStatus.OK
    # Answered once: the gate does not ask again.
    assert client.get(reverse("cpms-home")).status_code == HTTPStatus.OK


def _plan(queryset, *off):
    """PostgreSQL's plan of ``queryset`` with sequential scans (and ``off``) disabled: on
    the few rows of a test, the planner would rightly read whole tables instead."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", *off):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_directory_queries_use_their_indexes(viewer, network, is_postgresql):
    """The page is read along the order's index and a name search from the trigram
    indexes (PostgreSQL's planner only)."""
    if not is_postgresql:
        pytest.skip("expression, partial and trigram indexes are planned by PostgreSQL only")
    from accounts.models import User

    for i in range(3):
        expert(network, last_name=f"Expert{i}")
    page = selectors.search_experts(viewer_networks=[network])
    assert "user_directory_order_idx" in _plan(page[:25], "enable_sort")
    assert [u.last_name for u in page] == sorted(u.last_name for u in page)
    # The count's covering index (membership_active_member_idx) is not asserted here: it
    # wins by index-only scans, which need a vacuumed table, and on a few rows any index
    # on network_id costs the planner the same. bench/run measures it at 100,000.
    assert selectors.count_experts(viewer_networks=[network]) == page.count() == 4
    named = User.objects.filter(last_name__icontains="xpert1")
    assert "user_last_name_trgm_idx" in _plan(named)


def test_the_directory_count_is_that_of_the_people_found(viewer, network, areas):
    """``count_experts`` counts from the memberships what ``search_experts`` lists."""
    expert(network, last_name="Dupont", first_name="Marie", country="FR", areas=[areas[0]])
    twice = expert(network, last_name="Rossi", first_name="Luca", country="IT")
    MembershipFactory(user=twice, institution=institution_in(network, "FR", name="Second"))
    hidden = expert(network, last_name="Hidden")
    services.set_directory_listing(user=hidden, hidden=True)
    inactive = expert(network, last_name="Gone")
    inactive.is_active = False
    inactive.save()
    for criteria in [
        {},
        {"country": "FR"},
        {"area": areas[0]},
        {"institution": "of rossi"},
        {"name": "marie dup"},
        {"network": network, "name": "o"},
    ]:
        found = selectors.search_experts(viewer_networks=[network], **criteria)
        count = selectors.count_experts(viewer_networks=[network], **criteria)
        assert count == len(list(found)) == found.count(), criteria
    assert selectors.count_experts(viewer_networks=[network]) == 3  # viewer, Dupont, Rossi


def test_the_directory_counts_up_to_its_cap_and_pages_on(client, viewer, network, settings):
    """Beyond the cap the page says "More than" instead of counting every member, and
    still pages through the people up to the cap."""
    settings.PREFERENCES_DIRECTORY_COUNT_CAP = 3
    settings.PREFERENCES_DIRECTORY_PAGE_SIZE = 2
    for i in range(4):
        expert(network, last_name=f"Expert{i}")
    assert selectors.count_experts(viewer_networks=[network]) == 5
    assert selectors.count_experts(viewer_networks=[network], cap=3) == 4  # 3 and one more
    assert selectors.count_experts(viewer_networks=[network], cap=5) == 5
    enter_cpms(client, viewer)

    response = client.get(DIRECTORY)
    body = response.content.decode()
    assert "More than 3 experts found" in body
    assert "narrow the search" in body
    assert ">Page 1<" in body and "Page 1 of" not in body
    assert "page=2" in body
    assert client.get(DIRECTORY, {"page": 2}).context["page"].has_next() is False

    settings.PREFERENCES_DIRECTORY_COUNT_CAP = 5  # exactly as many as there are
    body = client.get(DIRECTORY).content.decode()
    assert "5 experts found" in body and "More than" not in body
    assert "Page 1 of 3" in body


def test_a_directory_row_shows_what_the_member_holds_and_answered(client, viewer, network, areas):
    """Each institution, country and profile once, with its network; the current areas in
    the form's order, without the retired ones; "None"; or "Not answered yet"."""
    from django.utils import timezone

    from tests.factories import AccessProfileFactory

    first, second, retired = areas[0], areas[1], areas[2]
    retired.retired_at = timezone.now()
    retired.save()
    person = expert(network, last_name="Amsel", areas=[second, retired, first])
    hospital = person.memberships.get().institution
    MembershipFactory(
        user=person,
        institution=hospital,
        profile=AccessProfileFactory(
            application=hospital.application, code="CM", name="Case Manager"
        ),
    )
    none = expert(network, last_name="Birke")
    none.expertise.update(is_none=True)
    silent = expert(network, last_name="Castor")
    silent.expertise.all().delete()
    enter_cpms(client, viewer)

    rows = {row.user.last_name: row for row in client.get(DIRECTORY).context["rows"]}
    amsel = rows["Amsel"]
    assert amsel.institutions == [f"{hospital.label} ({network.code})"]
    assert amsel.countries == ["Germany"]
    assert len(amsel.profiles) == 2 and f"Case Manager ({network.code})" in amsel.profiles
    (answer,) = amsel.expertise
    assert (answer.network_code, answer.is_none) == (network.code, False)
    assert answer.areas == [first.name, second.name]
    assert [(e.is_none, e.areas) for e in rows["Birke"].expertise] == [(True, [])]
    assert rows["Castor"].expertise == []
    body = client.get(DIRECTORY, {"name": "Amsel"}).content.decode()
    assert f"{first.name}; {second.name}" in body and retired.name not in body
    assert "Not answered yet" in client.get(DIRECTORY, {"name": "Castor"}).content.decode()
