import pytest
from django.core.management import call_command

from access_requests.models import AccessProfile, Application, Organisation
from access_requests.reference_data import COUNTRIES, NETWORKS
from preferences.models import ThematicArea
from preferences.reference_data import THEMATIC_AREAS

pytestmark = pytest.mark.django_db

Kind = Organisation.Kind


def counts() -> dict[str, int]:
    return {
        "applications": Application.objects.count(),
        "networks": Organisation.objects.filter(kind=Kind.NETWORK).count(),
        "countries": Organisation.objects.filter(kind=Kind.COUNTRY).count(),
        "institutions": Organisation.objects.filter(kind=Kind.INSTITUTION).count(),
        "guests": Organisation.objects.filter(kind=Kind.INSTITUTION, code="0000").count(),
        "profiles": AccessProfile.objects.count(),
        "areas": ThematicArea.objects.count(),
    }


def test_loader_is_complete(reference_data):
    assert counts() == {
        "applications": 29,
        "networks": 25,  # the 24 ERNs and the guide's COVID-19 entry
        "countries": 25 * 30,  # EU 27 + Norway + Iceland + Liechtenstein
        "institutions": 25 * 30 + 10,  # a guest entry everywhere + RARE-LIVER hospitals
        "guests": 25 * 30,
        "profiles": 4,
        "areas": sum(len(v) for v in THEMATIC_AREAS.values()),
    }
    assert len(NETWORKS) == 25 and len(COUNTRIES) == 30
    assert list(Application.objects.filter(is_open=True).values_list("name", flat=True)) == [
        "CPMS"
    ]


def test_loader_is_idempotent_and_keeps_admin_edits(reference_data):
    before = counts()
    hp = AccessProfile.objects.get(code="HP")
    hp.description = "Edited by an administrator"
    hp.save()
    de40 = Organisation.objects.get(code="DE40")
    de40.is_open = False
    de40.save()

    call_command("load_reference_data", verbosity=0)

    assert counts() == before
    assert AccessProfile.objects.get(code="HP").description == "Edited by an administrator"
    assert Organisation.objects.get(code="DE40").is_open is False


def test_guide_labels(reference_data):
    liver = Organisation.objects.get(kind=Kind.NETWORK, code="RARE-LIVER")
    assert liver.label == "RARE-LIVER - Hepatological Diseases"
    assert Organisation.objects.get(kind=Kind.NETWORK, code="COVID-19").label == "COVID-19"
    germany = liver.children.get(code="DE")
    assert germany.label == "Germany"
    assert [o.label for o in germany.children.order_by("code")] == [
        "0000 Guest Access",
        "DE05 - Medizinische Hochschule Hannover",
        "DE18 - Universitätsklinikum des Saarlandes",
        "DE22 - Universitätsklinikum Tübingen",
        "DE29 - Uniklinik RWTH Aachen",
        "DE40 - Universitätsklinikum Hamburg-Eppendorf",
    ]
    de40 = germany.children.get(code="DE40")
    assert de40.network == liver
    assert [o.label for o in de40.ancestors()] == [liver.label, "Germany"]


def test_profiles_and_prerequisites(reference_data):
    profiles = {p.code: p for p in AccessProfile.objects.all()}
    assert [p.name for p in AccessProfile.objects.order_by("position")] == [
        "Coordinator",
        "Dispatcher",
        "HP",
        "Researcher",
    ]
    assert profiles["COORDINATOR"].prerequisite == profiles["HP"]
    assert profiles["DISPATCHER"].prerequisite == profiles["HP"]
    assert profiles["HP"].description == (
        "healthcare professional available to participate in or lead panels"
    )


def test_rare_liver_areas_in_the_guides_order(reference_data):
    areas = ThematicArea.objects.filter(network__code="RARE-LIVER").order_by("position")
    names = list(areas.values_list("name", flat=True))
    assert names[0] == "Primary Biliary Cholangitis (PBC, formerly Primary Biliary Cirrhosis)"
    assert names[-1] == "Intrahepatic Cholangiocarcinoma"
    assert len(names) == 12
