"""Lighthouse on the two pages a participant's phone opens: /join and the participant
page (/p).

    make bench PART=lighthouse

Installs the pinned npm ``lighthouse`` into bench/lighthouse/node_modules (git-ignored)
the first time, starts a real server (tests/servers.py), opens a session and joins it
over HTTP like a phone, then runs Lighthouse with Debian's Chromium (CHROME_PATH, default
/usr/bin/chromium; ``--headless=new --no-sandbox``) in its default mobile mode: a
mid-range phone on a throttled (slow 4G) network. /p gets the participant cookie through
``--extra-headers``. Writes
``{"lighthouse": {"join": {"performance": …, "accessibility": …, "best-practices": …},
"participant": {…}}}`` (scores 0..1, and the timings Lighthouse measured). Aim: ≥ 0.95.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.servers import join_phone, prepared_server, seed_sessions

HERE = Path(__file__).resolve().parent / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices")
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift",
           "speed-index", "interactive")


def ensure_lighthouse() -> Path:
    binary = HERE / "node_modules" / ".bin" / "lighthouse"
    if binary.exists():
        return binary
    if not shutil.which("node") or not shutil.which("npm"):
        raise RuntimeError("Node.js and npm are needed for Lighthouse (apt-get install nodejs npm)")
    command = ["npm", "ci"] if (HERE / "package-lock.json").exists() else ["npm", "install"]
    subprocess.run(command + ["--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True, timeout=600)
    return binary


def audit(binary: Path, url: str, work: Path, headers: dict | None = None) -> dict:
    if not os.path.exists(CHROME):
        raise RuntimeError(f"Chromium is needed at {CHROME} (apt-get install chromium, or set CHROME_PATH)")
    out = work / "report.json"
    command = [
        str(binary), url, "--quiet", "--output=json", f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run --disable-dev-shm-usage",
    ]
    if headers:
        command.append(f"--extra-headers={json.dumps(headers)}")
    env = {**os.environ, "CHROME_PATH": CHROME}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"lighthouse failed ({done.returncode}):\n{done.stderr[-3000:]}")
    report = json.loads(out.read_text())
    out.unlink()
    result = {name: report["categories"][name]["score"] for name in CATEGORIES}
    audits = report["audits"]
    result["metrics"] = {name: round(audits[name]["numericValue"], 1) for name in METRICS if name in audits}
    result["transfer_bytes"] = audits.get("total-byte-weight", {}).get("numericValue")
    # what kept a category below 1, to act on
    result["not_passed"] = sorted(
        ref["id"] for name in CATEGORIES for ref in report["categories"][name]["auditRefs"]
        if ref.get("weight") and (audits[ref["id"]].get("score") is not None) and audits[ref["id"]]["score"] < 1
    )
    result["lighthouse_version"] = report.get("lighthouseVersion")
    result["form_factor"] = report.get("configSettings", {}).get("formFactor")
    return result


def run() -> dict:
    binary = ensure_lighthouse()
    with tempfile.TemporaryDirectory(prefix="reflect-lighthouse-") as tmp:
        work = Path(tmp)
        server = prepared_server("eventlet", work)
        session = seed_sessions(server.database_url, server.instance, email="fac@bench.example.org",
                                password="a long bench password")[0]
        server.start()
        try:
            cookie = join_phone(server.url, session["code"], name="Ana")
            results = {
                "join": audit(binary, server.url + "/join", work),
                "participant": audit(binary, server.url + "/p", work, {"Cookie": cookie}),
            }
        finally:
            server.stop()
    for page, result in results.items():
        scores = "  ".join(f"{name} {result[name]:.2f}" for name in CATEGORIES)
        print(f"{page:<12} {scores}  ({result['transfer_bytes']} bytes)", flush=True)
        if result["not_passed"]:
            print(f"{'':<12} not passed: {', '.join(result['not_passed'])}", flush=True)
    return {"lighthouse": results}
