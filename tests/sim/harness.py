"""Start and stop the simulator's parts from tests.

Every part runs as a real process on free loopback ports, with its files in
a directory the caller gives (normally pytest's per-test tmp_path):

    import sys; sys.path.insert(0, "<repo>/tests")
    from sim.harness import SimCA, start_api, start_rest_backend, \\
        start_endpoint, start_tcp_backend

    ca = SimCA(tmp_path / "ca")
    api = start_api(tmp_path / "api", ca=ca, scenario="aws-dedicated.json")
    api.url, api.ca_file, api.api_key, api.api_secret
    api.fault(path="/cmk/v2/clusters", kind="status", status=429,
              retry_after=2)
    api.mutate({"op": "remove", "id": "lkc-7xq2jv"})
    api.requests(path="/cmk/v2/clusters")
    api.stop()

fixtures.py wraps these in pytest fixtures. Anything started here is also
stopped at interpreter exit, should a test forget.
"""

import atexit
import base64
import http.client
import json
import os
import random
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
for _p in (HERE, TESTS):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from lib.pki import TestCA  # noqa: E402
import scenario  # noqa: E402
from endpoint import (DEFAULT_BASE, EndpointError, PrivateEndpoint,  # noqa
                      broker_map_from, can_connect, load_broker_map,
                      port_is_free,
                      routes_for_cluster, zone_addresses)
from scenario import ScenarioError  # noqa: E402,F401
from simcore import wait_for  # noqa: E402

__all__ = [
    "SimCA", "ApiSim", "RestSim", "TcpBackend", "Response", "EndpointError",
    "PrivateEndpoint", "ScenarioError", "DEFAULT_BASE", "SCENARIO_DIR",
    "start_api", "start_rest_backend", "start_endpoint",
    "start_cluster_endpoint", "start_tcp_backend", "scenario_path",
    "free_zone_base", "zone_addresses", "routes_for_cluster",
    "load_broker_map", "broker_map_from", "can_connect", "port_is_free", "tls_exchange",
    "http_request", "basic_auth", "wait_for", "scenario",
]

SCENARIO_DIR = os.path.join(HERE, "scenarios")
PYTHON = sys.executable or "python3"

_running = []


def _stop_all():
    for obj in list(_running):
        try:
            obj.stop()
        except Exception:       # noqa: BLE001 - best effort at exit
            pass


atexit.register(_stop_all)


def scenario_path(name):
    """A scenario given by file name ('aws-dedicated' or
    'aws-dedicated.json', looked up in tests/sim/scenarios) or by path."""
    if os.path.sep in name or os.path.exists(name):
        return os.path.abspath(name)
    if not name.endswith(".json"):
        name += ".json"
    return os.path.join(SCENARIO_DIR, name)


class SimCA(TestCA):
    """The test CA (lib/pki.py) with a helper for the API's certificate."""

    __test__ = False

    def __init__(self, directory):
        super().__init__(str(directory))

    def server_cert(self, label="ccloud-api"):
        return self.issue(label, ["api.confluent.cloud", "localhost",
                                  "127.0.0.1"])

    def client_context(self):
        ctx = ssl.create_default_context(cafile=self.cert)
        return ctx


def _as_ca(ca, workdir):
    if ca is None:
        return SimCA(os.path.join(str(workdir), "ca"))
    if isinstance(ca, TestCA):
        return ca
    return SimCA(str(ca))


# ---------------------------------------------------------------------------
# HTTP client helpers

