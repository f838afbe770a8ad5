"""The portal federated with a real OpenID Connect provider: panva's ``oidc-provider`` from
npm (tests/federation/identity_provider), started once on 127.0.0.1 for the package.

``federated`` configures the portal for it; ``Federation.login`` walks a whole login as a
browser would: the portal's button, the provider's login page, and back to the portal's
callback (a request of the Django test client)."""

import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from tests.federation.identity_provider import IdentityProvider, account

CLIENT_ID = "cpms-portal"
CLIENT_SECRET = "portal-secret-of-the-tests-0123456789"
PORTAL = "http://localhost"
CALLBACK = f"{PORTAL}/accounts/oidc/eulogin/login/callback/"

ACCOUNTS = {
    "new.clinician": account(
        "new.clinician",
        email="anna.nowak@szpital.example.pl",
        given_name="Anna",
        family_name="Nowak",
        locale="pl-PL",
    ),
    "nameless": account(
        "nameless", email="nameless@example.eu", given_name="", family_name="", locale=""
    ),
    "local.twin": account(
        "local.twin", email="twin@hospital.example.eu", given_name="Tom", family_name="Twin"
    ),
    "unverified.twin": account(
        "unverified.twin",
        email="twin@hospital.example.eu",
        verified=False,
        given_name="Tom",
        family_name="Twin",
    ),
    "other.address": account("other.address", email="someone.else@example.eu"),
    "with.mfa": account(
        "with.mfa",
        email="mfa@example.eu",
        given_name="Maria",
        family_name="Fa",
        amr=["pwd", "mfa"],
    ),
}


@pytest.fixture(scope="package")
def identity_provider():
    idp = IdentityProvider(
        clients=[
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [CALLBACK]}
        ],
        accounts=ACCOUNTS,
    )
    idp.start()
    yield idp
    idp.stop()


def configure(settings, issuer: str) -> None:
    settings.FEDERATION_ISSUER = issuer
    settings.FEDERATION_CLIENT_ID = CLIENT_ID
    settings.FEDERATION_CLIENT_SECRET = CLIENT_SECRET
    providers = settings.SOCIALACCOUNT_PROVIDERS
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            **providers["openid_connect"],
            "APPS": [
                {
                    "provider_id": "eulogin",
                    "name": "EU Login",
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {"server_url": issuer, "issuer": issuer},
                }
            ],
        }
    }


@dataclass
class Federation:
    idp: IdentityProvider
    client: Client

    def start(self, *, process: str = "login", next_url: str = "") -> requests.Response:
        """The portal's "Login via EU Login" button; the provider's login page it leads to."""
        data = {"process": process, **({"next": next_url} if next_url else {})}
        response = self.client.post(
            reverse("openid_connect_login", kwargs={"provider_id": "eulogin"}), data
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        self.browser = requests.Session()
        page = self.browser.get(response["Location"], timeout=10)
        assert page.status_code == 200, page.text
        return page

    def sign_in(self, page: requests.Response, login: str, password: str) -> str:
        """The provider's form; the portal's callback URL it sends the browser back to."""
        action = unescape(re.search(r'<form[^>]*action="([^"]*)"', page.text).group(1))
        response = self.browser.post(
            urljoin(page.url, action),
            data={"login": login, "password": password},
            allow_redirects=False,
            timeout=10,
        )
        for _ in range(10):
            location = response.headers.get("Location", "")
            assert response.status_code in (302, 303), response.text[:2000]
            target = urljoin(response.url, location)
            if target.startswith(PORTAL + "/"):
                return target
            response = self.browser.get(target, allow_redirects=False, timeout=10)
        raise AssertionError("the provider never sent the browser back")

    def callback(self, url: str):
        parts = urlsplit(url)
        return self.client.get(f"{parts.path}?{parts.query}")

    def idp_email(self, login: str) -> str:
        return ACCOUNTS[login]["claims"]["email"]

    def login(self, login: str, *, process: str = "login", next_url: str = ""):
        page = self.start(process=process, next_url=next_url)
        return self.callback(self.sign_in(page, login, ACCOUNTS[login]["password"]))


@pytest.fixture
def federated(settings, identity_provider, db):
    configure(settings, identity_provider.issuer)
    identity_provider.set_mode("normal")
    yield Federation(identity_provider, Client(HTTP_HOST="localhost"))
    identity_provider.set_mode("normal")


__all__ = ["PASSWORD", "Federation"]
