"""The contenders of the benchmarks and their configurations.

Every contender gets its configuration written into a fresh directory for
each measurement, listens on a free loopback port, runs with the same
number of workers (nginx worker_processes, HAProxy nbthread), and routes
the same names to the same backends:

    SINK_NAME            -> the sink backend (bulk throughput)
    ECHO_PATTERN, 0..N-1 -> the echo backend (everything else)
    anything else        -> refused: no upstream connection at all

    direct          no proxy: the load generator talks to the backends
    nginx           stock nginx: ssl_preread + map + proxy_pass, the map's
                    default is an upstream whose only server is down
    haproxy         HAProxy: req.ssl_sni + a map file, inspect-delay with
                    an accept rule on req.ssl_hello_type 1
    haproxy-splice  the same with "option splice-auto"
    cclink          nginx + ngx_cclink_module with a route table file and the
                    module's relay (cclink_pass), as
                    conf-templates/nginx-cclink.conf sets it up
    cclink-proxy    the same routing with nginx's proxy_pass as the relay
"""

import os
import re
import signal
import subprocess
import time

from bench_proc import (BenchError, cpu_seconds, free_port, group_pids,
                        rss_kib, wait_port, write_atomic)

HOST = "127.0.0.1"
SINK_NAME = "sink-bulk.bench.cclink.test"
ECHO_PATTERN = "e-#-usw2-az1-bench.us-west-2.aws.cclink.test"
NEW_PATTERN = "n-#-usw2-az1-bench.us-west-2.aws.cclink.test"
UNKNOWN_NAME = "unknown-name.bench.cclink.test"

NGINX = os.environ.get("CCLINK_NGINX", "/usr/sbin/nginx")
HAPROXY = os.environ.get("CCLINK_HAPROXY", "/usr/sbin/haproxy")
STREAM_SO = "/usr/lib/nginx/modules/ngx_stream_module.so"


def expand(pattern, i):
    """The name pattern with '#' replaced by i on 6 digits, as bench-load
    does."""
    return pattern.replace("#", "%06d" % i)


class Routes:
    """What a contender routes: nroutes echo names, the sink name, and the
    names added by route changes."""

    def __init__(self, nroutes, sink, echo):
        self.nroutes = nroutes
        self.sink = sink
        self.echo = echo
        self.added = []
        self.serial = 1

    def add(self, name):
        self.added.append(name)
        self.serial += 1

    def echo_names(self):
        for i in range(self.nroutes):
            yield expand(ECHO_PATTERN, i)
        for name in self.added:
            yield name

    def count(self):
        return self.nroutes + 1 + len(self.added)

    def cclink_table(self):
        out = ["# bench route table", "cclink-routes 1",
               "serial %d" % self.serial, "generated bench", "",
               "group sink %s:%d" % (HOST, self.sink),
               "group echo %s:%d" % (HOST, self.echo), "",
               "route %s sink" % SINK_NAME]
        out.extend("route %s echo" % n for n in self.echo_names())
        out.extend(["", "end", ""])
        return "\n".join(out)

    def nginx_map(self):
        names = [SINK_NAME] + list(self.echo_names())
        width = max(len(n) for n in names)
        bucket = 64
        while bucket < width + 32:
            bucket *= 2
        size = 2048
        while size < len(names) * 2:
            size *= 2
        out = ["map_hash_bucket_size %d;" % bucket,
               "map_hash_max_size %d;" % size, "",
               "map $ssl_preread_server_name $bench_upstream {",
               "    hostnames;",
               "    default bench_refuse;",
               "    %s bench_sink;" % SINK_NAME]
        out.extend("    %s bench_echo;" % n for n in self.echo_names())
        out.extend(["}", ""])
        return "\n".join(out)

    def haproxy_map(self):
        out = ["%s bench_sink" % SINK_NAME]
        out.extend("%s bench_echo" % n for n in self.echo_names())
        out.append("")
        return "\n".join(out)


