#!/usr/bin/env python3
"""A simulated private endpoint: the VPC endpoint plus Confluent's own SNI
routing behind it, played by a second, stock nginx (stream module).

It listens on one loopback address per availability zone (127.20.1.1 for
the first zone, 127.20.2.1 for the second, ...; any 127.0.0.0/8 address
works on Linux without set-up), on the Kafka port (9092) and the HTTPS port
(443). It terminates TLS with a certificate from the test CA for every
routed name (plus a wildcard for each name's parent domain, as Confluent's
own certificates are), and forwards by SNI:

    port 9092: broker names -> the Kafka mock broker's port,
               bootstrap names -> all brokers of the cluster
    port 443:  REST / Schema Registry / Flink names -> HTTP backends

A name without a route is closed right after the handshake (the access log
shows status 500 and no upstream). The access log
(JSON lines) records the zone and the address that took each connection, so
zone affinity is visible to tests.

Python API:

    ep = PrivateEndpoint(workdir, ca, zones={"usw2-az1": "127.20.1.1", ...},
                         kafka_routes={"e-0a3f-...": "127.0.0.1:41001"},
                         https_routes={"lkc-...": "127.0.0.1:41500"})
    ep.start(); ...; ep.set_zone_down("usw2-az2"); ...; ep.stop()

Command line: see --help. The broker map JSON (--brokers) is
{"<broker host name>": "127.0.0.1:<port>", ...}, or the info file that
tests/sim/kafka's mock_cluster writes (--info-file).
"""

import argparse
import hashlib
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
sys.path.insert(0, os.path.dirname(_HERE))

from lib.pki import TestCA  # noqa: E402
import scenario as sc  # noqa: E402
from simcore import wait_for, write_file_atomic  # noqa: E402

STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so"
DEFAULT_ZONES = ("usw2-az1", "usw2-az2", "usw2-az3")
DEFAULT_BASE = "127.20"
_NAME = re.compile(r"^(\*\.|\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*"
                   r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class EndpointError(RuntimeError):
    """The endpoint could not be configured, started or changed."""


def zone_addresses(zones, base=DEFAULT_BASE):
    """{zone: address}: the i-th zone (from 1) listens on BASE.i.1."""
    a, b = (int(x) for x in base.split("."))
    if a != 127 or not 0 <= b <= 255:
        raise EndpointError("zone base %r is not 127.N" % base)
    return {z: "%d.%d.%d.1" % (a, b, i + 1) for i, z in enumerate(zones)}


def parse_backend(value):
    """'127.0.0.1:41001' -> ('127.0.0.1', 41001); the address must be an IP
    literal so that nginx needs no resolver."""
    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host)
        p = int(port)
    except ValueError:
        raise EndpointError("backend %r is not IP:PORT" % value) from None
    if not sep or not 0 < p < 65536:
        raise EndpointError("backend %r is not IP:PORT" % value)
    return host, p


def _backends(value):
    items = value if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise EndpointError("a route needs at least one backend")
    out = []
    for v in items:
        h, p = parse_backend(v)
        out.append("[%s]:%d" % (h, p) if ":" in h else "%s:%d" % (h, p))
    return out


def _check_routes(routes, what):
    clean = {}
    for name, backend in (routes or {}).items():
        n = name.lower().rstrip(".")
        if not _NAME.match(n):
            raise EndpointError("%s route name %r is not a host name or a "
                                "'*.suffix' wildcard" % (what, name))
        clean[n] = _backends(backend)
    return clean


def cert_names(names):
    """Subject alt names for routed names: each name, '*.' + its parent
    domain, and for wildcards the wildcard itself."""
    sans = set()
    for n in names:
        if n.startswith("."):
            sans.update((n[1:], "*" + n))
        elif n.startswith("*."):
            sans.add(n)
        else:
            sans.add(n)
            parent = n.split(".", 1)[1] if "." in n else None
            if parent and "." in parent:
                sans.add("*." + parent)
    return sorted(sans)


