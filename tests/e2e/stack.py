"""The whole product on one machine: the Confluent Cloud simulator, one or
more cclink proxy hosts (nginx + cclink-sidecar) and a "laptop" whose
clients resolve the cluster names through a hosts file the sidecar wrote.

Used by the end-to-end tests (tests/e2e/) and by the main job
(tools/demo.py):

    cloud = Cloud(workdir).start()                 # API, REST backend, CA
    site = cloud.add_site("lkc-7xq2jv", topics=["orders:6:3"])
                                                   # mock brokers + endpoint
    proxy = ProxyHost(workdir, "edge-aws", cloud, [site]).start()
                                                   # nginx, sidecar run
    laptop = Laptop(workdir)
    laptop.apply(proxy)                            # cclink-sidecar hosts apply
    laptop.kcat(site.bootstrap, ["-L"], ca=cloud.ca.cert)
    ...
    proxy.stop(); cloud.stop()

Network layout (every address is on loopback; nothing leaves the machine):

    laptop clients ──▶ proxy address 127.A.B.C:9092/443 (in the hosts file)
       nginx: module (route table) or stock nginx (the sidecar's include)
    ──▶ endpoint zone addresses 127.N.1.1, 127.N.2.1, ... (the sidecar's
       "target" lines), a stock nginx terminating TLS with the test CA
    ──▶ mock_cluster brokers (plaintext Kafka) / rest_backend.py (HTTP)

    cclink-sidecar ── HTTPS ──▶ ccloud_api.py (discovery)
                   ── Kafka over TLS ──▶ the endpoint (broker metadata)

Every process started here is stopped by stop() (and, as a safety net, at
interpreter exit). Waits are bounded.
"""

import atexit
import json
import os
import random
import re
import signal
import socket
import ssl
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

from lib.nginx import Nginx, free_port  # noqa: E402
from sim import harness  # noqa: E402
from sim.kafka import mock as kafka_mock  # noqa: E402

BUILD = os.environ.get("CCLINK_BUILD", os.path.join(REPO, "build"))
SIDECAR = os.path.join(BUILD, "sidecar", "cclink-sidecar")
MODULE_SO = os.path.join(BUILD, "modules", "ngx_stream_cclink_module.so")
NGINX = "/usr/sbin/nginx"
SEED_ROUTES = os.path.join(REPO, "conf-templates", "seed-routes.conf")
SEED_INCLUDE = os.path.join(REPO, "conf-templates",
                            "seed-nginx-include.conf")

# the Kafka API key the REST backend accepts for every simulated cluster
# (the sidecar's kafka_credentials_file holds it too; the metadata
# connection is TLS without SASL, since the mock speaks plaintext Kafka
# behind the endpoint's TLS)
CLUSTER_KEY = "SIMKAFKAKEY"
CLUSTER_SECRET = "sim-kafka-secret"

_live = []


def _stop_live():
    for obj in list(reversed(_live)):
        try:
            obj.stop()
        except Exception:               # noqa: BLE001 - best effort at exit
            pass


atexit.register(_stop_live)


class StackError(RuntimeError):
    """Something in the stack did not start or did not become ready."""


