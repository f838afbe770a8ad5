"""The hooks by which an upper app shapes User Data details, called from its
``AppConfig.ready``: the page cannot name what sits above accounts.

- ``register_profile_section``: a section added to the page (the OpenID provider: the
  applications the user allowed);
- ``use_profile_layout``: the layout the page extends, and so its navigation (the
  authorisation system's, from access_requests); ``base.html`` until an app sets one.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accounts.http import AuthenticatedHttpRequest


@dataclass(frozen=True)
class ProfileSection:
    template: str
    context: Callable[[AuthenticatedHttpRequest], dict[str, Any]]


DEFAULT_LAYOUT = "base.html"

_sections: list[ProfileSection] = []
_layout = DEFAULT_LAYOUT


def register_profile_section(
    template: str, context: Callable[[AuthenticatedHttpRequest], dict[str, Any]]
) -> None:
    """Include ``template`` on the page, with ``context(request)`` added to its context."""
    if all(s.template != template for s in _sections):
        _sections.append(ProfileSection(template, context))


def sections_for(request: AuthenticatedHttpRequest) -> list[dict[str, Any]]:
    """What the page includes, in the order the apps registered them."""
    return [{"template": s.template, **s.context(request)} for s in _sections]


def use_profile_layout(template: str) -> None:
    """Lay the page out in ``template``, a layout that extends base.html (its blocks)."""
    global _layout
    _layout = template


def profile_layout() -> str:
    """The layout the page extends."""
    return _layout
