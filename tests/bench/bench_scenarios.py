"""The scenarios of the benchmarks. Each measure_* function runs one
measurement against one started contender and returns a dict of metrics
(numbers, or None where a metric does not apply); it raises BenchError
when the measurement could not be made.

Metric names end with their unit; METRICS says which way is better.
"""

import random
import signal
import subprocess
import time

from bench_contenders import (ECHO_PATTERN, NEW_PATTERN, SINK_NAME, expand)
from bench_proc import BenchError, LineReader

# metric -> (label, unit, better: "higher" | "lower" | None)
METRICS = {
    "gbit_s": ("throughput", "Gbit/s", "higher"),
    "cpu_ms_per_gb": ("proxy CPU per GB", "ms", "lower"),
    "conn_s": ("new connections", "conn/s", "higher"),
    "cpu_us_per_conn": ("proxy CPU per connection", "µs", "lower"),
    "first_byte_p50_us": ("first byte back p50", "µs", "lower"),
    "failed": ("failed connections", "", "lower"),
    "rtt_p50_us": ("round trip p50", "µs", "lower"),
    "rtt_p99_us": ("round trip p99", "µs", "lower"),
    "kib_per_conn_hello": ("RSS per idle connection after ClientHello",
                           "KiB", "lower"),
    "kib_per_conn_data": ("RSS per connection after 64 KiB each way",
                          "KiB", "lower"),
    "live_ms_p50": ("new route live after write, median", "ms", "lower"),
    "live_ms_max": ("new route live after write, max", "ms", "lower"),
    "broken": ("long-lived connections broken", "", "lower"),
    "new_failed": ("new connections failed", "", "lower"),
    "processes_after": ("proxy processes after the changes", "", "lower"),
    "rss_after_mib": ("proxy RSS after the changes", "MiB", "lower"),
    "worker_crashes": ("workers that crashed", "", "lower"),
}


class Scenario:
    def __init__(self, name, title, measure, contenders, routes="small",
                 **params):
        self.name = name
        self.title = title
        self.measure = measure
        self.contenders = contenders
        self.routes = routes
        self.params = params


def _window(env, c, argv, timeout, hook):
    """Runs bench-load, sampling the proxy's CPU time over the measured
    window (between its "measuring" and "measured" lines)."""
    p = env.spawn_load(c, argv)
    rd = LineReader(p)
    cpu0 = cpu1 = None
    try:
        while True:
            obj = rd.json(timeout)
            phase = obj.get("phase")
            if phase == "measuring":
                cpu0 = c.cpu_seconds()
                if hook:
                    hook.begin(c)
            elif phase == "measured":
                cpu1 = c.cpu_seconds()
                if hook:
                    hook.end()
            else:
                break
    finally:
        if hook:
            hook.end()
        env.procs.stop(p, signal.SIGTERM, timeout=2)
    if p.returncode not in (0, -signal.SIGTERM):
        raise BenchError("bench-load exited with status %s" % p.returncode)
    cpu = None
    if c.proxy and cpu0 is not None and cpu1 is not None:
        cpu = cpu1 - cpu0
    return obj, cpu


def measure_bulk(env, c, streams, hook=None):
    d, w = env.durations["bulk"]
    argv = [env.load, "bulk", "-p", str(c.target("sink")), "-s", SINK_NAME,
            "-n", str(streams), "-t", str(min(env.load_threads, streams)),
            "-d", str(d), "-w", str(w), "-M", str(d + w + 30)]
    res, cpu = _window(env, c, argv, d + w + 30, hook)
    if res.get("failed"):
        raise BenchError("%d bulk streams failed" % res["failed"])
    if not res.get("bytes"):
        raise BenchError("no bytes went through")
    gb = res["bytes"] / 1e9
    return {
        "gbit_s": round(res["gbit_s"], 3),
        "cpu_ms_per_gb": round(cpu * 1000 / gb, 1) if cpu is not None
        else None,
    }


