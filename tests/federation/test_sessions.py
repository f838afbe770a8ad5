"""A login through the identity provider counts like any other in "Your sessions" and for
the e-mail of a new browser (allauth's user_logged_in; accounts does not know federation)."""

from allauth.usersessions.models import UserSession

from accounts.models import AuditEvent, KnownBrowser, OutboundEmail
from tests.federation.test_login import _member_of_cpms


def test_a_federated_login_is_a_session_and_a_new_browser_is_mailed(federated):
    user = _member_of_cpms(federated, "with.mfa")  # its sign-up: the first browser
    assert KnownBrowser.objects.filter(user=user).count() == 1
    assert not OutboundEmail.objects.filter(to=user.email, subject__contains="new browser")

    federated.login("with.mfa")  # Client.logout() forgot the cookies: another browser

    assert KnownBrowser.objects.filter(user=user).count() == 2
    assert (
        OutboundEmail.objects.filter(to=user.email, subject__contains="new browser").count() == 1
    )
    assert AuditEvent.objects.filter(action=AuditEvent.Action.NEW_BROWSER_LOGIN).count() == 1
    assert UserSession.objects.filter(
        user=user, session_key=federated.client.session.session_key
    ).exists()
