#!/usr/bin/python3
"""Soak test: many long-lived connections passing data through nginx with
the cclink module while the route table changes every second and
cclink-sidecar runs against the Confluent Cloud simulator with faults
switched on and off.

    soak.py --duration 60 --conns 10000

Load: bench-load (tests/bench) in churn mode, in several processes: each
holds its share of --conns persistent connections (ClientHello with the
SNI of a routed name, then a 64-byte ping echoed every second by
bench-backend) plus a few short connections opened and closed all along.
Client source addresses are spread over 127.1.0.0/16 (bench-load -S).

Route table: every second, routes nobody uses are added, removed and
retargeted, and a share of the routes the live connections use are moved
between two echo backends (127.0.0.1 and 127.0.0.2). Live connections must
survive; new connections must keep working.

Sidecar: `cclink-sidecar run` against the simulator, writing into its own
output directory (not the table nginx reads). Its poll_interval cannot go
below 5 s, so it is sent SIGHUP every second, which starts a cycle at once
when it is idle. Faults (503, 429, slow, close, truncate, malformed) are
switched on and off every few seconds.

Pass: no connection the test did not close failed; worker RSS grew less
than --rss-limit percent from the end of warm-up to the end; no
[alert]/[emerg]/[crit] in the error log; no sanitizer report (with
CCLINK_PRELOAD, as `make integration-asan` sets it); the sidecar ran
until stopped and exited 0. Exit status 0 on pass, 1 on failure.
"""

import argparse
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests"))

from lib.nginx import Nginx, free_port, wait_for   # noqa: E402
from sim import harness                            # noqa: E402
from lib import sidecar as sh                     # noqa: E402

# the load tools (the benchmark's bench-load and bench-backend) and the
# sidecar: never the ASan build, which only swaps the module
TOOLS = os.environ.get("SOAK_LOAD_DIR", os.path.join(REPO, "build", "bench"))
LOAD = os.path.join(TOOLS, "bench-load")
BACKEND = os.path.join(TOOLS, "bench-backend")
sh.BINARY = os.environ.get("SOAK_SIDECAR", os.path.join(
    REPO, "build", "sidecar", "cclink-sidecar"))

LIVE_PATTERN = "s-#.soak.cclink.test"
SPARE_FMT = "x-%06d.soak.cclink.test"
BACKEND_ADDRS = ("127.0.0.1", "127.0.0.2")

FAULTS = [
    ("status 503", {"kind": "status", "status": 503, "count": -1}),
    ("status 429", {"kind": "status", "status": 429, "retry_after": 1,
                    "count": -1}),
    ("slow 2s", {"kind": "slow", "delay": 2, "count": -1}),
    ("close", {"kind": "close", "count": -1}),
    ("truncate", {"kind": "truncate", "count": -1}),
    ("malformed", {"kind": "malformed", "count": -1}),
]