def measure_rate(env, c, kind="classic", split=1, nroutes=None, hook=None,
                 rst=False):
    d, w = env.durations["rate"]
    n = nroutes or c.routes.nroutes
    argv = [env.load, "rate", "-p", str(c.target("echo")),
            "-s", ECHO_PATTERN, "-N", str(n), "-k", kind,
            "-x", str(split), "-g", "200", "-c", str(env.rate_conns),
            "-t", str(env.load_threads), "-S",
            "-d", str(d), "-w", str(w), "-M", str(d + w + 30)]
    if rst:
        argv.append("-R")
    res, cpu = _window(env, c, argv, d + w + 30, hook)
    if not res.get("done"):
        raise BenchError("no connection completed")
    done = res["done"]
    fb = res.get("first_byte_us") or {}
    return {
        "conn_s": round(res["conn_s"], 1),
        "cpu_us_per_conn": round(cpu * 1e6 / done, 1) if cpu is not None
        else None,
        "first_byte_p50_us": fb.get("p50"),
        "failed": res.get("failed", 0),
    }


def measure_latency(env, c, hook=None):
    rounds = env.rounds
    argv = [env.load, "ping", "-p", str(c.target("echo")),
            "-s", expand(ECHO_PATTERN, 0), "-r", str(rounds), "-m", "64",
            "-M", "120"]
    if hook:
        hook.begin(c)
    try:
        p = env.spawn_load(c, argv)
        try:
            res = LineReader(p).json(120)
        finally:
            env.procs.stop(p, signal.SIGTERM, timeout=2)
    finally:
        if hook:
            hook.end()
    rtt = res.get("rtt_us")
    if res.get("failed") or not rtt or rtt["n"] < rounds:
        raise BenchError("ping-pong failed (%s)" % res)
    return {
        "rtt_p50_us": rtt["p50"],
        "rtt_p99_us": rtt["p99"],
    }


def measure_memory(env, c, hook=None):
    n = env.hold_conns
    settle = 0.5
    time.sleep(settle)
    rss0 = c.rss_kib()
    argv = [env.load, "hold", "-p", str(c.target("echo")),
            "-s", ECHO_PATTERN, "-N", str(c.routes.nroutes),
            "-c", str(n), "-b", "65536", "-S", "-M", "300"]
    p = env.spawn_load(c, argv)
    rd = LineReader(p)
    try:
        a = rd.json(240)
        if a.get("phase") != "hello" or a.get("ok") != n:
            raise BenchError("only %s of %d connections opened (%s)"
                             % (a.get("ok"), n, a))
        time.sleep(settle)
        rss1 = c.rss_kib()
        if hook:
            hook.begin(c)
        p.stdin.write(b"\n")
        p.stdin.flush()
        b = rd.json(240)
        if hook:
            hook.end()
        if b.get("phase") != "data" or b.get("ok") != n:
            raise BenchError("only %s of %d connections moved 64 KiB (%s)"
                             % (b.get("ok"), n, b))
        time.sleep(settle)
        rss2 = c.rss_kib()
        p.stdin.close()
        rd.json(60)
    finally:
        if hook:
            hook.end()
        env.procs.stop(p, signal.SIGTERM, timeout=5)
    return {
        "kib_per_conn_hello": round((rss1 - rss0) / n, 2),
        "kib_per_conn_data": round((rss2 - rss0) / n, 2),
        "rss_base_kib": rss0,
        "hello_phase_ms": a.get("ms"),
        "data_phase_ms": b.get("ms"),
    }


