"""The portal's rules around allauth's provider: the gate, consent withdrawal, tokens
ended with access, the admin's client form, the signing keys."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from allauth.idp.oidc.models import Client, Token
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.services import disable_account, reset_second_factor
from oidc_provider import keys
from oidc_provider.models import ClientApplication, Consent, SigningKey
from preferences.models import Expertise
from tests.factories import UserFactory, force_login_verified
from tests.oidc_provider.conftest import Pkce, authorize_url
from tests.oidc_provider.test_flow import consent_and_code, exchange

pytestmark = pytest.mark.django_db


def test_without_the_second_factor_in_this_session_the_challenge_comes_first(
    client, cpms_client, member
):
    client.force_login(member)
    response = client.get(authorize_url(cpms_client.pk, Pkce.new()))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("two_factor:challenge") + "?next=")
    assert "%2Fidentity%2Fo%2Fauthorize" in response["Location"]


def test_cpms_asks_for_the_preferences_first(client, cpms_client, member):
    Expertise.objects.filter(user=member).delete()
    force_login_verified(client, member)
    response = client.get(authorize_url(cpms_client.pk, Pkce.new()))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("preferences:update"))


def test_prompt_none_without_access_answers_login_required_to_the_client(
    client, cpms_client, member
):
    client.force_login(member)  # no second factor in this session
    response = client.get(authorize_url(cpms_client.pk, Pkce.new(), prompt="none"))
    assert response.status_code == HTTPStatus.FOUND
    assert "error=login_required" in response["Location"]
    assert response["Location"].startswith("https://cpms.example.eu/callback")


def test_withdrawing_consent_ends_the_tokens_and_asks_again(logged_in, cpms_client, member):
    pkce = Pkce.new()
    exchange(logged_in, consent_and_code(logged_in, cpms_client, pkce), pkce)
    profile = logged_in.get(reverse("accounts:profile")).content.decode()
    assert "Applications you allowed" in profile and "CPMS" in profile

    withdraw = reverse("oidc_provider:consent-withdraw", args=[cpms_client.pk])
    assert logged_in.post(withdraw).status_code == HTTPStatus.FOUND

    assert not Consent.objects.exists() and not Token.objects.filter(user=member).exists()
    assert AuditEvent.objects.filter(action="oidc_consent_withdrawn").exists()
    asked = logged_in.get(authorize_url(cpms_client.pk, Pkce.new()))
    assert asked.status_code == HTTPStatus.OK and "Allow CPMS" in asked.content.decode()


@pytest.mark.parametrize("ending", ["disable", "reset"])
def test_a_disabled_account_or_a_reset_second_factor_ends_every_token(
    logged_in, cpms_client, member, ending
):
    pkce = Pkce.new()
    exchange(logged_in, consent_and_code(logged_in, cpms_client, pkce), pkce)
    assert Token.objects.filter(user=member).exists()
    admin = UserFactory(is_staff=True, is_superuser=True)
    if ending == "disable":
        disable_account(user=member, actor=admin, reason="administrator")
    else:
        reset_second_factor(user=member, actor=admin)
    assert not Token.objects.filter(user=member).exists()
    event = AuditEvent.objects.get(action="oidc_tokens_revoked")
    assert event.data["application"] is None and event.data["tokens_ended"] >= 2


def test_an_expired_guest_membership_refuses_the_code_exchange(logged_in, cpms_client, member):
    pkce = Pkce.new()
    code = consent_and_code(logged_in, cpms_client, pkce)
    membership = member.membership
    membership.expires_at = timezone.now() - timedelta(minutes=1)
    membership.save(update_fields=["expires_at"])  # past its date, cron not run yet
    refused = exchange(logged_in, code, pkce)
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert refused.json()["error"] == "invalid_grant"
    assert AuditEvent.objects.filter(action="oidc_token_refused").exists()


def test_discovery_says_what_the_portal_offers(client, cpms_client):
    data = client.get(reverse("idp:oidc:configuration")).json()
    assert data["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert "memberships" in data["scopes_supported"]
    assert "device_authorization_endpoint" not in data


def test_the_first_signing_key_is_generated_and_a_rotated_one_stays_published(client):
    assert not SigningKey.objects.exists()
    first = client.get(reverse("idp:oidc:jwks")).json()["keys"]
    assert len(first) == 1 and SigningKey.objects.count() == 1
    call_command("rotate_oidc_signing_key", verbosity=0)
    keys_now = client.get(reverse("idp:oidc:jwks")).json()["keys"]
    assert len(keys_now) == 2 and first[0]["kid"] in {k["kid"] for k in keys_now}
    old = SigningKey.objects.order_by("created_at").first()
    assert old.expires_at is not None and old.expires_at > timezone.now()
    assert old.expires_at <= timezone.now() + keys.longest_token_lifetime()


def test_an_administrator_registers_a_client_for_an_application(admin_client, cpms):
    response = admin_client.post(
        reverse("admin:allauth_idp_oidc_client_add"),
        {
            "name": "CPMS staging",
            "application": cpms.pk,
            "type": "confidential",
            "redirect_uris": "https://staging.cpms.example.eu/callback",
            "scopes": "openid\nemail\nprofile\nmemberships",
            "default_scopes": "openid",
            "grant_types": "authorization_code\nrefresh_token",
        },
        follow=True,
    )
    assert response.status_code == HTTPStatus.OK
    client = Client.objects.get(name="CPMS staging")
    assert ClientApplication.objects.get(client=client).application == cpms
    assert "shown once only" in response.content.decode()
    event = AuditEvent.objects.get(action="oidc_client_registered")
    assert event.data["application"] == "cpms"


def test_the_client_form_refuses_unknown_scopes_and_missing_redirects(admin_client, cpms):
    response = admin_client.post(
        reverse("admin:allauth_idp_oidc_client_add"),
        {
            "name": "Bad",
            "application": cpms.pk,
            "type": "public",
            "redirect_uris": "",
            "scopes": "openid\nwrite_everything",
            "grant_types": "authorization_code",
        },
    )
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Unknown scopes: write_everything" in page
    assert "Give at least one redirect URI." in page
    assert not Client.objects.filter(name="Bad").exists()


def test_the_demo_client_command_is_idempotent(reference_data):
    call_command("create_demo_oidc_client", verbosity=0)
    call_command("create_demo_oidc_client", verbosity=0)
    demo = Client.objects.get(pk="cpms-demo")
    assert demo.type == Client.Type.PUBLIC
    assert ClientApplication.objects.get(client=demo).application.code == "cpms"
