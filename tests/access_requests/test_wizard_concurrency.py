"""Two submissions racing (double click, two tabs) make one request: the database decides."""

import threading
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from access_requests.models import AccessRequest, RequestedProfile
from tests.factories import AccessProfileFactory, InstitutionFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_two_racing_submissions_make_one_request():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL")
    user = UserFactory()
    institution = InstitutionFactory()
    hp = AccessProfileFactory(application=institution.application)
    data = {
        "application": institution.application_id,
        "organisation": institution.pk,
        "profile": hp.pk,
    }
    barrier = threading.Barrier(2)
    responses = []

    def submit():
        client = Client()
        client.force_login(user)
        try:
            barrier.wait(timeout=10)
            responses.append(client.post(reverse("access_requests:wizard-recap"), data))
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(responses) == 2
    assert all(r.status_code == HTTPStatus.FOUND for r in responses)
    assert AccessRequest.objects.filter(user=user).count() == 1
    assert RequestedProfile.objects.filter(user=user, is_open=True).count() == 1
    locations = sorted(r["Location"] for r in responses)
    request = AccessRequest.objects.get(user=user)
    assert locations == sorted(
        [
            reverse("access_requests:home"),
            reverse("access_requests:request-submitted", args=[request.pk]),
        ]
    )
