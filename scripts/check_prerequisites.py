"""Before the suite runs: every tier's prerequisite must be here, or the run fails.

- Debian's Chromium at /usr/bin/chromium (installed with apt when missing and we are root)
- PostgreSQL at 127.0.0.1:5432 (database ``test``), Redis at 127.0.0.1:6379
- the ``redis-server`` program (the Redis outage test starts and stops one of its own)
- Node.js and npm, and the OpenID provider the single sign-on tests start
  (tests/oidc: ``npm ci`` from its package-lock.json when missing)
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

CHROMIUM = os.environ.get("REFLECT_CHROMIUM", "/usr/bin/chromium")
DEBIAN_PACKAGES = ["chromium", "nginx"]
REDIS_SERVER = os.environ.get("REFLECT_REDIS_SERVER", "/usr/bin/redis-server")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


def install_debian_packages(missing: list[str]) -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=False, env=env)


OIDC_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "oidc")


def oidc_provider_problem() -> str | None:
    """Install the tests' OpenID provider (npm ci) if needed; what is wrong, or None."""
    if not shutil.which("node") or not shutil.which("npm"):
        return "Node.js and npm are needed for the single sign-on tests: apt-get install nodejs npm"
    if os.path.isdir(os.path.join(OIDC_DIR, "node_modules", "oidc-provider")):
        return None
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=OIDC_DIR, check=False)
    if done.returncode != 0 or not os.path.isdir(os.path.join(OIDC_DIR, "node_modules", "oidc-provider")):
        return "the OpenID provider of the tests could not be installed (npm ci in tests/oidc)"
    return None


def main() -> int:
    missing = [p for p, path in (("chromium", CHROMIUM), ("nginx", "/usr/sbin/nginx"),
                                 ("redis-server", REDIS_SERVER)) if not os.path.exists(path)]
    if missing:
        install_debian_packages(missing)
    problems = []
    if not os.path.exists(CHROMIUM):
        problems.append(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    if not os.path.exists("/usr/sbin/nginx"):
        problems.append("nginx not found: apt-get install nginx")
    if not os.path.exists(REDIS_SERVER):
        problems.append(f"redis-server not found at {REDIS_SERVER}: apt-get install redis-server")
    if not reachable("127.0.0.1", 5432):
        problems.append("PostgreSQL is not answering on 127.0.0.1:5432")
    if not reachable("127.0.0.1", 6379):
        problems.append("Redis is not answering on 127.0.0.1:6379")
    oidc = oidc_provider_problem()
    if oidc:
        problems.append(oidc)
    for problem in problems:
        print(f"missing prerequisite: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