def broker_map_from(data, source="broker map"):
    """{broker host name: 'IP:PORT'} from any of the accepted forms:

    - {"<broker host name>": "127.0.0.1:<port>" (or a list of them)}
    - the same wrapped as {"brokers": {...}}
    - the info file of tests/sim/kafka's mock_cluster:
      {"brokers": [{"host": "<name>", "listen": "127.0.0.1:<port>"}, ...]}
    """
    if isinstance(data, dict) and isinstance(data.get("brokers"), list):
        out = {}
        for b in data["brokers"]:
            if not (isinstance(b, dict) and isinstance(b.get("host"), str)
                    and isinstance(b.get("listen"), str)):
                raise EndpointError("%s: each broker needs 'host' and "
                                    "'listen'" % source)
            out[b["host"].lower()] = b["listen"]
        return out
    if isinstance(data, dict) and isinstance(data.get("brokers"), dict):
        data = data["brokers"]
    if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, (str, list))
            for k, v in data.items()):
        raise EndpointError("%s: want {\"host name\": \"IP:PORT\", ...}"
                            % source)
    return {k.lower(): v for k, v in data.items()}


def load_broker_map(path):
    """Reads a broker map file (see broker_map_from for the forms)."""
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise EndpointError("broker map %s: %s" % (path, e)) from None
    return broker_map_from(data, "broker map %s" % path)


def routes_for_cluster(cluster, broker_map, rest_backend=None,
                       strict=True):
    """(kafka_routes, https_routes) for one Kafka cluster of a scenario.

    cluster: the scenario resource (Store.cluster(id)). broker_map: broker
    host -> 'IP:PORT' (load_broker_map). Broker names route to their own
    port; bootstrap names to all of the cluster's brokers; REST names to
    rest_backend when given. strict: every scenario broker must be mapped.
    """
    names = sc.cluster_names(cluster)
    kafka, backends = {}, []
    for host, _port in names["brokers"]:
        if host not in broker_map:
            if strict:
                raise EndpointError("broker %s of %s is not in the broker "
                                    "map" % (host, cluster["id"]))
            continue
        kafka[host] = broker_map[host]
        backends.extend(_backends(broker_map[host]))
    if backends:
        for host, _port in names["bootstrap"]:
            kafka[host] = sorted(set(backends))
    https = {}
    if rest_backend:
        for host, _port in names["rest"]:
            https[host] = rest_backend
    return kafka, https


