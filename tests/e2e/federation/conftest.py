"""The browser tests of "Login via EU Login": the portal process configured for a real
OpenID Connect provider (panva's oidc-provider, tests/federation/identity_provider)."""

import pytest

from tests.e2e import checks
from tests.e2e.conftest import serve_portal
from tests.federation.identity_provider import IdentityProvider, account

CLIENT_ID = "cpms-portal-e2e"
CLIENT_SECRET = "portal-secret-of-the-browser-tests-0123456789"
LOGIN = "piotr.kowalski"
PASSWORD = "correct horse battery"
EMAIL = "piotr.kowalski@szpital.example.pl"


@pytest.fixture(scope="package")
def identity_provider_and_portal_port():
    port = checks.free_port()
    idp = IdentityProvider(
        clients=[
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [
                    f"http://127.0.0.1:{port}/accounts/oidc/eulogin/login/callback/"
                ],
            }
        ],
        accounts={
            LOGIN: account(
                LOGIN,
                email=EMAIL,
                given_name="Piotr",
                family_name="Kowalski",
                locale="pl",
                password=PASSWORD,
            )
        },
    )
    idp.start()
    yield idp, port
    idp.stop()


@pytest.fixture(scope="package")
def portal_server(
    django_db_setup, django_db_blocker, tmp_path_factory, identity_provider_and_portal_port
):
    idp, port = identity_provider_and_portal_port
    yield from serve_portal(
        tmp_path_factory,
        port=port,
        environ={
            "FEDERATION_OIDC_ISSUER": idp.issuer,
            "FEDERATION_OIDC_CLIENT_ID": CLIENT_ID,
            "FEDERATION_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        },
    )
