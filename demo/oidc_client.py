"""A demo CPMS: a relying party of the portal, built on Authlib (a third-party OpenID
Connect client library), that signs a member in through the portal and shows the
claims it receives. Run by ``bin/demo-client``; the browser tests start it too.

    python demo/oidc_client.py --issuer http://127.0.0.1:8000 --port 8765

It is a public client with PKCE (``manage.py create_demo_oidc_client`` registers it):
discovery, authorization code + PKCE, the ID token's signature checked against the
portal's JWKS (issuer, audience, nonce, expiry), then userinfo.
"""

import argparse
import html
import json
import secrets
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

SCOPES = "openid email profile memberships"


class RelyingParty:
    def __init__(self, *, issuer: str, client_id: str, redirect_uri: str) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.pending: dict[str, dict[str, str]] = {}  # state → nonce, code_verifier
        self._metadata: dict | None = None

    @property
    def metadata(self) -> dict:
        if self._metadata is None:
            url = f"{self.issuer}/.well-known/openid-configuration"
            self._metadata = requests.get(url, timeout=10).json()
        return self._metadata

    def session(self, **kwargs) -> OAuth2Session:
        return OAuth2Session(
            self.client_id,
            redirect_uri=self.redirect_uri,
            scope=SCOPES,
            code_challenge_method="S256",
            token_endpoint_auth_method="none",  # noqa: S106 (a method's name, not a secret)
            **kwargs,
        )

    def login_url(self) -> str:
        verifier = generate_token(48)
        nonce = secrets.token_urlsafe(16)
        url, state = self.session().create_authorization_url(
            self.metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
        self.pending[state] = {"nonce": nonce, "code_verifier": verifier}
        return url

    def finish(self, query: dict[str, str]) -> dict:
        """The callback: code → tokens → a checked ID token → userinfo."""
        if "error" in query:
            return {"error": query["error"], "description": query.get("error_description", "")}
        pending = self.pending.pop(query.get("state", ""), None)
        if pending is None:
            return {"error": "unknown_state", "description": "Start again from the home page."}
        session = self.session(state=query["state"])
        tokens = session.fetch_token(
            self.metadata["token_endpoint"],
            code=query.get("code", ""),
            code_verifier=pending["code_verifier"],
        )
        id_claims = self.verify_id_token(tokens["id_token"], nonce=pending["nonce"])
        userinfo = session.get(self.metadata["userinfo_endpoint"], timeout=10).json()
        return {"id_token": id_claims, "userinfo": userinfo}

    def verify_id_token(self, id_token: str, *, nonce: str) -> dict:
        keys = KeySet.import_key_set(requests.get(self.metadata["jwks_uri"], timeout=10).json())
        token = jwt.decode(id_token, keys, algorithms=["RS256"])
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": self.metadata["issuer"]},
            aud={"essential": True, "value": self.client_id},
            nonce={"essential": True, "value": nonce},
            exp={"essential": True},
        ).validate(token.claims)
        return dict(token.claims)


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>"""


def handler_for(rp: RelyingParty) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/":
                self.page(
                    "CPMS (demo client)",
                    '<p><a href="/login">Sign in with the ERN portal</a></p>',
                )
            elif url.path == "/login":
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", rp.login_url())
                self.end_headers()
            elif url.path == "/callback":
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                try:
                    result = rp.finish(query)
                except Exception as exc:  # shown to whoever tries the demo
                    result = {"error": type(exc).__name__, "description": str(exc)}
                if "error" in result:
                    self.page(
                        "Sign-in failed",
                        f"<p>{html.escape(result['error'])}: "
                        f"{html.escape(result['description'])}</p>",
                        HTTPStatus.BAD_REQUEST,
                    )
                else:
                    claims = html.escape(json.dumps(result, indent=2, ensure_ascii=False))
                    name = html.escape(result["userinfo"].get("name", ""))
                    self.page(
                        "Signed in to CPMS (demo)",
                        f"<p>Welcome, {name}.</p><h2>Claims</h2><pre>{claims}</pre>",
                    )
            elif url.path == "/favicon.ico":
                self.send_response(HTTPStatus.NO_CONTENT)
                self.end_headers()
            else:
                self.page("Not found", "", HTTPStatus.NOT_FOUND)

        def page(self, title: str, body: str, status: int = HTTPStatus.OK) -> None:
            content = PAGE.format(title=html.escape(title), body=body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args) -> None:
            print("demo client:", format % args, flush=True)

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer", default="http://127.0.0.1:8000")
    parser.add_argument("--client-id", default="cpms-demo")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    redirect_uri = f"http://127.0.0.1:{args.port}/callback"
    rp = RelyingParty(issuer=args.issuer, client_id=args.client_id, redirect_uri=redirect_uri)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(rp))
    print(f"Demo CPMS client on http://127.0.0.1:{args.port}/ (issuer {args.issuer})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
