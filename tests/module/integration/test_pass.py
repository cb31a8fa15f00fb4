"""cclink_pass, the module's own relay: bytes both ways under back-pressure,
the ClientHello passed first, ends of sessions, timeouts, configuration
errors, and no memory held by idle connections. (The routing, failover,
reload and status files run with it too: make integration-pass.)"""

import hashlib
import os
import resource
import signal
import socket
import ssl
import threading
import time

import pytest

from lib.backends import RawBackend, _Server
from lib.nginx import Nginx, wait_for
from lib.hello import client_hello
from lib.tlsclient import ping, tls_connect

NAME = "exact.example.test"

ROUTES = """cclink-routes 1
serial 1
group g 127.0.0.1:%d
route exact.example.test g
end
"""

CHUNK = 64 * 1024


def pattern(n, seed):
    """n bytes that differ from one chunk to the next."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%d:%d" % (seed, i)).digest() * 2048
        i += 1
    return bytes(out[:n])


def send_while_reading(sock, data, read, n, strict=False):
    """Sends data on sock from a thread while it reads n bytes with
    read(size); returns the SHA-256 of what it read. strict: the other end
    must not close before n bytes."""

    def send():
        for i in range(0, len(data), CHUNK):
            sock.sendall(data[i:i + CHUNK])

    th = threading.Thread(target=send, daemon=True)
    th.start()
    h = hashlib.sha256()
    left = n
    while left:
        d = read(min(left, CHUNK))
        if not d:
            assert not strict, "closed after %d of %d bytes" % (n - left, n)
            break
        h.update(d)
        left -= len(d)
    th.join()
    return h.hexdigest()


class BulkBackend(_Server):
    """Plain TCP backend (the relay does not look past the ClientHello):
    reads the ClientHello, then a line "N M", then sends N bytes while it
    reads M bytes, then sends the SHA-256 of what it read."""

    def __init__(self, hello):
        self.hello = hello
        super().__init__("127.0.0.1", 0)

    def serve(self, c):
        c.settimeout(60)
        f = c.makefile("rb")
        assert f.read(len(self.hello)) == self.hello
        n, m = (int(x) for x in f.readline().split())
        digest = send_while_reading(c, pattern(n, 2), f.read, m)
        c.sendall(digest.encode() + b"\n")


def bulk_client(port, hello, n, m):
    """Sends the ClientHello and the request, then M bytes while it reads
    N; returns (sha256 of what it read, the backend's digest line)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.sendall(hello + b"%d %d\n" % (n, m))
    up = pattern(m, 1)
    got = send_while_reading(s, up, s.recv, n, strict=True)
    line = b""
    while not line.endswith(b"\n"):
        d = s.recv(100)
        assert d, "closed before the digest"
        line += d
    s.close()
    return got, line.strip().decode(), up


def pass_proxy(make_proxy, port, srv_extra="", workers=1):
    return make_proxy(ROUTES % port, relay="pass", srv_extra=srv_extra,
                      workers=workers).start()


def test_bulk_both_ways_at_once(make_proxy):
    hello = client_hello(NAME)
    be = BulkBackend(hello)
    try:
        proxy = pass_proxy(make_proxy, be.port,
                           srv_extra="cclink_pass_buffer_size 4k;")
        n = m = 16 * 1024 * 1024
        got, digest, up = bulk_client(proxy.kafka_port, hello, n, m)
        assert got == hashlib.sha256(pattern(n, 2)).hexdigest()
        assert digest == hashlib.sha256(up).hexdigest()
    finally:
        be.close()


def test_reader_that_stops_then_resumes(make_proxy):
    """The upstream sends far more than the socket buffers hold while the
    client reads nothing: the relay stops reading (one buffer held) and
    resumes when the client does; nothing lost or reordered."""
    hello = client_hello(NAME)
    be = BulkBackend(hello)
    try:
        proxy = pass_proxy(make_proxy, be.port)
        n = 32 * 1024 * 1024
        s = socket.create_connection(("127.0.0.1", proxy.kafka_port),
                                     timeout=60)
        s.sendall(hello + b"%d 0\n" % n)
        time.sleep(1.0)
        got = hashlib.sha256()
        left = n
        while left:
            d = s.recv(min(left, CHUNK))
            assert d
            got.update(d)
            left -= len(d)
        s.close()
        assert got.hexdigest() == hashlib.sha256(pattern(n, 2)).hexdigest()
    finally:
        be.close()


def test_client_hello_first_then_client_end_ends_session(make_proxy):
    be = RawBackend()
    try:
        proxy = pass_proxy(make_proxy, be.port)
        hello = client_hello(NAME, key_share=1216, frag=700)
        s = socket.create_connection(("127.0.0.1", proxy.kafka_port),
                                     timeout=10)
        s.sendall(hello + b"after-the-hello")
        s.shutdown(socket.SHUT_WR)
        # the proxy passes everything on, then ends the session
        assert s.recv(10) == b""
        s.close()
        wait_for(lambda: be.received and len(be.received[0]) ==
                 len(hello) + 15, what="bytes at the backend")
        assert bytes(be.received[0]) == hello + b"after-the-hello"
        wait_for(lambda: "sent=" in proxy.nginx.access_log(),
                 what="access log line")
        line = proxy.nginx.access_log().strip().splitlines()[-1]
        # the ClientHello is part of what was received from the client
        assert ("sent=%d" % (len(hello) + 15)) in line
        assert "upstream=127.0.0.1:%d" % be.port in line
        assert "route=exact.example.test" in line
    finally:
        be.close()


def test_idle_timeout(make_proxy, ca, backends):
    be = backends("a")
    proxy = pass_proxy(make_proxy, be.port,
                       srv_extra="cclink_pass_timeout 1s;")
    t = tls_connect(proxy.kafka_port, NAME, ca.cert)
    assert ping(t) == "a:ping"
    t.settimeout(10)
    start = time.monotonic()
    with pytest.raises((ConnectionError, ssl.SSLError, OSError)):
        if t.recv(10) == b"":
            raise ConnectionError("closed")
    assert time.monotonic() - start < 8
    assert "connection timed out" in proxy.nginx.error_log()


def test_old_worker_ends_its_sessions_at_shutdown_timeout(make_proxy, ca,
                                                         backends):
    """After a reload, an old worker keeps relaying its open connections;
    with worker_shutdown_timeout it closes them when that time is up."""
    be = backends("a")
    proxy = make_proxy(ROUTES % be.port, relay="pass", workers=1,
                       main="worker_shutdown_timeout 2s;\n").start()
    t = tls_connect(proxy.kafka_port, NAME, ca.cert, timeout=15)
    assert ping(t) == "a:ping"
    old = proxy.nginx.worker_pids()
    os.kill(proxy.nginx.master_pid(), signal.SIGHUP)
    wait_for(lambda: set(proxy.nginx.worker_pids()) - set(old),
             timeout=10, what="a new worker")
    # the old worker still serves the connection it holds
    assert ping(t, "still") == "a:still"
    t.settimeout(15)
    try:
        closed = t.recv(10) == b""
    except (ConnectionError, ssl.SSLError, OSError):
        closed = True
    assert closed
    wait_for(lambda: "shutdown timeout" in proxy.nginx.error_log(),
             timeout=5, what="the shutdown timeout line")
    wait_for(lambda: not set(old) & set(proxy.nginx.worker_pids()),
             timeout=10, what="the old worker gone")


@pytest.mark.parametrize("order", [("proxy_pass", "cclink_pass"),
                                   ("cclink_pass", "proxy_pass")])
def test_conflicting_content_handler(workdir, order):
    n = Nginx(os.path.join(workdir, "conflict"), stream="""
    cclink_routes %s/routes.conf zone=cclink:16m;
    upstream u { cclink_balancer; }
    server {
        listen 127.0.0.1:1;
        cclink_route on;
        %s u;
        %s u;
    }
""" % ((workdir,) + order))
    with open(os.path.join(workdir, "routes.conf"), "w") as f:
        f.write(ROUTES % 9)
    ok, out = n.test_config()
    assert not ok
    assert "conflicts with another content handler" in out
    assert "nginx.conf:" in out


def _rss_kib(pids):
    total = 0
    for pid in pids:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def _idle_growth(make_proxy, relay, port, n):
    proxy = make_proxy(ROUTES % port, relay=relay, workers=1).start()
    hello = client_hello(NAME)
    # one connection first: the worker's one-time allocations
    warm = socket.create_connection(("127.0.0.1", proxy.kafka_port))
    warm.sendall(hello)
    time.sleep(0.3)
    pids = proxy.nginx.worker_pids()
    before = _rss_kib(pids)
    conns = []
    try:
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", proxy.kafka_port),
                                         timeout=10)
            s.sendall(hello)
            conns.append(s)
        wait_for(lambda: proxy.status()["routes"][0]["active"] >= n,
                 timeout=30, what="%d active connections" % n)
        time.sleep(0.5)
        return _rss_kib(pids) - before
    finally:
        for s in conns + [warm]:
            s.close()
        proxy.stop()


def test_idle_connections_hold_no_relay_buffers(make_proxy):
    """Idle proxied connections (ClientHello passed, nothing since) cost
    the worker far less with cclink_pass than with proxy_pass, which
    keeps a buffer each way per session."""
    n = 800
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 3 * n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4 * n), hard))
    be = RawBackend()
    try:
        grow_proxy = _idle_growth(make_proxy, "proxy", be.port, n)
        grow_pass = _idle_growth(make_proxy, "pass", be.port, n)
    finally:
        be.close()
    per_proxy = grow_proxy / n
    per_pass = grow_pass / n
    print("idle KiB per connection: proxy_pass %.2f cclink_pass %.2f" % (per_proxy, per_pass))
    assert per_proxy > 6, "proxy_pass grew %.1f KiB per connection" % per_proxy
    assert per_pass < 0.5 * per_proxy, (
        "cclink_pass %.1f KiB vs proxy_pass %.1f KiB per idle connection"
        % (per_pass, per_proxy))
