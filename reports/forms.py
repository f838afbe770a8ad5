from datetime import date
from typing import cast
from urllib.parse import urlencode

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from access_requests.models import Organisation
from reports import selectors
from reports.selectors import MemberFilters, MemberStatus, Period


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


# The dates a period may span: the calendar's own ends (year 1, year 9999) cannot be
# turned into the period's bounds (a day before, a day after, UTC), and no one joined
# the portal outside these.
DATE_RANGE = [MinValueValidator(date(2000, 1, 1)), MaxValueValidator(date(2099, 12, 31))]


class InstitutionChoiceField(forms.ModelChoiceField):
    """Institutions named after their parent, then their own label."""

    def label_from_instance(self, obj) -> str:
        return f"{obj.parent.name} — {obj.label}"


class ReportFilterForm(forms.Form):
    """The GET form of a network's report; the export takes the same fields."""

    date_from = forms.DateField(
        label=_("From"), required=False, widget=DateInput(), validators=DATE_RANGE
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=DateInput(), validators=DATE_RANGE
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    institution = InstitutionChoiceField(
        label=_("Institution"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("All institutions"),
    )
    profile = forms.ModelChoiceField(
        label=_("Access Profile"),
        queryset=Organisation.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("All profiles"),
    )
    status = forms.ChoiceField(label=_("Status"), choices=MemberStatus.CHOICES, required=False)

    def __init__(self, *args, network: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.network = network
        default = Period.default()
        self.fields["date_from"].initial = default.start
        self.fields["date_to"].initial = default.end
        self.fields["status"].initial = MemberStatus.ACTIVE
        cast(forms.ChoiceField, self.fields["country"]).choices = [
            ("", _("All countries")),
            *selectors.network_countries(network),
        ]
        institution = cast(InstitutionChoiceField, self.fields["institution"])
        institution.queryset = selectors.network_institutions(network)
        profile = cast(forms.ModelChoiceField, self.fields["profile"])
        profile.queryset = selectors.network_profiles(network)

    @classmethod
    def from_query(cls, query, *, network: Organisation) -> "ReportFilterForm":
        """Bound to the query string, with the defaults for whatever it leaves out."""
        default = Period.default()
        data = {
            "date_from": default.start.isoformat(),
            "date_to": default.end.isoformat(),
            "status": MemberStatus.ACTIVE,
        }
        data.update({key: query.get(key) for key in cls.base_fields if key in query})
        return cls(data, network=network)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period cannot be before its start."))
        institution, country = cleaned.get("institution"), cleaned.get("country")
        if institution and country and institution.country_code != country:
            self.add_error("institution", _("This institution is not in the chosen country."))
        return cleaned

    def period(self) -> Period:
        """The period asked for; a missing end is today, a missing start the default length."""
        default = Period.default()
        end = self.cleaned_data.get("date_to") or default.end
        start = self.cleaned_data.get("date_from") or Period.default(today=end).start
        return Period(start=start, end=end)

    def filters(self) -> MemberFilters:
        data = self.cleaned_data
        return MemberFilters(
            country=data.get("country") or "",
            institution=data.get("institution"),
            profile=data.get("profile"),
            status=data.get("status") or MemberStatus.ACTIVE,
        )

    def query_string(self) -> str:
        """The cleaned filters as a query string, for the export links."""
        period, filters = self.period(), self.filters()
        params = {
            "date_from": period.start.isoformat(),
            "date_to": period.end.isoformat(),
            "country": filters.country,
            "institution": filters.institution.pk if filters.institution else "",
            "profile": filters.profile.code if filters.profile else "",
            "status": filters.status,
        }
        return urlencode({k: v for k, v in params.items() if v})
