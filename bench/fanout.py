"""Fan-out: from the facilitator's "next card" to the LAST phone receiving the new state.

    make bench PART=fanout

For rooms of 10, 30 and 300 phones, over BENCH_FANOUT_ADVANCES advances (default 300,
after 5 warm-up ones; the facilitator jumps between two cards), measured by one Node.js
process (socket.io-client) holding the facilitator and every phone, so one clock:

- reflect, the full path (authorise, validate, lock, apply, commit, build each audience's
  state, emit), eventlet and gevent, one process (SQLite, the embedded default, and
  PostgreSQL);
- reflect through nginx: two processes, Redis message queue, PostgreSQL;
- bench/bare_server.py: Flask-SocketIO that only broadcasts, eventlet and gevent (and,
  as the partner of reflect's rooms through nginx, two of it behind nginx with Redis);
- bench/node/ref_server.js: the Node.js socket.io reference server.

Every reflect phone joins through the HTTP join flow (/join, /join/welcome). Each reflect
room is measured in turns with a room of the same size on a bare server of the same
mode started beside it (one advance on each, in alternating order): the machine's speed
drifts by more than the difference being measured from one minute to the next, and
taken in turns both meet it alike. The table gives each reflect figure's ratio to that
bare room ("paired_bare" in the results), the bare rows' to Node.js, all from the same
run. Timings live here, never in tests.
"""
from __future__ import annotations

import os
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench.loadgen import (bare_behind_nginx, bare_server, cpu_probe_ms, ensure_node, node_server, pct,
                           reflect_deployment, run_loadgen, settle_machine)

ROOMS = [int(n) for n in os.environ.get("BENCH_FANOUT_ROOMS", "10,30,300").split(",") if n]
# 300: a p99 over 100 advances is the second slowest, one hiccup of the machine's; over
# 300 it is the third or fourth
ADVANCES = int(os.environ.get("BENCH_FANOUT_ADVANCES", "300"))
MODES = [m for m in os.environ.get("BENCH_FANOUT_MODES", "eventlet,gevent").split(",") if m]
DIRECT_DBS = [d for d in os.environ.get("BENCH_FANOUT_DBS", "sqlite,postgresql").split(",") if d]
NGINX_MODES = [m for m in os.environ.get("BENCH_FANOUT_NGINX_MODES", "eventlet,gevent").split(",") if m]


def _figures(result: dict) -> dict:
    advances = result["advances"]
    last = [a["last_ms"] for a in advances]
    return {
        "p50_ms": pct(last, 50), "p99_ms": pct(last, 99),
        "first_p50_ms": pct([a["first_ms"] for a in advances], 50),
        "ack_p50_ms": pct([a["ack_ms"] for a in advances], 50),
        "advances": len(advances), "errors": result["errors"], "connect_s": round(result["connect_s"], 2),
        # after the last phone connected, until the server had sent the facilitator every
        # presence update (each connect costs a full facilitator and display state)
        "presence_drain_s": round(result.get("presence_drain_s", 0), 2),
    }


def _measure(targets: list[tuple[dict, list[dict]]]) -> list[dict]:
    """Each target's (facilitator, phones) room measured in one load generator run; with
    several targets their advances take turns (see loadgen.js), and the figures of each
    are comparable with the others' as if taken at the same moment."""
    settled = settle_machine()
    config = {"kind": "fanout", "advances": ADVANCES, "warmup": 5, "gap_ms": 50, "time_limit_s": 600,
              "targets": [{"facilitator": facilitator, "phones": phones} for facilitator, phones in targets]}
    result = run_loadgen(config)
    # the machine's speed just before and after, and how long the row waited for it to
    # be near its fastest (see loadgen.cpu_probe_ms, loadgen.settle_machine)
    machine = {"cpu_probe_ms": [settled["probe_ms"], cpu_probe_ms()], "settle_wait_s": settled["waited_s"]}
    return [{**_figures(each), **machine} for each in result["targets"]]


def _simple(server: str, mode: str, url: str, rows: list[dict]) -> None:
    for number, size in enumerate(ROOMS, start=1):
        endpoint = {"url": url, "auth": {"session": number}}
        row = {"server": server, "mode": mode, "via": "direct", "room": size}
        row.update(_measure([(endpoint, [endpoint] * size)])[0])
        print(_line(row), flush=True)
        rows.append(row)


