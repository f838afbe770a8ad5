"""Register the demo CPMS client (a public client with PKCE) that ``bin/demo-client``
runs, so that the whole OpenID Connect flow can be tried locally. Safe to run again."""

from allauth.idp.oidc.models import Client
from django.core.management.base import BaseCommand
from django.db import transaction

from access_requests.app_settings import app_settings as access_settings
from access_requests.models import Application
from oidc_provider import services

DEMO_CLIENT_ID = "cpms-demo"


class Command(BaseCommand):
    help = "Register the demo OpenID Connect client of CPMS (bin/demo-client)."

    def add_arguments(self, parser):
        parser.add_argument("--redirect-uri", default="http://127.0.0.1:8765/callback")

    @transaction.atomic
    def handle(self, *args, redirect_uri: str, **options):
        application = Application.objects.get(code=access_settings.CPMS_APPLICATION_CODE)
        client, created = Client.objects.get_or_create(
            id=DEMO_CLIENT_ID, defaults={"name": "CPMS (demo client)"}
        )
        client.type = Client.Type.PUBLIC
        client.set_redirect_uris([redirect_uri])
        client.set_scopes(["openid", "email", "profile", "memberships"])
        client.set_default_scopes(["openid"])
        client.set_grant_types(
            [Client.GrantType.AUTHORIZATION_CODE, Client.GrantType.REFRESH_TOKEN]
        )
        client.set_response_types(["code"])
        services.save_client(client=client, application=application, created=created, actor=None)
        self.stdout.write(
            f"Demo OIDC client {'registered' if created else 'up to date'}: "
            f"client_id={DEMO_CLIENT_ID} (public, PKCE) → {redirect_uri}"
        )
