#!/usr/bin/python3
"""Counts the instructions nginx (stock or with cclink) spends in user
space per proxied connection, by function, under valgrind's callgrind.
Instruction counts do not depend on how busy the machine is, so this
answers "what does the module cost" where timings cannot.

    tests/bench/callgrind.py [--contender cclink] [--routes 10]
                             [--conns 2000] [--kind classic|pq]
                             [--directive 'proxy_buffer_size 4k'] [--top 25]

nginx runs as one process (master_process off) under callgrind, with
instrumentation switched on only while the load generator opens --conns
connections (ClientHello, echo back, close) to names drawn from the
route set; the report divides by the connections that completed.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_contenders as bc                               # noqa: E402
from bench_proc import LineReader, Procs, nofile_limit      # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class Env:
    def __init__(self, args, procs):
        self.procs = procs
        self.load = os.path.join(args.build, "bench", "bench-load")
        self.module = os.path.join(args.build, "modules",
                                   "ngx_stream_cclink_module.so")
        self.workers = 1
        self.nofile = min(65536, nofile_limit())
        self.max_conns = (self.nofile - 256) // 2

    def probe(self, port, name, timeout, expect="answered", t0=None):
        p = subprocess.run([self.load, "probe", "-p", str(port), "-s", name,
                            "-d", str(timeout), "-e", expect],
                           capture_output=True, text=True,
                           timeout=timeout + 15)
        return 0 if p.returncode == 0 else None


def under_callgrind(base, out, directives):
    class Profiled(base):
        extra = base.extra + "".join("        %s;\n" % d for d in directives)

        def main_conf(self, loads):
            return super().main_conf(loads).replace(
                "daemon off;\n", "daemon off;\nmaster_process off;\n")

        def argv(self):
            return ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                    "--callgrind-out-file=" + out] + super().argv()

    return Profiled


def instrument(pid, on):
    """Switches callgrind's instrumentation of process pid on or off."""
    subprocess.run(["callgrind_control", "-i", "on" if on else "off",
                    str(pid)], check=True, capture_output=True, timeout=60)


def dump(pid, work):
    """Has process pid write its counts now; the new dump's path in work
    (the directory of its --callgrind-out-file)."""
    before = set(os.listdir(work))
    subprocess.run(["callgrind_control", "-d", str(pid)],
                   check=True, capture_output=True, timeout=300)
    dumps = sorted(set(os.listdir(work)) - before)
    if not dumps:
        raise RuntimeError("callgrind wrote no dump")
    return os.path.join(work, dumps[-1])


def functions(out):
    """(total, [(instructions, function), ...] most first) of a dump,
    self cost; total is None when callgrind_annotate gave none."""
    ann = subprocess.run(["callgrind_annotate", "--inclusive=no", out],
                         capture_output=True, text=True).stdout
    total = None
    rows = []
    for line in ann.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+PROGRAM TOTALS", line)
        if m:
            total = int(m.group(1).replace(",", ""))
            continue
        m = re.match(r"\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(\S+)", line)
        if m and total is not None:
            rows.append((int(m.group(1).replace(",", "")), m.group(3)))
    return total, rows


def print_top(total, rows, done, top, unit, short):
    """Instructions per unit of work (done of them), then the top
    functions."""
    print("user-space instructions per %s: %d" % (unit, total // done))
    print()
    print("%12s  %s" % ("instr/" + short, "function"))
    for ir, fn in rows[:top]:
        print("%12d  %s" % (ir // done, fn))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--contender", default="cclink",
                    choices=["nginx", "cclink", "cclink-proxy"])
    ap.add_argument("--routes", type=int, default=10)
    ap.add_argument("--conns", type=int, default=2000)
    ap.add_argument("--kind", default="classic", choices=["classic", "pq"])
    ap.add_argument("--directive", action="append", default=[])
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--out", help="keep the callgrind output here")
    args = ap.parse_args(argv)

    procs = Procs()
    env = Env(args, procs)
    work = tempfile.mkdtemp(prefix="cclink-callgrind-")
    os.chmod(work, 0o755)
    try:
        return profile(args, procs, env, work)
    finally:
        procs.kill_all()
        shutil.rmtree(work, ignore_errors=True)


def profile(args, procs, env, work):
    out = os.path.join(work, "callgrind.out")
    be = procs.spawn([os.path.join(args.build, "bench", "bench-backend"),
                      "-M", "3600"], log=os.path.join(work, "backend.log"))
    ports = LineReader(be).json(10)
    routes = bc.Routes(args.routes, ports["sink"], ports["echo"])
    cls = under_callgrind(bc.BY_NAME[args.contender], out, args.directive)
    c = cls(env)
    try:
        c.start(routes, os.path.join(work, "nginx"))
        instrument(c.proc.pid, True)
        t = time.monotonic()
        # about 100 connections a second is what callgrind keeps up with
        seconds = max(5.0, args.conns / 100.0)
        p = subprocess.run(
            [env.load, "rate", "-p", str(c.port), "-s", bc.ECHO_PATTERN,
             "-N", str(args.routes), "-k", args.kind,
             "-x", "2" if args.kind == "pq" else "1", "-c", "4", "-S",
             "-d", str(seconds), "-w", "0", "-M", str(seconds + 60)],
            capture_output=True, text=True, timeout=seconds + 90)
        instrument(c.proc.pid, False)
        # dump now: the exit of an nginx with a big map takes long under
        # valgrind
        out = dump(c.proc.pid, work)
        res = [line for line in p.stdout.splitlines()
               if '"mode"' in line][-1]
        done = int(re.search(r'"done":(\d+)', res).group(1))
        failed = int(re.search(r'"failed":(\d+)', res).group(1))
    finally:
        c.stop()

    if args.out:
        shutil.copy(out, args.out)
    total, rows = functions(out)
    print("%s, %d routes, %s ClientHello, %s: %d connections (%d failed) "
          "in %.0f s" % (args.contender, args.routes, args.kind,
                         "; ".join(args.directive) or "defaults", done,
                         failed, time.monotonic() - t))
    if not done or total is None:
        print("no result", file=sys.stderr)
        return 1
    print_top(total, rows, done, args.top, "connection", "conn")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