class Response:
    """status, headers (case-insensitive), body (bytes); json()."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<Response %d %d bytes>" % (self.status, len(self.body))


def http_request(host, port, method, path, headers=None, body=None,
                 ssl_context=None, timeout=15.0):
    """One request on a fresh connection. body: bytes, str or a JSON-able
    object. Raises http.client / OSError errors as they come."""
    if ssl_context is not None:
        conn = http.client.HTTPSConnection(host, port, timeout=timeout,
                                           context=ssl_context)
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    hdrs = dict(headers or {})
    data = body
    if body is not None and not isinstance(body, (bytes, str)):
        data = json.dumps(body)
        hdrs.setdefault("Content-Type", "application/json")
    if isinstance(data, str):
        data = data.encode()
    try:
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        payload = r.read()
        return Response(r.status, r.headers, payload)
    finally:
        conn.close()


def basic_auth(key, secret):
    token = base64.b64encode(("%s:%s" % (key, secret)).encode()).decode()
    return {"Authorization": "Basic " + token}


# ---------------------------------------------------------------------------
# subprocess servers

class _ServerProcess:
    """A simulator server run as `python3 <script> ... --port-file F`."""

    name = "server"

    def __init__(self, workdir):
        self.workdir = os.path.abspath(str(workdir))
        os.makedirs(self.workdir, exist_ok=True)
        self.port_file = os.path.join(self.workdir, "port")
        self.log_path = os.path.join(self.workdir, "%s.log" % self.name)
        self.proc = None
        self.port = None
        self.host = "127.0.0.1"

    def _launch(self, args, timeout):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([PYTHON] + args, stdout=log,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        log.close()
        _running.append(self)

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %s:\n%s"
                                   % (self.name, self.proc.returncode,
                                      self.log_tail()))
            try:
                with open(self.port_file) as f:
                    text = f.read()
            except FileNotFoundError:
                return None
            return int(text) if text.endswith("\n") else None
        try:
            self.port = wait_for(ready, timeout, what=self.name + " port")
        except BaseException:
            self.stop()
            raise

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout=10.0):
        """SIGTERM, bounded wait, then SIGKILL. Returns the exit code."""
        proc = self.proc
        if self in _running:
            _running.remove(self)
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        return proc.returncode

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class ApiSim(_ServerProcess):
    """A running ccloud_api.py. Attributes: url, host, port, ca_file,
    api_key, api_secret, scenarios (paths), log_path."""

    name = "ccloud-api"

    def __init__(self, workdir, ca, scenarios, api_key, api_secret):
        super().__init__(workdir)
        self.ca = ca
        self.ca_file = ca.cert
        self.scenarios = scenarios
        self.api_key = api_key
        self.api_secret = api_secret
        self._ctx = ssl.create_default_context(cafile=ca.cert)

    @property
    def url(self):
        return "https://%s:%d" % (self.host, self.port)

    def store(self):
        """The scenario as loaded at start (scenario.Store), to compute
        what the API should answer."""
        return scenario.load(self.scenarios)

    # -- API calls -------------------------------------------------------

    def request(self, method, path, params=None, auth=True, headers=None,
                body=None, timeout=15.0):
        """auth: True (the configured key), None/False (no header), or a
        (key, secret) pair. params: dict or list of pairs."""
        h = dict(headers or {})
        if auth is True:
            h.update(basic_auth(self.api_key, self.api_secret))
        elif auth:
            h.update(basic_auth(*auth))
        if params:
            path += ("&" if "?" in path else "?") + urlencode(params,
                                                              doseq=True)
        return http_request(self.host, self.port, method, path, h, body,
                            self._ctx, timeout=timeout)

    def get(self, path, params=None, **kw):
        return self.request("GET", path, params, **kw)

    def follow(self, url, **kw):
        """GET a full URL (such as metadata.next) on this server."""
        u = urlsplit(url)
        if (u.hostname, u.port) != (self.host, self.port):
            raise AssertionError("link %s does not point at %s"
                                 % (url, self.url))
        return self.get(u.path + ("?" + u.query if u.query else ""), **kw)

    def list_all(self, path, params=None, max_pages=100):
        """All items of a list, following metadata.next; returns (items,
        pages). Raises AssertionError on a non-200 page."""
        r = self.get(path, params)
        items, pages = [], 0
        while True:
            pages += 1
            if r.status != 200:
                raise AssertionError("%s page %d: HTTP %d %r"
                                     % (path, pages, r.status, r.body[:300]))
            doc = r.json()
            items.extend(doc["data"])
            nxt = doc["metadata"].get("next")
            if not nxt:
                return items, pages
            if pages >= max_pages:
                raise AssertionError("more than %d pages" % max_pages)
            r = self.follow(nxt)

    # -- admin -----------------------------------------------------------

    def admin(self, method, path, payload=None, expect=(200, 201)):
        r = http_request(self.host, self.port, method, "/_sim/" + path,
                         None, payload, self._ctx)
        if r.status not in expect:
            raise AssertionError("admin %s %s: HTTP %d %s"
                                 % (method, path, r.status, r.body[:500]))
        return r.json()

    def fault(self, **spec):
        """Adds a fault (see README: path, kind, status, count, ...);
        returns it, with its id."""
        return self.admin("POST", "faults", spec)["faults"][0]

    def faults(self):
        return self.admin("GET", "faults")["faults"]

    def clear_faults(self):
        return self.admin("DELETE", "faults")["removed"]

    def remove_fault(self, fault_id):
        return self.admin("DELETE", "faults/%d" % fault_id)

    def mutate(self, *ops):
        """Applies mutation ops atomically (README: add, put, remove,
        patch, add_broker, remove_broker)."""
        return self.admin("POST", "mutate", {"ops": list(ops)})

    def requests(self, path=None, since=0):
        q = {"since": since}
        if path:
            q["path"] = path
        return self.admin("GET", "requests?" + urlencode(q))["requests"]

    def clear_requests(self):
        return self.admin("DELETE", "requests")["removed"]

    def state(self):
        return self.admin("GET", "state")

    def brokers(self, cluster_id):
        return self.admin("GET", "brokers?" + urlencode(
            {"cluster": cluster_id}))["brokers"]

    def add_key(self, key, secret):
        return self.admin("POST", "keys", {"key": key, "secret": secret})

    def remove_key(self, key):
        return self.admin("DELETE", "keys/" + key)

    def reset(self, state=True, faults=True, requests=True):
        return self.admin("POST", "reset", {"state": state, "faults": faults,
                                            "requests": requests})


def start_api(workdir, scenario="aws-dedicated.json", ca=None,
              api_key="SIMCLOUDKEY", api_secret="sim-cloud-secret",
              max_page_size=2, rate_limit=1000, rate_window=60,
              extra_args=(), timeout=15.0):
    """Starts ccloud_api.py on a free 127.0.0.1 port; returns an ApiSim.

    scenario: a name/path or a list of them (merged). ca: a SimCA/TestCA or
    a directory (default: workdir/ca). max_page_size: see --max-page-size.
    """
    names = [scenario] if isinstance(scenario, str) else list(scenario)
    paths = [scenario_path(n) for n in names]
    ca = _as_ca(ca, workdir)
    sim = ApiSim(workdir, ca, paths, api_key, api_secret)
    cert, key = ca.issue("ccloud-api", ["api.confluent.cloud", "localhost",
                                        "127.0.0.1"])
    args = [os.path.join(HERE, "ccloud_api.py"), "--listen", "127.0.0.1:0",
            "--cert", cert, "--key", key, "--port-file", sim.port_file,
            "--api-key", api_key, "--api-secret", api_secret,
            "--max-page-size", str(max_page_size),
            "--rate-limit", str(rate_limit), "--rate-window",
            str(rate_window),
            "--access-log", os.path.join(sim.workdir, "access.log")]
    for p in paths:
        args += ["--scenario", p]
    sim._launch(args + list(extra_args), timeout)
    return sim


class RestSim(_ServerProcess):
    """A running rest_backend.py: plain HTTP on 127.0.0.1. address is
    'IP:PORT' (what an endpoint route wants)."""

    name = "kafka-rest"

    def __init__(self, workdir, clusters):
        super().__init__(workdir)
        self.clusters = clusters          # {id: (key, secret)}

    @property
    def address(self):
        return "%s:%d" % (self.host, self.port)

    @property
    def url(self):
        return "http://" + self.address

    def request(self, method, path, auth=None, headers=None, body=None,
                cluster=None):
        """auth: (key, secret), or True for the key of `cluster` (or of the
        only cluster)."""
        h = dict(headers or {})
        if auth is True:
            cid = cluster or next(iter(self.clusters))
            h.update(basic_auth(*self.clusters[cid]))
        elif auth:
            h.update(basic_auth(*auth))
        return http_request(self.host, self.port, method, path, h, body)

    def admin(self, method, path, payload=None):
        r = http_request(self.host, self.port, method, "/_sim/" + path, None,
                         payload)
        if r.status not in (200, 201):
            raise AssertionError("admin %s %s: HTTP %d %s"
                                 % (method, path, r.status, r.body[:500]))
        return r.json()

    def requests(self, path=None, since=0):
        q = {"since": since}
        if path:
            q["path"] = path
        return self.admin("GET", "requests?" + urlencode(q))["requests"]

    def fault(self, **spec):
        return self.admin("POST", "faults", spec)["faults"][0]

    def clear_faults(self):
        return self.admin("DELETE", "faults")["removed"]

    def state(self):
        return self.admin("GET", "state")["clusters"]


def start_rest_backend(workdir, clusters=("lkc-7xq2jv",),
                       api_key="SIMKAFKAKEY", api_secret="sim-kafka-secret",
                       allow_origins=None, topics=(), timeout=15.0):
    """Starts rest_backend.py on a free 127.0.0.1 port; returns a RestSim.

    clusters: ids (all with api_key/api_secret) or {id: (key, secret)}.
    topics: 'CLUSTER:NAME' strings that exist at start.
    """
    if isinstance(clusters, dict):
        creds = dict(clusters)
    else:
        creds = {c: (api_key, api_secret) for c in clusters}
    sim = RestSim(workdir, creds)
    args = [os.path.join(HERE, "rest_backend.py"), "--listen",
            "127.0.0.1:0", "--port-file", sim.port_file,
            "--access-log", os.path.join(sim.workdir, "access.log")]
    for cid, (k, s) in creds.items():
        args += ["--cluster", "%s:%s:%s" % (cid, k, s)]
    for origin in allow_origins or ():
        args += ["--allow-origin", origin]
    for t in topics:
        args += ["--topic", t]
    sim._launch(args, timeout)
    return sim


# ---------------------------------------------------------------------------
# the private endpoint

class _ManagedEndpoint(PrivateEndpoint):
    def stop(self, timeout=10.0):
        if self in _running:
            _running.remove(self)
        super().stop(timeout)


def free_zone_base(labels, ports=(9092, 443), avoid=()):
    """A random 127.N (N in 30..250) whose zone addresses are free on the
    given ports right now."""
    candidates = [n for n in range(30, 251) if n not in avoid]
    random.shuffle(candidates)
    for n in candidates:
        base = "127.%d" % n
        addrs = zone_addresses(labels, base).values()
        if all(port_is_free(a, p) for a in addrs for p in ports):
            return base
    raise EndpointError("no free 127.N block for an endpoint")


def start_endpoint(workdir, ca=None, zones=None, kafka_routes=None,
                   https_routes=None, base="auto", zone_labels=None,
                   kafka_port=9092, https_port=443, extra_names=(),
                   name="endpoint", timeout=15.0):
    """Starts a PrivateEndpoint (stock nginx) and returns it, running.

    zones: {label: address}; or zone_labels (default usw2-az1..az3) laid
    out on base: '127.20' gives 127.20.1.1, 127.20.2.1, ...; 'auto' (the
    default) picks a free random 127.N block, so that endpoints of test
    runs that share the machine do not collide (read the addresses from
    ep.zones). Routes: {SNI name: 'IP:PORT' or [..]}.
    """
    ca = _as_ca(ca, workdir)
    labels = list(zone_labels or ("usw2-az1", "usw2-az2", "usw2-az3"))
    tried = set()
    for attempt in range(8):
        if zones is not None:
            z = zones
        elif base == "auto":
            b = free_zone_base(labels, (kafka_port, https_port), tried)
            tried.add(int(b.split(".")[1]))
            z = zone_addresses(labels, b)
        else:
            z = zone_addresses(labels, base)
        ep = _ManagedEndpoint(workdir, ca, z, kafka_routes, https_routes,
                              kafka_port, https_port, extra_names,
                              name=name)
        try:
            ep.start(timeout)
        except EndpointError as e:
            # Lost a race for the addresses with another test run: retry
            # elsewhere when the block was ours to choose.
            if "in use" not in str(e) or base != "auto" or zones is not None:
                raise
            continue
        _running.append(ep)
        return ep
    raise EndpointError("could not find free addresses for an endpoint")


def start_cluster_endpoint(workdir, store, cluster_ids, broker_map,
                           rest_backend=None, ca=None, base="auto", **kw):
    """An endpoint serving scenario clusters: their bootstrap and broker
    names on 9092, their REST names on 443 (rest_backend 'IP:PORT').
    broker_map: {broker host: 'IP:PORT'}, the Kafka mock's info dict
    (MockCluster.info), or a path to either as JSON.
    Zones are the first cluster's network zones when it has a network."""
    if isinstance(broker_map, (str, os.PathLike)):
        broker_map = load_broker_map(str(broker_map))
    else:
        broker_map = broker_map_from(broker_map)
    kafka, https = {}, {}
    labels = None
    for cid in ([cluster_ids] if isinstance(cluster_ids, str)
                else cluster_ids):
        cluster = store.cluster(cid)
        if cluster is None:
            raise EndpointError("no cluster %r in the scenario" % cid)
        k, h = routes_for_cluster(cluster, broker_map, rest_backend)
        kafka.update(k)
        https.update(h)
        net = scenario.ref_id(scenario.get_path(cluster, "spec.network"))
        if labels is None and net:
            labels = store.get("networks", net)["spec"].get("zones")
    return start_endpoint(workdir, ca, kafka_routes=kafka,
                          https_routes=https, base=base, zone_labels=labels,
                          **kw)


