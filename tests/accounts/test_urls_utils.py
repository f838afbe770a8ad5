"""The one home of two rules read from requests: a safe ``next``, and a row id."""

import pytest
from django.test import RequestFactory

from accounts.urls_utils import is_safe_next_url, parse_row_id, safe_next_url

OFF_SITE = ["//evil.example", "//evil.example/x", "https://evil.example/", "http:evil.example"]


@pytest.mark.parametrize("url", OFF_SITE)
@pytest.mark.parametrize(("default", "expected"), [("cpms-home", "/cpms/"), ("", "")])
def test_an_off_site_next_gives_the_callers_default(rf, url, default, expected):
    assert safe_next_url(rf.get("/", {"next": url}), default=default) == expected
    assert safe_next_url(rf.post("/", {"next": url}), default=default) == expected


def test_a_next_on_this_site_is_kept_from_the_form_first(rf):
    request = rf.post("/?next=/cpms/reports/", {"next": "/cpms/preferences/"})
    assert safe_next_url(request) == "/cpms/preferences/"
    assert safe_next_url(rf.get("/", {"next": "/cpms/reports/?page=2"})) == "/cpms/reports/?page=2"
    assert safe_next_url(rf.get("/"), default="admin:index") == "/admin/"


def test_an_https_request_is_not_sent_back_over_http(rf):
    request = rf.get("/", {"next": "http://testserver/cpms/"}, secure=True)
    assert not is_safe_next_url(request, "http://testserver/cpms/")
    assert is_safe_next_url(request, "https://testserver/cpms/")
    assert is_safe_next_url(RequestFactory().get("/"), "http://testserver/cpms/")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7),
        ("0042", 42),
        ("9" * 18, int("9" * 18)),
        ("9" * 19, None),  # beyond what a bigint key holds
        ("", None),
        (" 7", None),
        ("-7", None),
        ("7.0", None),
        ("1e3", None),
        ("²", None),  # a digit to str.isdigit(), not to int()
        ("٤٢", None),  # Arabic-Indic digits: int() takes them, the database would not
    ],
)
def test_a_row_id_is_a_plain_number_a_bigint_holds(raw, expected):
    assert parse_row_id(raw) == expected
