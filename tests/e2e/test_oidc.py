"""The portal as the OpenID provider of its applications, against the live server.

- Authlib (a third-party relying-party library) drives the whole flow: discovery, code
  + PKCE, token, the ID token's signature checked against the JWKS, userinfo, refresh,
  and what a revoked membership does to all of it. Chromium is the member's browser.
- The demo CPMS client (demo/oidc_client.py, Authlib too) in Chromium: a member signs
  in with password and SMS code and sees the claims; a member of another application
  only gets the refusal page.
"""

import re
import subprocess
import sys
import time
import urllib.request

import pytest
import requests
from allauth.idp.oidc.models import Client
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet
from playwright.sync_api import expect

from access_requests.models import Application
from access_requests.services import revoke_membership
from accounts.models import AuditEvent
from oidc_provider import services
from tests.e2e import checks, steps
from tests.factories import (
    ApplicationFactory,
    InstitutionFactory,
    MembershipFactory,
    SMSDeviceFactory,
    UserFactory,
)

pytestmark = pytest.mark.e2e

EMAIL = "lena.vogel@uke.example.de"
PHONE = "+4915123456711"
SECRET = "the-cpms-client-secret-for-tests"
SCOPES = "openid email profile memberships"


def register_client(*, client_id: str, redirect_uri: str, public: bool = False) -> Client:
    client = Client(
        id=client_id,
        name="CPMS",
        type=Client.Type.PUBLIC if public else Client.Type.CONFIDENTIAL,
    )
    client.set_secret(SECRET)
    client.set_redirect_uris([redirect_uri])
    client.set_scopes(SCOPES.split())
    client.set_grant_types(["authorization_code", "refresh_token"])
    client.set_response_types(["code"])
    cpms = Application.objects.get(code="cpms")
    return services.save_client(client=client, application=cpms, created=True, actor=None)


def sign_in(page, portal) -> None:
    steps.log_in_with_password(page, email=EMAIL, check=steps.no_check)
    steps.pass_the_sms_challenge(page, portal, number=PHONE, check=steps.no_check)


