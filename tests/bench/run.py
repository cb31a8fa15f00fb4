#!/usr/bin/python3
"""Runs every benchmark scenario against every contender, on this machine,
in one run, and writes a Markdown table and JSON.

    tests/bench/run.py [--quick] [--runs N] [--scenarios a,b] ...

Each run (repetition) goes through the scenarios; within a scenario the
contenders take turns, in an order rotated from one run to the next, each
started fresh from a configuration generated into a temporary directory
and stopped afterwards. Every figure is the median over the runs with the
minimum and maximum; ratios to stock nginx are taken pair by pair (the
same run and scenario), then summarised the same way.

Exit status: 0 when every contender ran every scenario it takes part in,
1 when a measurement failed (the harness or a contender), 2 on bad usage.
No threshold on any figure decides the exit status.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_contenders as bc                               # noqa: E402
import bench_report                                         # noqa: E402
import bench_scenarios as bs                                # noqa: E402
from bench_proc import (BenchError, LineReader, Procs,     # noqa: E402
                        nofile_limit, parse_pins)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class Env:
    """What the scenarios need: the tools, the backends, the settings."""

    def __init__(self, args, procs, outdir):
        build = args.build
        self.procs = procs
        self.outdir = outdir
        self.load = os.path.join(build, "bench", "bench-load")
        self.backend = os.path.join(build, "bench", "bench-backend")
        self.module = os.path.join(build, "modules",
                                   "ngx_stream_cclink_module.so")
        self.workers = args.workers
        self.load_threads = args.load_threads
        self.rate_conns = args.rate_conns
        q = args.quick
        dur = args.duration
        self.durations = {
            "bulk": (dur or (1.0 if q else 5.0), 0.3 if q else 1.0),
            "rate": (dur or (1.0 if q else 5.0), 0.3 if q else 1.0),
        }
        self.rounds = args.rounds or (3000 if q else 20000)
        # descriptors: a proxy holds two per connection
        self.nofile = min(65536, nofile_limit())
        self.max_conns = (self.nofile - 256) // 2
        fit = (self.nofile - 512) // 2 // 100 * 100
        self.hold_conns = min(args.conns or (2000 if q else 10000), fit)
        self.hold_clamped = (args.conns or (2000 if q else 10000)) > fit
        self.changes = args.changes or (5 if q else 100)
        self.sink = self.echo = None
        self.backend_proc = None
        self.current_dir = outdir
        self.rep = 0

    def spawn_load(self, c, argv):
        """Starts bench-load against contender c, logging to this
        measurement's bench-load.log. It is pinned with the backends when a
        proxy is in the path; with no proxy (direct) it may use every CPU."""
        return self.procs.spawn(argv, log=self.log_path("bench-load.log"),
                                role=None if c.name == "direct" else "load")

    def log_path(self, name):
        return os.path.join(self.current_dir, name)

    def start_backend(self):
        argv = [self.backend, "-t", str(self.backend_threads), "-M", "86400"]
        p = self.procs.spawn(argv, log=os.path.join(self.outdir,
                                                    "backend.log"),
                             role="backend")
        ports = LineReader(p).json(10)
        self.backend_proc = p
        self.sink = ports["sink"]
        self.echo = ports["echo"]

    def check_backend(self):
        if self.backend_proc.poll() is not None:
            raise BenchError("the backend exited (status %s)"
                             % self.backend_proc.returncode)

    def probe(self, port, name, timeout, expect="answered", t0=None):
        """Tries name on port until it answers (or is refused); returns the
        milliseconds since t0 (or since the start), or None."""
        argv = [self.load, "probe", "-p", str(port), "-s", name,
                "-d", str(timeout), "-e", expect, "-M", str(timeout + 10)]
        if t0 is not None:
            argv += ["-T", str(t0)]
        try:
            p = subprocess.run(argv, capture_output=True, text=True,
                               timeout=timeout + 15)
        except subprocess.TimeoutExpired:
            return None
        if p.returncode != 0:
            return None
        try:
            return json.loads(p.stdout.splitlines()[-1])["ms"]
        except (ValueError, IndexError, KeyError):
            return None


def machine():
    info = {"cpus": os.cpu_count(), "kernel": platform.release()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            info["memory_gib"] = round(kb / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open("/etc/debian_version") as f:
            info["debian"] = f.read().strip()
    except OSError:
        pass
    return info


def file_id(path):
    """What identifies a binary under test: its hash and time."""
    try:
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:16]
        mtime = datetime.datetime.fromtimestamp(
            os.stat(path).st_mtime).astimezone().isoformat(
                timespec="seconds")
    except OSError:
        return None
    return {"sha256_16": digest, "mtime": mtime}


def git_head():
    try:
        p = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short",
                            "HEAD"], capture_output=True, text=True,
                           timeout=10)
        return p.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="cclink benchmarks: every scenario, every contender")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="the build directory (tools, module, results)")
    ap.add_argument("--quick", action="store_true",
                    help="short run: 1 run, short durations, fewer "
                    "connections (a smoke test of the harness)")
    ap.add_argument("--runs", type=int,
                    help="runs (repetitions); default 5, quick 1")
    ap.add_argument("--scenarios", help="comma-separated subset")
    ap.add_argument("--contenders", help="comma-separated subset")
    ap.add_argument("--workers", type=int, default=1,
                    help="nginx worker_processes and HAProxy nbthread (1)")
    ap.add_argument("--load-threads", type=int, default=1,
                    help="load generator threads (1)")
    ap.add_argument("--backend-threads", type=int, default=1,
                    help="backend threads (1)")
    ap.add_argument("--rate-conns", type=int, default=64,
                    help="connections in flight in the rate scenarios (64)")
    ap.add_argument("--duration", type=float,
                    help="seconds measured per bulk/rate measurement "
                    "(5, quick 1)")
    ap.add_argument("--rounds", type=int,
                    help="ping-pong round trips (20000, quick 3000)")
    ap.add_argument("--conns", type=int,
                    help="connections in the memory scenario "
                    "(10000, quick 2000)")
    ap.add_argument("--changes", type=int,
                    help="route changes per hot-change run (100, quick 5)")
    ap.add_argument("--out", help="result directory "
                    "(default build/bench/<time>)")
    ap.add_argument("--note", default="",
                    help="a note for the report (e.g. \"busy machine\")")
    ap.add_argument("--perf", default="",
                    help="SCENARIO:CONTENDER[,...]: perf record the proxy "
                    "during those measurements")
    ap.add_argument("--update-doc", metavar="PATH",
                    help="replace the results section of PATH "
                    "(docs/BENCHMARKS.md) with this run's table")
    ap.add_argument("--variant", action="append", default=[],
                    metavar="NAME=BASE:DIRECTIVES",
                    help="an extra contender: BASE (nginx or cclink) with "
                    "DIRECTIVES added to its server block, in every "
                    "scenario BASE takes part in, e.g. "
                    "'nginx-4k=nginx:proxy_buffer_size 4k'")
    ap.add_argument("--from-json", metavar="RESULTS",
                    help="run nothing: write the report of a previous run's "
                    "results.json (with --update-doc, into the doc)")
    ap.add_argument("--pin", default="auto", metavar="ROLE=CPUS,...",
                    help="run each role on these CPUs only, e.g. "
                    "'proxy=1,load=0,backend=0' (proxy: every contender's "
                    "processes; load: the load generator, not pinned for "
                    "direct; backend: the backends); 'auto' (the default): "
                    "the proxy on the last CPU, the rest on the others, "
                    "when there are 2 or more; 'none': no pinning")
    ap.add_argument("--keep", action="store_true",
                    help="keep the contenders' work directories")
    args = ap.parse_args(argv)
    if args.runs is None:
        args.runs = 1 if args.quick else 5
    if args.runs < 1 or args.workers < 1 or args.load_threads < 1:
        ap.error("--runs, --workers and --load-threads must be at least 1")
    try:
        args.pins = parse_pins(args.pin)
    except ValueError as e:
        ap.error(str(e))
    return args


def report_only(args):
    with open(args.from_json) as f:
        results = json.load(f)
    bench_report.summarise(results)
    md = bench_report.markdown(results)
    if args.update_doc:
        bench_report.update_doc(args.update_doc, md)
    print(md)
    return 0


def main(argv):
    args = parse_args(argv)
    if args.from_json:
        return report_only(args)
    started = time.time()

    chosen = bs.scenarios(args.quick)
    for spec in args.variant:
        try:
            name, base = bc.add_variant(spec)
        except ValueError as e:
            print("run.py: %s" % e, file=sys.stderr)
            return 2
        for s in chosen:
            if base in s.contenders:
                s.contenders = s.contenders + [name]
    if args.scenarios:
        want = args.scenarios.split(",")
        unknown = [w for w in want if w not in [s.name for s in chosen]]
        if unknown:
            print("run.py: unknown scenario(s): %s" % ", ".join(unknown),
                  file=sys.stderr)
            return 2
        chosen = [s for s in chosen if s.name in want]
    contenders = [c.name for c in bc.ALL]
    if args.contenders:
        want = args.contenders.split(",")
        unknown = [w for w in want if w not in bc.BY_NAME]
        if unknown:
            print("run.py: unknown contender(s): %s" % ", ".join(unknown),
                  file=sys.stderr)
            return 2
        variants = [v.split("=", 1)[0] for v in args.variant]
        contenders = [c for c in contenders if c in want or c in variants]
    perf = set(x for x in args.perf.split(",") if x)

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    outdir = args.out or os.path.join(args.build, "bench", stamp)
    os.makedirs(outdir, exist_ok=True)
    workroot = tempfile.mkdtemp(prefix="cclink-bench-")
    os.chmod(workroot, 0o755)

    for tool in ("bench-load", "bench-backend"):
        if not os.access(os.path.join(args.build, "bench", tool), os.X_OK):
            print("run.py: %s/bench/%s is missing: run 'make bench-tools'"
                  % (args.build, tool), file=sys.stderr)
            return 2
        src = os.path.join(ROOT, "tests", "bench")
        built = os.stat(os.path.join(args.build, "bench", tool)).st_mtime
        newer = [n for n in os.listdir(src) if n.endswith((".c", ".h"))
                 and os.stat(os.path.join(src, n)).st_mtime > built]
        if newer:
            print("run.py: %s/bench/%s is older than %s: run 'make "
                  "bench-tools'" % (args.build, tool, ", ".join(newer)),
                  file=sys.stderr)
            return 2
    needs_module = any(c.startswith("cclink") for c in contenders)
    module = os.path.join(args.build, "modules",
                          "ngx_stream_cclink_module.so")
    if needs_module and not os.path.exists(module):
        print("run.py: %s is missing: run 'make module'" % module,
              file=sys.stderr)
        return 2

    procs = Procs(pins=args.pins)
    env = Env(args, procs, outdir)
    env.backend_threads = args.backend_threads
    results = {
        "meta": {
            "started": datetime.datetime.now().astimezone().isoformat(
                timespec="seconds"),
            "command": shlex.join([os.path.relpath(sys.argv[0], ROOT)] +
                                  sys.argv[1:]),
            "quick": args.quick,
            "runs": args.runs,
            "workers": args.workers,
            "load_threads": args.load_threads,
            "backend_threads": args.backend_threads,
            "rate_conns": args.rate_conns,
            "pins": {k: sorted(v) for k, v in args.pins.items()},
            "durations_s": {k: {"measured": v[0], "warmup": v[1]}
                            for k, v in env.durations.items()},
            "ping_rounds": env.rounds,
            "memory_conns": env.hold_conns,
            "memory_conns_clamped_by_fd_limit": env.hold_clamped,
            "fd_limit": env.nofile,
            "route_changes": env.changes,
            "machine": machine(),
            "versions": bc.versions(),
            "git_head": git_head(),
            "module": file_id(module),
            "loadavg_start": loadavg(),
            "note": args.note,
        },
        "scenarios": {},
        "errors": [],
    }
    for s in chosen:
        results["scenarios"][s.name] = {
            "title": s.title,
            "contenders": {c: {"runs": []} for c in s.contenders
                           if c in contenders},
        }

    failed = False
    seq = 0
    try:
        env.start_backend()
        for rep in range(args.runs):
            env.rep = rep
            for s in chosen:
                names = [c for c in s.contenders if c in contenders]
                if not names:
                    continue
                k = rep % len(names)
                order = names[k:] + names[:k]
                for cname in order:
                    seq += 1
                    workdir = os.path.join(workroot, "%03d-%s-%s"
                                           % (seq, s.name, cname))
                    os.makedirs(workdir)
                    env.current_dir = workdir
                    c = bc.BY_NAME[cname](env)
                    big = s.params.get("nroutes")
                    routes = bc.Routes(big or 10, env.sink, env.echo)
                    hook = None
                    if "%s:%s" % (s.name, cname) in perf:
                        hook = bs.PerfHook(env, os.path.join(
                            outdir, "perf-%s-%s-%d.data"
                            % (s.name, cname, rep + 1)))
                    t = time.monotonic()
                    entry = {"run": rep + 1}
                    try:
                        env.check_backend()
                        c.start(routes, workdir)
                        entry["start_s"] = round(time.monotonic() - t, 2)
                        entry.update(s.measure(env, c, hook=hook))
                        bad = c.errors()
                        if bad:
                            raise BenchError("log has:\n" +
                                             "\n".join(bad[:5]))
                    except BenchError as e:
                        failed = True
                        entry["error"] = str(e)
                        results["errors"].append(
                            {"scenario": s.name, "contender": cname,
                             "run": rep + 1, "error": str(e),
                             "dir": workdir})
                    except Exception as e:          # noqa: BLE001
                        failed = True
                        entry["error"] = "harness: %r" % e
                        results["errors"].append(
                            {"scenario": s.name, "contender": cname,
                             "run": rep + 1, "error": repr(e),
                             "trace": traceback.format_exc(),
                             "dir": workdir})
                    finally:
                        c.stop()
                    entry["wall_s"] = round(time.monotonic() - t, 2)
                    results["scenarios"][s.name]["contenders"][cname][
                        "runs"].append(entry)
                    status = ("error: " + entry["error"].splitlines()[0]
                              if "error" in entry else
                              bench_report.brief(entry))
                    print("run %d/%d  %-13s %-15s %s"
                          % (rep + 1, args.runs, s.name, cname, status),
                          flush=True)
    except BaseException:
        # interrupted: nothing to report
        procs.kill_all()
        if not args.keep:
            shutil.rmtree(workroot, ignore_errors=True)
        raise
    finally:
        procs.kill_all()

    results["meta"]["loadavg_end"] = loadavg()
    if file_id(module) != results["meta"]["module"]:
        results["meta"]["module_changed_during_run"] = file_id(module)
    results["meta"]["seconds"] = round(time.time() - started, 1)
    bench_report.summarise(results)

    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(results, f, indent=1, sort_keys=False)
        f.write("\n")
    md = bench_report.markdown(results)
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write(md)
    latest = os.path.join(args.build, "bench")
    if os.path.abspath(outdir).startswith(os.path.abspath(latest)):
        shutil.copy(os.path.join(outdir, "results.json"),
                    os.path.join(latest, "latest.json"))
        shutil.copy(os.path.join(outdir, "results.md"),
                    os.path.join(latest, "latest.md"))
    if args.update_doc:
        bench_report.update_doc(args.update_doc, md)

    print()
    print(md)
    print("results: %s" % outdir)

    if args.keep or failed:
        print("work directories kept: %s" % workroot)
    else:
        shutil.rmtree(workroot, ignore_errors=True)

    if failed:
        print("run.py: %d measurement(s) failed:" % len(results["errors"]),
              file=sys.stderr)
        for e in results["errors"]:
            print("  %s / %s run %d: %s" % (e["scenario"], e["contender"],
                                             e["run"], e["error"]),
                  file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
