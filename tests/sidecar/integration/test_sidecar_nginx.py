"""cclink-sidecar with stock nginx (no module): the include routes by SNI
and refuses the rest; in nginx mode a changed include is tested, then
reloaded, or put back when nginx refuses it. And "diagnose", hop by hop."""

import os
import socket
import ssl
import sys
import threading

import pytest

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, TESTS)
from lib.backends import TLSBackend  # noqa: E402
from lib.nginx import NGINX, Nginx, free_port  # noqa: E402
from lib.tlsclient import refused, which_backend  # noqa: E402
from sim.fixtures import *  # noqa: E402,F401,F403
from lib.sidecar import BINARY, Sidecar, have_binary  # noqa: E402

pytestmark = pytest.mark.skipif(not have_binary(),
                                reason="%s not built (make sidecar)" % BINARY)

PLATT_NAME = "lkc-9wd3ny.us-west-2.aws.private.confluent.cloud"
GLB_NAME = "lkc-7xq2jv-p9x4z.us-west-2.aws.glb.confluent.cloud"
AZ2_BROKER = "e-1b72-usw2-az2-p9x4z.us-west-2.aws.glb.confluent.cloud"
NAMES = ["*.us-west-2.aws.private.confluent.cloud",
         "*.us-west-2.aws.glb.confluent.cloud"]


class Rest401:
    """A TLS server that answers every HTTP request with 401, like the
    Kafka REST API without credentials."""

    def __init__(self, cert, key):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            try:
                t = self.ctx.wrap_socket(c, server_side=True)
                t.settimeout(5)
                t.recv(4096)
                t.sendall(b"HTTP/1.1 401 Unauthorized\r\n"
                          b"Content-Length: 0\r\nConnection: close\r\n\r\n")
                t.close()
            except (OSError, ssl.SSLError):
                c.close()

    def close(self):
        self.sock.close()


@pytest.fixture
def backends(sim_api):
    cert, key = sim_api.ca.issue("cluster-names", NAMES)
    b = {"platt": TLSBackend("platt", cert, key),
         "az1": TLSBackend("az1", cert, key),
         "az2": TLSBackend("az2", cert, key, host="127.0.0.2")}
    yield b
    for x in b.values():
        x.close()


def targets(b):
    return [("platt-k3v8m", "127.0.0.1:%d" % b["platt"].port, None),
            ("n-p9x4z", "127.0.0.1:%d" % b["az1"].port, "usw2-az1"),
            ("n-p9x4z", "127.0.0.2:%d" % b["az2"].port, "usw2-az2")]


@pytest.fixture
def stock(tmp_path, sim_api, backends):
    """nginx without the module, including the sidecar's file."""
    port = free_port()
    sc = Sidecar(tmp_path / "sc", sim_api)
    ngx = Nginx(tmp_path / "nginx", module=False, workers=1, stream=(
        "include %s/out/nginx-cclink.conf;\n"
        "server {\n"
        "    listen 127.0.0.1:%d;\n"
        "    ssl_preread on;\n"
        "    proxy_connect_timeout 2s;\n"
        "    proxy_pass ${cclink_upstream}_$server_port;\n"
        "}\n" % (sc.dir, port)))
    cmd = "%s -p %s/ -c %s" % (NGINX, ngx.prefix, ngx.conf)
    # the first include must exist before nginx starts: write it in module
    # mode (no nginx commands), then switch to nginx mode
    sc.write_config(targets=targets(backends), mode="module",
                    extra="nginx_ports %d\n" % port)
    sc.run("once", check=0)
    sc.write_config(targets=targets(backends), mode="nginx", extra=(
        "nginx_ports %d\n"
        "nginx_test_command \"%s -t -q\"\n"
        "nginx_reload_command \"%s -s reload\"\n" % (port, cmd, cmd)))
    ngx.start(wait_ports=[("127.0.0.1", port)])
    ngx.port = port
    yield sc, ngx
    ngx.stop()


def test_stock_nginx_routes_by_sni(stock, sim_api, backends):
    sc, ngx = stock
    ca = sim_api.ca_file
    assert which_backend(ngx.port, PLATT_NAME, ca) == "platt"
    # a broker nobody discovered, through the domain pattern
    assert which_backend(ngx.port, "lkc-9wd3ny-g042.us-west-2.aws.private."
                         "confluent.cloud", ca) == "platt"
    # this host's zone first
    assert which_backend(ngx.port, GLB_NAME, ca) == "az1"
    # a broker of zone 2 only through zone 2's endpoint
    assert which_backend(ngx.port, AZ2_BROKER, ca) == "az2"


def test_stock_nginx_refuses_unknown_names(stock, backends):
    sc, ngx = stock
    before = sum(b.accepted for b in backends.values())
    assert refused(ngx.port, "www.example.com")
    assert refused(ngx.port, "e-0000-usw2-az1-zzzzz.us-west-2.aws.glb."
                   "confluent.cloud")
    assert refused(ngx.port, None)
    assert sum(b.accepted for b in backends.values()) == before


