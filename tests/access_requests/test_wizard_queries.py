"""Every wizard page runs the same number of SQL queries whatever the size of the tree."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access_requests.models import AccessProfile, Organisation
from tests.factories import (
    AccessProfileFactory,
    AccessRequestFactory,
    ApplicationFactory,
    CountryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def add_institutions(country: Organisation, start: int, stop: int) -> None:
    Organisation.objects.bulk_create(
        Organisation(
            application_id=country.application_id,
            parent=country,
            network_id=country.network_id,
            kind=Organisation.Kind.INSTITUTION,
            code=f"I{n:05d}",
            name=f"Hospital {n}",
            country_code=country.country_code,
        )
        for n in range(start, stop)
    )


def query_counts(client, pages) -> dict[str, int]:
    counts = {}
    for name, method, url, data in pages:
        getattr(client, method)(url, data)  # warm the session cache
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(url, data)
        assert response.status_code in (200, 302), (name, response.status_code)
        counts[name] = len(queries)
    return counts


def test_wizard_pages_query_count_does_not_grow_with_the_tree(client, django_user_model):
    user = UserFactory(is_superuser=True)
    client.force_login(user)
    application = ApplicationFactory()
    hp = AccessProfileFactory(application=application, code="HP", name="HP")
    AccessProfileFactory(application=application, code="COORDINATOR", prerequisite=hp)
    country = CountryFactory(parent__application=application)
    add_institutions(country, 0, 10)
    first, second = Organisation.objects.filter(parent=country).order_by("code")[:2]
    AccessRequestFactory(user=user, institution=first, with_profiles=[hp])

    def pages(target: Organisation) -> list:
        profiles = list(
            AccessProfile.objects.filter(application=application).values_list("pk", flat=True)
        )
        state = {"application": application.pk, "organisation": target.pk}
        step2 = reverse("access_requests:wizard-organisation")
        step3 = reverse("access_requests:wizard-profile")
        step4 = reverse("access_requests:wizard-recap")
        return [
            ("home", "get", reverse("access_requests:home"), {}),
            ("step 1", "get", reverse("access_requests:wizard-application"), {}),
            (
                "step 1 go",
                "get",
                reverse("access_requests:wizard-application"),
                {"application": application.pk, "go": 1},
            ),
            ("step 2 networks", "get", step2, {"application": application.pk}),
            (
                "step 2 countries",
                "get",
                step2,
                {"application": application.pk, "node": country.network_id},
            ),
            (
                "step 2 institutions",
                "get",
                step2,
                {"application": application.pk, "node": country.pk},
            ),
            (
                "step 2 page 2",
                "get",
                step2,
                {"application": application.pk, "node": country.pk, "page": 2},
            ),
            (
                "step 2 search",
                "get",
                step2,
                {"application": application.pk, "node": country.pk, "q": "Hospital 1"},
            ),
            ("step 2 go", "get", step2, {**state, "node": country.pk, "go": 1}),
            ("step 3", "get", step3, state),
            ("step 3 refused", "get", step3, {**state, "profile": profiles, "go": 1}),
            ("step 3 go", "get", step3, {**state, "profile": hp.pk, "go": 1}),
            ("step 4", "get", step4, {**state, "profile": hp.pk}),
        ]

    def submit(target: Organisation) -> int:
        """The submission itself, at a fresh institution."""
        data = {"application": application.pk, "organisation": target.pk, "profile": hp.pk}
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("access_requests:wizard-recap"), data)
        assert response.status_code == 302
        return len(queries)

    small = query_counts(client, pages(second))
    small_submit = submit(Organisation.objects.filter(parent=country).order_by("code")[2])
    add_institutions(country, 10, 10_000)
    assert Organisation.objects.filter(parent=country).count() == 10_000
    large = query_counts(client, pages(second))
    assert small == large
    assert small_submit == submit(Organisation.objects.filter(parent=country).order_by("code")[3])