def wait_until(pred, timeout, what, step=0.1):
    """Polls pred() until it returns a true value (returned); raises
    StackError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise StackError("timed out after %.0fs waiting for %s"
                             % (timeout, what))
        time.sleep(step)


def port_free(address, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((address, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def pick_address(ports=(9092, 443), preferred=None):
    """A 127.A.B.C address whose ports are free now: preferred when it
    is, else a random one (last octet 10, so never an endpoint's .1)."""
    if preferred and all(port_free(preferred, p) for p in ports):
        return preferred
    for _ in range(200):
        a = "127.%d.%d.10" % (random.randint(100, 250),
                              random.randint(0, 255))
        if all(port_free(a, p) for p in ports):
            return a
    raise StackError("no free 127.x address for a proxy")


def tls_probe(address, port, name, ca_file, timeout=3.0):
    """True when a TLS handshake with SNI name through address:port
    succeeds and the certificate verifies for name."""
    ctx = ssl.create_default_context(cafile=ca_file)
    try:
        with socket.create_connection((address, port), timeout=timeout) as r:
            with ctx.wrap_socket(r, server_hostname=name):
                return True
    except (OSError, ssl.SSLError):
        return False


def clean_env():
    """os.environ without the caller's Confluent Cloud credentials."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith("CONFLUENT_CLOUD_")}


def build_missing():
    """What the stack needs that is not built, as make targets."""
    need = []
    if not os.access(SIDECAR, os.X_OK):
        need.append("sidecar")
    if not os.path.exists(MODULE_SO):
        need.append("module")
    if not os.access(kafka_mock.binary_path(), os.X_OK):
        need.append("kafka-sim")
    return need


# ---------------------------------------------------------------------------
# the cloud side

class Site:
    """One simulated cluster behind its private endpoint: a mock Kafka
    cluster advertising the scenario's broker names on 9092, and a stock
    nginx per-zone endpoint carrying broker and bootstrap names to the
    brokers and the REST name to the REST backend."""

    def __init__(self, cloud, cluster_id, topics, base):
        self.cloud = cloud
        self.id = cluster_id
        self.dir = os.path.join(cloud.dir, cluster_id)
        self.topics = list(topics)
        self.base = base
        store = cloud.api.store()
        cluster = store.cluster(cluster_id)
        if cluster is None:
            raise StackError("no cluster %r in the scenarios" % cluster_id)
        names = harness.scenario.cluster_names(cluster)
        self.bootstrap = names["bootstrap"][0][0]
        self.rest_name = names["rest"][0][0] if names["rest"] else None
        net = harness.scenario.ref_id(
            harness.scenario.get_path(cluster, "spec.network"))
        self.network = net
        network = store.get("networks", net)
        self.zone_labels = list(network["spec"]["zones"])
        self.brokers = [dict(b) for b in store.brokers(cluster_id)]
        self.mock = None
        self.endpoint = None

    def start(self):
        self.mock = kafka_mock.start_mock(
            self.dir, brokers={b["id"] + 1: "%s:9092" % b["host"]
                               for b in self.brokers},
            topics=self.topics)
        try:
            self.endpoint = harness.start_endpoint(
                os.path.join(self.dir, "endpoint"), ca=self.cloud.ca,
                kafka_routes=self._kafka_routes(),
                https_routes=self._https_routes(), base=self.base,
                zone_labels=self.zone_labels, name="endpoint-" + self.id)
        except harness.EndpointError:
            if self.base == "auto":
                self.mock.stop()
                raise
            self.endpoint = harness.start_endpoint(
                os.path.join(self.dir, "endpoint"), ca=self.cloud.ca,
                kafka_routes=self._kafka_routes(),
                https_routes=self._https_routes(), base="auto",
                zone_labels=self.zone_labels, name="endpoint-" + self.id)
        return self

    def _kafka_routes(self):
        listen = {b["host"]: b["listen"] for b in self.mock.reload()
                  ["brokers"]}
        routes = dict(listen)
        routes[self.bootstrap] = sorted(listen.values())
        return routes

    def _https_routes(self):
        if self.rest_name and self.cloud.rest is not None:
            return {self.rest_name: self.cloud.rest.address}
        return {}

    @property
    def zones(self):
        """{zone label: endpoint address}"""
        return dict(self.endpoint.zones)

    def zone_of(self, broker_host):
        for b in self.brokers:
            if b["host"] == broker_host:
                return b["zone"]
        return None

    def targets(self):
        """The sidecar's target lines for this cluster's network."""
        return [(self.network, addr, zone)
                for zone, addr in sorted(self.zones.items())]

    def add_broker(self, host, zone):
        """A new broker appears: the mock cluster gets it (control FIFO
        "add"), the API scenario lists it (add_broker) and the endpoint
        routes its name. Returns its mock id."""
        new_id = max(b["id"] for b in self.brokers) + 1
        self.mock.add_broker(new_id + 1, "%s:9092" % host)
        broker = {"id": new_id, "host": host, "port": 9092, "zone": zone}
        self.cloud.api.mutate({"op": "add_broker", "cluster": self.id,
                               "broker": broker})
        self.brokers.append(broker)
        self.endpoint.set_routes(kafka_routes=self._kafka_routes(),
                                 https_routes=self._https_routes())
        return new_id + 1

    def problems(self):
        return self.endpoint.error_log_problems() if self.endpoint else []

    def stop(self):
        errors = []
        if self.endpoint is not None:
            self.endpoint.stop()
        if self.mock is not None:
            try:
                rc = self.mock.stop()
                if rc != 0:
                    errors.append("mock_cluster %s exited %s" % (self.id, rc))
            except kafka_mock.MockError as e:
                errors.append(str(e))
        return errors


class Cloud:
    """The simulated Confluent Cloud: the control-plane API (HTTPS, the
    scenarios given), the Kafka REST backend for the clusters' REST names,
    a test CA, and one Site per cluster added."""

    def __init__(self, workdir, scenarios=("aws-dedicated.json",
                                           "azure-centralus.json"),
                 rest_clusters=("lkc-7xq2jv", "lkc-3nv7yd"),
                 rest_origins=(), rest_topics=()):
        self.dir = os.path.abspath(os.path.join(str(workdir), "cloud"))
        os.makedirs(self.dir, exist_ok=True)
        self.scenarios = list(scenarios)
        self.rest_clusters = list(rest_clusters)
        self.rest_origins = list(rest_origins)
        self.rest_topics = list(rest_topics)
        self.ca = None
        self.api = None
        self.rest = None
        self.sites = {}

    def start(self):
        _live.append(self)
        self.ca = harness.SimCA(os.path.join(self.dir, "ca"))
        self.api = harness.start_api(os.path.join(self.dir, "api"),
                                     scenario=self.scenarios, ca=self.ca,
                                     max_page_size=0)
        if self.rest_clusters:
            self.rest = harness.start_rest_backend(
                os.path.join(self.dir, "rest"),
                clusters={c: (CLUSTER_KEY, CLUSTER_SECRET)
                          for c in self.rest_clusters},
                allow_origins=self.rest_origins or None,
                topics=self.rest_topics)
        return self

    def add_site(self, cluster_id, topics=(), base="auto"):
        site = Site(self, cluster_id, topics, base)
        self.sites[cluster_id] = site
        site.start()
        return site

    def problems(self):
        out = []
        for s in self.sites.values():
            out += s.problems()
        return out

    def stop(self):
        errors = []
        for site in reversed(list(self.sites.values())):
            errors += site.stop()
        for part in (self.rest, self.api):
            if part is not None:
                part.stop()
        if self in _live:
            _live.remove(self)
        return errors


# ---------------------------------------------------------------------------
# a proxy host

ACCESS_LOG_MODULE = (
    "log_format e2e escape=json '{\"sni\":\"$cclink_sni\","
    "\"route\":\"$cclink_route\",\"group\":\"$cclink_group\","
    "\"zone\":\"$cclink_zone\",\"refusal\":\"$cclink_refusal\","
    "\"port\":\"$server_port\",\"status\":\"$status\","
    "\"upstream\":\"$upstream_addr\",\"in\":\"$bytes_received\","
    "\"out\":\"$bytes_sent\"}';")

ACCESS_LOG_STOCK = (
    "log_format e2e escape=json '{\"sni\":\"$ssl_preread_server_name\","
    "\"route\":\"\",\"group\":\"$cclink_upstream\",\"zone\":\"\","
    "\"refusal\":\"\",\"port\":\"$server_port\",\"status\":\"$status\","
    "\"upstream\":\"$upstream_addr\",\"in\":\"$bytes_received\","
    "\"out\":\"$bytes_sent\"}';")


# the sidecar's client folder, served read-only as the conf template does
CLIENT_LOCATION = """
        location /cclink/client/ {
            alias %s/client/current/;
            index index.html;
            limit_except GET { deny all; }
            types { text/html html; text/plain txt conf sh ps1; }
            default_type application/octet-stream;
            charset utf-8;
            add_header Cache-Control no-cache always;
            add_header X-Content-Type-Options nosniff always;
        }
"""


class ProxyBase:
    """A cclink proxy host: nginx listening on address:9092 and :443
    (mode "module": with ngx_cclink_module reading the route table;
    mode "stock": the distribution's nginx including the sidecar's
    stock-nginx include, reloaded by the sidecar), and cclink-sidecar
    "run". Before the first discovery nginx serves the seed files of
    conf-templates/ (every name refused), as a freshly installed host
    does. Subclasses say what the sidecar's configuration holds
    (config_lines), its environment (sidecar_env) and when the proxy is
    ready (wait_ready)."""

    def __init__(self, workdir, name, mode="module", zone=None,
                 address=None, status_port=None, poll_interval=5):
        if mode not in ("module", "stock"):
            raise ValueError("mode is module or stock")
        self.name = name
        self.mode = mode
        self.dir = os.path.abspath(os.path.join(str(workdir), name))
        self.out = os.path.join(self.dir, "out")
        self.conf = os.path.join(self.dir, "cclink-sidecar.conf")
        self.sidecar_log = os.path.join(self.dir, "sidecar.log")
        self.zone = zone
        self.preferred_address = address
        self.address = None
        self.status_port = status_port
        self.poll_interval = poll_interval
        self.nginx = None
        self.sidecar = None

    # -- files -------------------------------------------------------------

    def path(self, name):
        return os.path.join(self.out, name)

    def read(self, name):
        with open(self.path(name)) as f:
            return f.read()

    def state(self):
        with open(self.path("state.json")) as f:
            return json.load(f)

    def routes(self):
        """{key: group} from the route table."""
        out = {}
        for line in self.read("routes.conf").splitlines():
            if line.startswith("route "):
                _, key, group = line.split()
                out[key] = group
        return out

    def hosts_names(self):
        """{name: address} from the Linux hosts snippet."""
        out = {}
        for line in self.read("hosts-linux.txt").splitlines():
            if line and not line.startswith("#"):
                addr, name = line.split()
                out[name] = addr
        return out

    def client_url(self):
        """Where nginx serves the sidecar's client folder."""
        return "http://%s:%d/cclink/client/" % (self.address,
                                                 self.status_port)

    def config_lines(self):
        """The sidecar's configuration, without the lines this class
        adds (output, mode, nginx commands, proxy address and name)."""
        raise NotImplementedError

    def sidecar_env(self):
        return clean_env()

    def wait_ready(self, timeout):
        self.wait_cycle(1, timeout)

    def _write_config(self):
        lines = ["# cclink-sidecar for proxy %s, written by "
                 "tests/e2e/stack.py" % self.name] + self.config_lines()
        if self.poll_interval is not None:
            lines += ["poll_interval %d" % self.poll_interval,
                      "poll_jitter 0"]
        lines += [
            "output_dir %s" % self.out,
            "mode %s" % ("module" if self.mode == "module" else "nginx"),
        ]
        if self.mode == "stock":
            base = "%s -p %s/ -c %s" % (NGINX, self.nginx.prefix,
                                        self.nginx.conf)
            lines += ['nginx_test_command "%s -t -q"' % base,
                      'nginx_reload_command "%s -s reload"' % base,
                      "command_timeout 20s"]
        lines += ["proxy_address %s" % self.address,
                  "proxy_name %s" % self.name,
                  "client_url %s" % self.client_url()]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    def _seed(self):
        os.makedirs(self.out, exist_ok=True)
        for src, dst in ((SEED_ROUTES, "routes.conf"),
                         (SEED_INCLUDE, "nginx-cclink.conf")):
            with open(src) as f:
                text = f.read()
            with open(self.path(dst), "w") as f:
                f.write(text)

    def _nginx(self):
        if self.mode == "module":
            stream = """
    cclink_routes %s zone=cclink:16m interval=500ms;
    %s
    %s
    access_log {prefix}/logs/access.log e2e;
    upstream cclink_endpoints { cclink_balancer max_fails=1 fail_timeout=10s; }
    server {
        listen %s:9092;
        listen %s:443;
        cclink_route on;
        preread_timeout 10s;
        preread_buffer_size 17k;
        cclink_pass cclink_endpoints;
        cclink_pass_connect_timeout 3s;
        cclink_pass_next_upstream_tries 3;
    }
""" % (self.path("routes.conf"),
                "cclink_host_zone %s;" % self.zone if self.zone else "",
                ACCESS_LOG_MODULE,
                self.address, self.address)
            # the CONNECT entrance and its PAC file (docs/connect.md)
            self.connect_port = free_port(self.address)
            stream += """
    server {
        listen %s:%d;
        cclink_connect on;
        cclink_route on;
        cclink_pass cclink_endpoints;
        cclink_pass_connect_timeout 3s;
    }
""" % (self.address, self.connect_port)
            http = """
    server {
        listen %s:%d;
        location = /cclink/status { cclink_status; }
        %s
        location = /cclink/proxy.pac { cclink_pac %s:%d; }
    }
""" % (self.address, self.status_port, CLIENT_LOCATION % self.out,
       self.address, self.connect_port)
            return Nginx(os.path.join(self.dir, "nginx"), stream=stream,
                         http=http, workers=2, module=True)
        stream = """
    include %s;
    %s
    access_log {prefix}/logs/access.log e2e;
    server {
        listen %s:9092;
        listen %s:443;
        ssl_preread on;
        preread_timeout 10s;
        preread_buffer_size 17k;
        proxy_pass ${cclink_upstream}_$server_port;
        proxy_connect_timeout 3s;
        proxy_next_upstream on;
        proxy_next_upstream_tries 3;
    }
""" % (self.path("nginx-cclink.conf"), ACCESS_LOG_STOCK, self.address,
            self.address)
        http = """
    server {
        listen %s:%d;
        location = /nginx_status { stub_status; }
        %s
    }
""" % (self.address, self.status_port, CLIENT_LOCATION % self.out)
        return Nginx(os.path.join(self.dir, "nginx"), stream=stream,
                     http=http, workers=2, module=False)

    # -- life cycle --------------------------------------------------------

    def start(self, timeout=60):
        """Seed files, nginx, then the sidecar daemon; returns when
        wait_ready() is satisfied."""
        _live.append(self)
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)          # nginx workers read routes.conf
        self._seed()
        for attempt in range(5):
            self.address = pick_address(
                preferred=self.preferred_address if attempt == 0 else None)
            if (attempt or self.status_port is None
                    or not port_free(self.address, self.status_port)):
                self.status_port = free_port(self.address)
            self.nginx = self._nginx()
            try:
                self.nginx.start(wait_ports=[(self.address, 9092),
                                             (self.address, 443)])
                break
            except AssertionError as e:
                if "in use" not in str(e) or attempt == 4:
                    raise StackError("nginx for %s did not start: %s"
                                     % (self.name, e)) from None
        self._write_config()
        self.start_sidecar()
        self.wait_ready(timeout)
        return self

    def start_sidecar(self):
        env = self.sidecar_env()
        log = open(self.sidecar_log, "a")
        try:
            self.sidecar = subprocess.Popen(
                [SIDECAR, "--config", self.conf, "run"], env=env,
                stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        finally:
            log.close()

    def sidecar_output(self):
        try:
            with open(self.sidecar_log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_cycle(self, count, timeout=60, complete=True):
        """Waits for the count-th applied or unchanged cycle (complete
        ones only, unless complete is False)."""
        def done():
            if self.sidecar.poll() is not None:
                raise StackError("cclink-sidecar exited %s:\n%s"
                                 % (self.sidecar.returncode,
                                    self.sidecar_output()[-3000:]))
            return len(re.findall(r"event=cycle_done result=(?:applied|"
                                  r"unchanged) complete=%s"
                                  % ("yes" if complete else r"\w+"),
                                  self.sidecar_output())) >= count
        try:
            wait_until(done, timeout, "cycle %d of the sidecar of %s"
                       % (count, self.name))
        except StackError as e:
            raise StackError("%s\n%s" % (e, self.sidecar_output()[-3000:]))

    def table_serial(self):
        """The serial of the route table file."""
        m = re.search(r"^serial (\d+)$", self.read("routes.conf"), re.M)
        return int(m.group(1)) if m else None

    def wait_table(self, timeout=30):
        """Module mode: waits until the module serves the route table
        file's serial (it checks the file every 500 ms)."""
        if self.mode != "module":
            return

        def loaded():
            try:
                return self.status()["table"]["serial"] == \
                    self.table_serial()
            except OSError:
                return False
        wait_until(loaded, timeout, "the module to load routes.conf of %s"
                   % self.name)

    def cycles(self):
        return len(re.findall(r"event=cycle_done ", self.sidecar_output()))

    def status(self):
        import urllib.request
        url = "http://%s:%d/cclink/status" % (self.address,
                                              self.status_port)
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.loads(r.read().decode())

    @property
    def status_url(self):
        if self.mode == "module":
            return "http://%s:%d/cclink/status" % (self.address,
                                                   self.status_port)
        return "http://%s:%d/nginx_status" % (self.address, self.status_port)

    def access_entries(self):
        """The stream access log as dicts (one per finished connection)."""
        return self.log_entries("access.log")

    def log_entries(self, name):
        """A JSON-lines log of the proxy's nginx (logs/NAME) as dicts; []
        while it does not exist."""
        out = []
        try:
            with open(os.path.join(self.nginx.prefix, "logs", name)) as f:
                for line in f:
                    if line.strip():
                        out.append(json.loads(line))
        except FileNotFoundError:
            pass
        return out

    def problems(self):
        """[alert], [crit] and [emerg] lines of the proxy's error log."""
        return self.nginx.bad_lines() if self.nginx else []

    def pids(self):
        """(master pid, worker pids) of the proxy's nginx."""
        return self.nginx.master_pid(), tuple(self.nginx.worker_pids())

    def stop(self):
        if self.sidecar is not None and self.sidecar.poll() is None:
            self.sidecar.send_signal(signal.SIGTERM)
            try:
                self.sidecar.wait(20)
            except subprocess.TimeoutExpired:
                self.sidecar.kill()
                self.sidecar.wait(5)
        if self.nginx is not None:
            self.nginx.stop(check=False)
        if self in _live:
            _live.remove(self)
        return self.sidecar.returncode if self.sidecar else None


class ProxyHost(ProxyBase):
    """A proxy host whose sidecar discovers from the simulator (cloud).

    sites: the Site objects whose networks this proxy serves (their
    endpoint zone addresses become "target" lines, their clusters get a
    Kafka key so that broker names come from metadata). Ready when the
    first discovery was complete and applied and every site's bootstrap
    name is proxied (TLS verified through this proxy)."""

    def __init__(self, workdir, name, cloud, sites, mode="module",
                 environments=None, zone=None, address=None,
                 status_port=None, poll_interval=5, services="kafka"):
        super().__init__(workdir, name, mode, zone or sites[0].zone_labels[0],
                         address, status_port, poll_interval)
        self.cloud = cloud
        self.sites = list(sites)
        self.environments = environments
        self.services = services
        self.creds = os.path.join(self.dir, "kafka.credentials")

    def config_lines(self):
        envs = self.environments or sorted({self._env_of(s.id)
                                            for s in self.sites})
        lines = [
            "api_url %s" % self.cloud.api.url,
            "ca_file %s" % self.cloud.ca.cert,
            "environments %s" % " ".join(envs),
            "services %s" % self.services,
            "http_retries 2",
            "retry_backoff 200ms 2s",
            "http_timeout 10s",
            "kafka_credentials_file %s" % self.creds,
            "kafka_security_protocol SSL",
            "kafka_ca_file %s" % self.cloud.ca.cert,
            "kafka_socket_timeout 10s",
            "kafka_deadline 30s",
            "zone %s" % self.zone,
            "target_dns off",
            # the simulated endpoints listen on loopback addresses
            "allow_local_targets on",
        ]
        for s in self.sites:
            # metadata over TLS straight to the endpoint (the names still
            # go as SNI and are verified): it works before this proxy has
            # any route
            first = s.zones[s.zone_labels[0]]
            lines.append("kafka_bootstrap_address %s %s:9092" % (s.id, first))
            for key, addr, zone in s.targets():
                lines.append("target %s %s zone=%s" % (key, addr, zone))
        lines.append("log_level info")
        fd = os.open(self.creds, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                     0o600)
        with os.fdopen(fd, "w") as f:
            for s in self.sites:
                f.write("%s %s %s\n" % (s.id, CLUSTER_KEY, CLUSTER_SECRET))
        os.chmod(self.creds, 0o600)
        return lines

    def _env_of(self, cluster_id):
        state = self.cloud.api.state()
        for env in state["environments"]:
            if any(c["id"] == cluster_id for c in env.get("clusters", [])):
                return env["id"]
        raise StackError("cluster %s is in no environment" % cluster_id)

    def sidecar_env(self):
        env = clean_env()
        env["CONFLUENT_CLOUD_API_KEY"] = self.cloud.api.api_key
        env["CONFLUENT_CLOUD_API_SECRET"] = self.cloud.api.api_secret
        return env

    def wait_ready(self, timeout):
        self.wait_cycle(1, timeout)
        for s in self.sites:
            wait_until(lambda s=s: tls_probe(self.address, 9092, s.bootstrap,
                                             self.cloud.ca.cert),
                       timeout, "%s proxied by %s" % (s.bootstrap,
                                                      self.name))


# ---------------------------------------------------------------------------
# the laptop

class Laptop:
    """A client machine: its hosts file (the proxies' blocks put in with
    "cclink-sidecar hosts apply") and clients that run in a private mount
    namespace where that file is bind-mounted over /etc/hosts."""

    BASE = "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n"

    def __init__(self, workdir, name="laptop"):
        self.dir = os.path.abspath(os.path.join(str(workdir), name))
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        self.hosts = os.path.join(self.dir, "hosts")
        with open(self.hosts, "w") as f:
            f.write(self.BASE)
        os.chmod(self.hosts, 0o644)
        self.log = os.path.join(self.dir, "commands.log")

    def apply(self, proxy):
        """Puts proxy's block into the hosts file, as a user would."""
        r = subprocess.run([SIDECAR, "--config", proxy.conf, "hosts",
                            "apply", "--file", self.hosts],
                           env=clean_env(), capture_output=True, text=True,
                           timeout=30)
        if r.returncode != 0:
            raise StackError("hosts apply for %s failed (%d): %s"
                             % (proxy.name, r.returncode, r.stderr))
        return r

    def fetch_command(self, proxy, *args):
        """The one line a user runs (docs/clients.md), for this laptop's
        hosts file: download hosts-apply.sh from the proxy, then run it."""
        return ("cd %s && curl -fsSO %shosts-apply.sh && sh hosts-apply.sh"
                " --file %s%s" % (self.dir, proxy.client_url(), self.hosts,
                                  "".join(" " + a for a in args)))

    def fetch_apply(self, proxy, *args):
        """Runs fetch_command(); raises StackError when it fails."""
        r = subprocess.run(["sh", "-c", self.fetch_command(proxy, *args)],
                           env=clean_env(), capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0:
            raise StackError("hosts-apply.sh for %s failed (%d): %s"
                             % (proxy.name, r.returncode, r.stderr))
        return r

    def text(self):
        with open(self.hosts) as f:
            return f.read()

    def names(self):
        out = {}
        for line in self.text().splitlines():
            line = line.split("#", 1)[0].split()
            if len(line) >= 2:
                for n in line[1:]:
                    out[n] = line[0]
        return out

    def run(self, argv, timeout=120, input=None):
        """Runs argv with the hosts file over /etc/hosts (a private mount
        namespace: the machine's /etc/hosts is not touched)."""
        wrapper = ["unshare", "--mount", "--propagation", "private", "sh",
                   "-c", 'mount --bind "$0" /etc/hosts && exec "$@"',
                   self.hosts]
        t0 = time.monotonic()
        r = subprocess.run(wrapper + list(argv), capture_output=True,
                           text=True, input=input, timeout=timeout,
                           env=clean_env())
        with open(self.log, "a") as f:
            f.write("$ %s\n[exit %d, %.2fs]\n%s\n%s\n"
                    % (" ".join(argv), r.returncode, time.monotonic() - t0,
                       r.stdout[-4000:], r.stderr[-4000:]))
        return r

    def kcat(self, bootstrap, args, ca=None, input=None, timeout=120,
             config_file=None):
        """kcat bootstrapping from bootstrap:9092 with TLS
        (security.protocol=SSL), the CA file ca and host name
        verification; or, with config_file, the client properties in
        that file (kcat -F: SASL credentials stay off the command
        line)."""
        argv = ["kcat", "-b", "%s:9092" % bootstrap]
        if config_file:
            argv += ["-F", config_file]
        else:
            argv += ["-X", "security.protocol=SSL",
                     "-X", "ssl.ca.location=%s" % ca,
                     "-X", "ssl.endpoint.identification.algorithm=https"]
        argv += ["-X", "socket.timeout.ms=10000",
                 "-X", "topic.metadata.refresh.interval.ms=5000"]
        return self.run(argv + list(args), timeout=timeout, input=input)

    def curl(self, method, url, ca, auth=None, body=None, timeout=30):
        """curl in the namespace; returns (HTTP status, parsed JSON body
        or None, raw text)."""
        argv = ["curl", "-sS", "--max-time", "15", "--cacert", ca,
                "-X", method, "-w", "\n%{http_code}", "-H",
                "Accept: application/json"]
        if auth:
            argv += ["-u", "%s:%s" % auth]
        if body is not None:
            argv += ["-H", "Content-Type: application/json",
                     "--data-binary", json.dumps(body)]
        r = self.run(argv + [url], timeout=timeout)
        if r.returncode != 0:
            raise StackError("curl %s %s failed (%d): %s"
                             % (method, url, r.returncode, r.stderr))
        text, _, code = r.stdout.rpartition("\n")
        doc = None
        if text.strip():
            try:
                doc = json.loads(text)
            except ValueError:
                doc = None
        return int(code), doc, text
