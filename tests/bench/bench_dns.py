#!/usr/bin/python3
"""DNS benchmark: the module's DNS server (ngx_stream_cclink_dns_module)
against dnsmasq and Unbound answering the same names, on loopback, with
dnsperf.

    tests/bench/bench_dns.py [--quick] [--runs N] [--routes 10,100000]
                             [--duration S] [--rate QPS] [--pin auto]

Each contender serves N names (one A record each, the same address):
cclink from a route table of N exact routes (nginx, 1 worker,
multi_accept on, as docs/dns.md advises for DNS), dnsmasq
from an addn-hosts file of N lines, Unbound (1 thread) from N local-data
lines of a static local zone. dnsperf asks for those names in random
order, over UDP:

- queries per second at saturation (100 queries outstanding);
- round-trip latency p50 and p99 at a fixed, moderate rate (--rate,
  default 5000 queries/s), from dnsperf's per-query report (-v);
- the server's RSS after the runs (the sum over its processes).

The server is pinned to its own CPU and dnsperf to the others, as the
other benchmarks do (bench_proc.parse_pins, --pin auto). Every figure is
the median over the runs (min-max). Results go to
BUILD/bench/dns-<time>/results.{json,md} and BUILD/bench/dns-latest.md.
No threshold decides the exit status: 0 when every measurement ran, 1
when one failed.
"""

import argparse
import datetime
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_proc import (BenchError, Procs, group_pids,  # noqa: E402
                        parse_pins, rss_kib, write_atomic)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ADDRESS = "192.0.2.10"
ZONE = "confluent.cloud"
CONTENDERS = ("cclink", "dnsmasq", "unbound")


def name_of(i):
    return "e-%06x-usw2-az1-bench.us-west-2.aws.%s" % (i, ZONE)


def free_udp_port():
    """A port free for both UDP and TCP on 127.0.0.1 now."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            with socket.socket() as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise BenchError("no free port")


def answers(port, name, timeout=0.3):
    """True when the server on port answers name with ADDRESS."""
    import dns.message
    import dns.query
    try:
        r = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1",
                          port=port, timeout=timeout)
    except Exception:                     # noqa: BLE001 - not up yet
        return False
    return any(rd.to_text() == ADDRESS for rr in r.answer for rd in rr)


class Server:
    """One contender serving n names in directory d."""

    def __init__(self, kind, n, d, build, procs):
        self.kind = kind
        self.n = n
        self.dir = d
        self.build = build
        self.procs = procs
        self.port = free_udp_port()
        self.proc = None
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o755)

    def start(self, timeout=120):
        argv = getattr(self, "_" + self.kind)()
        log = os.path.join(self.dir, "server.log")
        self.proc = self.procs.spawn(argv, log=log, stdin=False,
                                     stdout=False, role="proxy")
        deadline = time.monotonic() + timeout
        while not answers(self.port, name_of(self.n - 1)):
            if self.proc.poll() is not None:
                raise BenchError("%s exited %s" % (self.kind,
                                                   self.proc.returncode))
            if time.monotonic() > deadline:
                raise BenchError("%s does not answer" % self.kind)
            time.sleep(0.05)
        return self

    def pids(self):
        return group_pids(self.proc.pid)

    def stop(self):
        if self.proc is not None:
            self.procs.stop(self.proc)

    def _cclink(self):
        routes = os.path.join(self.dir, "routes.conf")
        with open(routes, "w") as f:
            f.write("cclink-routes 1\nserial 1\ngroup g 127.0.0.1:9\n")
            for i in range(self.n):
                f.write("route %s g\n" % name_of(i))
            f.write("end\n")
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
load_module %(module)s;
worker_processes 1;
daemon off;
master_process on;
error_log %(dir)s/error.log warn;
pid %(dir)s/nginx.pid;
events { worker_connections 4096; multi_accept on; }
stream {
    cclink_routes %(routes)s zone=cclink:64m;
    server {
        listen 127.0.0.1:%(port)d udp;
        cclink_dns on;
        cclink_dns_address %(addr)s;
        cclink_dns_zones %(zone)s;
        access_log off;
    }
}
""" % {"module": os.path.join(self.build, "modules",
                              "ngx_stream_cclink_module.so"),
                "dir": self.dir, "routes": routes, "port": self.port,
                "addr": ADDRESS, "zone": ZONE})
        return ["/usr/sbin/nginx", "-p", self.dir + "/", "-c", conf]

    def _dnsmasq(self):
        hosts = os.path.join(self.dir, "hosts")
        with open(hosts, "w") as f:
            for i in range(self.n):
                f.write("%s %s\n" % (ADDRESS, name_of(i)))
        return ["/usr/sbin/dnsmasq", "--keep-in-foreground",
                "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                "--pid-file=", "--bind-interfaces",
                "--listen-address=127.0.0.1", "--port=%d" % self.port,
                "--addn-hosts=%s" % hosts, "--local=/%s/" % ZONE,
                "--cache-size=0", "--dns-forward-max=1000",
                "--user=%s" % ("root" if os.geteuid() == 0 else "nobody")]

    def _unbound(self):
        conf = os.path.join(self.dir, "unbound.conf")
        with open(conf, "w") as f:
            f.write("""server:
    interface: 127.0.0.1@%(port)d
    port: %(port)d
    num-threads: 1
    do-daemonize: no
    use-syslog: no
    logfile: ""
    verbosity: 0
    username: ""
    chroot: ""
    directory: "%(dir)s"
    pidfile: ""
    do-ip6: no
    access-control: 127.0.0.0/8 allow
    local-zone: "%(zone)s." static
""" % {"port": self.port, "dir": self.dir, "zone": ZONE})
            for i in range(self.n):
                f.write('    local-data: "%s. 30 IN A %s"\n'
                        % (name_of(i), ADDRESS))
            f.write("remote-control:\n    control-enable: no\n")
        return ["/usr/sbin/unbound", "-d", "-c", conf]


