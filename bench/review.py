"""Benchmark for the supervisor review pages and exports.

Seeds 50 groups x 24 sessions x 10 rostered members (``reflect.demo.seed_demo``) into a
temporary SQLite file and into a fresh PostgreSQL database (created and dropped here),
then times every review page, export and JSON endpoint through the Flask test client,
signed in as the demo admin (who sees every group). Each page is requested ``REPEAT``
times after one warm-up request. Target: p95 < 300 ms per page on both databases.

PostgreSQL: ``REFLECT_BENCH_PG_URL`` names a database to connect to for CREATE/DROP
DATABASE (default ``postgresql+psycopg2://postgres@127.0.0.1:5432/postgres``).

Run: ``python -m bench --part review`` (or ``python bench/review.py``).
"""
from __future__ import annotations

import math
import os
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, make_url, select, text  # noqa: E402

GROUPS, SESSIONS, PARTICIPANTS = 50, 24, 10
REPEAT = 20
TARGET_MS = 300
PASSWORD = "bench password 2024"
PG_ADMIN_URL = os.environ.get("REFLECT_BENCH_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _pages(group_id: int) -> dict[str, str]:
    g = f"/review/groups/{group_id}"
    return {
        "overview": "/review/",
        "overview by quarter": "/review/?by=quarter",
        "overview themes.csv": "/review/export/themes.csv",
        "overview checkins.csv": "/review/export/checkins.csv",
        "overview attendance.csv": "/review/export/attendance.csv",
        "overview attendance-log.csv": "/review/export/attendance-log.csv",
        "overview json": "/api/review/overview",
        "group": g,
        "group by quarter": g + "?by=quarter",
        "group report": g + "/report",
        "group themes.csv": g + "/export/themes.csv",
        "group checkins.csv": g + "/export/checkins.csv",
        "group attendance.csv": g + "/export/attendance.csv",
        "group attendance-log.csv": g + "/export/attendance-log.csv",
        "group json": f"/api/review/groups/{group_id}",
        "assignments": "/review/assignments",
    }


def _measure(url: str, instance: Path) -> dict:
    from reflect import create_app, migrate
    from reflect.db import get_session
    from reflect.demo import seed_demo
    from reflect.models import Group

    migrate.upgrade(url)
    app = create_app({
        "REFLECT_DATABASE_URL": url,
        "INSTANCE_PATH": str(instance),
        "REFLECT_SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "REFLECT_ASYNC_MODE": "threading",
        "RATELIMIT_ENABLED": False,
    })
    try:
        started = time.perf_counter()
        with app.app_context():
            db = get_session()
            seed_demo(db, groups=GROUPS, sessions_per_group=SESSIONS, participants=PARTICIPANTS,
                      password=PASSWORD, seed=2024, min_group_size=app.config["REFLECT_MIN_GROUP_SIZE"])
            db.commit()
            if url.startswith("postgresql"):
                db.execute(text("ANALYZE"))  # what autovacuum does soon after a bulk load
                db.commit()
            group_id = db.scalar(select(Group.id).order_by(Group.id))
        seed_seconds = time.perf_counter() - started

        client = app.test_client()
        token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
        response = client.post("/login", data={"email": "admin@demo.example.org", "password": PASSWORD,
                                               "csrf_token": token})
        assert response.status_code == 302, "the demo admin could not sign in"

        pages = {}
        for name, path in _pages(group_id).items():
            warm = client.get(path)
            assert warm.status_code == 200, f"{path}: {warm.status_code}"
            samples = []
            for _ in range(REPEAT):
                t0 = time.perf_counter()
                response = client.get(path)
                samples.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
            pages[name] = {"p50_ms": round(_p(samples, 0.5), 1), "p95_ms": round(_p(samples, 0.95), 1),
                           "max_ms": round(max(samples), 1), "bytes": len(warm.data)}
        worst = max(p["p95_ms"] for p in pages.values())
        return {"p95_ms": worst, "target_ms": TARGET_MS, "meets_target": worst < TARGET_MS,
                "seed_seconds": round(seed_seconds, 1), "pages": pages}
    finally:
        app.extensions["reflect.store"].engine.dispose()


def _sqlite() -> dict:
    with tempfile.TemporaryDirectory(prefix="reflect-bench-review-") as tmp:
        return _measure(f"sqlite:///{Path(tmp) / 'review.db'}", Path(tmp) / "instance")


def _postgresql() -> dict:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"reflect_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        with tempfile.TemporaryDirectory(prefix="reflect-bench-review-") as tmp:
            return _measure(make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False),
                            Path(tmp) / "instance")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _print(results: dict) -> None:
    backends = list(results)
    names = list(next(iter(results.values()))["pages"])
    width = max(len(n) for n in names) + 2
    header = "page".ljust(width) + "".join(f"{b + ' p50':>16}{b + ' p95':>16}" for b in backends)
    print(header)
    print("-" * len(header))
    for name in names:
        row = name.ljust(width)
        for b in backends:
            page = results[b]["pages"][name]
            row += f"{page['p50_ms']:>14.1f}ms{page['p95_ms']:>14.1f}ms"
        print(row)
    for b in backends:
        r = results[b]
        verdict = "meets" if r["meets_target"] else "MISSES"
        print(f"{b}: worst page p95 {r['p95_ms']} ms ({verdict} the {TARGET_MS} ms target); seeded in {r['seed_seconds']} s")


def run() -> dict:
    print(f"seeding {GROUPS} groups x {SESSIONS} sessions x {PARTICIPANTS} members per database...", flush=True)
    results = {"sqlite": _sqlite(), "postgresql": _postgresql()}
    _print(results)
    return {"review": results}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
