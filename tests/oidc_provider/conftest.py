import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from allauth.idp.oidc.models import Client
from django.urls import reverse

from access_requests.models import AccessProfile, Application, Organisation
from oidc_provider.models import ClientApplication
from tests.factories import (
    ExpertiseFactory,
    MembershipFactory,
    SMSDeviceFactory,
    UserFactory,
    force_login_verified,
)

REDIRECT_URI = "https://cpms.example.eu/callback"
SECRET = "s3cret-of-the-cpms-client"


@dataclass
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> "Pkce":
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode()).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


@pytest.fixture
def cpms(reference_data):
    return Application.objects.get(code="cpms")


@pytest.fixture
def cpms_client(cpms):
    client = Client(id="cpms-test", name="CPMS", type=Client.Type.CONFIDENTIAL)
    client.set_secret(SECRET)
    client.set_redirect_uris([REDIRECT_URI])
    client.set_scopes(["openid", "email", "profile", "memberships"])
    client.set_grant_types(["authorization_code", "refresh_token"])
    client.set_response_types(["code"])
    client.save()
    ClientApplication.objects.create(client=client, application=cpms)
    return client


@pytest.fixture
def member(reference_data):
    """An HP of RARE-LIVER at DE40 with a verified phone and the preferences answered."""
    user = UserFactory(email="anna@uke.example.de", first_name="Anna", last_name="Schmidt")
    SMSDeviceFactory(user=user, number="+4915112345678")
    institution = Organisation.objects.get(code="DE40", network__code="RARE-LIVER")
    membership = MembershipFactory(
        user=user,
        institution=institution,
        profile=AccessProfile.objects.get(application=institution.application, code="HP"),
    )
    ExpertiseFactory(user=user, network=institution.network, is_none=True)
    user.membership = membership
    return user


def authorize_url(client_id: str, pkce: Pkce, **extra) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid email profile memberships",
        "state": "state-1",
        "nonce": "nonce-1",
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return reverse("idp:oidc:authorization") + "?" + urlencode(params)


def code_from(response) -> str:
    location = response["Location"]
    assert location.startswith(REDIRECT_URI), location
    return parse_qs(urlsplit(location).query)["code"][0]


@pytest.fixture
def logged_in(client, member):
    force_login_verified(client, member)
    return client
