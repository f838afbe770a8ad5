"""Forms of the request wizard. The wizard's state lives in the URL (GET parameters
``application``, ``organisation`` and ``profile``); ``resolve_*`` turn those into rows or
raise ``WizardError`` with the HTTP status and the message of the error page."""

from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from access_requests import selectors, services
from access_requests.models import AccessProfile, AccessRequest, Application, Organisation
from accounts.models import User
from accounts.urls_utils import parse_row_id

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class WizardError(Exception):
    """A wizard URL that names nothing usable; ``str()`` is the message of the error page."""

    def __init__(
        self, message: "StrOrPromise", status: HTTPStatus = HTTPStatus.BAD_REQUEST
    ) -> None:
        super().__init__(message)
        self.status = status


def parse_id(raw: str | None, *, what: "StrOrPromise") -> int | None:
    """An id from the URL: None when absent, WizardError (400) when it is not a plain number."""
    if raw is None or raw.strip() == "":
        return None
    raw = raw.strip()
    pk = parse_row_id(raw)
    if pk is None:
        raise WizardError(
            _("The address is not valid: “%(value)s” is not a valid %(what)s.")
            % {"value": raw[:40], "what": what}
        )
    return pk


def resolve_application(params: QueryDict) -> Application:
    """The open application named by ``application``."""
    pk = parse_id(params.get("application"), what=_("application"))
    if pk is None:
        raise WizardError(_("Select an application first."))
    application = Application.objects.filter(pk=pk).first()
    if application is None:
        raise WizardError(_("This application does not exist."), HTTPStatus.NOT_FOUND)
    if not application.is_open:
        raise WizardError(
            _("The application %(name)s is closed: it accepts no requests.")
            % {"name": application.name}
        )
    return application


def check_node(node: Organisation, application: Application) -> None:
    """A node of this application's tree, open, and under open nodes."""
    if node.application_id != application.pk:
        raise WizardError(
            _("This organisation does not belong to the application %(name)s.")
            % {"name": application.name}
        )
    if not all(n.is_open for n in [*node.ancestors(), node]):
        raise WizardError(
            _("The organisation %(label)s is closed: it accepts no requests.")
            % {"label": node.label}
        )


def resolve_node(params: QueryDict, application: Application) -> Organisation | None:
    """The network or country whose children step 2 lists (None: the networks)."""
    pk = parse_id(params.get("node"), what=_("organisation"))
    if pk is None:
        return None
    node = selectors.organisation_node(pk=pk)
    if node is None:
        raise WizardError(_("This organisation does not exist."), HTTPStatus.NOT_FOUND)
    check_node(node, application)
    if node.is_institution:
        raise WizardError(_("An institution has nothing to open: select it instead."))
    return node


def resolve_institution(params: Mapping[str, Any], application: Application) -> Organisation:
    """The open institution named by ``organisation``, in this application's tree."""
    pk = parse_id(params.get("organisation"), what=_("organisation"))
    if pk is None:
        raise WizardError(_("Select an organisation first."))
    institution = selectors.organisation_node(pk=pk)
    if institution is None:
        raise WizardError(_("This organisation does not exist."), HTTPStatus.NOT_FOUND)
    check_node(institution, application)
    if not institution.is_institution:
        raise WizardError(
            _("%(label)s is a network or a country: select an institution.")
            % {"label": institution.label}
        )
    return institution


