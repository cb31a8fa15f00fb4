"""Shared fixtures for the integration tests: the test CA, backends, and a
proxy (the distribution's nginx with the built module) on free loopback
ports."""

import os
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from lib.backends import TLSBackend  # noqa: E402
from lib.nginx import Nginx, free_port, wait_for  # noqa: E402
from lib.pki import TestCA  # noqa: E402

TEST_NAMES = [
    "exact.example.test", "*.example.test", "*.deep.example.test",
    "dot.example.test", "*.dot.example.test", "www.trail.example.net",
    "re-12.example.org", "re-x.example.org", "port.example.test",
    "both.example.test", "a.example.test", "b.example.test",
    "c.example.test", "*.zone.example.test",
]

# Which relay the proxies under test use after routing: nginx's proxy_pass
# ("proxy") or the module's own cclink_pass ("pass"). make integration-pass
# runs the module's test files with the latter.
RELAY = os.environ.get("CCLINK_TEST_RELAY", "proxy")

# the cclink_pass directive for each proxy_* directive a test may set
PASS_DIRECTIVES = {
    "proxy_next_upstream_tries": "cclink_pass_next_upstream_tries",
    "proxy_connect_timeout": "cclink_pass_connect_timeout",
    "proxy_timeout": "cclink_pass_timeout",
}


def relay_directives(text, relay=None):
    """The server block's relay lines written for the relay in use."""
    if (relay or RELAY) != "pass":
        return text
    text = text.replace("proxy_pass ", "cclink_pass ")
    for old, new in PASS_DIRECTIVES.items():
        text = text.replace(old + " ", new + " ")
    return text


LOG_FORMAT = ("log_format cclink '$remote_addr $server_port "
              "sni=$cclink_sni route=$cclink_route group=$cclink_group "
              "zone=$cclink_zone refusal=$cclink_refusal "
              "serial=$cclink_serial status=$status "
              "upstream=$upstream_addr sent=$bytes_received';")


@pytest.fixture(scope="session")
def ca(tmp_path_factory):
    ca = TestCA(str(tmp_path_factory.mktemp("ca")))
    ca.leaf = ca.issue("backend", TEST_NAMES + ["127.0.0.1"])
    return ca


def write_routes(path, text):
    """Replaces the route table atomically, as the sidecar does."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


class Proxy:
    """nginx with the cclink module: a "kafka" and a "rest" listener on
    127.0.0.1, and the status page."""

    def __init__(self, prefix, routes, host_zone=None, srv_extra="",
                 stream_extra="", balancer="cclink_balancer;",
                 interval=None, workers=2, zone_size="16m", relay=None,
                 main=""):
        self.prefix = str(prefix)
        os.makedirs(self.prefix, exist_ok=True)
        self.kafka_port = free_port()
        self.rest_port = free_port()
        self.status_port = free_port()
        self.routes = os.path.join(self.prefix, "routes.conf")
        write_routes(self.routes, self.fill(routes))
        zone = "cclink_host_zone %s;" % host_zone if host_zone else ""
        ival = " interval=%s" % interval if interval else ""
        stream = """
    cclink_routes %s zone=cclink:%s%s;
    %s
    %s
    access_log {prefix}/logs/access.log cclink;
    %s
    upstream cclink_endpoints { %s }
    server {
        listen 127.0.0.1:%d;
        listen 127.0.0.1:%d;
        cclink_route on;
        %s
        %s
    }
""" % (self.routes, zone_size, ival, zone, LOG_FORMAT, stream_extra,
            balancer, self.kafka_port, self.rest_port,
            relay_directives("proxy_pass cclink_endpoints;\n"
                             "        proxy_connect_timeout 2s;", relay),
            relay_directives(srv_extra, relay))
        http = """
    server {
        listen 127.0.0.1:%d;
        location /status { cclink_status; }
    }
""" % self.status_port
        self.nginx = Nginx(self.prefix, stream=stream, http=http,
                           workers=workers, main=main)

    def fill(self, text):
        return text.replace("{kafka_port}", str(getattr(self, "kafka_port",
                                                        0)))

    def start(self):
        self.nginx.start(wait_ports=[("127.0.0.1", self.kafka_port),
                                     ("127.0.0.1", self.status_port)])
        return self

    def set_routes(self, text):
        write_routes(self.routes, text)

    def status(self, fmt=None):
        import json
        import urllib.request
        url = "http://127.0.0.1:%d/status" % self.status_port
        if fmt:
            url += "?format=" + fmt
        with urllib.request.urlopen(url, timeout=5) as r:
            body = r.read().decode()
        return body if fmt else json.loads(body)

    def wait_serial(self, serial, timeout=3.0):
        return wait_for(lambda: self.status()["table"]["serial"] == serial,
                        timeout=timeout, what="serial %d" % serial)

    def stop(self, check=True):
        self.nginx.stop(check=check)


@pytest.fixture
def workdir():
    """A private directory that nginx workers (an unprivileged user) can
    read: pytest's own temporary directories are 0700 and may be reset to
    that by any pytest run on the machine."""
    d = tempfile.mkdtemp(prefix="cclink-test-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def make_proxy(workdir):
    made = []

    def make(routes, **kw):
        p = Proxy(os.path.join(workdir, "proxy%d" % len(made)), routes, **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop()


@pytest.fixture
def backends(ca):
    """make(name, host=..., port=...) -> a started TLS backend."""
    made = []

    def make(name, host="127.0.0.1", port=0):
        b = TLSBackend(name, ca.leaf[0], ca.leaf[1], host=host, port=port)
        made.append(b)
        return b

    yield make
    for b in made:
        b.close()
