#!/usr/bin/python3
"""The CONNECT benchmark: cclink's CONNECT entrance against Squid and
tinyproxy as CONNECT proxies, and against cclink's own SNI path (the same
tunnel without the CONNECT exchange), one worker each, on loopback.

    tests/bench/bench_connect.py [--runs 3] [--quick] [--pin auto]

Figures per contender, median (min-max) over the runs, contenders in an
order rotated from run to run:

- tunnels/s: connect, CONNECT head, the proxy's 200, a 517-byte
  ClientHello echoed back by the backend, close; 256 in flight (enough
  to keep the proxy busy: with few, the round trips decide); with the
  proxy's CPU time per tunnel and the share of its CPU it used;
- bulk MB/s: one tunnel writing 64 KiB at a time to the sink;
- KiB per idle tunnel: the proxy's RSS (all its processes) with N idle
  tunnels open, less its RSS before, over N; measured first, on the
  freshly started proxy.

Squid and tinyproxy get the target as an IP literal (they resolve names,
cclink never does: it only allows routed names and takes the addresses
from its table). Writes a Markdown table to stdout and JSON to
build/bench/connect-<time>.json. No figure decides the exit status.
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_proc import (BenchError, LineReader, Procs,      # noqa: E402
                        cpu_seconds, group_pids, parse_pins, rss_kib,
                        wait_port)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from lib.nginx import free_port                             # noqa: E402

NAME = "b.bench.test"
STREAM_SO = "/usr/lib/nginx/modules/ngx_stream_module.so"


class Contender:
    name = None

    def __init__(self, env):
        self.env = env
        self.proc = None
        self.port = None

    def target(self, backend_port):
        """The CONNECT target, or None for a direct ClientHello."""
        return "127.0.0.1:%d" % backend_port

    def pids(self):
        return group_pids(self.proc.pid) if self.proc else []

    def stop(self):
        if self.proc:
            self.env.procs.stop(self.proc)
            self.proc = None


class Cclink(Contender):
    """nginx with ngx_cclink_module, one worker, cclink_pass; "connect":
    the CONNECT entrance in front of the router, "sni": the router
    alone."""

    def __init__(self, env, connect):
        super().__init__(env)
        self.connect = connect
        self.name = "cclink-connect" if connect else "cclink-sni"

    def target(self, backend_port):
        return "%s:%d" % (NAME, backend_port) if self.connect else None

    def start(self, d):
        e = self.env
        self.port = free_port()
        routes = os.path.join(d, "routes.conf")
        addr = "127.0.0.1" if self.connect else "127.0.0.1:%d" % e.echo
        with open(routes, "w") as f:
            f.write("cclink-routes 1\nserial 1\ngroup g %s\n"
                    "group s 127.0.0.1:%d\nroute %s g\nroute sink.bench.test"
                    " s\nend\n" % (addr, e.sink, NAME))
        extra = ("cclink_connect on; cclink_connect_ports %d %d;"
                 % (e.echo, e.sink)) if self.connect else ""
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""load_module %s;
load_module %s;
worker_processes 1;
worker_rlimit_nofile 100000;
error_log %s/error.log error;
pid %s/nginx.pid;
daemon off;
events { worker_connections 50000; }
stream {
    cclink_routes %s zone=cclink:16m;
    upstream cclink_endpoints { cclink_balancer; }
    server {
        listen 127.0.0.1:%d backlog=4096;
        cclink_route on;
        %s
        preread_buffer_size 17k;
        cclink_pass cclink_endpoints;
    }
}
""" % (STREAM_SO, e.module, d, d, routes, self.port, extra))
        self.proc = e.procs.spawn(["/usr/sbin/nginx", "-p", d + "/", "-c",
                                   conf], stdout=False, role="proxy",
                                  log=os.path.join(d, "stderr.log"))
        wait_port("127.0.0.1", self.port, 10, self.proc)


