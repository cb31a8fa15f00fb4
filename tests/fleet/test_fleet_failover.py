"""Failover end to end: two proxy hosts behind a real layer-4 load
balancer (HAProxy in TCP mode, health checks against cclink_health), a
laptop producing with an idempotent producer and consuming through the
load balancer's address, one host stopped mid-run and brought back.

Network namespaces made here (names: flt<pid>...; deleted at the end):

    laptop 10.77.0.3 ─┐            ┌─ p1 10.77.0.11  nginx + module ─┐
                      ├─ bridge ───┼─ p2 10.77.0.12  nginx + module ─┼─▶ cloud
    lb 10.77.0.2 ─────┘            └─ cloud 10.77.{1,2,3}.1 ◀─────────┘
       haproxy :9092 ─▶ p1, p2 :9092   (check: GET :8081/cclink/health)

The cloud namespace runs the simulator's per-zone private endpoint (TLS,
the cluster's names) in front of the mock Kafka cluster. The laptop's
hosts file points every cluster name at the load balancer, as the
sidecar's hosts snippet does with proxy_address set to it.

The sequence: production starts; p1's nginx is killed, then p1's network
cut off; HAProxy marks p1 down; the producer and the consumer carry on
through p2. p1 comes back as a freshly booted host does: nginx first,
with the empty seed table, so its health endpoint says 503 and the load
balancer must keep it out (a health endpoint that always said 200 fails
the test here: p1 would be marked up and receive clients it refuses);
then the route table arrives, p1 is marked up and takes new connections.
Every produced message is consumed exactly once.
"""

import csv
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, TESTS)
sys.path.insert(0, HERE)

from lib.nginx import MODULE, Nginx, wait_for  # noqa: E402
from fleet_net import Net, have_netns  # noqa: E402
from sim.kafka import mock as kafka_mock  # noqa: E402

CLUSTER = "lkc-7xq2jv"
TOPIC = "fleet"
LB = "10.77.0.2"
PROXIES = {"p1": "10.77.0.11", "p2": "10.77.0.12"}
RATE = 40                 # messages a second
DURATION = 30.0           # seconds of production

SEED = "cclink-routes 1\nserial 0\nend\n"


def _skip_reason():
    if not have_netns():
        return "needs root to create network namespaces"
    for tool in ("haproxy", "kcat", "unshare"):
        if shutil.which(tool) is None:
            return "%s is not installed (tools/deps.d)" % tool
    if not os.path.exists(MODULE):
        return "module not built (make module)"
    if not os.access(kafka_mock.binary_path(), os.X_OK):
        return "mock Kafka cluster not built (make kafka-sim)"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None,
                                reason=_skip_reason() or "")


class NsNginx(Nginx):
    """nginx run inside a host's namespace."""

    def __init__(self, host, *args, **kw):
        self.host = host
        super().__init__(*args, **kw)

    def cmd(self, *args):
        return self.host.argv(super().cmd(*args))


def routes_text(info):
    """The route table a sidecar writes for the cluster: bootstrap to any
    zone of the endpoint, each broker to its own zone's address."""
    lines = ["cclink-routes 1", "serial 42", "generated fleet-test"]
    for zone, addr in sorted(info["zones"].items()):
        lines.append("group ep %s zone=%s" % (addr, zone))
        lines.append("group ep-%s %s zone=%s" % (zone, addr, zone))
    lines.append("route %s ep" % info["bootstrap"])
    for b in info["brokers"]:
        lines.append("route %s ep-%s" % (b["host"], b["zone"]))
    return "\n".join(lines) + "\nend\n"


