"""Values a request carries in its URL or form, read once for every app: the ``next``
page to go back to, and row ids (accounts is the bottom app, so all of them can)."""

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

# Large enough for any bigint primary key, small enough that no database overflows.
MAX_ID_DIGITS = 18


def is_safe_next_url(request: HttpRequest, url: str) -> bool:
    """Whether ``url`` stays on this site: no other host (``//evil.example`` included),
    and not plain http when the request came over https."""
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def safe_next_url(request: HttpRequest, default: str = "cpms-home") -> str:
    """The ``next`` of the request (form, then query) if it stays on this site, else
    ``default`` (a URL name or a URL; ``""`` gives ``""``)."""
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if is_safe_next_url(request, url):
        return url
    return resolve_url(default) if default else ""


def parse_row_id(raw: str) -> int | None:
    """``raw`` as a row id if it is a plain number (ASCII digits only, as many as a
    bigint key can hold), else None: anything else would be a 500 in the query."""
    if raw.isascii() and raw.isdigit() and len(raw) <= MAX_ID_DIGITS:
        return int(raw)
    return None