class Contender:
    name = ""
    proxy = True            # false for direct
    reloads = False         # a route change needs a reload

    def __init__(self, env):
        self.env = env
        self.proc = None
        self.dir = None
        self.port = None
        self.routes = None

    # what the load generator connects to
    def target(self, backend):
        return self.port

    def pids(self):
        if self.proc is None:
            return []
        return group_pids(self.proc.pid)

    def rss_kib(self):
        return rss_kib(self.pids())

    def cpu_seconds(self):
        return cpu_seconds(self.pids())

    def start(self, routes, workdir):
        self.routes = routes
        self.dir = workdir
        os.makedirs(os.path.join(workdir, "logs"), exist_ok=True)
        os.chmod(workdir, 0o755)
        self.port = free_port(HOST)
        self.write_config()
        self.proc = self.env.procs.spawn(self.argv(),
                                         log=os.path.join(workdir,
                                                          "stderr.log"),
                                         stdin=False, stdout=False,
                                         role="proxy")
        wait_port(HOST, self.port, timeout=60, proc=self.proc)
        self.check()

    def check(self):
        """A routed name is answered and an unknown one refused."""
        env = self.env
        ok = env.probe(self.port, expand(ECHO_PATTERN, 0), timeout=10)
        if ok is None:
            raise BenchError("%s does not answer a routed name; see %s"
                             % (self.name, self.dir))
        if self.proxy:
            refused = env.probe(self.port, UNKNOWN_NAME, timeout=5,
                                expect="refused")
            if refused is None:
                raise BenchError("%s answers an unknown name (open relay?)"
                                 % self.name)

    def stop(self):
        if self.proc is not None:
            self.env.procs.stop(self.proc, signal.SIGTERM, timeout=5)
            self.proc = None

    def change_routes(self):
        """Writes the route set after a change; returns when written (and,
        if this contender needs one, the reload was asked for)."""
        self.write_routes()
        if self.reloads:
            self.reload()

    def reload(self):
        pass

    def before_change(self, rng):
        """Waits before the next route change. A contender that polls the
        file gets the change at a random moment of its polling interval
        (as real writes come); one that reloads gets its last reload
        finished first."""
        if not self.reloads:
            time.sleep(rng.uniform(0, self.poll_interval))
        else:
            time.sleep(0.15)

    poll_interval = 1.0

    def crashes(self):
        """Worker processes that ended on a signal, from the logs."""
        return 0

    def _log_text(self, name):
        try:
            with open(os.path.join(self.dir, name), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def write_config(self):
        raise NotImplementedError

    def write_routes(self):
        raise NotImplementedError

    def argv(self):
        raise NotImplementedError

    def errors(self):
        """Alarming lines of the contender's logs."""
        bad = []
        for name in ("error.log", "stderr.log"):
            path = os.path.join(self.dir or "", "logs", name)
            if name == "stderr.log":
                path = os.path.join(self.dir or "", name)
            try:
                with open(path, errors="replace") as f:
                    for line in f:
                        if ("[alert]" in line or "[emerg]" in line
                                or "[crit]" in line or "[ALERT]" in line):
                            bad.append(line.rstrip())
            except OSError:
                pass
        return bad


class Direct(Contender):
    name = "direct"
    proxy = False

    def target(self, backend):
        return self.routes.sink if backend == "sink" else self.routes.echo

    def start(self, routes, workdir):
        self.routes = routes
        self.dir = workdir
        self.port = routes.echo
        self.check()

    def stop(self):
        pass


class _NginxBase(Contender):
    reloads = True

    def main_conf(self, loads):
        d = self.dir
        return ("".join("load_module %s;\n" % so for so in loads) +
                "worker_processes %d;\n" % self.env.workers +
                "worker_rlimit_nofile %d;\n" % self.env.nofile +
                "daemon off;\n"
                "error_log %s/logs/error.log notice;\n" % d +
                "pid %s/nginx.pid;\n" % d +
                "events {\n    worker_connections %d;\n}\n"
                % (self.env.nofile - 64))

    def argv(self):
        return [NGINX, "-p", self.dir + "/", "-c",
                os.path.join(self.dir, "nginx.conf")]

    def reload(self):
        os.kill(self.proc.pid, signal.SIGHUP)

    def crashes(self):
        return len(re.findall(r"exited on signal",
                              self._log_text("logs/error.log")))


class StockNginx(_NginxBase):
    name = "nginx"
    extra = ""

    def write_config(self):
        d = self.dir
        r = self.routes
        text = self.main_conf([STREAM_SO]) + (
            "stream {\n"
            "    include %s/routes-map.conf;\n\n" % d +
            "    upstream bench_sink { server %s:%d; }\n" % (HOST, r.sink) +
            "    upstream bench_echo { server %s:%d; }\n" % (HOST, r.echo) +
            "    upstream bench_refuse { server 127.0.0.1:1 down; }\n\n"
            "    server {\n"
            "        listen %s:%d backlog=4096;\n" % (HOST, self.port) +
            "        ssl_preread on;\n"
            "        preread_timeout 10s;\n" + self.extra +
            "        proxy_pass $bench_upstream;\n"
            "        proxy_connect_timeout 3s;\n"
            "        proxy_timeout 1h;\n"
            "    }\n"
            "}\n")
        self.write_routes()
        write_atomic(os.path.join(d, "nginx.conf"), text)

    def write_routes(self):
        write_atomic(os.path.join(self.dir, "routes-map.conf"),
                     self.routes.nginx_map())


class Cclink(_NginxBase):
    name = "cclink"
    reloads = False
    # the default interval of cclink_routes, as the sample configuration
    poll_interval = 0.5
    extra = ("        preread_buffer_size 17k;\n")
    relay = ("        cclink_pass cclink_endpoints;\n"
             "        cclink_pass_connect_timeout 3s;\n"
             "        cclink_pass_next_upstream_tries 3;\n"
             "        cclink_pass_timeout 1h;\n")

    def write_config(self):
        d = self.dir
        text = self.main_conf([STREAM_SO, self.env.module]) + (
            "stream {\n"
            "    cclink_routes %s/routes.conf zone=cclink:64m;\n\n" % d +
            "    upstream cclink_endpoints {\n"
            "        cclink_balancer max_fails=1 fail_timeout=10s;\n"
            "    }\n\n"
            "    server {\n"
            "        listen %s:%d backlog=4096;\n" % (HOST, self.port) +
            "        cclink_route on;\n"
            "        preread_timeout 10s;\n" + self.extra + self.relay +
            "    }\n"
            "}\n")
        self.write_routes()
        write_atomic(os.path.join(d, "nginx.conf"), text)

    def write_routes(self):
        write_atomic(os.path.join(self.dir, "routes.conf"),
                     self.routes.cclink_table())


class CclinkProxy(Cclink):
    name = "cclink-proxy"
    relay = ("        proxy_pass cclink_endpoints;\n"
             "        proxy_connect_timeout 3s;\n"
             "        proxy_next_upstream on;\n"
             "        proxy_next_upstream_tries 3;\n"
             "        proxy_timeout 1h;\n")


class Haproxy(Contender):
    name = "haproxy"
    reloads = True
    splice = False

    def write_config(self):
        d = self.dir
        r = self.routes
        text = (
            "global\n"
            "    nbthread %d\n" % self.env.workers +
            "    maxconn %d\n" % self.maxconn() +
            ("    maxpipes %d\n" % self.MAXPIPES if self.splice else "") +
            "    stats socket %s/admin.sock mode 600 level admin "
            "expose-fd listeners\n" % d +
            "\n"
            "defaults\n"
            "    mode tcp\n"
            "    timeout connect 3s\n"
            "    timeout client 1h\n"
            "    timeout server 1h\n" +
            ("    option splice-auto\n" if self.splice else "") +
            "\n"
            "frontend bench\n"
            "    bind %s:%d\n" % (HOST, self.port) +
            "    tcp-request inspect-delay 10s\n"
            "    tcp-request content accept if { req.ssl_hello_type 1 }\n"
            "    use_backend %%[req.ssl_sni,lower,map(%s/routes.map,"
            "bench_refuse)]\n" % d +
            "    default_backend bench_refuse\n"
            "\n"
            "backend bench_sink\n"
            "    server sink %s:%d\n" % (HOST, r.sink) +
            "\n"
            "backend bench_echo\n"
            "    server echo %s:%d\n" % (HOST, r.echo) +
            "\n"
            "backend bench_refuse\n")
        self.write_routes()
        write_atomic(os.path.join(d, "haproxy.cfg"), text)

    MAXPIPES = 1024

    def maxconn(self):
        # two descriptors per connection, two per pipe when splicing
        n = self.env.max_conns
        if self.splice:
            n -= self.MAXPIPES
        return n

    def write_routes(self):
        write_atomic(os.path.join(self.dir, "routes.map"),
                     self.routes.haproxy_map())

    def argv(self):
        # master-worker in the foreground: SIGUSR2 reloads
        return [HAPROXY, "-W", "-db", "-f",
                os.path.join(self.dir, "haproxy.cfg"),
                "-p", os.path.join(self.dir, "haproxy.pid")]

    def reload(self):
        self.reloads_asked = getattr(self, "reloads_asked", 0) + 1
        os.kill(self.proc.pid, signal.SIGUSR2)

    def before_change(self, rng):
        # The 2.6 master ignores a SIGUSR2 that comes while it is still
        # settling after the previous reload (about every other one when
        # sent back to back): wait for its "Loading success." line first.
        want = getattr(self, "reloads_asked", 0) + 1
        deadline = time.monotonic() + 15
        while (self._log_text("stderr.log").count("Loading success.")
               < want and time.monotonic() < deadline):
            time.sleep(0.01)
        time.sleep(0.15)

    def crashes(self):
        return len(re.findall(r"worker \(\d+\) exited with code "
                              r"(13[0-9]|1[4-9][0-9])",
                              self._log_text("stderr.log")))


class HaproxySplice(Haproxy):
    name = "haproxy-splice"
    splice = True


ALL = [Direct, StockNginx, Haproxy, HaproxySplice, Cclink, CclinkProxy]
BY_NAME = {c.name: c for c in ALL}


def add_variant(spec):
    """NAME=BASE:DIRECTIVES, e.g. "nginx-4k=nginx:proxy_buffer_size 4k;":
    a contender like BASE (nginx or cclink) with DIRECTIVES added to its
    server block. Returns (name, base)."""
    if "=" not in spec or ":" not in spec.split("=", 1)[1]:
        raise ValueError("a variant is NAME=BASE:DIRECTIVES")
    name, rest = spec.split("=", 1)
    base, directives = rest.split(":", 1)
    bases = {"nginx": StockNginx, "cclink": Cclink}
    if base not in bases or not name or name in BY_NAME:
        raise ValueError("variant %r: the base must be nginx or cclink and "
                         "the name new" % spec)
    lines = "".join("        %s;\n" % d.strip()
                    for d in directives.split(";") if d.strip())
    extra = lines
    if base == "cclink" and "preread_buffer_size" not in directives:
        extra = Cclink.extra + lines
    cls = type("Variant_" + name.replace("-", "_"), (bases[base],),
               {"name": name, "extra": extra})
    ALL.append(cls)
    BY_NAME[name] = cls
    return name, base


def versions():
    """The versions of the contenders, for the report."""
    out = {}
    try:
        p = subprocess.run([NGINX, "-v"], capture_output=True, text=True,
                           timeout=10)
        # "nginx version: nginx/1.22.1" -> "1.22.1"
        out["nginx"] = (p.stderr or p.stdout).strip().split("/")[-1]
    except (OSError, subprocess.SubprocessError):
        out["nginx"] = None
    try:
        p = subprocess.run([HAPROXY, "-v"], capture_output=True, text=True,
                           timeout=10)
        # "HAProxy version 2.6.12-1+deb12u4 2026/10/17 - ..." -> the version
        words = p.stdout.split()
        out["haproxy"] = words[2] if len(words) > 2 else None
    except (OSError, subprocess.SubprocessError):
        out["haproxy"] = None
    return out


def wait_gone(proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