class Squid(Contender):
    name = "squid"

    def start(self, d):
        self.port = free_port()
        os.chmod(d, 0o777)
        conf = os.path.join(d, "squid.conf")
        with open(conf, "w") as f:
            f.write("""http_port 127.0.0.1:%d
http_access allow all
cache deny all
cache_mem 8 MB
access_log none
cache_log %s/cache.log
pid_filename %s/squid.pid
coredump_dir %s
max_filedescriptors 65536
shutdown_lifetime 0 seconds
dns_nameservers 127.0.0.1
""" % (self.port, d, d, d))
        self.proc = self.env.procs.spawn(["/usr/sbin/squid", "-N", "-f",
                                          conf], stdout=False,
                                         role="proxy",
                                         log=os.path.join(d, "stderr.log"))
        wait_port("127.0.0.1", self.port, 20, self.proc)


class Tinyproxy(Contender):
    name = "tinyproxy"

    def start(self, d):
        self.port = free_port()
        os.chmod(d, 0o777)
        conf = os.path.join(d, "tinyproxy.conf")
        with open(conf, "w") as f:
            f.write("""User nobody
Group nogroup
Port %d
Listen 127.0.0.1
Timeout 600
MaxClients 20000
LogLevel Critical
PidFile "%s/tinyproxy.pid"
""" % (self.port, d))
        self.proc = self.env.procs.spawn(["/usr/bin/tinyproxy", "-d", "-c",
                                          conf], stdout=False,
                                         role="proxy",
                                         log=os.path.join(d, "stderr.log"))
        wait_port("127.0.0.1", self.port, 10, self.proc)


class Env:
    def __init__(self, args, procs):
        self.procs = procs
        self.load = os.path.join(args.build, "bench", "bench-connect")
        self.module = os.path.join(args.build, "modules",
                                   "ngx_stream_cclink_module.so")
        self.backend_bin = os.path.join(args.build, "bench", "bench-backend")
        self.args = args

    def start_backend(self):
        self.backend = self.procs.spawn([self.backend_bin, "-H", "127.0.0.1",
                                         "-t", "1"], role="backend")
        ports = LineReader(self.backend).json(10)
        self.sink, self.echo = ports["sink"], ports["echo"]

    def load_run(self, argv, timeout):
        p = self.procs.spawn([self.load] + argv, role="load")
        try:
            return LineReader(p).json(timeout)
        finally:
            self.procs.stop(p)


def measure(env, c, d):
    a = env.args
    out = {}
    c.start(d)
    try:
        def tgt(port):
            t = c.target(port)
            return ["-t", t] if t else []
        name = NAME
        # first, on the fresh process: later scenarios leave its heap grown
        time.sleep(0.5)
        before = rss_kib(c.pids())
        p = env.procs.spawn([env.load, "hold", str(c.port), "-N",
                             str(a.idle), "-n", name] + tgt(env.echo),
                            role="load")
        try:
            LineReader(p).json(90)
            time.sleep(1.0)
            after = rss_kib(c.pids())
        finally:
            env.procs.stop(p)
        out["kib_per_idle_tunnel"] = (after - before) / a.idle
        cpu0 = cpu_seconds(c.pids())
        r = env.load_run(["rate", str(c.port), "-c", str(a.inflight), "-d",
                          str(a.duration), "-n", name] + tgt(env.echo),
                         a.duration + 15)
        cpu = cpu_seconds(c.pids()) - cpu0
        out["tunnels_per_s"] = r["per_second"]
        # what the proxy spent per tunnel, and how busy it was
        out["proxy_cpu_us_per_tunnel"] = (cpu * 1e6 / r["tunnels"]
                                          if r["tunnels"] else 0)
        out["proxy_cpu_share"] = cpu / r["seconds"]
        out["rate_errors"] = r["errors"]
        sink_name = "sink.bench.test" if c.name == "cclink-sni" else NAME
        r = env.load_run(["bulk", str(c.port), "-d", str(a.duration),
                          "-n", sink_name] + tgt(env.sink), a.duration + 15)
        out["bulk_mb_per_s"] = r["mb_per_second"]
    finally:
        c.stop()
    return out


