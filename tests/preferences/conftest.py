import pytest

from access_requests.models import Organisation
from tests.accounts.two_factor_support import pass_sms_challenge
from tests.factories import (
    CountryFactory,
    InstitutionFactory,
    MembershipFactory,
    NetworkFactory,
    SMSDeviceFactory,
    ThematicAreaFactory,
    UserFactory,
)

COUNTRY_NAMES = {"DE": "Germany", "FR": "France", "IT": "Italy"}


def institution_in(network, country="DE", **fields):
    """An institution of ``network`` in ``country`` (the country node is shared)."""
    country_node = Organisation.objects.filter(parent=network, code=country).first()
    if country_node is None:
        country_node = CountryFactory(parent=network, code=country, name=COUNTRY_NAMES[country])
    return InstitutionFactory(parent=country_node, **fields)


def enter_cpms(client, user):
    """Log ``user`` in past the gate's login, phone and second-factor steps (the SMS
    code), leaving the preferences step as the user's answers make it."""
    if not user.has_verified_phone():
        SMSDeviceFactory(user=user)
    client.force_login(user)
    pass_sms_challenge(client)


@pytest.fixture
def network(db):
    return NetworkFactory(code="RARE-LIVER", name="Hepatological Diseases")


@pytest.fixture
def areas(network):
    return [
        ThematicAreaFactory(network=network, name=name, position=(i + 1) * 10)
        for i, name in enumerate(["Autoimmune Hepatitis (AIH)", "IgG4 Disease", "Biliary Atresia"])
    ]


@pytest.fixture
def member(network):
    user = UserFactory(first_name="Ada", last_name="Lovelace")
    MembershipFactory(user=user, institution=institution_in(network))
    return user