def log(msg):
    sys.stdout.write("soak: %s\n" % msg)
    sys.stdout.flush()


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def raise_nofile(n):
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
    except (ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Table:
    """The route table nginx reads: nlive names for the connections (each
    on backend a or b) and spare names that come and go."""

    def __init__(self, path, nlive, echo_ports, rnd):
        self.path = path
        self.rnd = rnd
        self.serial = int(time.time())
        # the connections open on both backends
        self.live = {i: rnd.choice("ab") for i in range(nlive)}
        self.spare = {}
        self.next_spare = 0
        self.echo = echo_ports
        self.changes = {"added": 0, "removed": 0, "retargeted_spare": 0,
                        "retargeted_live": 0, "tables": 0}
        for _ in range(200):
            self._add_spare()

    def _add_spare(self):
        self.spare[self.next_spare] = self.rnd.choice("ab")
        self.next_spare += 1

    def change(self):
        for _ in range(self.rnd.randint(5, 40)):
            self._add_spare()
            self.changes["added"] += 1
        for k in self.rnd.sample(sorted(self.spare),
                                 min(len(self.spare) - 100,
                                     self.rnd.randint(5, 40))):
            del self.spare[k]
            self.changes["removed"] += 1
        for k in self.rnd.sample(sorted(self.spare), 10):
            self.spare[k] = "b" if self.spare[k] == "a" else "a"
            self.changes["retargeted_spare"] += 1
        # some routes the live connections use move to the other backend
        n = max(1, len(self.live) // 10)
        for k in self.rnd.sample(sorted(self.live), n):
            self.live[k] = "b" if self.live[k] == "a" else "a"
            self.changes["retargeted_live"] += 1
        self.write()

    def text(self):
        self.serial += 1
        out = ["# soak route table", "cclink-routes 1",
               "serial %d" % self.serial, "generated soak", "",
               "group echo-a %s:%d" % (BACKEND_ADDRS[0], self.echo[0]),
               "group echo-b %s:%d" % (BACKEND_ADDRS[1], self.echo[1]), ""]
        for i, g in sorted(self.live.items()):
            out.append("route %s echo-%s"
                       % (LIVE_PATTERN.replace("#", "%06d" % i), g))
        for i, g in sorted(self.spare.items()):
            out.append("route %s echo-%s" % (SPARE_FMT % i, g))
        out += ["", "end", ""]
        return "\n".join(out)

    def write(self):
        write_atomic(self.path, self.text())
        self.changes["tables"] += 1


class SoakNginx(Nginx):
    def __init__(self, prefix, stream, http, worker_connections, nofile):
        super().__init__(prefix, stream=stream, http=http, workers=2,
                         main="worker_rlimit_nofile %d;\n" % nofile)
        with open(self.conf) as f:
            text = f.read()
        text = text.replace("events { worker_connections 4096; }",
                            "events { worker_connections %d; }"
                            % worker_connections)
        with open(self.conf, "w") as f:
            f.write(text)


def status(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/cclink/status" % port,
                                timeout=10) as r:
        return json.load(r)


def active_and_bytes(st):
    active = sum(r.get("active", 0) for r in st.get("routes", []))
    b = sum(r.get("bytes_from_client", 0) + r.get("bytes_to_client", 0)
            for r in st.get("routes", []))
    return active, b


def cycle_outcomes(text):
    """{"result=... complete=...": count} over the sidecar's cycles."""
    out = {}
    for line in text.splitlines():
        if "event=cycle_done" not in line:
            continue
        words = dict(w.split("=", 1) for w in line.split() if "=" in w)
        k = "%s/complete=%s" % (words.get("result"), words.get("complete"))
        out[k] = out.get(k, 0) + 1
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=60,
                    help="seconds of load once every connection is open, "
                    "warm-up included (60)")
    ap.add_argument("--conns", type=int, default=10000,
                    help="persistent connections (10000)")
    ap.add_argument("--procs", type=int, default=4,
                    help="bench-load processes (4)")
    ap.add_argument("--new-conns", type=int, default=4,
                    help="short connection slots per process (4)")
    ap.add_argument("--names", type=int, default=500,
                    help="routed names the connections use (500)")
    ap.add_argument("--warmup", type=float, default=10,
                    help="seconds after every connection is open before "
                    "the RSS baseline (10)")
    ap.add_argument("--open-timeout", type=float, default=90,
                    help="seconds allowed to open every connection (90)")
    ap.add_argument("--rss-limit", type=float, default=5.0,
                    help="allowed worker RSS growth, percent (5)")
    ap.add_argument("--fault-period", type=float, default=5,
                    help="seconds between fault switches (5)")
    ap.add_argument("--workdir", help="keep everything here")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args(argv)
    if args.duration < args.warmup + 5:
        ap.error("--duration must be at least --warmup + 5")

    seed = args.seed if args.seed is not None else int(time.time())
    rnd = random.Random(seed)
    for p in (LOAD, BACKEND, sh.BINARY, sh.MODULE_SO):
        if not os.access(p, os.R_OK):
            log("missing %s (make module sidecar bench-tools)" % p)
            return 2
    asan = bool(os.environ.get("CCLINK_PRELOAD", "").strip())

    nofile = raise_nofile(200000)
    wd = args.workdir or tempfile.mkdtemp(prefix="cclink-soak-")
    os.makedirs(wd, exist_ok=True)
    # nginx workers run unprivileged and re-read the route table from here
    os.chmod(wd, 0o755)
    log("workdir %s, seed %d, RLIMIT_NOFILE %d, %s module"
        % (wd, seed, nofile, "ASan/UBSan" if asan else "plain"))
    if args.conns != 10000:
        log("NOTE: %d connections, not 10,000" % args.conns)

    procs = []
    errors = []
    ngx = api = sc = None
    summary = {"connections": args.conns, "seed": seed, "asan": asan}
    try:
        # -- backends ------------------------------------------------------
        echo = []
        for addr in BACKEND_ADDRS:
            p = subprocess.Popen(
                [BACKEND, "-H", addr, "-t", "1",
                 "-M", str(int(args.duration + args.open_timeout + 120))],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=open(os.path.join(wd, "backend-%s.log" % addr), "w"),
                text=True)
            procs.append(p)
            echo.append(json.loads(p.stdout.readline())["echo"])
        log("echo backends %s" % ", ".join(
            "%s:%d" % x for x in zip(BACKEND_ADDRS, echo)))

        # -- nginx ---------------------------------------------------------
        table = Table(os.path.join(wd, "routes.conf"), args.names, echo, rnd)
        table.write()
        port, sport = free_port(), free_port()
        # each worker may need a socket each way for every connection it
        # holds; the file limit is the hard limit this process could get
        wc = min(args.conns * 2 + 2000, nofile - 200)
        ngx = SoakNginx(os.path.join(wd, "nginx"), stream="""
    cclink_routes %s zone=cclink:64m interval=1s;
    upstream cclink_endpoints { cclink_balancer max_fails=1 fail_timeout=10s; }
    server {
        listen 127.0.0.1:%d backlog=4096 reuseport;
        cclink_route on;
        preread_timeout 10s;
        preread_buffer_size 17k;
        cclink_pass cclink_endpoints;
        cclink_pass_connect_timeout 3s;
        cclink_pass_next_upstream_tries 2;
        cclink_pass_timeout 1h;
    }""" % (table.path, port), http="""
    server {
        listen 127.0.0.1:%d;
        location = /cclink/status { cclink_status; }
    }""" % sport, worker_connections=wc,
           nofile=nofile)
        ngx.start(wait_ports=[("127.0.0.1", port), ("127.0.0.1", sport)])
        workers = wait_for(lambda: len(ngx.worker_pids()) == 2
                           and ngx.worker_pids(), timeout=10,
                           what="2 nginx workers")
        log("nginx on 127.0.0.1:%d, workers %s, worker_connections %d"
            % (port, workers, wc))

        # -- simulator and sidecar -----------------------------------------
        api = harness.start_api(os.path.join(wd, "sim"))
        sc = sh.Sidecar(os.path.join(wd, "sidecar"), api)
        sc.write_config(http=("http_retries 2", "retry_backoff 100ms 500ms",
                              "http_timeout 5s"))
        sc.start()

        # -- load ----------------------------------------------------------
        per = [args.conns // args.procs + (1 if i < args.conns % args.procs
                                           else 0)
               for i in range(args.procs)]
        max_time = int(args.open_timeout + args.duration + 60)
        loads = []
        t_open = time.monotonic()
        for i, n in enumerate(per):
            p = subprocess.Popen(
                [LOAD, "churn", "-p", str(port), "-s", LIVE_PATTERN,
                 "-N", str(args.names), "-P", str(n),
                 "-c", str(args.new_conns), "-i", "1000000", "-m", "64",
                 "-S", "-d", str(max_time - 10), "-M", str(max_time)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=open(os.path.join(wd, "load-%d.log" % i), "w"),
                text=True)
            procs.append(p)
            loads.append(p)
            time.sleep(0.5)

        def opened():
            for p in loads:
                if p.poll() is not None:
                    raise AssertionError("bench-load exited early (%s)"
                                         % p.returncode)
            a, _ = active_and_bytes(status(sport))
            return a >= args.conns
        wait_for(opened, timeout=args.open_timeout, step=0.5,
                 what="%d connections open" % args.conns)
        summary["open_seconds"] = round(time.monotonic() - t_open, 1)
        log("%d connections open after %.1f s; warm-up %g s"
            % (args.conns, summary["open_seconds"], args.warmup))

        # -- the soak itself -----------------------------------------------
        faults_on = None
        fault_switches = 0
        fault_kinds = {}
        rss = []
        t0 = time.monotonic()
        t_end = t0 + args.duration
        next_fault = t0
        baseline = None
        last_print = t0
        while time.monotonic() < t_end:
            tick = time.monotonic()
            table.change()
            if sc.proc.poll() is not None:
                raise AssertionError("cclink-sidecar exited (%s):\n%s"
                                     % (sc.proc.returncode, sc.log()[-2000:]))
            sc.proc.send_signal(signal.SIGHUP)
            if tick >= next_fault:
                next_fault = tick + args.fault_period
                if faults_on is None:
                    name, spec = FAULTS[fault_switches // 2 % len(FAULTS)]
                    api.admin("POST", "faults", dict(spec))
                    faults_on = name
                    fault_kinds[name] = fault_kinds.get(name, 0) + 1
                else:
                    api.clear_faults()
                    faults_on = None
                fault_switches += 1
            for p in loads:
                if p.poll() is not None:
                    raise AssertionError("bench-load exited early (%s)"
                                         % p.returncode)
            now_workers = ngx.worker_pids()
            if now_workers != workers:
                errors.append("worker processes changed: %s -> %s"
                              % (workers, now_workers))
                workers = now_workers
            total = sum(rss_kb(w) for w in workers)
            rss.append((round(tick - t0, 1), total))
            if baseline is None and tick - t0 >= args.warmup:
                baseline = total
                log("RSS baseline %d kB (workers)" % baseline)
            if tick - last_print >= 10:
                last_print = tick
                a, b = active_and_bytes(status(sport))
                log("t=%3.0fs active=%d bytes=%d rss=%d kB tables=%d "
                    "cycles=%d faults=%s"
                    % (tick - t0, a, b, total, table.changes["tables"],
                       sc.log().count("event=cycle_done"), faults_on))
            time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
        if faults_on:
            api.clear_faults()

        st = status(sport)
        active, nbytes = active_and_bytes(st)
        end_rss = sum(rss_kb(w) for w in workers)

        # -- stop the load and collect -------------------------------------
        results = []
        for p in loads:
            p.stdin.close()
        for p in loads:
            out = p.stdout.read()
            p.wait(timeout=60)
            for line in out.splitlines():
                try:
                    j = json.loads(line)
                except ValueError:
                    continue
                if j.get("mode") == "churn":
                    results.append(j)
        if len(results) != len(loads):
            errors.append("only %d of %d bench-load results"
                          % (len(results), len(loads)))

        def tot(k):
            return sum(r.get(k, 0) for r in results)
        broken, failed = tot("broken"), tot("failed")
        persistent_open = tot("persistent_open")
        if failed or broken:
            errors.append("%d connection errors (%d persistent connections "
                          "broken, %d connection attempts failed: short "
                          "connections and reconnects; by kind %s)"
                          % (failed, broken, tot("new_failed"),
                             {k: sum(r.get("fail_kinds", {}).get(k, 0)
                                     for r in results)
                              for k in ("connect", "closed", "reset",
                                        "timeout")}))
        if persistent_open != args.conns:
            errors.append("%d of %d persistent connections open at the end"
                          % (persistent_open, args.conns))

        # -- sidecar -------------------------------------------------------
        rc = sc.stop()
        cycles = sc.log().count("event=cycle_done")
        if rc != 0:
            errors.append("cclink-sidecar exited %s on SIGTERM" % rc)
        if cycles < args.duration / 5:
            errors.append("only %d sidecar cycles" % cycles)

        growth = (100.0 * (end_rss - baseline) / baseline
                  if baseline else None)
        if growth is None:
            errors.append("no RSS baseline")
        elif asan:
            log("ASan build: RSS growth %.2f%% reported, not checked "
                "(the allocator's quarantine keeps freed memory)" % growth)
        elif growth >= args.rss_limit:
            errors.append("worker RSS grew %.2f%% (limit %g%%)"
                          % (growth, args.rss_limit))

        # -- nginx ---------------------------------------------------------
        ngx.stop(check=False)
        bad = ngx.bad_lines()
        if bad:
            errors.append("error log has %d alert/emerg/crit lines:\n%s"
                          % (len(bad), "\n".join(bad[:10])))
        reports = ngx.sanitizer_reports()
        if reports:
            errors.append("sanitizer reports:\n%s"
                          % "\n".join(reports)[:5000])
        ngx = None

        summary.update({
            "seconds": args.duration,
            "warmup_seconds": args.warmup,
            "persistent_open_at_end": persistent_open,
            "active_at_end": active,
            "short_connections_ok": tot("new_ok"),
            "pings": tot("pings"),
            "payload_bytes_echoed": tot("pings") * 64 * 2,
            "bytes_through_nginx": nbytes,
            "route_tables_written": table.changes["tables"],
            "routes_added": table.changes["added"],
            "routes_removed": table.changes["removed"],
            "spare_routes_retargeted": table.changes["retargeted_spare"],
            "live_routes_retargeted": table.changes["retargeted_live"],
            "tables_loaded_by_nginx": st["table"]["reloads"],
            "table_load_errors": st["table"]["load_errors"],
            "sidecar_cycles": cycles,
            "sidecar_cycles_by_outcome": cycle_outcomes(sc.log()),
            "fault_switches": fault_switches,
            "faults_switched_on": fault_kinds,
            "rss_kb_start": baseline, "rss_kb_end": end_rss,
            "rss_growth_percent": round(growth, 2)
            if growth is not None else None,
            "rss_checked": not asan,
            "rss_kb_min_max_after_warmup": [
                min(v for t, v in rss if t >= args.warmup),
                max(v for t, v in rss if t >= args.warmup)]
            if baseline else None,
            "connection_errors": failed,
            "alert_emerg_lines": len(bad),
            "sanitizer_reports": len(reports),
        })
        if st["table"]["load_errors"]:
            errors.append("nginx refused %d route tables"
                          % st["table"]["load_errors"])
        with open(os.path.join(wd, "rss.json"), "w") as f:
            json.dump(rss, f)
    except Exception as e:      # noqa: BLE001 - reported as a failure
        errors.append("%s: %s" % (type(e).__name__, e))
    finally:
        if ngx is not None:
            ngx.stop(check=False)
        if sc is not None and sc.proc is not None and sc.proc.poll() is None:
            sc.stop()
        if api is not None:
            api.stop()
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()

    summary["errors"] = errors
    summary["result"] = "FAIL" if errors else "PASS"
    with open(os.path.join(wd, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print("\n== soak summary ==")
    for k, v in summary.items():
        if k != "errors":
            print("  %-30s %s" % (k, v))
    for e in errors:
        print("  ERROR: %s" % e)
    print("soak: %s (%s)" % (summary["result"], wd))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
