"""The error summary above a form says what is wrong: "fields marked below" only when a
field is marked, the form's own message when it is the form as a whole."""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIELDS_MARKED = "Please correct the fields marked below."


def summary(response) -> str:
    body = response.content.decode()
    return re.search(
        r'<div class="message message-error"[^>]*id="form-errors">(.*?)</div>', body, re.S
    ).group(1)


def test_a_wrong_password_says_so_and_points_to_no_marked_field(client):
    user = UserFactory()

    response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})

    text = summary(response)
    assert "The e-mail address and/or password you specified are not correct" in text
    assert FIELDS_MARKED not in text


def test_a_missing_field_is_pointed_to(client):
    response = client.post(reverse("account_login"), {"login": "someone@example.org"})

    assert FIELDS_MARKED in summary(response)
    assert 'aria-invalid="true"' in response.content.decode()


def test_field_errors_beside_the_forms_own_error_point_to_the_fields(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": "x", "password2": "y"},
    )

    assert FIELDS_MARKED in summary(response)


def test_the_summary_brings_the_script_that_focuses_it(client):
    response = client.post(reverse("account_login"), {"login": "someone@example.org"})

    assert 'src="/static/js/form-errors.js"' in response.content.decode()
