"""The provider down, slow, or answering what cannot be trusted: a clear page, nothing
created, an audit event, and the local login still there."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.models import AuditEvent, User
from federation.audit_actions import Action
from tests.federation.conftest import configure
from tests.federation.identity_provider import free_port

REFUSED = "The login did not succeed"

TAMPERED = [
    "bad-signature",
    "wrong-issuer",
    "wrong-audience",
    "expired",
    "wrong-nonce",
    "no-nonce",
    "foreign-key",
    "alg-none",
    "garbage",
    "error500",
]


def _nothing_created_and_audited(response, *, status=401):
    assert response.status_code == status, response.content.decode()[:2000]
    assert REFUSED in response.content.decode()
    assert not User.objects.exists() and not SocialAccount.objects.exists()
    assert "_auth_user_id" not in response.wsgi_request.session
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED).count() == 1


@pytest.mark.parametrize("mode", TAMPERED)
def test_a_tampered_or_broken_token_response_is_refused(federated, mode):
    page = federated.start()
    url = federated.sign_in(page, "new.clinician", "correct horse battery")
    federated.idp.set_mode(mode)
    _nothing_created_and_audited(federated.callback(url))


def test_a_replayed_callback_is_refused(federated):
    url = federated.sign_in(federated.start(), "new.clinician", "correct horse battery")
    assert federated.callback(url)["Location"] == reverse("socialaccount_signup")
    replay = federated.callback(url)
    assert replay.status_code == 401 and REFUSED in replay.content.decode()
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED).count() == 1


def test_a_callback_of_another_browser_is_refused(federated, client):
    url = federated.sign_in(federated.start(), "new.clinician", "correct horse battery")
    federated.client.cookies.clear()  # the state lives in the session that started it
    response = federated.callback(url)
    assert response.status_code == 401 and not User.objects.exists()


def test_a_provider_that_is_down(federated, settings):
    configure(settings, f"http://127.0.0.1:{free_port()}")
    response = federated.client.post(
        reverse("openid_connect_login", kwargs={"provider_id": "eulogin"}), {}
    )
    _nothing_created_and_audited(response)
    assert federated.client.get(reverse("account_login")).status_code == 200


def test_a_slow_provider_gets_the_page_within_the_time_budget(federated, settings):
    settings.FEDERATION_TIMEOUT_SECONDS = 1
    federated.idp.set_mode("slow", delay=30)
    response = federated.client.post(
        reverse("openid_connect_login", kwargs={"provider_id": "eulogin"}), {}
    )
    _nothing_created_and_audited(response)


def test_a_slow_token_endpoint(federated, settings):
    settings.FEDERATION_TIMEOUT_SECONDS = 2
    url = federated.sign_in(federated.start(), "new.clinician", "correct horse battery")
    federated.idp.set_mode("slow-token", delay=30)
    _nothing_created_and_audited(federated.callback(url))
