"""Start the real OpenID provider (tests/oidc/provider.mjs, npm ``oidc-provider``) on
127.0.0.1. Its packages are installed from package-lock.json (``npm ci``) by
``make setup-test`` and ``scripts/check_prerequisites.py``; a missing Node.js or package
fails the test rather than skipping it."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port

HERE = Path(__file__).resolve().parent
CLIENT_ID = "reflect"
CLIENT_SECRET = "reflect-test-secret"


def install() -> None:
    """``npm ci`` when the packages are missing (a fresh clone)."""
    if (HERE / "node_modules" / "oidc-provider").is_dir():
        return
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.fail("Node.js and npm are needed for the OpenID provider of the tests (apt-get install nodejs npm)",
                    pytrace=False)
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"npm ci in tests/oidc failed: {done.stderr[-2000:]}", pytrace=False)


class OpenIdProvider:
    def __init__(self, redirect_uris: list[str]):
        install()
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.log_path = None
        self.process = subprocess.Popen(
            ["node", str(HERE / "provider.mjs")], cwd=HERE,
            env={**os.environ, "PORT": str(self.port), "REDIRECT_URIS": ",".join(redirect_uris),
                 "NODE_ENV": "development"},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.discovery_url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        output = self.stop()
        pytest.fail(f"the OpenID provider did not start: {output[-2000:]}", pytrace=False)

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def settings(self) -> dict:
        return {"REFLECT_OIDC_DISCOVERY_URL": self.discovery_url, "REFLECT_OIDC_CLIENT_ID": CLIENT_ID,
                "REFLECT_OIDC_CLIENT_SECRET": CLIENT_SECRET, "REFLECT_OIDC_PROVIDER_NAME": "Test IdP"}

    def tamper(self, mode: str) -> None:
        request = urllib.request.Request(f"{self.issuer}/__test/tamper", data=f"mode={mode}".encode(), method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.stdout.read() if self.process.stdout else ""