class ApplicationSelect(forms.Select):
    """The guide's drop-down; closed applications are listed but cannot be chosen."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        application = getattr(value, "instance", None)
        if application is not None and not application.is_open:
            option["attrs"]["disabled"] = True
            option["label"] = _("%(name)s (closed)") % {"name": application.name}
        return option


class ApplicationForm(forms.Form):
    """Step 1: Select an application."""

    application = forms.ModelChoiceField(
        label=_("Select an application"),
        queryset=Application.objects.none(),
        empty_label=_("Select an application"),
        widget=ApplicationSelect,
        error_messages={
            "required": _("Select an application."),
            "invalid_choice": _("This application does not exist."),
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["application"])
        field.queryset = selectors.wizard_applications()

    def clean_application(self) -> Application:
        application = self.cleaned_data["application"]
        if not application.is_open:
            raise ValidationError(
                _("The application %(name)s is closed: it accepts no requests."),
                code="closed",
                params={"name": application.name},
            )
        return application


class OrganisationSearchForm(forms.Form):
    """Step 2's search at the institution level (a NUL never gets here: the security
    middleware refuses it in any parameter)."""

    q = forms.CharField(label=_("Search:"), required=False, max_length=100)

    def search(self) -> str:
        """The text to search for; nothing when it is not valid."""
        return self.cleaned_data["q"] if self.is_valid() else ""

    def typed(self) -> str:
        """What the user typed, for the search box."""
        return (self.data.get("q") or "")[:100]


class InstitutionForm(forms.Form):
    """Step 2 at the institution level: one institution of the application's tree."""

    organisation = forms.CharField(
        label=_("Organisations"),
        required=False,
    )

    def __init__(self, *args, application: Application, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.application = application
        self.institution: Organisation | None = None

    def clean_organisation(self) -> Organisation:
        if not self.cleaned_data.get("organisation"):
            raise ValidationError(_("Select an institution."), code="required")
        try:
            self.institution = resolve_institution(self.data, self.application)
        except WizardError as exc:
            raise ValidationError(str(exc), code="invalid") from exc
        return self.institution


@dataclass(frozen=True)
class ProfileRow:
    """A row of step 3's table: the profile, its status here, and whether it can be picked."""

    profile: AccessProfile
    status: str
    available: bool
    checked: bool


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Boxes of rows with integer ids: refuses ids no database could hold before they
    reach a query (a number beyond 64 bits is a 500 in SQLite's ``IN``)."""

    def clean(self, value):
        for raw in value or []:
            raw = str(raw)
            if parse_row_id(raw) is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": raw},
                )
        return super().clean(value)


class ProfileForm(forms.Form):
    """Step 3: Select access profile, with the rules of the guide."""

    profile = IdsChoiceField(
        label=_("Access Profile"),
        queryset=AccessProfile.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Select at least one access profile."),
            "invalid_choice": _("This access profile does not exist."),
            "invalid_pk_value": _("This access profile does not exist."),
        },
    )

    def __init__(
        self, *args, application: Application, institution: Organisation, user: User, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.application = application
        self.institution = institution
        self.profiles = list(selectors.application_profiles(application=application))
        field = cast(IdsChoiceField, self.fields["profile"])
        field.queryset = selectors.application_profiles(application=application)
        self.holdings = selectors.profile_holdings(user=user, institution=institution)

    def status_of(self, profile: AccessProfile) -> str:
        if profile.pk in self.holdings.held_here:
            return str(_("Granted"))
        if profile.pk in self.holdings.pending_here:
            return str(AccessRequest.Status.SUBMITTED.label)
        return ""

    def rows(self) -> list[ProfileRow]:
        chosen = set(self.chosen_ids())
        return [
            ProfileRow(
                profile=p,
                status=self.status_of(p),
                available=not self.status_of(p),
                checked=p.pk in chosen,
            )
            for p in self.profiles
        ]

    def chosen_ids(self) -> list[int]:
        source = self.data if self.is_bound else self.initial
        values = source.getlist("profile") if hasattr(source, "getlist") else []
        return [pk for pk in map(parse_row_id, values) if pk is not None]

    def prerequisite_notes(self) -> list[str]:
        """ "Coordinator and Dispatcher need the HP profile in the same network…"."""
        needs: dict[AccessProfile, list[str]] = {}
        for profile in self.profiles:
            if profile.prerequisite is not None:
                needs.setdefault(profile.prerequisite, []).append(profile.name)
        return [
            _(
                "%(profiles)s need the %(prerequisite)s profile in the same network: "
                "held, pending, or requested together with them."
            )
            % {"profiles": gettext(" and ").join(names), "prerequisite": prerequisite.name}
            for prerequisite, names in needs.items()
        ]

    def clean_profile(self) -> list[AccessProfile]:
        chosen = list(self.cleaned_data["profile"])
        errors = services.profile_choice_errors(
            institution=self.institution, profiles=chosen, holdings=self.holdings
        )
        if errors:
            raise ValidationError(errors)
        return chosen

    def only_pending_errors(self) -> bool:
        """True when what is wrong is only that the request was already made (a replay)."""
        errors = self.errors.as_data().get("profile", [])
        return bool(errors) and all(e.code == "pending" for e in errors)


class SubmissionForm(forms.Form):
    """Step 4: Recap and Submission."""

    comment = forms.CharField(
        label=_("Comments"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
