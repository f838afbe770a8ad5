"""The test identity provider itself (tests/federation/identity_provider): oidc-provider
answers a whole authorization code flow with PKCE and a nonce, its login page, and each mode
breaks exactly what it says. No Django, no database: a browser's requests and PyJWT."""

import base64
import hashlib
import html
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import jwt
import pytest
import requests

from tests.federation import identity_provider as harness
from tests.federation.identity_provider import IdentityProvider, account, free_port

CLIENT_ID = "harness-client"
CLIENT_SECRET = "harness-secret-0123456789"
# Nobody listens there: the flow stops at the redirect to it.
REDIRECT_URI = f"http://127.0.0.1:{free_port()}/accounts/oidc/eulogin/login/callback/"

ACCOUNTS = {
    "anna": account(
        "anna",
        email="anna.nowak@szpital.example.pl",
        given_name="Anna",
        family_name="Nowak",
        locale="pl-PL",
        amr=["pwd", "mfa"],
        acr="substantial",
    ),
    "plain": account("plain", email="plain@example.eu"),
}


@pytest.fixture(scope="module")
def idp():
    with IdentityProvider(
        clients=[
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [REDIRECT_URI],
            }
        ],
        accounts=ACCOUNTS,
    ) as provider:
        yield provider


@pytest.fixture(autouse=True)
def _normal(request):
    yield
    if "idp" in request.fixturenames:
        request.getfixturevalue("idp").set_mode("normal")


@pytest.fixture(scope="module")
def discovery(idp):
    response = requests.get(f"{idp.issuer}/.well-known/openid-configuration", timeout=10)
    response.raise_for_status()
    return response.json()


@pytest.fixture(scope="module")
def jwks(discovery):
    response = requests.get(discovery["jwks_uri"], timeout=10)
    response.raise_for_status()
    return jwt.PyJWKSet.from_dict(response.json())


