"""Capacity: many rooms at once on ONE server process.

    make bench PART=capacity

100 rooms x 12 phones (BENCH_CAPACITY_ROOMS, BENCH_CAPACITY_PHONES) on one process, on
PostgreSQL and on SQLite, the embedded default (BENCH_CAPACITY_DBS), under eventlet and
gevent (BENCH_CAPACITY_MODES). For BENCH_CAPACITY_SECONDS (default 60) each room's facilitator
advances a card every BENCH_CAPACITY_INTERVAL_S seconds (default 5, rooms out of step)
and every phone answers each card 0.3-2.5 s after it arrives (``answer``, audience
"group"). Reported: delivery latency (facilitator command -> each phone's state) p50 /
p99 and to the last phone of the room, answer acknowledgement latency, errors (failed or
timed-out acks, missed deliveries, dropped sockets), the server's CPU (from
/proc/PID/stat), its context switches and memory (/proc/PID/status), and memory per
connected phone, and the CPU probe's time before and after (``loadgen.cpu_probe_ms``:
how fast the shared machine was). BENCH_CAPACITY_ROOMS may list several counts
("25,50,100,150"), each measured in turn: how the cost grows with the number of rooms.
BENCH_CAPACITY_VIA=nginx runs the rooms on BENCH_CAPACITY_PROCESSES (2) processes behind
nginx with Redis (PostgreSQL only), as deploy/ does; CPU and memory are then the
processes' sum.

The phones are made with the join service straight in the database (1,200 HTTP joins
would only measure the join page); each still connects with its own participant cookie.
"""
from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

from bench.loadgen import (cpu_probe_ms, ensure_node, pct, procs_sample, reflect_deployment, run_loadgen,
                           settle_machine)

# one or more room counts ("25,50,100,150": how the cost grows with the number of rooms)
ROOM_COUNTS = [int(n) for n in os.environ.get("BENCH_CAPACITY_ROOMS", "100").split(",") if n]
PHONES = int(os.environ.get("BENCH_CAPACITY_PHONES", "12"))
SECONDS = int(os.environ.get("BENCH_CAPACITY_SECONDS", "60"))
INTERVAL_S = float(os.environ.get("BENCH_CAPACITY_INTERVAL_S", "5"))
MODES = [m for m in os.environ.get("BENCH_CAPACITY_MODES", "eventlet,gevent").split(",") if m]
DBS = [d for d in os.environ.get("BENCH_CAPACITY_DBS", "postgresql,sqlite").split(",") if d]
# "nginx": the rooms on BENCH_CAPACITY_PROCESSES server processes behind nginx, with
# Redis and PostgreSQL (deploy/), instead of one process
VIA = os.environ.get("BENCH_CAPACITY_VIA", "direct")
PROCESSES = int(os.environ.get("BENCH_CAPACITY_PROCESSES", "2"))


def make_phones(database_url: str, instance: Path, sessions: list[dict], per_room: int) -> list[list[str]]:
    """``per_room`` participants in each session, via the join service; their cookie headers."""
    from reflect import create_app
    from reflect.db import get_session
    from reflect.models import GroupSession
    from reflect.rooms import participants

    app = create_app({"INSTANCE_PATH": str(instance), "REFLECT_DATABASE_URL": database_url,
                      "REFLECT_ASYNC_MODE": "threading", "REFLECT_SECRET_KEY": "seed-only"})
    cookies = []
    try:
        with app.app_context():
            db = get_session()
            for spec in sessions:
                session = db.get(GroupSession, spec["id"])
                room = []
                for _ in range(per_room):
                    _participant, raw = participants.join(db, session, agreed=True)
                    room.append(f"reflect_participant={raw}")
                cookies.append(room)
            db.commit()
    finally:
        app.extensions["reflect.store"].engine.dispose()
    return cookies