def write_file(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.rename(tmp, path)


def status_text():
    now = int(time.time())
    return ("cclink-status 1\nserial 42\nlast_discovery %d\n"
            "last_complete %d\ncomplete yes\nerrors 0\nresult unchanged\n"
            % (now, now))


# a health endpoint that always says 200, for the variant that shows the
# test depends on the real one
ALWAYS_200 = 'return 200 "ok\\n";'
HEALTH = """cclink_health cclink;
            cclink_health_sidecar_status {prefix}/status;
            cclink_health_max_age 5m;"""


def proxy_nginx(host, prefix, addr, zone, health=HEALTH):
    stream = """
    cclink_routes {prefix}/routes.conf zone=cclink:4m interval=250ms;
    cclink_host_zone %s;
    log_format fleet '$remote_addr sni=$cclink_sni refusal=$cclink_refusal'
                     ' upstream=$upstream_addr';
    access_log {prefix}/logs/stream.log fleet;
    upstream cclink_endpoints {
        cclink_balancer max_fails=1 fail_timeout=10s;
    }
    server {
        listen %s:9092;
        cclink_route on;
        preread_timeout 10s;
        proxy_pass cclink_endpoints;
        proxy_connect_timeout 2s;
    }
""" % (zone, addr)
    http = """
    server {
        listen %s:8081;
        location = /cclink/health {
            %s
        }
    }
""" % (addr, health)
    return NsNginx(host, prefix, stream=stream, http=http, workers=1)


HAPROXY = """global
    stats socket %(sock)s mode 600 level admin
    maxconn 4000

defaults
    mode tcp
    timeout connect 2s
    timeout client 5m
    timeout server 5m
    timeout check 1s

frontend kafka
    bind %(lb)s:9092
    default_backend proxies

backend proxies
    balance roundrobin
    option httpchk GET /cclink/health
    http-check expect status 200
    default-server check port 8081 inter 500ms downinter 500ms fall 2 rise 2 on-marked-down shutdown-sessions
%(servers)s
"""


class Lb:
    def __init__(self, host, workdir):
        self.host = host
        self.sock = os.path.join(workdir, "haproxy.sock")
        self.cfg = os.path.join(workdir, "haproxy.cfg")
        self.log = os.path.join(workdir, "haproxy.log")
        servers = "".join("    server %s %s:9092\n" % (n, a)
                          for n, a in sorted(PROXIES.items()))
        with open(self.cfg, "w") as f:
            f.write(HAPROXY % {"sock": self.sock, "lb": LB,
                               "servers": servers})
        self.proc = None

    def start(self):
        r = self.host.run(["haproxy", "-c", "-f", self.cfg])
        assert r.returncode == 0, r.stdout + r.stderr
        with open(self.log, "w") as log:
            self.proc = self.host.popen(["haproxy", "-db", "-f", self.cfg],
                                        stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: os.path.exists(self.sock), timeout=10,
                 what="haproxy's stats socket")

    def servers(self):
        """{server: row of "show stat"} of the backend."""
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(5)
        s.connect(self.sock)
        s.sendall(b"show stat\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        text = data.decode().lstrip("# ")
        return {row["svname"]: row for row in csv.DictReader(io.StringIO(text))
                if row["pxname"] == "proxies"
                and row["svname"] not in ("BACKEND", "FRONTEND")}

    def state(self, name):
        return self.servers()[name]["status"]

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


class Laptop:
    def __init__(self, host, workdir, info):
        self.host = host
        self.hosts = os.path.join(workdir, "laptop-hosts")
        names = [info["bootstrap"]] + [b["host"] for b in info["brokers"]]
        write_file(self.hosts, "127.0.0.1 localhost\n" + "".join(
            "%s %s\n" % (LB, n) for n in names))
        self.bootstrap = info["bootstrap"]
        self.ca = info["ca"]

    def argv(self, args):
        return self.host.argv([
            "unshare", "--mount", "--propagation", "private", "sh", "-c",
            'mount --bind "$0" /etc/hosts && exec "$@"', self.hosts,
            "kcat", "-b", "%s:9092" % self.bootstrap,
            "-X", "security.protocol=SSL",
            "-X", "ssl.ca.location=%s" % self.ca,
            "-X", "ssl.endpoint.identification.algorithm=https",
            "-X", "socket.timeout.ms=5000",
            "-X", "reconnect.backoff.ms=100",
            "-X", "reconnect.backoff.max.ms=1000",
            "-X", "topic.metadata.refresh.interval.ms=2000"] + list(args))

    def popen(self, args, **kw):
        return subprocess.Popen(self.argv(args), text=True, **kw)

    def run(self, args, timeout=60):
        return subprocess.run(self.argv(args), text=True,
                              capture_output=True, timeout=timeout)


def feed(proc, count, rate, sent):
    """Writes count messages to the producer's stdin, rate a second."""
    t0 = time.monotonic()
    for i in range(count):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        try:
            proc.stdin.write("m-%05d\n" % i)
            proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            return
        sent.append(i)


@pytest.mark.parametrize("health", [
    pytest.param(HEALTH, id="cclink_health"),
    pytest.param(ALWAYS_200, id="always-200", marks=pytest.mark.xfail(
        strict=True, raises=AssertionError,
        reason="a health endpoint that always says 200 lets the load "
               "balancer send clients to a host with no route table")),
])
def test_failover_through_haproxy(capsys, health):
    workdir = tempfile.mkdtemp(prefix="cclink-fleet-")
    os.chmod(workdir, 0o755)
    net = Net("flt")
    site = lb = None
    nginxes = []
    clients = []
    t = {}
    try:
        cloud = net.host("cl", "10.77.1.1", "10.77.2.1", "10.77.3.1")
        p1 = net.host("p1", PROXIES["p1"])
        p2 = net.host("p2", PROXIES["p2"])
        lbh = net.host("lb", LB)
        lt = net.host("lt", "10.77.0.3")

        # the cluster behind its private endpoint
        site = cloud.popen(
            [sys.executable, os.path.join(HERE, "cloud_site.py"),
             os.path.join(workdir, "cloud"), CLUSTER, "10.77",
             "%s:3:3" % TOPIC],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = site.stdout.readline()
        assert line, "the simulated endpoint did not start"
        info = json.loads(line)
        routes = routes_text(info)

        # two proxy hosts with the route table and a fresh sidecar status
        def start_proxy(name, host, prefix, table):
            d = os.path.join(workdir, prefix)
            os.makedirs(d, exist_ok=True)
            os.chmod(d, 0o755)
            write_file(os.path.join(d, "routes.conf"), table)
            write_file(os.path.join(d, "status"), status_text())
            ngx = proxy_nginx(host, d, PROXIES[name], "usw2-az1", health)
            ngx.start()
            nginxes.append(ngx)
            return ngx

        ngx1 = start_proxy("p1", p1, "p1", routes)
        start_proxy("p2", p2, "p2", routes)

        lb = Lb(lbh, workdir)
        lb.start()
        wait_for(lambda: all(s["status"] == "UP"
                             for s in lb.servers().values()),
                 timeout=20, what="both proxies up in haproxy")

        laptop = Laptop(lt, workdir, info)
        r = laptop.run(["-L", "-t", TOPIC])
        assert r.returncode == 0 and "3 partitions" in r.stdout, r.stderr

        # production and consumption through the load balancer
        count = int(RATE * DURATION)
        producer = laptop.popen(
            ["-P", "-t", TOPIC, "-X", "enable.idempotence=true",
             "-X", "acks=all", "-X", "linger.ms=5",
             "-X", "message.timeout.ms=120000"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        clients.append(producer)
        consumer = laptop.popen(
            ["-C", "-t", TOPIC, "-o", "beginning", "-c", str(count),
             "-f", "%s\\n", "-q"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        clients.append(consumer)
        sent = []
        feeder = threading.Thread(target=feed,
                                  args=(producer, count, RATE, sent))
        t0 = time.monotonic()
        feeder.start()

        def at(seconds):
            delay = t0 + seconds - time.monotonic()
            if delay > 0:
                time.sleep(delay)

        def now():
            return round(time.monotonic() - t0, 2)

        # p1 stops: nginx killed, then the host cut off
        at(6)
        pids = [ngx1.master_pid()] + ngx1.worker_pids()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        t["p1 nginx killed"] = now()
        wait_for(lambda: lb.state("p1").startswith("DOWN"), timeout=10,
                 step=0.05, what="haproxy to mark p1 down")
        t["p1 marked down"] = now()
        at(8)
        net.cut("p1")
        t["p1 cut off"] = now()
        sent_at_cut = len(sent)

        # p1 back as a fresh host: nginx with the empty seed table first
        at(14)
        net.restore("p1")
        ngx1b = start_proxy("p1", p1, "p1b", SEED)
        t["p1 back, seed table"] = now()
        r = lbh.run(["curl", "-s", "-w", " %{http_code}",
                     "http://%s:8081/cclink/health" % PROXIES["p1"]])
        if health == HEALTH:
            assert r.stdout == ("no route table loaded: serial 0 has no "
                                "routes\n 503"), r.stdout
        # several health checks later, p1 is still out: its 503 counts
        at(17)
        wait_for(lambda: lb.servers()["p1"]["check_status"] not in
                 ("L4TOUT", "L4CON"), timeout=10,
                 what="a health check of p1 since its return")
        row = lb.servers()["p1"]
        assert row["status"].startswith("DOWN"), row
        assert row["check_status"] == "L7STS" and row["check_code"] == "503"
        assert ngx1b.access_log("stream.log") == "", \
            "clients reached a host with no route table"

        # the sidecar's first table arrives: p1 is marked up
        write_file(os.path.join(ngx1b.prefix, "routes.conf"), routes)
        t["p1 route table written"] = now()
        wait_for(lambda: lb.state("p1") == "UP", timeout=10, step=0.05,
                 what="haproxy to mark p1 up again")
        t["p1 marked up"] = now()
        p1_sessions_up = int(lb.servers()["p1"]["stot"])

        feeder.join(DURATION + 30)
        producer.stdin.close()
        producer.stdin = None
        out, err = producer.communicate(timeout=150)
        t["production done"] = now()
        assert producer.returncode == 0, err
        assert "Delivery failed" not in err, err
        assert len(sent) == count

        out, err = consumer.communicate(timeout=60)
        t["concurrent consumer done"] = now()
        got = out.split()
        assert consumer.returncode == 0, err

        # a fresh consumer reads the whole topic: each message once
        r = laptop.run(["-C", "-t", TOPIC, "-o", "beginning", "-e",
                        "-f", "%s\\n", "-q"], timeout=60)
        assert r.returncode == 0, r.stderr
        final = r.stdout.split()
        t["final read done"] = now()
        expected = ["m-%05d" % i for i in range(count)]
        assert sorted(got) == expected
        assert sorted(final) == expected, (
            "missing %d, duplicated %d" % (
                len(set(expected) - set(final)),
                len(final) - len(set(final))))

        # p1 takes traffic again: new connections went through it
        for _ in range(4):
            assert laptop.run(["-L", "-t", TOPIC]).returncode == 0
        servers = lb.servers()
        assert int(servers["p1"]["stot"]) > p1_sessions_up
        p1_log = ngx1b.access_log("stream.log").splitlines()
        assert p1_log and all("refusal=- " in l for l in p1_log), p1_log

        with capsys.disabled():
            sys.stdout.write(
                "\nfleet failover: %d produced (idempotent), %d consumed "
                "during the run, %d in the final read, %d sent before the "
                "cut; haproxy sessions p1=%s p2=%s (p1 after its return: "
                "%d); timeline (s): %s\n" % (
                    count, len(got), len(final), sent_at_cut,
                    servers["p1"]["stot"], servers["p2"]["stot"],
                    int(servers["p1"]["stot"]) - p1_sessions_up,
                    ", ".join("%s %.2f" % kv for kv in t.items())))
    finally:
        for c in clients:
            if c.poll() is None:
                c.kill()
                c.wait(5)
        if lb is not None:
            lb.stop()
        for ngx in nginxes:
            ngx.stop(check=ngx is not nginxes[0])
        if site is not None:
            site.stdin.close()
            site.wait(30)
        net.close()
        if not os.environ.get("CCLINK_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)
