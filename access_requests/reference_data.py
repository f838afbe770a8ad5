"""Reference data of the guide and of ../shared/reference/ern-facts.md, loaded idempotently.

Only missing rows are created: running the loader again doubles nothing, and
whatever an administrator changed in a row that exists is left as it is.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify

from access_requests.app_settings import app_settings
from access_requests.models import AccessProfile, Application, Organisation

# The guide's "European Reference Networks" application: the ERN Collaborative Platform.
ECP_CODE = "european-reference-networks"

# The guide's "Select an application" list; only CPMS takes requests here.
APPLICATIONS = [
    "AAC",
    "AAC - Food Fraud",
    "BP-Portal",
    "Cosmetic Products Notification Portal",
    "Cosmetic Products Notification Portal (readonly)",
    "CPMS",
    "EIPAH",
    "Eucy reporting",
    "EUCoding",
    "European Reference Networks",
    "EUROPHYT",
    "Food Labelling Information System",
    "Food System - CAP",
    "FORMATIS",
    "Heads of Food Agencies",
    "Health Policy Forum",
    "Heidi Wiki",
    "Heli",
    "IDB",
    "Lucs",
    "manif",
    "mhc",
    "MISDOC",
    "Online Dispute Resolution",
    "Plant Protection Products",
    "Rapid Alert for Tissues and Cells",
    "Ras-Chem",
    "RASFF",
    "SANTE Data Collection Platform",
]
OPEN_APPLICATIONS = {"CPMS"}

# (code, topic): the guide's labels, then the four ERNs the guide lacks, then COVID-19.
NETWORKS = [
    ("BOND", "Bone Disorders"),
    ("CRANIO", "Craniofacial anomalies and ear, nose and throat disorders"),
    ("ERKNet", "Kidney Diseases"),
    ("ERN-EYE", "Eye Diseases"),
    ("ERN-LUNG", "Respiratory Diseases"),
    ("ERN-RND", "Neurological Diseases"),
    ("ERN-SKIN", "Skin Disorders"),
    ("ERNICA", "Inherited and Congenital Anomalies"),
    ("EURACAN", "Adult Cancers"),
    ("EURO-NMD", "Neuromuscular Diseases"),
    ("Endo-ERN", "Endocrine Conditions"),
    ("EpiCARE", "Epilepsies"),
    ("EuroBloodNet", "Hematological Diseases"),
    ("GENTURIS", "Genetic Tumour Risk Syndromes"),
    ("GUARD-HEART", "Heart Diseases"),
    ("ITHACA", "Intellectual Disability and Congenital Malformations"),
    ("MetabERN", "Hereditary Metabolic Disorders"),
    ("PaedCAN", "Paediatric Cancer"),
    ("RARE-LIVER", "Hepatological Diseases"),
    ("RITA", "Immunodeficiency, Autoinflammatory and Autoimmune Diseases"),
    ("eUROGEN", "Urogenital Diseases and Conditions"),
    ("ReCONNET", "Connective Tissue and Musculoskeletal Diseases"),
    ("TRANSPLANTCHILD", "Transplantation in Children"),
    ("VASCERN", "Multisystemic Vascular Diseases"),
    ("COVID-19", ""),
]

# The 27 member states, Norway, and Iceland and Liechtenstein as the guide shows.
COUNTRIES = [
    ("AT", "Austria"),
    ("BE", "Belgium"),
    ("BG", "Bulgaria"),
    ("HR", "Croatia"),
    ("CY", "Cyprus"),
    ("CZ", "Czech Republic"),
    ("DK", "Denmark"),
    ("EE", "Estonia"),
    ("FI", "Finland"),
    ("FR", "France"),
    ("DE", "Germany"),
    ("GR", "Greece"),
    ("HU", "Hungary"),
    ("IS", "Iceland"),
    ("IE", "Ireland"),
    ("IT", "Italy"),
    ("LV", "Latvia"),
    ("LI", "Liechtenstein"),
    ("LT", "Lithuania"),
    ("LU", "Luxembourg"),
    ("MT", "Malta"),
    ("NL", "Netherlands"),
    ("NO", "Norway"),
    ("PL", "Poland"),
    ("PT", "Portugal"),
    ("RO", "Romania"),
    ("SK", "Slovakia"),
    ("SI", "Slovenia"),
    ("ES", "Spain"),
    ("SE", "Sweden"),
]

GUEST_NAME = "Guest Access"

# network code -> country code -> [(institution code, name, city)]
INSTITUTIONS = {
    "RARE-LIVER": {
        "DE": [
            ("DE05", "Medizinische Hochschule Hannover", "Hannover"),
            ("DE18", "Universitätsklinikum des Saarlandes", "Homburg"),
            ("DE22", "Universitätsklinikum Tübingen", "Tübingen"),
            ("DE29", "Uniklinik RWTH Aachen", "Aachen"),
            ("DE40", "Universitätsklinikum Hamburg-Eppendorf", "Hamburg"),
        ],
        # Codes of these are not public; they follow the guide's pattern.
        "NL": [("NL01", "Erasmus MC", "Rotterdam")],
        "IT": [("IT01", "ASST Papa Giovanni XXIII", "Bergamo")],
        "FR": [("FR01", "AP-HP Hôpital Beaujon", "Clichy")],
        "BE": [("BE01", "Cliniques universitaires Saint-Luc", "Brussels")],
        "PL": [("PL01", "Medical University of Warsaw", "Warsaw")],
    },
}


@dataclass(frozen=True)
class Profile:
    code: str
    name: str
    description: str
    prerequisite: str = ""


PROFILES = [
    Profile(
        "COORDINATOR",
        "Coordinator",
        "handles requests for assistance from ERN and has access to KPIs",
        prerequisite="HP",
    ),
    Profile(
        "DISPATCHER",
        "Dispatcher",
        "handles requests for assistance on behalf of Coordinator",
        prerequisite="HP",
    ),
    Profile("HP", "HP", "healthcare professional available to participate in or lead panels"),
    Profile(
        "RESEARCHER",
        "Researcher",
        "can create or consult queries or reports on the anonymised data from the ERN",
    ),
]


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, n: int) -> None:
        self.created[what] = self.created.get(what, 0) + n

    def __str__(self) -> str:
        return ", ".join(f"{n} {what}" for what, n in self.created.items()) or "nothing new"


def _ensure_children(parent: Organisation, wanted: list[Organisation]) -> dict[str, Organisation]:
    """Create the children of ``parent`` that are missing; return all of them by code."""
    existing = {o.code: o for o in Organisation.objects.filter(parent=parent)}
    missing = [o for o in wanted if o.code not in existing]
    Organisation.objects.bulk_create(missing)
    created = {
        o.code: o
        for o in Organisation.objects.filter(parent=parent, code__in=[o.code for o in missing])
    }
    return existing | created


@transaction.atomic
def load_access_reference_data() -> LoadReport:
    """Applications, the CPMS organisation tree and profiles; creates only what is missing."""
    report = LoadReport()
    apps = {}
    for name in APPLICATIONS:
        code = app_settings.CPMS_APPLICATION_CODE if name == "CPMS" else _slug(name)
        app, created = Application.objects.get_or_create(
            code=code, defaults={"name": name, "is_open": name in OPEN_APPLICATIONS}
        )
        apps[name] = app
        report.add("applications", int(created))
    cpms = apps["CPMS"]

    for profile in PROFILES:
        _obj, created = AccessProfile.objects.get_or_create(
            application=cpms,
            code=profile.code,
            defaults={
                "name": profile.name,
                "description": profile.description,
                "position": PROFILES.index(profile),
            },
        )
        report.add("profiles", int(created))
    by_code = {p.code: p for p in AccessProfile.objects.filter(application=cpms)}
    for profile in PROFILES:
        row = by_code[profile.code]
        if profile.prerequisite and row.prerequisite_id is None:
            AccessProfile.objects.filter(pk=row.pk, prerequisite__isnull=True).update(
                prerequisite=by_code[profile.prerequisite]
            )

    for code, topic in NETWORKS:
        network = Organisation.objects.filter(application=cpms, parent=None, code=code).first()
        if network is None:
            network = Organisation.objects.create(
                application=cpms, kind=Organisation.Kind.NETWORK, code=code, name=topic or code
            )
            Organisation.objects.filter(pk=network.pk).update(network=network)
            network.network = network
            report.add("networks", 1)
        before = Organisation.objects.filter(parent=network).count()
        countries = _ensure_children(
            network,
            [
                Organisation(
                    application=cpms,
                    parent=network,
                    network=network,
                    kind=Organisation.Kind.COUNTRY,
                    code=iso,
                    name=name,
                    country_code=iso,
                )
                for iso, name in COUNTRIES
            ],
        )
        report.add("countries", len(countries) - before)
        for iso, country in countries.items():
            wanted = [
                Organisation(
                    application=cpms,
                    parent=country,
                    network=network,
                    kind=Organisation.Kind.INSTITUTION,
                    code=Organisation.GUEST_CODE,
                    name=GUEST_NAME,
                    country_code=iso,
                )
            ]
            wanted += [
                Organisation(
                    application=cpms,
                    parent=country,
                    network=network,
                    kind=Organisation.Kind.INSTITUTION,
                    code=inst_code,
                    name=inst_name,
                    city=city,
                    country_code=iso,
                )
                for inst_code, inst_name, city in INSTITUTIONS.get(code, {}).get(iso, [])
            ]
            before = Organisation.objects.filter(parent=country).count()
            after = len(_ensure_children(country, wanted))
            report.add("institutions", after - before)
    return report


def _slug(name: str) -> str:
    return slugify(name)[:64]