def test_nginx_mode_reloads_a_changed_include(stock, sim_api):
    sc, ngx = stock
    sim_api.mutate({"op": "add", "type": "endpoints",
                    "environment": "env-m2qx7",
                    "resource": {"id": "e-new9", "service": "KAFKA",
                                 "cloud": "aws", "region": "us-west-2",
                                 "is_private": True,
                                 "connection_type": "PRIVATE_LINK",
                                 "endpoint_type": "BOOTSTRAP",
                                 "endpoint": "lkc-n3w999.us-west-2.aws."
                                             "private.confluent.cloud:9092"}})
    r = sc.run("once", check=0)
    assert "what=nginx_test" in r.stderr and "what=nginx_reload" in r.stderr
    assert "lkc-n3w999.us-west-2.aws.private.confluent.cloud" in \
        sc.read("nginx-cclink.conf")


def test_nginx_mode_puts_back_a_refused_include(stock, sim_api):
    sc, ngx = stock
    before = sc.snapshot()
    with open(sc.conf) as f:
        text = f.read()
    with open(sc.conf, "w") as f:
        f.write(text.replace("nginx_test_command \"", "nginx_test_command "
                             "\"echo refusing >&2; exit 1; "))
    sim_api.mutate({"op": "remove", "id": "lkc-9wd3ny"})
    sim_api.mutate({"op": "add", "type": "endpoints",
                    "environment": "env-m2qx7",
                    "resource": {"id": "e-new8", "service": "KAFKA",
                                 "cloud": "aws", "region": "us-west-2",
                                 "is_private": True,
                                 "connection_type": "PRIVATE_LINK",
                                 "endpoint_type": "REST",
                                 "endpoint": "https://lkc-n3w888.us-west-2."
                                             "aws.private.confluent.cloud"}})
    r = sc.run("once")
    assert r.returncode == 1
    assert "event=command_output what=nginx_test line=refusing" in r.stderr
    assert "event=nginx_rejected" in r.stderr
    after = sc.snapshot()
    for name in before:
        assert after[name][0] == before[name][0], name
    assert "lkc-n3w888" not in sc.read("hosts-linux.txt")


# ---------------------------------------------------------------------------
# diagnose

@pytest.fixture
def diag(tmp_path, sim_api):
    cert, key = sim_api.ca.issue("cluster-names", NAMES)
    rest = Rest401(cert, key)
    closed = free_port()
    other_cert, other_key = sim_api.ca.issue("someone-else",
                                             ["other.example.test"])
    wrong = TLSBackend("wrong", other_cert, other_key)
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config(targets=[
        ("platt-k3v8m", "127.0.0.1:%d" % rest.port, None),
        ("n-p9x4z", "127.0.0.1:%d" % closed, "usw2-az1"),
        ("n-k2m7r", "127.0.0.1:%d" % wrong.port, "usw2-az2")],
        extra="kafka_ca_file %s\n" % sim_api.ca_file)
    sc.run("once", check=0)
    yield sc
    rest.close()
    wrong.close()


def test_diagnose_a_working_rest_name(diag):
    r = diag.run("diagnose", PLATT_NAME + ":443", check=0)
    out = r.stdout
    assert out.startswith("diagnose %s:443\n" % PLATT_NAME)
    assert "  route  ok   \"%s\" -> group platt-k3v8m" % PLATT_NAME in out
    assert "  tcp    ok   connected" in out
    assert "  tls    ok   TLSv1.3" in out
    assert "  http   ok   \"HTTP/1.1 401 Unauthorized\"" in out
    assert out.endswith("result: ok\n")


def test_diagnose_an_unknown_name(diag):
    r = diag.run("diagnose", "www.example.com")
    assert r.returncode == 1
    assert "  route  FAIL no route for www.example.com" in r.stdout
    assert "missing route table entry" in r.stdout
    assert r.stdout.endswith("result: FAIL at route\n")


def test_diagnose_a_closed_port(diag):
    r = diag.run("diagnose", GLB_NAME + ":9092")
    assert r.returncode == 1
    assert "  tcp    FAIL connection refused" in r.stdout
    assert "zone usw2-az1" in r.stdout


def test_diagnose_a_wrong_endpoint(diag):
    r = diag.run("diagnose", "lkc-4pn8kd-k2m7r.us-west-2.aws.glb.confluent."
                 "cloud:9092")
    assert r.returncode == 1
    assert "  tcp    ok" in r.stdout
    assert "  tls    FAIL" in r.stdout
    assert "not accepted for lkc-4pn8kd-k2m7r" in r.stdout


def test_diagnose_usage(diag):
    assert diag.run("diagnose").returncode == 64
    assert diag.run("diagnose", "not a name").returncode == 64