def summary(values):
    v = sorted(values)
    return statistics.median(v), v[0], v[-1]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--idle", type=int, default=2000)
    ap.add_argument("--inflight", type=int, default=256,
                    help="tunnels in flight in the rate figure (256)")
    ap.add_argument("--quick", action="store_true",
                    help="1 run of 2 s, 500 idle tunnels")
    ap.add_argument("--pin", default="auto")
    args = ap.parse_args(argv)
    if args.quick:
        args.runs, args.duration, args.idle = 1, 2.0, 500
    procs = Procs(pins=parse_pins(args.pin))
    env = Env(args, procs)
    env.start_backend()
    contenders = [Cclink(env, True), Cclink(env, False), Squid(env),
                  Tinyproxy(env)]
    results = {c.name: [] for c in contenders}
    try:
        for run in range(args.runs):
            order = contenders[run % 4:] + contenders[:run % 4]
            for c in order:
                with tempfile.TemporaryDirectory(prefix="cclink-bc-") as d:
                    os.chmod(d, 0o777)
                    r = measure(env, c, d)
                results[c.name].append(r)
                print("run %d %s: %s" % (run + 1, c.name, json.dumps(r)),
                      file=sys.stderr)
    except BenchError as e:
        print("bench-connect: %s" % e, file=sys.stderr)
        return 1
    finally:
        procs.kill_all()

    rows = ["| contender | tunnels/s ↑ | proxy CPU per tunnel, µs ↓ "
            "| proxy CPU busy | bulk MB/s ↑ | KiB per idle tunnel ↓ |",
            "|---|---|---|---|---|---|"]
    fig = {}
    for name, rs in results.items():
        fig[name] = {k: summary([r[k] for r in rs])
                     for k in ("tunnels_per_s", "proxy_cpu_us_per_tunnel",
                               "proxy_cpu_share", "bulk_mb_per_s",
                               "kib_per_idle_tunnel")}
        f = fig[name]
        rows.append("| %s | %.0f (%.0f–%.0f) | %.1f (%.1f–%.1f) | "
                    "%.2f (%.2f–%.2f) | %.0f (%.0f–%.0f) | "
                    "%.2f (%.2f–%.2f) |"
                    % ((name,) + f["tunnels_per_s"]
                       + f["proxy_cpu_us_per_tunnel"]
                       + f["proxy_cpu_share"] + f["bulk_mb_per_s"]
                       + f["kib_per_idle_tunnel"]))
    # ratios pair by pair (same run)
    def ratio(a, b, k):
        return summary([x[k] / y[k] for x, y in zip(results[a], results[b])
                        if y[k]])
    c = "cclink-connect"
    ratios = {
        "tunnels_vs_squid": ratio(c, "squid", "tunnels_per_s"),
        "tunnels_vs_sni": ratio(c, "cclink-sni", "tunnels_per_s"),
        "cpu_per_tunnel_vs_sni": ratio(c, "cclink-sni",
                                       "proxy_cpu_us_per_tunnel"),
        "cpu_per_tunnel_vs_squid": ratio(c, "squid",
                                         "proxy_cpu_us_per_tunnel"),
        "tunnels_vs_tinyproxy": ratio(c, "tinyproxy", "tunnels_per_s"),
        "memory_vs_squid": ratio(c, "squid", "kib_per_idle_tunnel"),
        "bulk_vs_squid": ratio(c, "squid", "bulk_mb_per_s"),
    }
    rows.append("")
    for k, v in ratios.items():
        rows.append("- %s: %.2f× (%.2f–%.2f)" % ((k,) + v))
    print("\n".join(rows))
    out = os.path.join(args.build, "bench", "connect-%s.json"
                       % datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"args": vars(args), "runs": results, "figures": fig,
                   "ratios": ratios, "pins": args.pin}, f, indent=1)
    print("results: %s" % out, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