def port_is_free(address, port):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((address, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def can_connect(address, port, timeout=0.5):
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


class PrivateEndpoint:
    """A stock nginx playing a private endpoint. See the module docstring.

    workdir: directory for nginx.conf, logs and the pid file (created).
    ca: a lib.pki.TestCA, or the directory of one.
    zones: {zone label: listen address}; default zone_addresses() of
        DEFAULT_ZONES.
    kafka_routes / https_routes: {SNI name or '*.suffix': 'IP:PORT' or a
        list of them (spread over, round robin)}.
    extra_names: more names for the certificate (routed or not).
    """

    def __init__(self, workdir, ca, zones=None, kafka_routes=None,
                 https_routes=None, kafka_port=9092, https_port=443,
                 extra_names=(), nginx=None, name="endpoint"):
        self.workdir = os.path.abspath(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.ca = ca if isinstance(ca, TestCA) else TestCA(ca)
        self.zones = dict(zones or zone_addresses(DEFAULT_ZONES))
        for z, addr in self.zones.items():
            ip = ipaddress.ip_address(addr)
            if not ip.is_loopback:
                raise EndpointError("zone %s address %s is not loopback"
                                    % (z, addr))
        self.kafka_port = kafka_port
        self.https_port = https_port
        self.kafka_routes = _check_routes(kafka_routes, "kafka")
        self.https_routes = _check_routes(https_routes, "https")
        self.extra_names = [n.lower() for n in extra_names]
        self.down = set()
        self.name = name
        self.nginx = nginx or shutil.which("nginx") or "/usr/sbin/nginx"
        self.conf = os.path.join(self.workdir, "nginx.conf")
        self.pid_file = os.path.join(self.workdir, "nginx.pid")
        self.error_log = os.path.join(self.workdir, "error.log")
        self.access_log = os.path.join(self.workdir, "access.log")
        self.cert = self.key = None
        self.proc = None

    # -- facts for tests -------------------------------------------------

    @property
    def ca_file(self):
        return self.ca.cert

    @property
    def addresses(self):
        """{zone: address} of the zones that are up."""
        return {z: a for z, a in self.zones.items() if z not in self.down}

    def address(self, zone):
        return self.zones[zone]

    # -- configuration ---------------------------------------------------

    def _issue_cert(self):
        names = cert_names(list(self.kafka_routes) + list(self.https_routes)
                           + self.extra_names)
        if not names:
            names = ["endpoint.invalid"]
        label = "endpoint-" + hashlib.sha1(
            "\n".join(names).encode()).hexdigest()[:12]
        self.cert, self.key = self.ca.issue(label, names)

    def render(self):
        """The nginx.conf text for the current routes and zones."""
        up = [(z, a) for z, a in self.zones.items() if z not in self.down]
        if not up:
            raise EndpointError("at least one zone must be up")
        upstreams = []
        lines = []

        def emit_map(var, routes):
            lines.append("    map $ssl_server_name $%s {" % var)
            lines.append("        hostnames;")
            lines.append('        default "";')
            for n, backends in sorted(routes.items()):
                if len(backends) == 1:
                    target = backends[0]
                else:
                    target = "ep_up_%d" % len(upstreams)
                    upstreams.append((target, backends))
                lines.append("        %-60s %s;" % (n, target))
            lines.append("    }")

        emit_map("ep_kafka_backend", self.kafka_routes)
        emit_map("ep_https_backend", self.https_routes)
        lines.append("    map $server_addr $ep_zone {")
        lines.append('        default "";')
        for z, a in self.zones.items():
            lines.append('        %s "%s";' % (a, z))
        lines.append("    }")
        for uname, backends in upstreams:
            lines.append("    upstream %s {" % uname)
            for b in backends:
                lines.append("        server %s;" % b)
            lines.append("    }")
        for port, var in ((self.kafka_port, "ep_kafka_backend"),
                          (self.https_port, "ep_https_backend")):
            lines.append("    server {")
            for _z, a in up:
                lines.append("        listen %s:%d ssl;" % (a, port))
            lines.append("        proxy_pass $%s;" % var)
            lines.append("    }")
        log_format = (
            '{"time":"$time_iso8601","zone":"$ep_zone",'
            '"server_addr":"$server_addr","server_port":"$server_port",'
            '"remote":"$remote_addr:$remote_port","sni":"$ssl_server_name",'
            '"upstream":"$upstream_addr","status":"$status",'
            '"bytes_sent":$bytes_sent,"bytes_received":$bytes_received,'
            '"session_time":"$session_time","protocol":"$ssl_protocol"}')
        head = []
        if os.path.exists(STREAM_MODULE):
            head.append("load_module %s;" % STREAM_MODULE)
        head += [
            "# generated by tests/sim/endpoint.py (%s)" % self.name,
            "worker_processes 1;",
            "daemon off;",
            "master_process on;",
            "pid %s;" % self.pid_file,
            "error_log %s info;" % self.error_log,
            "events { worker_connections 1024; }",
            "stream {",
            "    log_format endpoint escape=json '%s';" % log_format,
            "    access_log %s endpoint;" % self.access_log,
            "    ssl_certificate %s;" % self.cert,
            "    ssl_certificate_key %s;" % self.key,
            "    ssl_protocols TLSv1.2 TLSv1.3;",
            "    ssl_handshake_timeout 10s;",
            "    map_hash_bucket_size 256;",
            "    map_hash_max_size %d;" % max(
                2048, 4 * (len(self.kafka_routes) + len(self.https_routes))),
            "    proxy_connect_timeout 2s;",
            "    proxy_timeout 10m;",
        ]
        return "\n".join(head + lines + ["}", ""])

    def _write_conf(self):
        """Issues the certificate, renders, checks with nginx -t and puts
        the new nginx.conf in place. Raises EndpointError on a bad config."""
        self._issue_cert()
        text = self.render()
        trial = self.conf + ".trial"
        with open(trial, "w") as f:
            f.write(text)
        r = subprocess.run([self.nginx, "-t", "-q", "-p", self.workdir,
                            "-c", trial, "-e", self.error_log + ".trial"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise EndpointError("nginx -t refused the endpoint config %s: %s"
                                % (trial, (r.stderr or r.stdout).strip()))
        os.replace(trial, self.conf)

    # -- life cycle --------------------------------------------------------

    def _listeners(self):
        return [(a, p) for a in self.addresses.values()
                for p in (self.kafka_port, self.https_port)]

    @staticmethod
    def _listening(listeners):
        """True when every (address, port) is bound by someone: probed by
        trying to bind it, so that no connection shows in the access log."""
        return not any(port_is_free(a, p) for a, p in listeners)

    def _worker_started(self, offset):
        """True when the error log, from offset on, shows a worker start
        (after a 'reconfiguring' line when offset > 0). Raises on [emerg]
        or [alert]."""
        try:
            with open(self.error_log) as f:
                f.seek(offset)
                text = f.read()
        except FileNotFoundError:
            return False
        if "[emerg]" in text or "[alert]" in text:
            raise EndpointError("nginx failed:\n" + text)
        if offset > 0:
            i = text.find("reconfiguring")
            if i < 0:
                return False
            text = text[i:]
        return "start worker process" in text

    def _log_tail(self, path=None, lines=20):
        try:
            with open(path or self.error_log) as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def start(self, timeout=15.0):
        """Starts nginx and waits until every zone address accepts
        connections on both ports."""
        if self.proc is not None:
            raise EndpointError("endpoint already started")
        for a, p in self._listeners():
            if not port_is_free(a, p):
                raise EndpointError(
                    "%s:%d is in use (another endpoint running? pass other "
                    "zone addresses)" % (a, p))
        self._write_conf()
        out = open(os.path.join(self.workdir, "nginx.out"), "ab")
        self.proc = subprocess.Popen(
            [self.nginx, "-p", self.workdir, "-c", self.conf,
             "-e", self.error_log],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        out.close()

        def ready():
            if self.proc.poll() is not None:
                raise EndpointError("nginx exited with %s:\n%s"
                                    % (self.proc.returncode,
                                       self._log_tail()))
            return (self._worker_started(0)
                    and self._listening(self._listeners()))
        try:
            wait_for(ready, timeout, what="endpoint listeners")
        except (TimeoutError, EndpointError):
            self.stop()
            raise
        return self

    def stop(self, timeout=10.0):
        """Graceful stop (SIGQUIT), then SIGTERM, then SIGKILL, each with a
        bounded wait. Safe to call twice."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGQUIT, timeout / 2),
                          (signal.SIGTERM, timeout / 2),
                          (signal.SIGKILL, 5)):
            try:
                proc.send_signal(sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def reload(self, timeout=15.0):
        """Applies the current routes/zones: nginx -t, SIGHUP, then waits
        for the new worker (error log), and for every listener to be in the
        state the config asks for."""
        if self.proc is None or self.proc.poll() is not None:
            raise EndpointError("endpoint is not running")
        offset = max(os.path.getsize(self.error_log), 1)
        with open(self.error_log) as f:
            text = f.read()
        old = (set(re.findall(r"start worker process (\d+)", text))
               - set(re.findall(r"worker process (\d+) exited", text)))
        self._write_conf()
        self.proc.send_signal(signal.SIGHUP)

        def old_workers_quit():
            # An old worker stops accepting as it logs this line; it may go
            # on serving the connections it has (as nginx does).
            with open(self.error_log) as f:
                f.seek(offset)
                text = f.read()
            return all(re.search(r"\b%s#\d+: gracefully shutting down" % pid,
                                 text) or
                       "worker process %s exited" % pid in text
                       for pid in old)
        wait_for(lambda: self._worker_started(offset) and old_workers_quit(),
                 timeout, what="endpoint reload")
        down = [(a, p) for z, a in self.zones.items() if z in self.down
                for p in (self.kafka_port, self.https_port)]
        wait_for(lambda: self._listening(self._listeners())
                 and all(port_is_free(a, p) for a, p in down),
                 timeout, what="endpoint listeners after reload")

    def set_routes(self, kafka_routes=None, https_routes=None,
                   extra_names=None):
        """Replaces the routes given (None: keep) and reloads if running."""
        if kafka_routes is not None:
            self.kafka_routes = _check_routes(kafka_routes, "kafka")
        if https_routes is not None:
            self.https_routes = _check_routes(https_routes, "https")
        if extra_names is not None:
            self.extra_names = [n.lower() for n in extra_names]
        if self.proc is not None:
            self.reload()

    def set_zone_down(self, zone, down=True):
        """Takes a zone's address out of service (connections to it are
        refused), or back in; reloads if running."""
        if zone not in self.zones:
            raise EndpointError("no zone %r" % zone)
        (self.down.add if down else self.down.discard)(zone)
        if self.proc is not None:
            self.reload()

    # -- logs --------------------------------------------------------------

    def log_entries(self):
        """The access log as a list of dicts (one per finished
        connection: zone, server_addr, server_port, sni, upstream, ...)."""
        out = []
        try:
            with open(self.access_log) as f:
                for line in f:
                    line = line.strip()
                    if line:
                        out.append(json.loads(line))
        except FileNotFoundError:
            pass
        return out

    def wait_for_log(self, predicate, timeout=10.0):
        """Waits for an access log entry matching predicate (nginx writes
        an entry when the connection ends) and returns it."""
        def find():
            for e in self.log_entries():
                if predicate(e):
                    return e
            return None
        return wait_for(find, timeout, what="endpoint access log entry")

    # nginx 1.22 logs this at [crit] when a client sends data after the
    # server's close_notify (a client writing to a connection the endpoint
    # just closed); later nginx versions log it at [info].
    _BENIGN = re.compile(r"SSL_shutdown\(\) failed .*application data after "
                         r"close notify")

    def error_log_problems(self):
        """Lines of the error log at [alert], [crit] or [emerg], without
        the benign SSL_shutdown one."""
        try:
            with open(self.error_log) as f:
                return [ln for ln in f
                        if re.search(r"\[(alert|crit|emerg)\]", ln)
                        and not self._BENIGN.search(ln)]
        except FileNotFoundError:
            return []


# ---------------------------------------------------------------------------
# command line

def _route_arg(value):
    name, sep, backends = value.partition("=")
    if not sep or not name or not backends:
        raise argparse.ArgumentTypeError("want NAME=IP:PORT[,IP:PORT...]")
    return name, backends.split(",")


def _zone_arg(value):
    label, sep, addr = value.partition("=")
    if not sep or not label or not addr:
        raise argparse.ArgumentTypeError("want LABEL=ADDRESS")
    return label, addr


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Simulated private endpoint (stock nginx, TLS "
                    "terminated, routed by SNI).")
    ap.add_argument("--dir", required=True,
                    help="work directory (config, logs)")
    ap.add_argument("--ca-dir", required=True,
                    help="test CA directory (lib/pki.py TestCA)")
    ap.add_argument("--zone", action="append", type=_zone_arg, default=[],
                    metavar="LABEL=ADDR", help="a zone and its listen "
                    "address (repeatable)")
    ap.add_argument("--zones", metavar="A,B,C",
                    help="zone labels, addresses from --zone-base "
                         "(default: the cluster network's zones, else %s)"
                         % ",".join(DEFAULT_ZONES))
    ap.add_argument("--zone-base", default=DEFAULT_BASE, metavar="127.N",
                    help="zone i listens on 127.N.i.1 (default %(default)s)")
    ap.add_argument("--brokers", action="append", default=[], metavar="FILE",
                    help="broker map JSON, or the Kafka mock's info file "
                         "(repeatable)")
    ap.add_argument("--bootstrap", action="append", default=[],
                    metavar="NAME", help="route NAME on the Kafka port to "
                    "every broker of the --brokers maps (repeatable)")
    ap.add_argument("--kafka-route", action="append", type=_route_arg,
                    default=[], metavar="NAME=IP:PORT[,...]")
    ap.add_argument("--https-route", action="append", type=_route_arg,
                    default=[], metavar="NAME=IP:PORT[,...]")
    ap.add_argument("--scenario", action="append", default=[],
                    metavar="FILE", help="scenario file(s), with --cluster")
    ap.add_argument("--cluster", action="append", default=[], metavar="ID",
                    help="route this scenario cluster's bootstrap, broker "
                    "and (with --rest) REST names (repeatable)")
    ap.add_argument("--rest", metavar="IP:PORT",
                    help="HTTP backend for the clusters' REST names")
    ap.add_argument("--kafka-port", type=int, default=9092)
    ap.add_argument("--https-port", type=int, default=443)
    ap.add_argument("--ready-file", metavar="PATH",
                    help="write JSON {pid, zones, access_log, error_log, "
                         "cert, ca} here once listening")
    args = ap.parse_args(argv)

    try:
        broker_map = {}
        for path in args.brokers:
            broker_map.update(load_broker_map(path))
        kafka, https = {}, {}
        zones = None
        if args.cluster:
            if not args.scenario:
                ap.error("--cluster needs --scenario")
            store = sc.load(args.scenario)
            for cid in args.cluster:
                cluster = store.cluster(cid)
                if cluster is None:
                    ap.error("no cluster %r in the scenario" % cid)
                k, h = routes_for_cluster(cluster, broker_map, args.rest)
                kafka.update(k)
                https.update(h)
                net = sc.get_path(cluster, "spec.network")
                if zones is None and net:
                    zones = store.get("networks", sc.ref_id(net))["spec"].get(
                        "zones")
        else:
            kafka.update(broker_map)
        all_brokers = sorted({b for v in broker_map.values()
                              for b in _backends(v)})
        for name in args.bootstrap:
            if not all_brokers:
                ap.error("--bootstrap needs --brokers")
            kafka[name] = all_brokers
        kafka.update(dict(args.kafka_route))
        https.update(dict(args.https_route))
        if args.zone:
            zone_map = dict(args.zone)
        else:
            labels = (args.zones.split(",") if args.zones
                      else zones or list(DEFAULT_ZONES))
            zone_map = zone_addresses(labels, args.zone_base)
        ep = PrivateEndpoint(args.dir, args.ca_dir, zone_map, kafka, https,
                             args.kafka_port, args.https_port)
        ep.start()
    except (EndpointError, sc.ScenarioError, TimeoutError) as e:
        print("endpoint: %s" % e, file=sys.stderr)
        return 1

    stop = []
    signal.signal(signal.SIGTERM, lambda s, f: stop.append(s))
    signal.signal(signal.SIGINT, lambda s, f: stop.append(s))
    if args.ready_file:
        write_file_atomic(args.ready_file, json.dumps({
            "pid": os.getpid(), "nginx_pid": ep.proc.pid,
            "zones": ep.zones, "kafka_port": ep.kafka_port,
            "https_port": ep.https_port, "access_log": ep.access_log,
            "error_log": ep.error_log, "cert": ep.cert,
            "ca": ep.ca_file}, indent=2) + "\n")
    print("endpoint: listening on %s" % ", ".join(
        "%s=%s" % z for z in ep.zones.items()), flush=True)
    rc = 0
    while not stop:
        if ep.proc.poll() is not None:
            print("endpoint: nginx exited with %s" % ep.proc.returncode,
                  file=sys.stderr)
            rc = 1
            break
        time.sleep(0.5)
    ep.stop()
    return rc


if __name__ == "__main__":
    sys.exit(main())