def test_authlib_drives_the_whole_flow(portal, reference_data, new_page):
    member = steps.cpms_member(email=EMAIL, phone=PHONE)
    redirect_uri = f"http://127.0.0.1:{checks.free_port()}/callback"
    register_client(client_id="cpms-authlib", redirect_uri=redirect_uri)
    page = new_page()
    sign_in(page, portal)

    # 1. Discovery.
    metadata = requests.get(f"{portal.url}/.well-known/openid-configuration", timeout=10).json()
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    rp = OAuth2Session(
        "cpms-authlib",
        SECRET,
        scope=SCOPES,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )

    # 2. Authorization code + PKCE, consent once, in the member's browser.
    verifier, nonce = generate_token(48), generate_token(16)
    url, state = rp.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    page.goto(url)
    expect(page.get_by_role("heading", name="Allow CPMS to sign you in")).to_be_visible()
    with page.expect_request(lambda r: r.url.startswith(redirect_uri)) as callback:
        page.get_by_role("button", name="Allow").click()
    # 3. Token.
    tokens = rp.fetch_token(
        metadata["token_endpoint"],
        authorization_response=callback.value.url,
        code_verifier=verifier,
        state=state,
    )
    assert {"access_token", "refresh_token", "id_token"} <= set(tokens)

    # 4. The ID token's signature against the JWKS, and its claims.
    key_set = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())
    id_token = jwt.decode(tokens["id_token"], key_set, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": metadata["issuer"]},
        aud={"essential": True, "value": "cpms-authlib"},
        nonce={"essential": True, "value": nonce},
    ).validate(id_token.claims)
    claims = id_token.claims
    assert claims["amr"] == ["pwd", "sms", "mfa"] and claims["acr"]
    assert claims["sub"] != str(member.pk) and claims["email_verified"] is True
    print("decoded ID token:", claims)

    # 5. Userinfo.
    info = rp.get(metadata["userinfo_endpoint"]).json()
    assert info["sub"] == claims["sub"] and info["email"] == EMAIL
    assert info["memberships"] == [
        {
            "network": {"code": "RARE-LIVER", "name": info["memberships"][0]["network"]["name"]},
            "country": "DE",
            "institution": {"code": "DE40", "name": "Universitätsklinikum Hamburg-Eppendorf"},
            "profile": {"code": "HP", "name": "HP"},
            "expires_at": None,
        }
    ]

    # 6. Refresh.
    refreshed = rp.refresh_token(metadata["token_endpoint"])
    assert refreshed["access_token"] != tokens["access_token"]

    # 7. A revoked membership: userinfo 401, refresh refused, the next authorization too.
    admin = UserFactory(is_staff=True, is_superuser=True)
    revoke_membership(membership=member.memberships.get(), actor=admin, reason="Left")
    assert rp.get(metadata["userinfo_endpoint"]).status_code == 401
    refused = requests.post(
        metadata["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]},
        auth=("cpms-authlib", SECRET),
        timeout=10,
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert AuditEvent.objects.filter(action="oidc_tokens_revoked").exists()
    assert AuditEvent.objects.filter(action="oidc_token_issued").count() == 2


@pytest.fixture
def demo_client(portal):
    """demo/oidc_client.py in a process of its own, registered as the demo CPMS client."""
    port = checks.free_port()
    register_client(
        client_id="cpms-demo", redirect_uri=f"http://127.0.0.1:{port}/callback", public=True
    )
    process = subprocess.Popen(
        [sys.executable, "demo/oidc_client.py", "--issuer", portal.url, "--port", str(port)],
        cwd=checks.BASE_DIR,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "the demo client did not start"
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_a_member_signs_in_to_the_demo_cpms_and_sees_the_claims(
    portal, reference_data, new_page, demo_client
):
    steps.cpms_member(email=EMAIL, phone=PHONE)
    page = new_page()
    page.goto(demo_client)
    page.get_by_role("link", name="Sign in with the ERN portal").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(steps.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    steps.pass_the_sms_challenge(page, portal, number=PHONE, check=steps.no_check)
    expect(page.get_by_role("heading", name="Allow CPMS to sign you in")).to_be_visible()
    checks.check_page(page, "oidc-consent")
    page.get_by_role("button", name="Allow").click()

    expect(page.get_by_role("heading", name="Signed in to CPMS (demo)")).to_be_visible()
    claims = page.locator("pre").inner_text()
    assert '"amr"' in claims and '"sms"' in claims and "RARE-LIVER" in claims and EMAIL in claims

    # Consent is remembered: the next sign-in goes straight back to the client.
    page.goto(demo_client + "/login")
    expect(page.get_by_role("heading", name="Signed in to CPMS (demo)")).to_be_visible()


def test_a_member_of_another_application_only_gets_the_refusal_page(
    portal, reference_data, new_page, demo_client
):
    user = UserFactory(email=EMAIL, password=steps.PASSWORD, mobile_phone=PHONE)
    SMSDeviceFactory(user=user, number=PHONE)
    other = ApplicationFactory(code="other-app", name="Another application")
    MembershipFactory(user=user, institution=InstitutionFactory(parent__parent__application=other))
    page = new_page()
    page.goto(demo_client + "/login")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(steps.PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    heading = page.get_by_role("heading", name="You have no access to this application yet")
    expect(heading).to_be_visible()
    expect(page.get_by_role("link", name="Request access to CPMS")).to_be_visible()
    # The page itself answers 403 (Forbidden) on purpose, which Chromium logs.
    logged = checks.console_errors(page)
    assert len(logged) == 1 and "403" in logged[0] and "/identity/o/authorize" in logged[0]
    checks.check_page(page, "oidc-refused")
    assert AuditEvent.objects.filter(action="oidc_authorization_refused").exists()
