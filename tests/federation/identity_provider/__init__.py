"""A real OpenID Connect identity provider for the tests: panva's ``oidc-provider`` (npm,
pinned in package-lock.json, installed by ``bin/setup-e2e``) run by ``server.mjs`` on
127.0.0.1.

    idp = IdentityProvider(
        clients=[{"client_id": "portal", "client_secret": "s3cret", "redirect_uris": [url]}],
        accounts={"anna": account("anna", email="anna@example.eu")},
    )
    with idp:  # or idp.start() ... idp.stop()
        idp.issuer  # "http://127.0.0.1:<port>"
        idp.set_mode("expired")  # the token endpoint's ID token is now expired; see MODES

A missing Node.js or oidc-provider is an error (run bin/setup-e2e), never a skipped test."""

from __future__ import annotations

import atexit
import json
import os
import queue
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SERVER = HERE / "server.mjs"
PACKAGE = ROOT / "node_modules" / "oidc-provider" / "package.json"
READY_TIMEOUT = 20.0

# normal: as oidc-provider answers. The token endpoint's ID token re-signed with the provider's
# key with one claim wrong: wrong-issuer, wrong-audience, expired (exp and iat an hour in the
# past), wrong-nonce, no-nonce, unverified-email. bad-signature: one byte of its signature
# changed; foreign-key: signed by another key under the provider's kid; alg-none: unsigned.
# garbage: a 200 "not json at all" (text/html); error500: a 500 HTML page. slow: every response
# but /__control late by `delay` seconds (30 unless given); slow-token: only the token endpoint.
MODES = (
    "normal",
    "bad-signature",
    "wrong-issuer",
    "wrong-audience",
    "expired",
    "wrong-nonce",
    "no-nonce",
    "unverified-email",
    "foreign-key",
    "alg-none",
    "garbage",
    "error500",
    "slow",
    "slow-token",
)

DEFAULT_PASSWORD = "correct horse battery"


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on (at the time of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def account(
    login: str,
    *,
    email: str | None = None,
    verified: bool = True,
    given_name: str = "Test",
    family_name: str = "User",
    locale: str = "en",
    amr: list[str] | None = None,
    acr: str | None = None,
    password: str = DEFAULT_PASSWORD,
    sub: str | None = None,
) -> dict[str, Any]:
    """One entry of ``accounts``: its password, its claims, its amr and acr."""
    name = " ".join(part for part in (given_name, family_name) if part)
    entry: dict[str, Any] = {
        "password": password,
        "claims": {
            "sub": sub or f"eulogin-{login}",
            "email": email or f"{login}@example.eu",
            "email_verified": verified,
            "given_name": given_name,
            "family_name": family_name,
            "name": name,
            "locale": locale,
        },
    }
    if amr is not None:
        entry["amr"] = list(amr)
    if acr is not None:
        entry["acr"] = acr
    return entry


class IdentityProvider:
    """oidc-provider in a ``node`` process of its own, for as long as the tests need it."""

    def __init__(
        self,
        clients: list[dict[str, Any]],
        accounts: dict[str, dict[str, Any]],
        port: int | None = None,
    ):
        self.clients = clients
        self.accounts = accounts
        self.port = port
        self.process: subprocess.Popen[str] | None = None
        self._stderr: list[str] = []

    @property
    def issuer(self) -> str:
        if self.port is None:
            raise RuntimeError("the identity provider is not started")
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> IdentityProvider:
        if self.process is not None:
            return self
        node = shutil.which("node")
        if node is None or not PACKAGE.is_file():
            raise RuntimeError(
                "The test identity provider needs Node.js and the npm package oidc-provider "
                f"({'node_modules/oidc-provider is missing' if node else 'node is missing'}): "
                "run bin/setup-e2e."
            )
        if self.port is None:
            self.port = free_port()
        env = {
            **os.environ,
            "IDP_PORT": str(self.port),
            "IDP_CLIENTS": json.dumps(self.clients),
            "IDP_ACCOUNTS": json.dumps(self.accounts),
        }
        self._stderr = []
        self.process = subprocess.Popen(
            [node, str(SERVER)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        atexit.register(self.stop)
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read_stdout, args=(lines,), daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                line = None
                reason = f"not ready after {READY_TIMEOUT:.0f} s"
            else:
                reason = "exited before it was ready"
            if line is not None and line.strip() == f"ready {self.issuer}":
                return self
            if line is None:
                self._fail(reason)

    def _read_stdout(self, lines: queue.Queue[str | None]) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            lines.put(line)
        lines.put(None)

    def _read_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr.append(line)

    def _fail(self, reason: str) -> None:
        self.stop()
        time.sleep(0.1)  # the last lines of stderr
        raise RuntimeError(
            f"The test identity provider ({SERVER.relative_to(ROOT)}) {reason}:\n"
            + "".join(self._stderr[-50:])
        )

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        atexit.unregister(self.stop)
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()

    @property
    def stderr(self) -> str:
        """What the provider wrote to stderr so far (oidc-provider's notices, errors)."""
        return "".join(self._stderr)

    def _control(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 (our own http://127.0.0.1)
            f"{self.issuer}/__control",
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="GET" if body is None else "POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.load(response)

    def set_mode(self, mode: str, delay: float | None = None) -> dict[str, Any]:
        """How the provider misbehaves from now on (one of MODES); ``delay`` for the slow ones."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
        return self._control({"mode": mode, **({} if delay is None else {"delay": delay})})

    @property
    def mode(self) -> str:
        return self._control()["mode"]

    def __enter__(self) -> IdentityProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["MODES", "IdentityProvider", "account", "free_port"]
