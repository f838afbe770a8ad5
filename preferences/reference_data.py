"""Thematic areas of the networks where they are public, loaded idempotently."""

from django.db import transaction

from access_requests.app_settings import app_settings as access_settings
from access_requests.models import Organisation
from preferences.models import ThematicArea

# RARE-LIVER exactly as the guide lists them, in its order ("None" is not an
# area: it is the answer every form offers first).
THEMATIC_AREAS = {
    "RARE-LIVER": [
        "Primary Biliary Cholangitis (PBC, formerly Primary Biliary Cirrhosis)",
        "Autoimmune Hepatitis (AIH)",
        "Primary Sclerosing Cholangitis (PSC)",
        "IgG4 Disease",
        "Genetic Cholestatic Disease",
        "Biliary Atresia",
        "Choledochal Cyst",
        "Alpha-1 Anti-Trypsin (A1AT) disease",
        "Wilson's Disease",
        "Cystic Liver Disease",
        "Vascular Liver Disease",
        "Intrahepatic Cholangiocarcinoma",
    ],
    "EuroBloodNet": [
        "Rare red blood cell defects",
        "Bone marrow failure",
        "Rare bleeding/coagulation disorders",
        "Haemochromatosis and rare iron-metabolism conditions",
        "Myeloid malignancies",
        "Lymphoid malignancies",
    ],
    "ERN-EYE": [
        "Retinal rare eye diseases",
        "Neuro-ophthalmology",
        "Paediatric rare eye diseases",
        "Anterior segment rare eye diseases",
    ],
    "ERKNet": ["Thrombotic microangiopathies (TMA)"],
}


@transaction.atomic
def load_thematic_areas() -> int:
    """Create the missing areas of each known network; return how many were created."""
    created = 0
    networks = {
        n.code: n
        for n in Organisation.objects.filter(
            kind=Organisation.Kind.NETWORK,
            code__in=THEMATIC_AREAS,
            application__code=access_settings.CPMS_APPLICATION_CODE,
        )
    }
    for code, names in THEMATIC_AREAS.items():
        network = networks.get(code)
        if network is None:
            continue
        existing = set(ThematicArea.objects.filter(network=network).values_list("name", flat=True))
        new = [
            ThematicArea(network=network, name=name, position=(i + 1) * 10)
            for i, name in enumerate(names)
            if name not in existing
        ]
        ThematicArea.objects.bulk_create(new)
        created += len(new)
    return created
