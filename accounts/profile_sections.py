"""The hook by which an upper app adds a section to User Data details (the OpenID
provider: the applications the user allowed), called from its ``AppConfig.ready``: the
page cannot name what sits above accounts."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accounts.http import AuthenticatedHttpRequest


@dataclass(frozen=True)
class ProfileSection:
    template: str
    context: Callable[[AuthenticatedHttpRequest], dict[str, Any]]


_sections: list[ProfileSection] = []


def register_profile_section(
    template: str, context: Callable[[AuthenticatedHttpRequest], dict[str, Any]]
) -> None:
    """Include ``template`` on the page, with ``context(request)`` added to its context."""
    if all(s.template != template for s in _sections):
        _sections.append(ProfileSection(template, context))


def sections_for(request: AuthenticatedHttpRequest) -> list[dict[str, Any]]:
    """What the page includes, in the order the apps registered them."""
    return [{"template": s.template, **s.context(request)} for s in _sections]
