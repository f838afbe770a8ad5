import pytest

from access_requests.models import Organisation
from tests.factories import (
    CountryFactory,
    InstitutionFactory,
    MembershipFactory,
    NetworkFactory,
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
