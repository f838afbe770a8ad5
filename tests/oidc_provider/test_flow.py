"""The authorization code flow through the portal's gate, with Django's test client."""

from http import HTTPStatus

import pytest
from allauth.idp.oidc.models import Token
from django.urls import reverse

from access_requests.services import revoke_membership
from accounts.models import AuditEvent
from tests.factories import UserFactory, force_login_verified
from tests.oidc_provider.conftest import REDIRECT_URI, SECRET, Pkce, authorize_url, code_from

pytestmark = pytest.mark.django_db


def consent_and_code(client, cpms_client, pkce):
    page = client.get(authorize_url(cpms_client.pk, pkce))
    assert page.status_code == HTTPStatus.OK, page.content[:500]
    form = page.context["form"]
    response = client.post(
        reverse("idp:oidc:authorization"),
        {
            "request": form.initial["request"],
            "scopes": ["openid", "email", "profile", "memberships"],
            "action": "grant",
        },
    )
    assert response.status_code == HTTPStatus.FOUND, response.content[:500]
    return code_from(response)


def exchange(client, code, pkce):
    return client.post(
        reverse("idp:oidc:token"),
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": "cpms-test",
            "client_secret": SECRET,
            "code_verifier": pkce.verifier,
        },
    )


def test_code_flow_gives_tokens_and_the_memberships_claim(logged_in, cpms_client, member):
    pkce = Pkce.new()
    code = consent_and_code(logged_in, cpms_client, pkce)
    tokens = exchange(logged_in, code, pkce)
    assert tokens.status_code == HTTPStatus.OK, tokens.content
    body = tokens.json()
    assert {"access_token", "id_token", "refresh_token"} <= set(body)
    info = logged_in.get(
        reverse("idp:oidc:userinfo"), HTTP_AUTHORIZATION=f"Bearer {body['access_token']}"
    ).json()
    assert info["email"] == member.email and info["locale"] == member.email_language
    assert info["sub"] != str(member.pk)
    assert info["memberships"][0]["network"]["code"] == "RARE-LIVER"
    assert info["memberships"][0]["institution"]["code"] == "DE40"
    assert AuditEvent.objects.filter(action="oidc_token_issued").count() == 1
    assert AuditEvent.objects.filter(action="oidc_consent_given").count() == 1


def test_consent_is_asked_once(logged_in, cpms_client):
    consent_and_code(logged_in, cpms_client, Pkce.new())
    again = logged_in.get(authorize_url(cpms_client.pk, Pkce.new()))
    assert again.status_code == HTTPStatus.FOUND
    assert again["Location"].startswith(REDIRECT_URI)


def test_a_user_without_a_membership_sees_the_refusal(client, cpms_client, member):
    revoke_membership(
        membership=member.membership, actor=UserFactory(is_staff=True), reason="left"
    )
    member.refresh_from_db()
    force_login_verified(client, member)
    page = client.get(authorize_url(cpms_client.pk, Pkce.new()))
    assert page.status_code == HTTPStatus.FORBIDDEN
    assert "request access to cpms" in page.content.decode().lower()
    assert AuditEvent.objects.filter(action="oidc_authorization_refused").exists()


def test_revoking_the_membership_ends_the_tokens(logged_in, cpms_client, member):
    pkce = Pkce.new()
    body = exchange(logged_in, consent_and_code(logged_in, cpms_client, pkce), pkce).json()

    revoke_membership(
        membership=member.membership, actor=UserFactory(is_staff=True), reason="left"
    )
    assert not Token.objects.filter(user=member).exists()
    info = logged_in.get(
        reverse("idp:oidc:userinfo"), HTTP_AUTHORIZATION=f"Bearer {body['access_token']}"
    )
    assert info.status_code == HTTPStatus.UNAUTHORIZED
    refreshed = logged_in.post(
        reverse("idp:oidc:token"),
        {
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": "cpms-test",
            "client_secret": SECRET,
        },
    )
    assert refreshed.status_code == HTTPStatus.BAD_REQUEST
    assert refreshed.json()["error"] == "invalid_grant"
    assert AuditEvent.objects.filter(action="oidc_tokens_revoked").exists()