def _one(mode: str, db: str, rooms_count: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="reflect-capacity-") as tmp:
        cards = int(SECONDS / INTERVAL_S) + 10
        with reflect_deployment(mode, VIA, db, Path(tmp), sessions=rooms_count, cards=cards,
                                processes=PROCESSES) as deployment:
            pids = deployment.pids
            phones = make_phones(deployment.database_url, Path(tmp) / "phones", deployment.sessions, PHONES)
            # "room": the session's id in each socket's address, as reflect's pages add it
            rooms = [{"facilitator": {"url": deployment.url, "cookie": deployment.facilitator_cookie,
                                      "auth": {"session": spec["id"]}, "room": spec["id"]},
                      "phones": [{"url": deployment.url, "cookie": c, "room": spec["id"]} for c in cookies]}
                     for spec, cookies in zip(deployment.sessions, phones)]
            time.sleep(1)
            settled = settle_machine()
            probe_before = settled["probe_ms"]
            samples = {"before": procs_sample(pids)}
            running = threading.Event()
            peak = {"rss_mib": 0.0}

            def watch():
                while not running.wait(0):
                    time.sleep(1)
                while running.is_set():
                    peak["rss_mib"] = max(peak["rss_mib"], procs_sample(pids)["rss_mib"])
                    time.sleep(1)

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()

            def on_event(event, proc):
                if event.get("event") == "connected":
                    time.sleep(3)  # let the presence updates of the join settle
                    samples["connected"] = procs_sample(pids)
                    running.set()
                    proc.stdin.write("go\n")
                    proc.stdin.flush()
                elif event.get("event") == "finished":
                    samples["finished"] = procs_sample(pids)
                    running.clear()

            result = run_loadgen({"kind": "capacity", "rooms": rooms, "duration_s": SECONDS,
                                  "interval_ms": INTERVAL_S * 1000, "answer_delay_ms": [300, 2500],
                                  "time_limit_s": SECONDS + 400}, on_event, timeout=SECONDS + 450)
            running.clear()
            probe_after = cpu_probe_ms()
            before, connected, finished = samples["before"], samples["connected"], samples["finished"]
            errors = result["errors"]
            kinds = ("connect", "card", "answer", "missed", "disconnect")
            error_count = sum(errors[k] for k in kinds)
            slow = result.get("slow_deliveries", [])
            by_second: dict[int, list[int]] = {}
            for t, ms in slow:
                count_max = by_second.setdefault(int(t // 1000), [0, 0])
                count_max[0] += 1
                count_max[1] = max(count_max[1], int(ms))
            return {
                "mode": mode, "db": db, "via": VIA, "processes": len(pids), "rooms": rooms_count, "phones": result["phones"], "seconds": SECONDS,
                "advances": result["advances"], "answers": len(result["answer_acks"]),
                "delivery_p50_ms": pct(result["deliveries"], 50), "delivery_p99_ms": pct(result["deliveries"], 99),
                "last_phone_p99_ms": pct(result["last_per_advance"], 99),
                "answer_ack_p50_ms": pct(result["answer_acks"], 50), "answer_ack_p99_ms": pct(result["answer_acks"], 99),
                "card_ack_p99_ms": pct(result["card_acks"], 99),
                # deliveries over 50 ms by second of the run, [count, slowest ms]: spread
                # out means a process near its limit, clustered means a stall
                "slow_by_second": {str(k): v for k, v in sorted(by_second.items())},
                "slow_deliveries": len(slow),
                "errors": error_count, "error_kinds": {k: errors[k] for k in kinds},
                "connect_s": round(result["connect_s"], 1),
                "error_samples": errors["detail"][:5],
                "cpu_percent": round(100 * (finished["cpu_s"] - connected["cpu_s"]) / (finished["t"] - connected["t"]), 1),
                # context switches a second during the run: involuntary ones are the kernel
                # giving the core to another process (PostgreSQL's backends, the load generator)
                "switches_per_s": {kind: round((finished["switches"][kind] - connected["switches"][kind])
                                               / (finished["t"] - connected["t"]))
                                   for kind in ("voluntary", "involuntary")},
                # the machine's speed just before and after (see loadgen.cpu_probe_ms)
                "cpu_probe_ms": [probe_before, probe_after], "settle_wait_s": settled["waited_s"],
                "rss_before_mib": before["rss_mib"], "rss_connected_mib": connected["rss_mib"],
                "rss_peak_mib": max(peak["rss_mib"], finished["rss_mib"]),
                "kib_per_phone": round(1024 * (connected["rss_mib"] - before["rss_mib"]) / max(1, result["phones"]), 1),
            }


def run() -> dict:
    ensure_node()
    rows = []
    print(f"capacity: {'/'.join(map(str, ROOM_COUNTS))} rooms x {PHONES} phones, "
          f"{'one process' if VIA == 'direct' else f'{PROCESSES} processes behind nginx'}, {SECONDS} s, "
          f"a card every {INTERVAL_S} s per room (cores: {os.cpu_count()})", flush=True)
    for db in DBS:
        for mode in MODES:
            for rooms_count in ROOM_COUNTS:
                try:
                    row = _one(mode, db, rooms_count)
                except Exception as err:  # noqa: BLE001 (a benchmark reports, it does not stop)
                    print(f"  FAILED {mode} {db} {rooms_count} rooms: {err}"[:600], flush=True)
                    rows.append({"mode": mode, "db": db, "via": VIA, "rooms": rooms_count, "failed": str(err)[:300]})
                    continue
                rows.append(row)
                where = f"{VIA} x {row['processes']}" if VIA != "direct" else "direct"
                print(f"  {mode:8} {db:10} {where:11} {rooms_count:>4} rooms: delivery p50 {row['delivery_p50_ms']} ms, "
                      f"p99 {row['delivery_p99_ms']} ms, last phone p99 {row['last_phone_p99_ms']} ms, "
                      f"answer ack p99 {row['answer_ack_p99_ms']} ms, "
                      f"errors {row['errors']} {row['error_kinds']}, CPU {row['cpu_percent']}% "
                      f"(context switches/s {row['switches_per_s']}), "
                      f"RSS {row['rss_before_mib']} -> {row['rss_connected_mib']} (peak {row['rss_peak_mib']}) MiB, "
                      f"{row['kib_per_phone']} KiB/phone; CPU probe before/after {row['cpu_probe_ms']} ms",
                      flush=True)
    return {"capacity": rows}


if __name__ == "__main__":
    run()