# ---------------------------------------------------------------------------
# a trivial TCP backend (stands in for a broker when no Kafka mock is needed)

class TcpBackend:
    """A TCP server on 127.0.0.1 that greets every connection with
    '<banner>\\n' and then echoes what it receives, closing after a line
    'QUIT'. address: 'IP:PORT'. connections: how many it accepted."""

    def __init__(self, banner):
        self.banner = banner.encode() + b"\n"
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.address = "127.0.0.1:%d" % self.port
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        _running.append(self)

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._client, args=(conn,),
                             daemon=True).start()

    def _client(self, conn):
        conn.settimeout(30)
        seen = b""
        try:
            conn.sendall(self.banner)
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
                seen = (seen + data)[-64:]
                if b"QUIT\n" in seen:
                    break
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self):
        if self in _running:
            _running.remove(self)
        self._stop.set()
        self.sock.close()
        self._thread.join(2)


def start_tcp_backend(banner):
    return TcpBackend(banner)


def tls_exchange(address, port, server_name, ca_file, send=b"",
                 timeout=10.0):
    """Python-side TLS client: connects to address:port with SNI
    server_name, verifies the chain and the name against ca_file, sends
    `send`, and returns (bytes received until the first newline or close,
    peer certificate dict)."""
    ctx = ssl.create_default_context(cafile=ca_file)
    with socket.create_connection((address, port), timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname=server_name) as s:
            cert = s.getpeercert()
            if send:
                s.sendall(send)
            buf = b""
            deadline = time.monotonic() + timeout
            while b"\n" not in buf and time.monotonic() < deadline:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
            # the first line only: the echo of what was sent may come in
            # the same read
            line, nl, _ = buf.partition(b"\n")
            return line + nl, cert
