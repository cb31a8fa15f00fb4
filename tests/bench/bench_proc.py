"""Processes of a benchmark run: starting them in their own process groups,
reading their JSON lines with time limits, measuring them through /proc,
and killing every one of them when the run ends, however it ends.

    procs = Procs()
    p = procs.spawn(["bench-backend"], log="backend.log")
    first = LineReader(p).json(timeout=5)
    ...
    procs.kill_all()          # also run at exit and on SIGTERM/SIGINT
"""

import atexit
import json
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import time

# free_port() is the tests' own (tests/lib/nginx.py)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from lib.nginx import free_port                            # noqa: E402,F401


class BenchError(Exception):
    """A measurement could not be made: the harness or a contender failed."""


NOFILE = 262144


def _raise_nofile():
    """Room for tens of thousands of connections (proxies hold two
    descriptors per connection): the hard limit is raised where that is
    allowed (CAP_SYS_RESOURCE), the soft one up to the hard one anyway."""
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))
    except (ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def parse_pins(spec):
    """"proxy=1,load=0,backend=0" -> {"proxy": {1}, ...}; a role's CPUs
    may be a list ("0-1" or "0+1"). "auto": with 2 CPUs or more, the
    proxy on the last one and the load generator and backends on the
    others; "none" (or auto on 1 CPU): no pinning. Raises ValueError on a
    bad spec."""
    pins = {}
    if spec == "none":
        return pins
    if spec == "auto":
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) < 2:
            return pins
        rest = set(cpus[:-1])
        return {"proxy": {cpus[-1]}, "load": rest, "backend": rest}
    allowed = os.sched_getaffinity(0)
    for part in spec.split(","):
        role, _, cpus = part.partition("=")
        role = role.strip()
        if role not in ("proxy", "load", "backend") or not cpus:
            raise ValueError("bad --pin part %r (ROLE=CPUS, ROLE one of "
                             "proxy, load, backend)" % part)
        got = set()
        for c in cpus.replace("+", " ").split():
            lo, _, hi = c.partition("-")
            if not lo.isdigit() or not (hi or lo).isdigit():
                raise ValueError("bad --pin CPUs %r (numbers, N-M or "
                                 "N+M)" % cpus)
            got.update(range(int(lo), int(hi or lo) + 1))
        if not got or not got <= allowed:
            raise ValueError("bad --pin CPUs %r (this process may use %s)"
                             % (cpus, "+".join(str(c)
                                                for c in sorted(allowed))))
        pins[role] = got
    return pins


def nofile_limit():
    """The descriptor limit every process of the run gets."""
    _raise_nofile()
    return resource.getrlimit(resource.RLIMIT_NOFILE)[1]


class Procs:
    """Every process the run starts, each in a new session (process group)
    so that killing the group also kills what it forked (nginx workers,
    HAProxy workers, old workers left by a reload)."""

    def __init__(self, pins=None):
        self.groups = []
        # role ("proxy", "load", "backend") -> the CPUs its processes may
        # run on; none: no pinning
        self.pins = pins or {}
        self.closed = False
        atexit.register(self.kill_all)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signo, frame):
        self.kill_all()
        raise SystemExit(128 + signo)

    def spawn(self, argv, log=None, stdin=True, stdout=True, env=None,
              role=None):
        cpus = self.pins.get(role)

        def setup():
            _raise_nofile()
            if cpus:
                os.sched_setaffinity(0, cpus)
        out = subprocess.PIPE if stdout else subprocess.DEVNULL
        err = subprocess.DEVNULL
        if log:
            err = open(log, "ab")
            if not stdout:
                out = err
        p = subprocess.Popen(argv,
                             stdin=subprocess.PIPE if stdin
                             else subprocess.DEVNULL,
                             stdout=out, stderr=err, bufsize=0,
                             start_new_session=True, env=env,
                             preexec_fn=setup)
        if log:
            err.close()
        self.groups.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM, timeout=5.0):
        """Ends p's whole process group: sig first, SIGKILL after timeout."""
        if p not in self.groups:
            return
        for s in (sig, signal.SIGKILL):
            try:
                os.killpg(p.pid, s)
            except ProcessLookupError:
                break
            except PermissionError:
                break
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if p.poll() is not None and not group_pids(p.pid):
                    break
                time.sleep(0.02)
            else:
                continue
            break
        try:
            p.wait(timeout=1)
        except subprocess.TimeoutExpired:
            pass
        for f in (p.stdin, p.stdout):
            try:
                if f:
                    f.close()
            except OSError:
                pass
        self.groups.remove(p)

    def kill_all(self):
        for p in list(self.groups):
            self.stop(p, signal.SIGTERM, timeout=2.0)


class LineReader:
    """Reads newline-terminated JSON objects from a process's stdout with a
    time limit, without Python's buffering hiding lines from select()."""

    def __init__(self, proc):
        self.proc = proc
        self.fd = proc.stdout.fileno()
        self.buf = b""
        self.eof = False

    def line(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            if self.eof:
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                raise BenchError("no output from %s within %.0f s"
                                 % (os.path.basename(self.proc.args[0]),
                                    timeout))
            r, _, _ = select.select([self.fd], [], [], left)
            if not r:
                continue
            chunk = os.read(self.fd, 65536)
            if not chunk:
                self.eof = True
                continue
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("utf-8", "replace")

    def json(self, timeout):
        line = self.line(timeout)
        if line is None:
            raise BenchError("%s ended without a result (exit status %s)"
                             % (os.path.basename(self.proc.args[0]),
                                self.proc.poll()))
        try:
            return json.loads(line)
        except ValueError:
            raise BenchError("%s printed %r, not JSON"
                             % (os.path.basename(self.proc.args[0]), line))


def _stat_fields(pid):
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    # the command name may hold spaces and parentheses
    return s[s.rindex(")") + 2:].split()


def group_pids(pgid):
    """The live processes of process group pgid."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        try:
            fields = _stat_fields(pid)
        except (OSError, ValueError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(pid)
    return sorted(pids)


def rss_kib(pids):
    """The sum of VmRSS over pids, in KiB."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids):
    """User plus system CPU time of pids, in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = _stat_fields(pid)
        except (OSError, ValueError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total / _TICK


def wait_port(host, port, timeout, proc=None):
    """Waits until host:port accepts a connection; fails early if proc
    (the server) has exited."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise BenchError("%s exited with status %s before listening"
                             % (os.path.basename(proc.args[0]),
                                proc.returncode))
        if time.monotonic() > deadline:
            raise BenchError("nothing listens on %s:%d after %.0f s"
                             % (host, port, timeout))
        time.sleep(0.02)


def write_atomic(path, text):
    """Replaces path with text: a temporary file in the same directory,
    fsync, rename."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o644)
    os.rename(tmp, path)
