"""Forms of the preferences pages: they validate, services write."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from access_requests.forms import IdsChoiceField
from access_requests.models import Organisation
from preferences.models import ThematicArea
from preferences.rules import answer_problem
from preferences.services import ExpertiseAnswer


def offer(field: forms.ModelChoiceField, objects: list, label, queryset=None) -> None:
    """Draw ``field``'s choices from ``objects``, a list the view has already read: a model
    choice field would read its queryset again at each render (through a server cursor
    on PostgreSQL: three round trips). What is submitted is still checked against
    ``queryset`` (by default: those objects)."""
    if queryset is None:
        assert field.queryset is not None  # the fields offered here are declared with one
        queryset = field.queryset.model._default_manager.filter(pk__in=[o.pk for o in objects])
    field.queryset = queryset
    choices = [(o.pk, label(o)) for o in objects]
    if field.empty_label is not None:  # a select's "All my networks"; None for boxes
        choices.insert(0, ("", field.empty_label))
    field.widget.choices = choices


class AreaCheckboxes(forms.CheckboxSelectMultiple):
    option_inherits_attrs = True


class ExpertiseForm(forms.Form):
    """One network's table "ERN Thematic Areas" / "I'm a specialist in:"; "None" first."""

    none = forms.BooleanField(
        label=_("None"),
        required=False,
        widget=forms.CheckboxInput(attrs={"data-expertise": "none"}),
    )
    areas = IdsChoiceField(
        label=_("I'm a specialist in:"),
        queryset=ThematicArea.objects.none(),
        required=False,
        widget=AreaCheckboxes(attrs={"data-expertise": "area"}),
    )

    def __init__(self, *args, network: Organisation, areas: list[ThematicArea], **kwargs):
        """``areas``: the network's current areas in order, as the page already read them
        (``selectors.preferences_of``; see ``offer``)."""
        kwargs.setdefault("prefix", f"ern{network.pk}")
        super().__init__(*args, **kwargs)
        self.network = network
        offer(
            cast(forms.ModelChoiceField, self.fields["areas"]),
            areas,
            lambda area: area.name,
            queryset=ThematicArea.objects.current().filter(network=network),
        )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if "areas" in cleaned:  # an invalid choice of areas is reported on its own
            problem = answer_problem(
                is_none=bool(cleaned.get("none")), has_areas=bool(cleaned["areas"])
            )
            if problem is not None:
                raise forms.ValidationError(problem.message, code=problem.code)
        return cleaned

    def answer(self) -> ExpertiseAnswer:
        return ExpertiseAnswer(
            network=self.network,
            areas=list(self.cleaned_data["areas"]),
            is_none=self.cleaned_data["none"],
        )


class DirectorySearchForm(forms.Form):
    """The GET form of the directory of experts; every field is optional."""

    network = forms.ModelChoiceField(
        label=_("Network"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("All my networks"),
    )
    area = forms.ModelChoiceField(
        label=_("Thematic area"),
        queryset=ThematicArea.objects.none(),
        required=False,
        empty_label=_("Any thematic area"),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    institution = forms.CharField(label=_("Institution"), required=False, max_length=100)
    name = forms.CharField(label=_("Name"), required=False, max_length=100)

    def __init__(self, *args, networks, areas, countries, **kwargs):
        """``networks`` and ``areas``: lists the view has read (see ``offer``)."""
        super().__init__(*args, **kwargs)
        offer(cast(forms.ModelChoiceField, self.fields["network"]), networks, lambda n: n.label)
        offer(
            cast(forms.ModelChoiceField, self.fields["area"]),
            areas,
            lambda a: f"{a.network.code} — {a.name}",
        )
        country = cast(forms.ChoiceField, self.fields["country"])
        country.choices = [("", _("Any country")), *countries]


class DirectoryListingForm(forms.Form):
    hidden = forms.BooleanField(
        label=_("Hide me from the directory of experts"),
        required=False,
        help_text=_(
            "Others can't find you in the directory and can't invite you to their panels."
        ),
    )