def measure_hot(env, c, hook=None):
    """Route changes under load: long-lived ping-pong connections and a
    stream of new connections run while the route set changes `changes`
    times; each change adds a name, and the time from the file being in
    place to the new name answering is measured."""
    changes = env.changes
    churn = [env.load, "churn", "-p", str(c.port), "-s", ECHO_PATTERN,
             "-N", str(c.routes.nroutes), "-c", "4", "-P", "16",
             "-i", "5000", "-m", "64", "-S",
             "-d", str(60 + changes * 6), "-M", str(90 + changes * 6)]
    p = env.spawn_load(c, churn)
    rd = LineReader(p)
    live = []
    missed = 0
    rng = random.Random(1000 + env.rep)   # each run its own moments
    try:
        rd.json(10)             # started
        time.sleep(0.5)
        for k in range(changes):
            c.before_change(rng)
            name = expand(NEW_PATTERN, k)
            c.routes.add(name)
            c.write_routes()
            t0 = time.monotonic_ns()
            if c.reloads:
                c.reload()
            ms = env.probe(c.port, name, timeout=10, t0=t0)
            if ms is None:
                missed += 1
            else:
                live.append(ms)
        time.sleep(0.5)
        procs_after = len(c.pids())
        rss_after = c.rss_kib()
        p.stdin.close()
        res = rd.json(30)
        # the old workers go once the long-lived connections have closed
        time.sleep(1.0)
        crashes = c.crashes()
    finally:
        env.procs.stop(p, signal.SIGTERM, timeout=5)
    if missed:
        raise BenchError("%d of %d new routes never answered" %
                         (missed, changes))
    live.sort()
    return {
        "live_ms_p50": round(live[len(live) // 2], 1),
        "live_ms_max": round(live[-1], 1),
        "broken": res["broken"],
        "new_failed": res["new_failed"],
        "new_ok": res["new_ok"],
        "processes_after": procs_after,
        "rss_after_mib": round(rss_after / 1024, 1),
        "worker_crashes": crashes,
        "live_ms_all": [round(x, 1) for x in live],
    }


class PerfHook:
    """perf record on the proxy's processes over a measurement window."""

    def __init__(self, env, path):
        self.env = env
        self.path = path
        self.proc = None

    def begin(self, c):
        pids = c.pids()
        if not pids or self.proc is not None:
            return
        self.proc = subprocess.Popen(
            ["perf", "record", "-F", "999", "-g", "-o", self.path,
             "-p", ",".join(str(x) for x in pids)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(self.path + ".log", "wb"))

    def end(self):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


def scenarios(quick):
    big = 100000
    proxies = ["nginx", "haproxy", "haproxy-splice", "cclink"]
    every = ["direct"] + proxies + ["cclink-proxy"]
    return [
        Scenario("bulk-1", "bulk throughput, 1 stream (client to backend)",
                 lambda env, c, hook=None: measure_bulk(env, c, 1, hook),
                 every),
        Scenario("bulk-4", "bulk throughput, 4 streams (client to backend)",
                 lambda env, c, hook=None: measure_bulk(env, c, 4, hook),
                 every),
        Scenario("conn-rate",
                 "new connections/s: connect, 517-byte ClientHello, "
                 "echo back, close (10 routes)",
                 lambda env, c, hook=None: measure_rate(env, c, hook=hook),
                 every),
        Scenario("conn-rate-rst",
                 "new connections/s as conn-rate, clients closing with an "
                 "RST (10 routes)",
                 lambda env, c, hook=None: measure_rate(env, c, hook=hook,
                                                        rst=True),
                 ["direct", "nginx", "haproxy", "cclink"]),
        Scenario("conn-rate-pq",
                 "new connections/s with a 1.8 KB post-quantum ClientHello "
                 "in 2 TCP segments (10 routes)",
                 lambda env, c, hook=None: measure_rate(env, c, "pq", 2,
                                                        hook=hook),
                 ["direct", "nginx", "haproxy", "cclink"]),
        Scenario("latency",
                 "relay latency: 64-byte ping-pong on one established "
                 "connection",
                 measure_latency, every),
        Scenario("memory",
                 "proxy RSS (sum over its processes) per connection, "
                 "idle after the ClientHello and after 64 KiB each way",
                 measure_memory, ["nginx", "haproxy", "cclink",
                                  "cclink-proxy"]),
        Scenario("routes-100k",
                 "new connections/s with %d routes (names drawn at random "
                 "from all of them)" % big,
                 lambda env, c, hook=None: measure_rate(env, c, hook=hook),
                 ["nginx", "haproxy", "cclink"], routes="big", nroutes=big),
        Scenario("hot-change",
                 "route changes under load (16 long-lived ping-pong "
                 "connections, 4 slots of new connections)",
                 measure_hot, ["nginx", "haproxy", "cclink"]),
    ]