def dnsperf(procs, port, datafile, seconds, rate, log, verbose):
    argv = ["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", datafile,
            "-l", "%g" % seconds, "-c", "1", "-T", "1", "-t", "2"]
    if rate:
        argv += ["-Q", str(rate)]
    if verbose:
        argv += ["-v"]
    p = procs.spawn(argv, log=log, stdin=False, role="load")
    out, _ = p.communicate(timeout=seconds + 60)
    out = out.decode(errors="replace")
    if p.returncode != 0:
        raise BenchError("dnsperf exited %d" % p.returncode)
    r = {"lat": []}
    for line in out.splitlines():
        s = line.strip()
        if s.startswith("Queries per second:"):
            r["qps"] = float(s.split()[-1])
        elif s.startswith("Queries lost:"):
            r["lost"] = int(s.split()[2])
        elif s.startswith("Queries completed:"):
            r["completed"] = int(s.split()[2])
        elif s.startswith("> "):
            parts = s.split()
            if parts[1] != "NOERROR":
                raise BenchError("dnsperf got %s" % s)
            r["lat"].append(float(parts[-1]))
    if "qps" not in r:
        raise BenchError("no dnsperf figures:\n" + out[-2000:])
    return r


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def summary(values):
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values),
            "max": max(values), "n": len(values)}


