"""factory_boy factories shared by every test (no JSON fixtures)."""

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from access_requests.models import (
    AccessProfile,
    AccessRequest,
    Application,
    Membership,
    Organisation,
    RequestedProfile,
)
from accounts.models import SMSDevice, User
from preferences.models import Expertise, ThematicArea

PASSWORD = "correct-horse-battery-staple-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"clinician{n}@hospital.example.eu")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class SMSDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SMSDevice

    user = factory.SubFactory(UserFactory)
    name = "Mobile phone"
    number = "+4915112345678"
    confirmed = True


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application
        django_get_or_create = ("code",)

    code = "cpms"
    name = "CPMS"
    is_open = True


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    application = factory.SubFactory(ApplicationFactory)
    kind = Organisation.Kind.NETWORK
    code = factory.Sequence(lambda n: f"NET{n}")
    name = factory.Sequence(lambda n: f"Network {n}")

    @factory.post_generation
    def point_to_self(self, create, extracted, **kwargs):
        if create and self.network_id is None:
            self.network = self
            self.save(update_fields=["network"])


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    parent = factory.SubFactory(NetworkFactory)
    application = factory.SelfAttribute("parent.application")
    network = factory.SelfAttribute("parent")
    kind = Organisation.Kind.COUNTRY
    code = "DE"
    name = "Germany"
    country_code = factory.SelfAttribute("code")


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    parent = factory.SubFactory(CountryFactory)
    application = factory.SelfAttribute("parent.application")
    network = factory.SelfAttribute("parent.network")
    kind = Organisation.Kind.INSTITUTION
    code = factory.Sequence(lambda n: f"XX{n:02d}")
    name = factory.Sequence(lambda n: f"Hospital {n}")
    country_code = factory.SelfAttribute("parent.country_code")


class AccessProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessProfile
        django_get_or_create = ("application", "code")

    application = factory.SubFactory(ApplicationFactory)
    code = "HP"
    name = "HP"
    description = "healthcare professional available to participate in or lead panels"


class AccessRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessRequest
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    institution = factory.SubFactory(InstitutionFactory)
    network = factory.SelfAttribute("institution.network")
    submitted_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def with_profiles(self, create, extracted, **kwargs):
        if not create:
            return
        profiles = extracted or [AccessProfileFactory(application=self.institution.application)]
        for profile in profiles:
            RequestedProfile.objects.create(
                request=self,
                profile=profile,
                user=self.user,
                institution=self.institution,
                is_open=self.status == AccessRequest.Status.SUBMITTED,
            )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    institution = factory.SubFactory(InstitutionFactory)
    network = factory.SelfAttribute("institution.network")
    profile = factory.SubFactory(
        AccessProfileFactory, application=factory.SelfAttribute("..institution.application")
    )

    @factory.post_generation
    def answered(self, create, extracted, **kwargs):
        """``answered=True``: the member has answered the network's preferences ("None"),
        the last step of the CPMS gate."""
        if create and extracted:
            Expertise.objects.get_or_create(
                user=self.user, network=self.network, defaults={"is_none": True}
            )


class ThematicAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThematicArea

    network = factory.SubFactory(NetworkFactory)
    name = factory.Sequence(lambda n: f"Area {n}")
    position = factory.Sequence(lambda n: n)


class ExpertiseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expertise

    user = factory.SubFactory(UserFactory)
    network = factory.SubFactory(NetworkFactory)


def force_login_verified(client, user) -> None:
    """Log ``user`` in as if the second factor had been passed in this session (the
    Django admin and the CPMS need it); a recovery-code device stands in for it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
