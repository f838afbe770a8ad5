"""The list filters of the queue and of the members list. A value a filter does not offer
is refused before it reaches a query."""

from datetime import timedelta

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_requests import selectors
from access_requests.models import AccessProfile, AccessRequest, Membership, Organisation
from accounts.urls_utils import parse_row_id


class ChoiceFilter(admin.SimpleListFilter):
    """A value the filter does not offer (a hand-edited URL: NUL, a huge number…) is
    refused as the admin refuses any bad lookup, before it reaches a query."""

    def __init__(self, request, params, model, model_admin) -> None:
        super().__init__(request, params, model, model_admin)
        value = self.value()
        if value is not None and value not in {str(v) for v, _label in self.lookup_choices}:
            raise IncorrectLookupParameters(f"Unknown {self.parameter_name} value")


class RequestStatusFilter(ChoiceFilter):
    """Pending by default: the list opens as the queue of requests to decide."""

    title = _("status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*AccessRequest.Status.choices, (self.ALL, _("All"))]

    def selected(self) -> str:
        return self.value() or AccessRequest.Status.SUBMITTED

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.selected() == str(value),
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.selected() == self.ALL:
            return queryset
        return queryset.filter(status=self.selected())


class NetworkFilter(ChoiceFilter):
    title = _("network")
    parameter_name = "network"

    def lookups(self, request, model_admin):
        networks = selectors.administered_networks(request.user)
        if networks is None:
            networks = Organisation.objects.filter(kind=Organisation.Kind.NETWORK)
        return [(n.pk, n.code) for n in networks.order_by("code")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(network_id=self.value())
        return queryset


class CountryFilter(ChoiceFilter):
    title = _("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        countries = Organisation.objects.filter(kind=Organisation.Kind.COUNTRY)
        networks = selectors.administered_networks(request.user)
        if networks is not None:
            countries = countries.filter(network__in=networks)
        return list(
            countries.exclude(country_code="")
            .values_list("country_code", "name")
            .order_by("name")
            .distinct()
        )

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(institution__country_code=self.value())
        return queryset


class MembershipInstitutionFilter(ChoiceFilter):
    """Institutions of the chosen network and country only: listing every institution
    that has members (10,000 of them at scale) made the membership list take seconds."""

    title = _("institution")
    parameter_name = "institution"

    def lookups(self, request, model_admin):
        network, country = request.GET.get("network", ""), request.GET.get("country", "")
        if not (parse_row_id(network) is not None and country):
            return []
        return list(
            Organisation.objects.filter(
                kind=Organisation.Kind.INSTITUTION, network_id=network, country_code=country
            )
            .order_by("code")
            .values_list("pk", "code")
        )

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(institution_id=self.value())
        return queryset


class ProfileFilter(ChoiceFilter):
    title = _("access profile")
    parameter_name = "profile"
    lookup = "profiles"

    def lookups(self, request, model_admin):
        return [(p.pk, p.name) for p in AccessProfile.objects.order_by("position", "name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.lookup: self.value()})
        return queryset


class MembershipProfileFilter(ProfileFilter):
    lookup = "profile"


class AgeFilter(ChoiceFilter):
    title = _("waiting for")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [
            ("2", _("more than 2 days")),
            ("7", _("more than a week")),
            ("30", _("more than 30 days")),
        ]

    def queryset(self, request, queryset):
        days = self.value()
        if days:
            return queryset.filter(submitted_at__lt=timezone.now() - timedelta(days=int(days)))
        return queryset


class MembershipStatusFilter(ChoiceFilter):
    """Expired includes a membership past its date that cron has not marked yet."""

    title = _("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return Membership.Status.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case Membership.Status.ACTIVE:
                return queryset.active(at=now)
            case Membership.Status.REVOKED:
                return queryset.filter(status=Membership.Status.REVOKED)
            case Membership.Status.EXPIRED:
                return queryset.filter(status=Membership.Status.EXPIRED) | queryset.filter(
                    status=Membership.Status.ACTIVE, expires_at__lte=now
                )
        return queryset