@dataclass
class Flow:
    """One login as a browser and the relying party would do it, up to the token response."""

    discovery: dict
    login: str = "anna"

    def __post_init__(self):
        self.browser = requests.Session()
        self.state = secrets.token_urlsafe(16)
        self.nonce = secrets.token_urlsafe(16)
        self.verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(self.verifier.encode()).digest()
        self.challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def follow(self, response: requests.Response) -> requests.Response | str:
        """Redirects followed until a page, or the redirect URI (returned, not visited)."""
        for _ in range(10):
            if response.status_code not in (302, 303):
                return response
            target = urljoin(response.url, response.headers["Location"])
            if target.startswith(REDIRECT_URI):
                return target
            response = self.browser.get(target, allow_redirects=False, timeout=10)
        raise AssertionError("too many redirects")

    def login_page(self) -> requests.Response:
        query = urlencode(
            {
                "client_id": CLIENT_ID,
                "redirect_uri": REDIRECT_URI,
                "response_type": "code",
                "scope": "openid email profile",
                "state": self.state,
                "nonce": self.nonce,
                "code_challenge": self.challenge,
                "code_challenge_method": "S256",
            }
        )
        url = f"{self.discovery['authorization_endpoint']}?{query}"
        page = self.follow(self.browser.get(url, allow_redirects=False, timeout=10))
        assert isinstance(page, requests.Response) and page.status_code == 200, page
        return page

    def submit(self, page: requests.Response, password: str) -> requests.Response | str:
        action = html.unescape(re.search(r'<form[^>]*action="([^"]*)"', page.text).group(1))
        response = self.browser.post(
            urljoin(page.url, action),
            data={"login": self.login, "password": password},
            allow_redirects=False,
            timeout=10,
        )
        return self.follow(response)

    def code(self) -> str:
        callback = self.submit(self.login_page(), ACCOUNTS[self.login]["password"])
        assert isinstance(callback, str), callback.text[:2000]
        query = parse_qs(urlsplit(callback).query)
        assert query["state"] == [self.state]
        return query["code"][0]

    def token(self, *, timeout: float = 10, post: bool = False) -> requests.Response:
        data = {
            "grant_type": "authorization_code",
            "code": self.code(),
            "redirect_uri": REDIRECT_URI,
            "code_verifier": self.verifier,
        }
        if post:  # client_secret_post rather than client_secret_basic
            data |= {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        return requests.post(
            self.discovery["token_endpoint"],
            data=data,
            auth=None if post else (CLIENT_ID, CLIENT_SECRET),
            timeout=timeout,
        )

    def id_token(self, **kwargs) -> str:
        response = self.token(**kwargs)
        assert response.status_code == 200, response.text
        return response.json()["id_token"]


def broken(token: str, idp: IdentityProvider, jwks: jwt.PyJWKSet, flow: Flow) -> set[str]:
    """Which of the properties a relying party checks the ID token fails."""
    failed = set()
    header = jwt.get_unverified_header(token)
    if header.get("alg") != "RS256":
        failed.add("alg")
    try:
        jwt.decode(
            token,
            jwks[header.get("kid", "")].key,
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_aud": False, "verify_iss": False},
        )
    except (jwt.PyJWTError, KeyError):
        failed.add("signature")
    claims = jwt.decode(token, options={"verify_signature": False})
    now = time.time()
    checks = {
        "iss": claims.get("iss") == idp.issuer,
        "aud": CLIENT_ID in ([claims["aud"]] if isinstance(claims["aud"], str) else claims["aud"]),
        "exp": claims.get("exp", 0) > now and claims.get("iat", now + 60) <= now + 15,
        "nonce": claims.get("nonce") == flow.nonce,
        "email_verified": claims.get("email_verified") is True,
    }
    return failed | {name for name, ok in checks.items() if not ok}


def test_discovery(idp, discovery):
    assert idp.issuer.startswith("http://127.0.0.1:")
    assert discovery["issuer"] == idp.issuer
    for endpoint in ("authorization", "token", "userinfo"):
        assert discovery[f"{endpoint}_endpoint"].startswith(idp.issuer + "/")
    assert discovery["jwks_uri"].startswith(idp.issuer + "/")
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]
    assert discovery["response_types_supported"] == ["code"]
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert {"client_secret_basic", "client_secret_post"} <= set(
        discovery["token_endpoint_auth_methods_supported"]
    )
    assert {"openid", "email", "profile"} <= set(discovery["scopes_supported"])
    assert discovery["acr_values_supported"] == ["substantial"]


def test_the_login_page_and_a_wrong_password(discovery):
    flow = Flow(discovery)
    page = flow.login_page()
    text = page.text
    assert text.startswith("<!DOCTYPE html>") and '<html lang="en">' in text
    assert "<title>" in text and text.count("<h1>") == 1 and "<h1>EU Login</h1>" in text
    assert "Test identity provider" in text
    assert '<label for="login">Username or e-mail address</label>' in text
    assert '<input id="login" name="login"' in text
    assert '<label for="password">Password</label>' in text
    assert 'type="password"' in text and 'name="password"' in text
    assert '<button type="submit">Sign in</button>' in text
    assert "Wrong username or password." not in text

    again = flow.submit(page, "not the password")
    assert isinstance(again, requests.Response) and again.status_code == 200
    assert "Wrong username or password." in again.text
    assert 'value="anna"' in again.text  # the login typed is kept

    callback = flow.submit(again, ACCOUNTS["anna"]["password"])
    assert isinstance(callback, str) and "code=" in callback