def _reflect(mode: str, via: str, db: str, rows: list[dict]) -> None:
    """Each room of reflect measured in turns with a room of the same size on a bare
    server of the same mode, started beside it: the ratio to that ("paired_bare") is
    taken on equal terms; the bare rows of the run, measured on their own, may have met
    the machine at another speed. Through nginx, a third room takes its turns too: bare
    servers behind nginx with Redis, as reflect's processes are ("paired_bare_nginx"),
    which tells reflect's own cost on that path from the proxy's and the queue's."""
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="reflect-bench-")))
        bare_url, _pids = stack.enter_context(bare_server(mode))
        bare_nginx_url = stack.enter_context(bare_behind_nginx(mode, tmp))[0] if via == "nginx" else None
        with reflect_deployment(mode, via, db, tmp, sessions=len(ROOMS)) as deployment:
            for number, (session, size) in enumerate(zip(deployment.sessions, ROOMS), start=1):
                started = time.monotonic()
                cookies = deployment.join_many(session["code"], size)
                joined = time.monotonic() - started
                # "room": the session's id in each socket's address, as reflect's pages add it
                facilitator = {"url": deployment.url, "cookie": deployment.facilitator_cookie,
                               "auth": {"session": session["id"]}, "room": session["id"]}
                phones = [{"url": deployment.url, "cookie": cookie, "room": session["id"]} for cookie in cookies]
                bare = {"url": bare_url, "auth": {"session": number}}
                targets = [(facilitator, phones), (bare, [bare] * size)]
                if bare_nginx_url:
                    bare_nginx = {"url": bare_nginx_url, "auth": {"session": number}, "room": number}
                    targets.append((bare_nginx, [bare_nginx] * size))
                row = {"server": "reflect", "mode": mode, "via": via, "db": db, "room": size,
                       "http_joins_s": round(joined, 1)}
                measured, *paired = _measure(targets)
                row.update(measured)
                for key, figures in zip(("paired_bare", "paired_bare_nginx"), paired):
                    row[key] = {k: figures[k] for k in ("p50_ms", "p99_ms", "first_p50_ms", "errors")}
                print(_line(row), flush=True)
                rows.append(row)


def _line(row: dict) -> str:
    db = f"/{row['db']}" if row.get("db") else ""
    paired = row.get("paired_bare")
    beside = f"; bare in turns: p50 {paired['p50_ms']} ms, p99 {paired['p99_ms']} ms" if paired else ""
    if row.get("paired_bare_nginx"):
        proxied = row["paired_bare_nginx"]
        beside += f"; bare through nginx: p50 {proxied['p50_ms']} ms, p99 {proxied['p99_ms']} ms"
    return (f"  {row['server']:8} {row['mode']:8} {row['via']:6}{db:12} room {row['room']:>4}: "
            f"p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms (errors {row['errors']}{beside}; "
            f"CPU probe {row.get('cpu_probe_ms')} ms)")


def table(rows: list[dict]) -> str:
    def ref(server, mode, room):
        return next((r for r in rows if r["server"] == server and r["mode"] == mode and r["room"] == room), None)

    def ratio(a, b):
        return f"{a / b:.2f}x" if a is not None and b else "-"

    def ms(value):
        return "failed" if value is None else value

    out = [f"{'server':8} {'mode':8} {'via':6} {'db':10} {'room':>5} {'p50 ms':>8} {'p99 ms':>8} "
           f"{'p50/bare':>9} {'p99/bare':>9} {'p50/node':>9} {'p99/node':>9} {'p50/bare+nginx':>15} "
           f"{'p99/bare+nginx':>15}"]
    for r in rows:
        # reflect against the bare server measured in turns with it; the others against
        # the bare row of their mode
        bare = r.get("paired_bare") or (ref("bare", r["mode"], r["room"]) if r["mode"] != "node" else None)
        node = ref("node", "node", r["room"])
        proxied = r.get("paired_bare_nginx")  # through nginx: also against bare servers behind it
        out.append(
            f"{r['server']:8} {r['mode']:8} {r['via']:6} {r.get('db', '-'):10} {r['room']:>5} "
            f"{ms(r['p50_ms']):>8} {ms(r['p99_ms']):>8} "
            f"{ratio(r['p50_ms'], bare and bare['p50_ms']):>9} {ratio(r['p99_ms'], bare and bare['p99_ms']):>9} "
            f"{ratio(r['p50_ms'], node and node['p50_ms']):>9} {ratio(r['p99_ms'], node and node['p99_ms']):>9} "
            f"{ratio(r['p50_ms'], proxied and proxied['p50_ms']):>15} "
            f"{ratio(r['p99_ms'], proxied and proxied['p99_ms']):>15}")
    return "\n".join(out)


def _guarded(rows: list[dict], what: dict, measure) -> None:
    """One configuration; a failure is recorded as a row and the run goes on."""
    try:
        measure()
    except Exception as err:  # noqa: BLE001 (a benchmark reports, it does not stop)
        print(f"  FAILED {what}: {err}"[:600], flush=True)
        done = {r["room"] for r in rows if all(r.get(k) == v for k, v in what.items())}
        rows += [{**what, "room": size, "p50_ms": None, "p99_ms": None, "failed": str(err)[:300]}
                 for size in ROOMS if size not in done]


def run() -> dict:
    ensure_node()
    rows: list[dict] = []
    print(f"fan-out to the last phone, {ADVANCES} advances per room (cores: {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f})", flush=True)

    def simple(server, mode, serve):
        def measure():
            with serve() as (url, _pids):
                _simple(server, mode, url, rows)
        return measure

    _guarded(rows, {"server": "node", "mode": "node", "via": "direct"}, simple("node", "node", node_server))
    for mode in MODES:
        _guarded(rows, {"server": "bare", "mode": mode, "via": "direct"},
                 simple("bare", mode, lambda mode=mode: bare_server(mode)))
    for mode in MODES:
        for db in DIRECT_DBS:
            _guarded(rows, {"server": "reflect", "mode": mode, "via": "direct", "db": db},
                     lambda mode=mode, db=db: _reflect(mode, "direct", db, rows))
    for mode in NGINX_MODES:
        _guarded(rows, {"server": "reflect", "mode": mode, "via": "nginx", "db": "postgresql"},
                 lambda mode=mode: _reflect(mode, "nginx", "postgresql", rows))
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    print(table(rows))
    return {"fanout": rows}


if __name__ == "__main__":
    run()
