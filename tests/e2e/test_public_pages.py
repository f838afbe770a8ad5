"""The pages anyone can open, in English and German, and the landing page in each other
language the portal speaks: accessible, valid, and they fit."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.checks import check_page

pytestmark = pytest.mark.e2e

PUBLIC_PAGES = [
    ("landing", "/"),
    ("login", "/accounts/login/"),
    ("signup", "/accounts/signup/"),
    ("password-reset", "/accounts/password/reset/"),
    ("admin-login", "/admin/login/"),
]


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize(("name", "path"), PUBLIC_PAGES, ids=[n for n, _ in PUBLIC_PAGES])
def test_public_page_is_accessible_valid_and_fits_desktop_and_phone(
    new_page, name, path, language
):
    page = new_page(language=language)

    response = page.goto(path)

    assert response.ok, f"{path}: HTTP {response.status}"
    if not path.startswith("/admin/"):
        expect(page.locator("header.site-header")).to_be_visible()  # the portal's layout
    # check_page also asserts <html lang="{language}"> and names the German rows "de-…".
    check_page(page, name, screenshots=False)  # the journey takes the screenshots


# One page in each of the other languages: served in it, accessible, valid, it fits.
OTHER_LANGUAGES = [code for code, _name in settings.LANGUAGES if code not in ("en", "de")]


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_the_landing_page_in_every_other_language(new_page, language):
    page = new_page(language=language)

    response = page.goto("/")

    assert response.ok
    expect(page.locator("header.site-header")).to_be_visible()
    check_page(page, "landing", screenshots=False)