def fmt(s, digits=3):
    if s is None:
        return ""

    def g(v):
        if v >= 10 ** digits:
            return "%.0f" % v
        return "%.*g" % (digits, v)

    if s["n"] == 1 or s["min"] == s["max"]:
        return g(s["median"])
    return "%s (%s–%s)" % (g(s["median"]), g(s["min"]), g(s["max"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--quick", action="store_true",
                    help="1 run of 1 s per measurement (a harness check)")
    ap.add_argument("--runs", type=int, default=None,
                    help="runs per measurement (3, quick 1)")
    ap.add_argument("--duration", type=float, default=None,
                    help="seconds per measurement (5, quick 1)")
    ap.add_argument("--rate", type=int, default=5000,
                    help="queries per second for the latency figures")
    ap.add_argument("--routes", default="10,100000",
                    help="numbers of names, comma-separated")
    ap.add_argument("--pin", default="auto")
    ap.add_argument("--note", default="")
    args = ap.parse_args()
    runs = args.runs or (1 if args.quick else 3)
    seconds = args.duration or (1.0 if args.quick else 5.0)
    counts = [int(x) for x in args.routes.split(",")]
    pins = parse_pins(args.pin)

    stamp = datetime.datetime.now(datetime.timezone.utc)
    outdir = os.path.join(args.build, "bench",
                          "dns-" + stamp.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(outdir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="cclink-bench-dns-")
    os.chmod(work, 0o755)
    procs = Procs(pins=pins)
    results = {}
    failed = []
    rng = random.Random(1)
    t_start = time.monotonic()
    try:
        for n in counts:
            data = os.path.join(work, "queries-%d.txt" % n)
            with open(data, "w") as f:
                for _ in range(max(n, 50000) if n > 10 else 50000):
                    f.write("%s A\n" % name_of(rng.randrange(n)))
            for run in range(runs):
                order = CONTENDERS[run % 3:] + CONTENDERS[:run % 3]
                for kind in order:
                    key = "%s/%d" % (kind, n)
                    res = results.setdefault(key, {"qps": [], "p50": [],
                                                   "p99": [], "rss": [],
                                                   "lost": 0})
                    d = os.path.join(work, "%s-%d-%d" % (kind, n, run))
                    srv = Server(kind, n, d, args.build, procs)
                    log = os.path.join(outdir, "%s-%d-%d.log"
                                       % (kind, n, run))
                    try:
                        srv.start()
                        r = dnsperf(procs, srv.port, data, seconds, None,
                                    log, False)
                        res["qps"].append(r["qps"])
                        res["lost"] += r.get("lost", 0)
                        r = dnsperf(procs, srv.port, data, seconds,
                                    args.rate, log, True)
                        res["p50"].append(pct(r["lat"], 0.50) * 1e6)
                        res["p99"].append(pct(r["lat"], 0.99) * 1e6)
                        res["lost"] += r.get("lost", 0)
                        res["rss"].append(rss_kib(srv.pids()) / 1024.0)
                        print("%-8s %6d routes run %d: %.0f q/s, p99 %.0f "
                              "µs, RSS %.1f MiB" % (kind, n, run,
                                                    res["qps"][-1],
                                                    res["p99"][-1],
                                                    res["rss"][-1]),
                              flush=True)
                    except (BenchError, subprocess.TimeoutExpired) as e:
                        failed.append("%s: %s" % (key, e))
                        print("%s: FAILED: %s" % (key, e), flush=True)
                    finally:
                        srv.stop()
    finally:
        procs.kill_all()
        shutil.rmtree(work, ignore_errors=True)

    summ = {k: {m: summary(v[m]) for m in ("qps", "p50", "p99", "rss")}
            for k, v in results.items()}
    for k, v in results.items():
        summ[k]["lost"] = v["lost"]
    md = report(summ, counts, runs, seconds, args, pins, stamp,
                time.monotonic() - t_start, failed)
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump({"results": summ, "failed": failed, "runs": runs,
                   "seconds": seconds, "rate": args.rate}, f, indent=1)
    write_atomic(os.path.join(outdir, "results.md"), md)
    write_atomic(os.path.join(args.build, "bench", "dns-latest.md"), md)
    print("\n" + md)
    print("results: %s" % outdir)
    return 1 if failed else 0


def verdict(ok):
    return "met" if ok else "NOT met"


def report(summ, counts, runs, seconds, args, pins, stamp, took, failed):
    lines = []
    cpu = os.cpu_count()
    lines.append("DNS run of %s, %.0f s, %d CPUs, %s. %d run(s) of %g s per "
                 "measurement; latency at %d queries/s. Pinned: %s. %s"
                 % (stamp.isoformat(timespec="seconds"), took, cpu,
                    subprocess.run(["nginx", "-v"], capture_output=True,
                                   text=True).stderr.strip(),
                    runs, seconds, args.rate,
                    ", ".join("%s %s" % (k, "+".join(map(str, sorted(v))))
                              for k, v in sorted(pins.items())) or "no",
                    args.note))
    lines.append("")
    lines.append("| names | metric | cclink | dnsmasq | unbound | "
                 "cclink ÷ best | target | verdict |")
    lines.append("|---|---|---|---|---|---|---|---|")
    rows = (("qps", "queries/s ↑", max, 1.0, ">="),
            ("p50", "latency p50, µs ↓", min, None, ""),
            ("p99", "latency p99, µs ↓", min, 1.1, "<="),
            ("rss", "RSS, MiB ↓", min, None, ""))
    for n in counts:
        for m, label, best_of, target, op in rows:
            cells = [summ.get("%s/%d" % (k, n), {}).get(m) for k in
                     CONTENDERS]
            others = [c["median"] for c in cells[1:] if c]
            ratio = ""
            ver = ""
            tgt = ""
            if cells[0] and others:
                best = best_of(others)
                r = cells[0]["median"] / best
                ratio = "%.2f×" % r
                if target is not None:
                    tgt = "%s %.1f×" % (op, target)
                    ver = verdict(r >= target if op == ">=" else
                                  r <= target)
            lines.append("| %d | %s | %s | %s | %s | %s | %s | %s |"
                         % (n, label, fmt(cells[0]), fmt(cells[1]),
                            fmt(cells[2]), ratio, tgt, ver))
    if len(counts) >= 2:
        lo, hi = min(counts), max(counts)
        a = summ.get("cclink/%d" % lo, {}).get("qps")
        b = summ.get("cclink/%d" % hi, {}).get("qps")
        if a and b:
            r = b["median"] / a["median"]
            lines.append("| %d vs %d | cclink queries/s, %d ÷ %d names | "
                         "| | | %.2f× | flat (>= 0.9×) | %s |"
                         % (hi, lo, hi, lo, r, verdict(r >= 0.9)))
    lines.append("")
    lost = {k: v["lost"] for k, v in summ.items() if v.get("lost")}
    if lost:
        lines.append("Queries lost (timed out after 2 s): %s."
                     % ", ".join("%s %d" % kv for kv in sorted(lost.items())))
    if failed:
        lines.append("Failed: %s." % "; ".join(failed))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
