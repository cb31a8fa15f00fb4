#!/usr/bin/python3
"""Counts the instructions a DNS server spends in user space per UDP
query, by function, under valgrind's callgrind: the module's DNS server
(nginx with cclink_dns) or, for comparison, Unbound or dnsmasq serving
the same names. Instruction counts do not depend on how busy the
machine is, so this answers "what does a query cost" where timings
cannot.

    tests/bench/callgrind_dns.py [--contender cclink|unbound|dnsmasq]
                                 [--names 10] [--queries 3000]
                                 [--rate 500] [--top 25] [--out FILE]

The server is configured as bench_dns.py configures it (N names, one A
record each), but runs as one process under callgrind (nginx with
master_process off), on a free loopback port. Instrumentation is on
only while dnsperf sends --queries queries for names drawn from the N
at --rate queries a second (what callgrind keeps up with); the report
divides by the queries dnsperf saw answered.
"""

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_dns                                            # noqa: E402
from bench_proc import Procs                                # noqa: E402
from callgrind import dump, functions, instrument, print_top  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class Profiled(bench_dns.Server):
    """A bench_dns server as one process under callgrind."""

    def __init__(self, kind, n, d, build, procs, out):
        super().__init__(kind, n, d, build, procs)
        self.out = out

    def valgrind(self, argv):
        return ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                "--callgrind-out-file=" + self.out] + argv

    def _cclink(self):
        argv = super()._cclink()
        conf = argv[-1]
        with open(conf) as f:
            text = f.read()
        with open(conf, "w") as f:
            f.write(text.replace("master_process on;",
                                 "master_process off;"))
        return self.valgrind(argv)

    def _unbound(self):
        return self.valgrind(super()._unbound())

    def _dnsmasq(self):
        return self.valgrind(super()._dnsmasq())


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--contender", default="cclink",
                    choices=bench_dns.CONTENDERS)
    ap.add_argument("--names", type=int, default=10)
    ap.add_argument("--queries", type=int, default=3000)
    ap.add_argument("--rate", type=int, default=500,
                    help="queries per second")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--out", help="keep the callgrind output here")
    args = ap.parse_args(argv)

    procs = Procs()
    work = tempfile.mkdtemp(prefix="cclink-callgrind-dns-")
    # dnsmasq writes its dump after giving up root
    os.chmod(work, 0o1777)
    try:
        return profile(args, procs, work)
    finally:
        procs.kill_all()
        shutil.rmtree(work, ignore_errors=True)


def profile(args, procs, work):
    out = os.path.join(work, "callgrind.out")
    data = os.path.join(work, "queries.txt")
    rng = random.Random(1)
    with open(data, "w") as f:
        for _ in range(args.queries):
            f.write("%s A\n" % bench_dns.name_of(rng.randrange(args.names)))

    srv = Profiled(args.contender, args.names,
                   os.path.join(work, args.contender), args.build, procs,
                   out)
    try:
        srv.start(timeout=600)
        pid = srv.proc.pid
        seconds = args.queries / float(args.rate)
        t = time.monotonic()
        instrument(pid, True)
        p = subprocess.run(
            ["dnsperf", "-s", "127.0.0.1", "-p", str(srv.port), "-d", data,
             "-n", "1", "-l", "%g" % (seconds + 60), "-Q", str(args.rate),
             "-c", "1", "-T", "1", "-t", "5"],
            capture_output=True, text=True, timeout=seconds + 120)
        instrument(pid, False)
        out = dump(pid, work)
        took = time.monotonic() - t
    finally:
        srv.stop()

    m = re.search(r"Queries completed:\s+(\d+)", p.stdout)
    done = int(m.group(1)) if m else 0
    m = re.search(r"Queries lost:\s+(\d+)", p.stdout)
    lost = int(m.group(1)) if m else 0

    if args.out:
        shutil.copy(out, args.out)
    total, rows = functions(out)
    print("%s, %d names: %d UDP queries answered (%d lost) in %.0f s"
          % (args.contender, args.names, done, lost, took))
    if not done or total is None:
        print("no result", file=sys.stderr)
        print(p.stdout[-2000:], file=sys.stderr)
        return 1
    print_top(total, rows, done, args.top, "query", "query")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