def test_a_whole_flow_gives_a_valid_id_token(idp, discovery, jwks):
    flow = Flow(discovery)
    response = flow.token()
    assert response.status_code == 200, response.text
    tokens = response.json()
    token = tokens["id_token"]
    assert jwt.get_unverified_header(token)["kid"] == jwks.keys[0].key_id
    claims = jwt.decode(
        token,
        jwks[jwt.get_unverified_header(token)["kid"]].key,
        algorithms=["RS256"],
        audience=CLIENT_ID,
        issuer=idp.issuer,
    )
    expected = ACCOUNTS["anna"]["claims"]
    assert claims["nonce"] == flow.nonce
    assert {key: claims[key] for key in expected} == expected  # the scope claims too
    assert claims["amr"] == ["pwd", "mfa"] and claims["acr"] == "substantial"
    assert broken(token, idp, jwks, flow) == set()

    userinfo = requests.get(
        discovery["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert userinfo.json()["email"] == expected["email"]


def test_client_secret_post_and_an_account_without_amr(idp, discovery, jwks):
    flow = Flow(discovery, login="plain")
    token = flow.id_token(post=True)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["email"] == "plain@example.eu" and claims["locale"] == "en"
    assert "amr" not in claims and "acr" not in claims
    assert broken(token, idp, jwks, flow) == set()


@pytest.mark.parametrize(
    ("mode", "failures"),
    [
        ("bad-signature", {"signature"}),
        ("wrong-issuer", {"iss"}),
        ("wrong-audience", {"aud"}),
        ("expired", {"exp"}),
        ("wrong-nonce", {"nonce"}),
        ("no-nonce", {"nonce"}),
        ("unverified-email", {"email_verified"}),
        ("foreign-key", {"signature"}),
        ("alg-none", {"alg", "signature"}),
    ],
)
def test_a_tampered_id_token_breaks_exactly_one_thing(idp, discovery, jwks, mode, failures):
    assert idp.set_mode(mode)["mode"] == mode
    flow = Flow(discovery)
    token = flow.id_token()
    assert broken(token, idp, jwks, flow) == failures
    assert idp.mode == mode  # until changed

    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["email"] == ACCOUNTS["anna"]["claims"]["email"]
    if mode == "alg-none":
        assert header == {"alg": "none"} and token.endswith(".")
    else:
        assert header["kid"] == jwks.keys[0].key_id
    if mode == "expired":
        assert claims["exp"] < time.time() - 3500 and claims["iat"] < time.time() - 3500
    if mode == "no-nonce":
        assert "nonce" not in claims


def test_garbage_and_error500(idp, discovery):
    idp.set_mode("garbage")
    response = Flow(discovery).token()
    assert response.status_code == 200
    assert response.text == "not json at all"
    assert response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(requests.JSONDecodeError):
        response.json()

    idp.set_mode("error500")
    response = Flow(discovery).token()
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html" in response.text


def test_slow_token_delays_only_the_token_endpoint(idp, discovery):
    idp.set_mode("slow-token", delay=3)
    flow = Flow(discovery)
    started = time.monotonic()
    code = flow.code()  # the authorization endpoint and login page are not slowed
    assert time.monotonic() - started < 3
    with pytest.raises(requests.Timeout):
        requests.post(
            discovery["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": flow.verifier,
            },
            auth=(CLIENT_ID, CLIENT_SECRET),
            timeout=1,
        )


def test_slow_delays_everything_but_the_control(idp, discovery):
    assert idp.set_mode("slow", delay=3) == {"mode": "slow", "delay": 3}
    for url in (f"{idp.issuer}/.well-known/openid-configuration", discovery["jwks_uri"]):
        with pytest.raises(requests.Timeout):
            requests.get(url, timeout=1)
    started = time.monotonic()
    assert idp.mode == "slow"
    assert time.monotonic() - started < 1


def test_the_control_refuses_an_unknown_mode(idp):
    response = requests.post(f"{idp.issuer}/__control", json={"mode": "chaos"}, timeout=10)
    assert response.status_code == 400
    assert idp.mode == "normal"
    with pytest.raises(ValueError, match="unknown mode"):
        idp.set_mode("chaos")


def test_a_missing_provider_is_an_error_not_a_skip(monkeypatch, tmp_path):
    monkeypatch.setattr(harness, "PACKAGE", tmp_path / "package.json")
    with pytest.raises(RuntimeError, match="bin/setup-e2e"):
        IdentityProvider(clients=[], accounts={}).start()


def test_a_provider_that_cannot_start_says_why(idp):
    taken = IdentityProvider(clients=[], accounts={}, port=idp.port)
    with pytest.raises(RuntimeError, match="EADDRINUSE"):
        taken.start()
    assert taken.process is None
