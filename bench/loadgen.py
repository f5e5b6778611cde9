"""What the socket benchmarks share: the Node load generator, the servers under test, and
reflect deployments (one process, or two behind nginx with Redis and PostgreSQL).

Everything listens on and connects to 127.0.0.1 only; every process started here is
stopped in a ``finally``; every wait is bounded.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = Path(__file__).resolve().parent / "node"
sys.path.insert(0, str(ROOT))

from tests.servers import (  # noqa: E402
    Nginx,
    Server,
    fresh_pg_database,
    free_port,
    join_phone,
    redis_url_for_run,
    seed_sessions,
    sign_in,
    stagger_ids,
)

EMAIL, PASSWORD = "bench@example.org", "a long enough password"
# The socket event limit (60 per 10 s per socket) is for people; a benchmark's
# facilitator advances faster. The limiter still runs on every event.
BENCH_ENV = {"REFLECT_SOCKET_EVENTS_PER_10S": "1000000"}
# BENCH_SOCKET_COMPRESSION=1: websockets with per-message compression, for reflect and
# the bare server alike (both refuse it by default; the Node.js server has it off).
if os.environ.get("BENCH_SOCKET_COMPRESSION") == "1":
    BENCH_ENV["REFLECT_SOCKET_COMPRESSION"] = "1"
PHONES_PER_ADDRESS = 25


def ensure_node() -> None:
    """Install the pinned socket.io packages into bench/node/node_modules (git-ignored)."""
    if not shutil.which("node") or not shutil.which("npm"):
        raise RuntimeError("Node.js and npm are needed for the socket benchmarks (apt-get install nodejs npm)")
    if (NODE_DIR / "node_modules" / "socket.io-client" / "package.json").exists():
        return
    command = ["npm", "ci"] if (NODE_DIR / "package-lock.json").exists() else ["npm", "install"]
    subprocess.run(command + ["--no-audit", "--no-fund", "--loglevel=error"], cwd=NODE_DIR, check=True, timeout=300)


def cpu_probe_ms(repeat: int = 5) -> float:
    """How long a fixed pure-Python loop takes on this machine now, in ms (the median of
    ``repeat``; about 33 ms on an idle machine of this kind at full speed). The machines
    here are virtual with shared cores: the same loop has taken 1.3 to 2.4 times as long
    from one minute to the next, with no steal time reported. Taken before and after
    each measurement, with nothing else of the benchmark running, it tells a slow run on
    a slowed machine from a slow run of the code."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        total = 0
        for number in range(1_000_000):
            total += number
        times.append((time.perf_counter() - started) * 1000)
    return round(sorted(times)[len(times) // 2], 1)


# BENCH_SETTLE_S: how long a measurement may wait for the machine to be back near its
# fastest probe of the run (0: not at all)
SETTLE_S = float(os.environ.get("BENCH_SETTLE_S", "60"))
_fastest_probe = {"ms": float("inf")}  # the fastest probe of this run


def settle_machine(max_wait_s: float = SETTLE_S) -> dict:
    """Before a measurement: wait, at most ``max_wait_s``, until the CPU probe is within
    25 % of the fastest probe seen in this run, so that the rows compared with each other
    (reflect against the bare server) start on a machine running at about the same
    speed. Returns the probe it started with (ms) and how long it waited (s)."""
    started = time.monotonic()
    probe = cpu_probe_ms()
    _fastest_probe["ms"] = min(_fastest_probe["ms"], probe)
    while probe > 1.25 * _fastest_probe["ms"] and time.monotonic() - started < max_wait_s:
        time.sleep(5)
        probe = cpu_probe_ms()
        _fastest_probe["ms"] = min(_fastest_probe["ms"], probe)
    return {"probe_ms": probe, "waited_s": round(time.monotonic() - started, 1)}


def pct(values: list[float], q: float) -> float | None:
    """The q-th percentile (0..100), linear between closest ranks."""
    if not values:
        return None
    data = sorted(values)
    k = (len(data) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(data) - 1)
    return round(data[lo] + (data[hi] - data[lo]) * (k - lo), 2)


def run_loadgen(config: dict, on_event: Callable[[dict, subprocess.Popen], None] | None = None,
                timeout: float = 900) -> dict:
    """Run bench/node/loadgen.js with ``config``; returns its result (raises on failure)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(config, handle)
        path = handle.name
    proc = subprocess.Popen(["node", str(NODE_DIR / "loadgen.js"), path], cwd=NODE_DIR, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    result, errors = None, []
    try:
        for line in proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "result":
                result = event["result"]
            elif event.get("event") == "error":
                errors.append(event.get("error"))
            if on_event:
                on_event(event, proc)
        proc.wait(30)
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        os.unlink(path)
    if result is None:
        raise RuntimeError(f"load generator failed (exit {proc.returncode}): {errors[-3:]} {proc.stderr.read()[-2000:]}")
    if errors:
        result["loadgen_errors"] = errors[:10]
    return result


# --- servers under test ------------------------------------------------------------------


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: server exited early")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.15)
    raise RuntimeError(f"{url}: no answer within {timeout}s")


@contextmanager
def process(args: list[str], url: str, cwd: Path = ROOT) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_http(url, proc)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@contextmanager
def bare_server(mode: str, message_queue: str | None = None) -> Iterator[tuple[str, list[int]]]:
    port = free_port()
    queue = [message_queue] if message_queue else []
    with process([sys.executable, str(ROOT / "bench" / "bare_server.py"), mode, str(port), *queue],
                 f"http://127.0.0.1:{port}/") as proc:
        yield f"http://127.0.0.1:{port}", [proc.pid]


@contextmanager
def bare_behind_nginx(mode: str, tmp: Path, processes: int = 2) -> Iterator[tuple[str, list[int]]]:
    """``processes`` bare servers sharing a Redis message queue behind nginx, balanced
    as reflect's deployment is (deploy/nginx.conf): the same hops as reflect's path
    through nginx, without reflect."""
    redis = redis_url_for_run()
    with ExitStack() as stack:
        servers = [stack.enter_context(bare_server(mode, redis)) for _ in range(processes)]
        nginx = Nginx(tmp / "nginx-bare", [url.removeprefix("http://") for url, _pids in servers]).start()
        stack.callback(nginx.stop)
        yield nginx.url, [pid for _url, pids in servers for pid in pids]


@contextmanager
def node_server() -> Iterator[tuple[str, list[int]]]:
    port = free_port()
    with process(["node", str(NODE_DIR / "ref_server.js"), str(port)], f"http://127.0.0.1:{port}/",
                 cwd=NODE_DIR) as proc:
        yield f"http://127.0.0.1:{port}", [proc.pid]


@dataclass
class Deployment:
    """reflect as the clients see it: ``url`` (one process, or nginx), its server processes,
    a signed-in facilitator and the sessions it runs."""

    url: str
    servers: list[Server]
    database_url: str
    facilitator_cookie: str = ""
    sessions: list[dict] = field(default_factory=list)
    joined: int = 0  # phones joined so far: the next one comes from a fresh address

    @property
    def pids(self) -> list[int]:
        return [s.process.pid for s in self.servers]

    def join_many(self, code: str, count: int, workers: int = 6) -> list[str]:
        """``count`` phones joining through the HTTP join flow; their cookie headers."""
        # The join pages are rate-limited per address (60 a minute, as for one Wi-Fi);
        # phones come from 127.0.0.2, .3, ..., PHONES_PER_ADDRESS each, every room of the
        # deployment from addresses of its own (rooms of 10, 30 and 300 joined within a
        # minute from the same first address reached the limit).
        first = self.joined + -self.joined % PHONES_PER_ADDRESS  # the next unused address
        self.joined = first + count

        def one(i: int) -> str:
            i += first
            return join_phone(self.url, code, source=f"127.0.{i // PHONES_PER_ADDRESS // 250}."
                                                       f"{2 + i // PHONES_PER_ADDRESS % 250}")

        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(one, range(count)))


@contextmanager
def reflect_deployment(mode: str, via: str, db: str, tmp: Path, *, sessions: int = 1, phase: str = "reflect",
                       cards: int | None = None, processes: int = 2) -> Iterator[Deployment]:
    """``via`` "direct": one process; "nginx": ``processes`` processes behind nginx with
    Redis. ``db`` "sqlite" or "postgresql" (nginx needs postgresql)."""
    if via == "nginx" and db != "postgresql":
        raise ValueError("several processes share PostgreSQL")
    with ExitStack() as stack:
        if db == "postgresql":
            database_url = stack.enter_context(fresh_pg_database("reflect_bench"))
        else:
            database_url = f"sqlite:///{tmp / 'bench.db'}"
        env = dict(BENCH_ENV)
        if via == "nginx":
            redis = redis_url_for_run()
            # as deploy/reflect.env.example: nginx is the one trusted proxy
            env.update(REFLECT_MESSAGE_QUEUE=redis, REFLECT_RATELIMIT_STORAGE_URL=redis, REFLECT_TRUSTED_PROXIES="1")
        count = processes if via == "nginx" else 1
        servers = [Server(mode=mode, instance=tmp / f"instance{i}", database_url=database_url, extra_env=env)
                   for i in range(count)]
        migrated = servers[0].cli("db", "upgrade")
        if migrated.returncode != 0:
            raise RuntimeError(f"migration failed: {migrated.stderr}")
        if db == "postgresql":
            stagger_ids(database_url)
        seeded = seed_sessions(database_url, tmp / "seed", email=EMAIL, password=PASSWORD, count=sessions,
                               phase=phase, cards=cards)
        for server in servers:
            server.start()
            stack.callback(server.stop)
        url = servers[0].url
        if via == "nginx":
            nginx = Nginx(tmp / "nginx", [f"127.0.0.1:{s.port}" for s in servers]).start()
            stack.callback(nginx.stop)
            url = nginx.url
        deployment = Deployment(url=url, servers=servers, database_url=database_url, sessions=seeded)
        deployment.facilitator_cookie = sign_in(url, EMAIL, PASSWORD)
        yield deployment


# --- a process's CPU and memory, from /proc --------------------------------------------------


def proc_sample(pid: int) -> dict:
    """CPU seconds used so far, resident memory (MiB) and context switches (voluntary:
    the process waited; involuntary: the kernel took the core from it) of one process."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime (fields 14, 15)
    rss = hwm = 0
    switches = {"voluntary": 0, "involuntary": 0}
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
            elif line.startswith("voluntary_ctxt_switches:"):
                switches["voluntary"] = int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches:"):
                switches["involuntary"] = int(line.split()[1])
    return {"t": time.monotonic(), "cpu_s": cpu, "rss_mib": round(rss, 1), "peak_rss_mib": round(hwm, 1),
            "switches": switches}


def procs_sample(pids: list[int]) -> dict:
    """``proc_sample`` summed over several processes (a deployment's servers): CPU
    seconds, memory and switches added up (CPU over 100 % means more than one core)."""
    each = [proc_sample(pid) for pid in pids]
    return {"t": time.monotonic(), "cpu_s": sum(e["cpu_s"] for e in each),
            "rss_mib": round(sum(e["rss_mib"] for e in each), 1),
            "peak_rss_mib": round(sum(e["peak_rss_mib"] for e in each), 1),
            "switches": {kind: sum(e["switches"][kind] for e in each) for kind in ("voluntary", "involuntary")}}
