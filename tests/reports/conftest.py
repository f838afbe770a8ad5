"""A known data set: RARE-LIVER with members, answers and requests whose KPIs are
worked out by hand in the tests, and a second network whose people must never show."""

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from access_requests.models import AccessRequest, Membership
from reports.selectors import Period
from tests.accounts.two_factor_support import pass_sms_challenge
from tests.factories import (
    AccessProfileFactory,
    AccessRequestFactory,
    ApplicationFactory,
    CountryFactory,
    ExpertiseFactory,
    InstitutionFactory,
    MembershipFactory,
    NetworkFactory,
    SMSDeviceFactory,
    ThematicAreaFactory,
    UserFactory,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
NOW = datetime(2026, 4, 5, 12, 0, tzinfo=BRUSSELS)
MARCH = Period(start=date(2026, 3, 1), end=date(2026, 3, 31))


def enter_cpms(client, user) -> None:
    """Log in and enter the SMS code, as the CPMS gate asks of every member."""
    client.force_login(user)
    pass_sms_challenge(client)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=BRUSSELS)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def known(db, frozen):
    """The data set; see the module docstring of test_selectors for the figures."""
    app = ApplicationFactory()
    profiles = {
        code: AccessProfileFactory(application=app, code=code, name=name, position=position)
        for position, (code, name) in enumerate(
            [
                ("COORDINATOR", "Coordinator"),
                ("DISPATCHER", "Dispatcher"),
                ("HP", "HP"),
                ("RESEARCHER", "Researcher"),
            ]
        )
    }
    rl = NetworkFactory(application=app, code="RARE-LIVER", name="Hepatological Diseases")
    de = CountryFactory(parent=rl, code="DE", name="Germany")
    nl = CountryFactory(parent=rl, code="NL", name="Netherlands")
    de40 = InstitutionFactory(
        parent=de, code="DE40", name="Universitätsklinikum Hamburg-Eppendorf"
    )
    de05 = InstitutionFactory(parent=de, code="DE05", name="Medizinische Hochschule Hannover")
    nl01 = InstitutionFactory(parent=nl, code="NL01", name="Erasmus MC")
    eye = NetworkFactory(application=app, code="ERN-EYE", name="Eye Diseases")
    eye_de = CountryFactory(parent=eye, code="DE", name="Germany")
    eye_inst = InstitutionFactory(parent=eye_de, code="DE99", name="Augenklinik")

    a1 = ThematicAreaFactory(network=rl, name="Autoimmune liver disease", position=1)
    a2 = ThematicAreaFactory(network=rl, name="Metabolic liver disease", position=2)
    a3 = ThematicAreaFactory(network=rl, name="Paediatric hepatology", position=3)
    ThematicAreaFactory(network=rl, name="Retired, never named", position=4, retired_at=at(1, 1))
    a5 = ThematicAreaFactory(
        network=rl, name="Retired, still named", position=5, retired_at=at(1, 1)
    )

    def member(last_name, *grants, last_login=None, **extra):
        user = UserFactory(
            first_name=extra.pop("first_name", "Anna"),
            last_name=last_name,
            email=f"{last_name.lower().replace('=', '')}@hospital.example.eu",
            last_login=last_login,
        )
        for institution, code in grants:
            MembershipFactory(
                user=user,
                institution=institution,
                profile=profiles[code],
                granted_at=extra.get("granted_at", at(1, 15)),
                **{k: v for k, v in extra.items() if k != "granted_at"},
            )
        return user

    coordinator = member("Adler", (de40, "COORDINATOR"), (de40, "HP"), last_login=at(4, 1))
    dispatcher = member("Berger", (de40, "DISPATCHER"), (de40, "HP"), last_login=at(4, 2))
    researcher = member("Costa", (nl01, "RESEARCHER"))
    h1 = member("Dijk", (de40, "HP"))
    h2 = member("Engel", (de05, "HP"), last_login=at(3, 3))
    h3 = member("Fischer", (nl01, "HP"), last_login=at(3, 4))
    revoked = member(
        "Graf",
        (de05, "HP"),
        last_login=at(2, 1),
        status=Membership.Status.REVOKED,
        ended_at=at(2, 2),
    )
    expired = member("Hahn", (de05, "HP"), expires_at=at(4, 1))
    outsider = member("Ivanov", (eye_inst, "HP"), last_login=at(4, 1))
    eye_coordinator = member("Jansen", (eye_inst, "COORDINATOR"), (eye_inst, "HP"))

    for user in (coordinator, dispatcher, researcher, h1, revoked, outsider, eye_coordinator):
        SMSDeviceFactory(user=user, confirmed=True)
    SMSDeviceFactory(user=h2, confirmed=False)
    TOTPDevice.objects.create(user=h3, name="App", confirmed=True)

    ExpertiseFactory(user=coordinator, network=rl).areas.set([a1, a2])
    ExpertiseFactory(user=dispatcher, network=rl, is_none=True)
    ExpertiseFactory(user=h1, network=rl).areas.set([a1])
    ExpertiseFactory(user=h2, network=rl).areas.set([a2, a5])
    ExpertiseFactory(user=revoked, network=rl).areas.set([a1])
    ExpertiseFactory(user=outsider, network=eye)

    s = AccessRequest.Status

    def req(institution, submitted, status=s.SUBMITTED, decided=None):
        return AccessRequestFactory(
            institution=institution,
            submitted_at=submitted,
            status=status,
            decided_at=decided,
            decision_reason="Not a member of this institution" if status == s.REJECTED else "",
            with_profiles=[profiles["HP"]],
        )

    req(de40, at(3, 2), s.APPROVED, at(3, 3))  # 24 h
    req(de40, at(3, 5), s.APPROVED, at(3, 7))  # 48 h
    req(nl01, at(3, 10), s.REJECTED, at(3, 20))  # 240 h
    req(de05, at(2, 25), s.APPROVED, at(3, 2))  # 120 h, submitted before March
    req(de40, at(3, 15), s.WITHDRAWN, at(3, 16))
    req(de40, at(3, 20))  # pending
    req(de05, at(1, 10))  # pending, the oldest
    req(de40, at(2, 1), s.APPROVED, at(2, 10))  # outside March entirely
    req(nl01, at(3, 28), s.APPROVED, at(4, 2))  # submitted in March, decided after it
    req(eye_inst, at(3, 10))  # another network
    req(eye_inst, at(1, 2))

    return SimpleNamespace(
        app=app,
        profiles=profiles,
        rl=rl,
        eye=eye,
        de40=de40,
        de05=de05,
        nl01=nl01,
        areas=(a1, a2, a3, a5),
        coordinator=coordinator,
        dispatcher=dispatcher,
        researcher=researcher,
        h1=h1,
        h2=h2,
        h3=h3,
        revoked=revoked,
        expired=expired,
        outsider=outsider,
        eye_coordinator=eye_coordinator,
    )
