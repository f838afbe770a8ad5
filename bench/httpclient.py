"""A small HTTP client for the benchmarks: cookies, CSRF, allauth's login, timings.

Standard library only (http.client), so that the measuring process stays light
and every request is one TCP connection to gunicorn, as a browser behind a
proxy would make.
"""

import http.client
import re
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

LOGIN_PATH = "/accounts/login/"
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str
    seconds: float

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Client:
    """One browser: its own cookies, optionally behind a TLS proxy with its own address."""

    base_url: str
    behind_tls_proxy: bool = False  # adds X-Forwarded-Proto: https, as the proxy would
    forwarded_for: str = ""  # the client address the proxy reports (X-Forwarded-For)
    cookies: dict[str, str] = field(default_factory=dict)
    host_header: str = ""  # the public host a load balancer passes on; default: the URL's
    timeout: float = 60.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.host_header = self.host_header or parts.netloc

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict[str, str]) -> Response:
        scheme = "https" if self.behind_tls_proxy else "http"
        origin = f"{scheme}://{self.host_header}"
        return self.request(
            "POST",
            path,
            body=urlencode(data),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": origin + path,
            },
        )

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict | None = None
    ) -> Response:
        all_headers = {"Host": self.host_header, "Accept-Language": "en", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.behind_tls_proxy:
            all_headers["X-Forwarded-Proto"] = "https"
        if self.forwarded_for:
            all_headers["X-Forwarded-For"] = self.forwarded_for
        started = time.perf_counter()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=all_headers)
            raw = connection.getresponse()
            content = raw.read()
            seconds = time.perf_counter() - started
            for header in raw.msg.get_all("Set-Cookie") or []:
                self._store_cookie(header)
            response_headers = {k.lower(): v for k, v in raw.getheaders()}
        finally:
            connection.close()
        return Response(raw.status, response_headers, content.decode("utf-8", "replace"), seconds)

    def _store_cookie(self, header: str) -> None:
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            if morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"]):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def login(self, email: str, password: str, path: str = LOGIN_PATH) -> Response:
        """allauth's login as a browser does it: the page, the POST, the redirect."""
        page = self.get(path)
        match = _CSRF_INPUT.search(page.body)
        if not match or 'name="password"' not in page.body:
            raise RuntimeError(f"No password login form at {path} (HTTP {page.status}).")
        posted = self.post(
            path, {"login": email, "password": password, "csrfmiddlewaretoken": match.group(1)}
        )
        if posted.status in (301, 302, 303) and posted.location:
            return self.get(urlsplit(posted.location).path or "/")
        return posted


def csrf_token(body: str) -> str:
    """The CSRF token of the first form of a page ("" if none)."""
    match = _CSRF_INPUT.search(body)
    return match.group(1) if match else ""


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]
