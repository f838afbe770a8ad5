from http import HTTPStatus

import pytest

pytestmark = pytest.mark.django_db


def test_favicon_ico_points_to_the_portal_icon_for_anyone(client):
    response = client.get("/favicon.ico")

    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"] == "/static/img/favicon.svg"


def test_every_page_of_the_portal_names_its_icon(client):
    body = client.get("/").content.decode()

    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in body
