"""The status endpoint's numbers: after a scripted traffic pattern (known
connections, bytes and refused names) the JSON document and the Prometheus
text report exactly those numbers; the Prometheus text goes through the
reference client's parser; counters keep their values across a route table
swap; the series caps hold under 10,000 distinct refused names and when
more routes or addresses see traffic than have series of their own."""

import json
import os
import re
import socket
import struct
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from lib.backends import _Server
from lib.nginx import free_port, refused_port, wait_for
from lib.hello import client_hello, handshake, records
from lib.tlsclient import refused

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:             # pragma: no cover - a dependency, see below
    text_string_to_metric_families = None

needs_parser = pytest.mark.skipif(
    text_string_to_metric_families is None,
    reason="python3-prometheus-client is not installed "
           "(tools/deps.d/status.txt)")

REASONS = ["no_sni", "unknown_sni", "not_tls", "bad_client_hello",
           "client_hello_too_large", "preread_timeout", "client_closed",
           "no_address", "loop"]


# --- traffic with exactly known bytes ---------------------------------------

class ExactBackend(_Server):
    """Plain TCP behind the proxy. Reads the ClientHello record, then an
    8-byte header (bytes to read, bytes to answer), reads that many bytes,
    answers with that many and closes: every byte either way is known."""

    def serve(self, c):
        c.settimeout(30)
        _recv_hello(c)
        send, reply = struct.unpack("!II", _recv_exact(c, 8))
        _recv_exact(c, send)
        c.sendall(b"r" * reply)
        c.shutdown(socket.SHUT_WR)


def _recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        d = s.recv(min(65536, n - len(buf)))
        if not d:
            raise ConnectionError("closed after %d of %d bytes"
                                  % (len(buf), n))
        buf += d
    return buf


def _recv_hello(s):
    """Reads a ClientHello, in however many records it comes."""
    need, hs = None, b""
    while need is None or len(hs) < need:
        head = _recv_exact(s, 5)
        hs += _recv_exact(s, struct.unpack("!H", head[3:5])[0])
        if need is None and len(hs) >= 4:
            need = 4 + int.from_bytes(hs[1:4], "big")
    return hs


def _recv_all(s):
    buf = b""
    while True:
        try:
            d = s.recv(65536)
        except ConnectionResetError:
            return buf
        if not d:
            return buf
        buf += d


def exchange(port, sni, send, reply, hello=None, segment=0):
    """One connection through the proxy to an ExactBackend; returns the
    bytes the client sent. hello replaces the usual small ClientHello;
    segment > 0 sends the ClientHello in TCP segments of that size."""
    first = (hello or client_hello(sni)) + struct.pack("!II", send, reply)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        if segment:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for i in range(0, len(first), segment):
                s.sendall(first[i:i + segment])
                time.sleep(0.01)
            s.sendall(b"s" * send)
        else:
            s.sendall(first + b"s" * send)
        got = _recv_all(s)
    assert len(got) == reply, "%s: got %d of %d bytes" % (sni, len(got),
                                                           reply)
    return len(first) + send


class Held:
    """A connection through the proxy that stays open, half-way through an
    exchange, until finish()."""

    def __init__(self, port, sni, send=10, reply=20):
        self.first = client_hello(sni) + struct.pack("!II", send, reply)
        self.send, self.reply = send, reply
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.s.sendall(self.first)

    def finish(self):
        self.s.sendall(b"s" * self.send)
        got = _recv_all(self.s)
        self.s.close()
        assert len(got) == self.reply
        return len(self.first) + self.send


# --- reading the endpoint ----------------------------------------------------

def fetch(proxy, query="", headers=None, method="GET"):
    """(status, headers, body text) of the status location."""
    url = "http://127.0.0.1:%d/status%s" % (proxy.status_port, query)
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode(errors="replace")


def prometheus(proxy):
    """{(sample name, frozenset of labels): value} and the families, from
    the reference parser."""
    text = proxy.status("prometheus")
    families = list(text_string_to_metric_families(text))
    samples = {}
    for fam in families:
        for s in fam.samples:
            key = (s.name, frozenset(s.labels.items()))
            assert key not in samples, "duplicate series %r" % (key,)
            samples[key] = s.value
    return samples, families, text


def sample(samples, name, **labels):
    return samples[(name, frozenset(labels.items()))]


def route_of(st, route, group):
    found = [r for r in st["routes"]
             if r["route"] == route and r["group"] == group]
    assert len(found) == 1, "route %s/%s in %r" % (route, group, st["routes"])
    return found[0]


def address_of(st, addr):
    found = [a for a in st["addresses"] if a["address"] == addr]
    assert len(found) == 1, "address %s in %r" % (addr, st["addresses"])
    return found[0]


def settled_refusals(proxy):
    """Refusal counts once the harness's port probe (a connection that
    closes without a word, counted as client_closed) has been counted."""
    try:
        wait_for(lambda: proxy.status()["refused"]["client_closed"] >= 1,
                 timeout=2, what="the port probe")
    except AssertionError:
        pass                    # no probe was made
    return proxy.status()["refused"]


def wait_idle(proxy, sessions):
    """Waits until every session has ended and been counted."""
    def idle():
        st = proxy.status()
        done = sum(r["sessions_done"] for r in st["routes"])
        active = sum(r["active"] for r in st["routes"])
        return st if done == sessions and active == 0 else None
    return wait_for(idle, timeout=10, what="%d sessions to end" % sessions)


# --- the scripted traffic ----------------------------------------------------

SCRIPT_ROUTES = """# status test table
cclink-routes 1
serial 42
generated 2026-11-20T00:00:00Z
group ga 127.0.0.1:{a} zone=az1
group gb 127.0.0.1:{b} zone=az2
group dead 127.0.0.1:{dead} zone=az3
route a.example.test ga
route *.wild.test gb
route dead.example.test dead
end
"""

A_EXCHANGES = [(100, 1000), (0, 5), (4096, 70000)]
WILD_EXCHANGES = [("x.wild.test", 50, 60), ("y.wild.test", 1, 2)]
UNKNOWN = ["nope-1.example.org", "nope-2.example.org", "nope-3.example.org"]


@pytest.fixture
def scripted(make_proxy):
    """Runs the traffic pattern; returns (proxy, expected numbers)."""
    a, b = ExactBackend("127.0.0.1", 0), ExactBackend("127.0.0.1", 0)
    dead = refused_port()
    proxy = make_proxy(SCRIPT_ROUTES.format(a=a.port, b=b.port, dead=dead))
    proxy.start()
    port = proxy.kafka_port
    exp = {"a_in": 0, "a_out": 0, "w_in": 0, "w_out": 0}
    base = settled_refusals(proxy)
    exp["refused"] = {r: base[r] + n for r, n in
                      zip(REASONS, [2, 3, 1, 0, 0, 0, 0, 1, 0])}

    for send, reply in A_EXCHANGES:
        exp["a_in"] += exchange(port, "a.example.test", send, reply)
        exp["a_out"] += reply
    for name, send, reply in WILD_EXCHANGES:
        exp["w_in"] += exchange(port, name, send, reply)
        exp["w_out"] += reply

    # refusals, one after the other so that their order is known
    dead_hello = client_hello("dead.example.test")
    exp["dead_in"] = len(dead_hello)
    assert refused(port, data=dead_hello)
    for name in UNKNOWN:
        assert refused(port, name)
    assert refused(port, None)
    assert refused(port, None)
    assert refused(port, data=b"GET / HTTP/1.0\r\n\r\n")

    exp["addr_a"] = "127.0.0.1:%d" % a.port
    exp["addr_b"] = "127.0.0.1:%d" % b.port
    exp["addr_dead"] = "127.0.0.1:%d" % dead
    wait_idle(proxy, sessions=len(A_EXCHANGES) + len(WILD_EXCHANGES) + 1)
    yield proxy, exp
    a.close()
    b.close()


def test_json_reports_exactly_the_scripted_traffic(scripted):
    proxy, exp = scripted
    st = proxy.status()

    t = st["table"]
    assert (t["serial"], t["generated"], t["routes"], t["groups"]) == \
        (42, "2026-11-20T00:00:00Z", 3, 3)
    assert (t["reloads"], t["generation"], t["load_errors"]) == (1, 1, 0)
    assert t["last_error"] is None and t["last_error_at"] is None

    # bytes from clients: test_bytes_from_clients_count_the_client_hello
    a = route_of(st, "a.example.test", "ga")
    assert a == {"route": "a.example.test", "group": "ga", "connections": 3,
                 "active": 0, "bytes_from_client": a["bytes_from_client"],
                 "bytes_to_client": exp["a_out"], "sessions_done": 3,
                 "duration_ms": a["duration_ms"], "upstream_failed": 0}
    w = route_of(st, "*.wild.test", "gb")
    assert (w["connections"], w["active"], w["sessions_done"]) == (2, 0, 2)
    assert w["bytes_to_client"] == exp["w_out"]
    d = route_of(st, "dead.example.test", "dead")
    assert (d["connections"], d["upstream_failed"], d["sessions_done"]) == \
        (1, 1, 1)
    assert d["bytes_to_client"] == 0
    # sorted by active, then connections
    assert [r["route"] for r in st["routes"]] == \
        ["a.example.test", "*.wild.test", "dead.example.test"]

    assert st["refused"] == exp["refused"]
    assert [(r["reason"], r["name"], r["client"])
            for r in st["recent_refusals"][:7]] == \
        [("not_tls", "", "127.0.0.1"), ("no_sni", "", "127.0.0.1"),
         ("no_sni", "", "127.0.0.1")] + \
        [("unknown_sni", n, "127.0.0.1") for n in reversed(UNKNOWN)] + \
        [("no_address", "dead.example.test", "127.0.0.1")]

    aa = address_of(st, exp["addr_a"])
    assert (aa["zone"], aa["attempts"], aa["failures"], aa["connected"],
            aa["consecutive_failures"]) == ("az1", 3, 0, 3, 0)
    assert sum(aa["connect_ms_histogram"].values()) == 3
    ab = address_of(st, exp["addr_b"])
    assert (ab["zone"], ab["attempts"], ab["connected"]) == ("az2", 2, 2)
    ad = address_of(st, exp["addr_dead"])
    assert (ad["zone"], ad["attempts"], ad["failures"], ad["connected"],
            ad["consecutive_failures"]) == ("az3", 1, 1, 0, 1)
    assert sum(ad["connect_ms_histogram"].values()) == 0
    assert len(st["addresses"]) == 3

    assert st["series"] == {"routes": 3, "routes_max": 2048,
                            "addresses": 3, "addresses_max": 512}
    assert "sidecar" not in st


@needs_parser
def test_prometheus_reports_exactly_the_scripted_traffic(scripted):
    proxy, exp = scripted
    s, _, _ = prometheus(proxy)

    assert sample(s, "cclink_route_table_serial") == 42
    assert sample(s, "cclink_route_table_routes") == 3
    assert sample(s, "cclink_route_table_groups") == 3
    assert sample(s, "cclink_route_table_reloads_total") == 1
    assert sample(s, "cclink_route_table_load_errors_total") == 0
    assert sample(s, "cclink_route_table_last_error_timestamp_seconds") == 0

    def route(name, key, group):
        return sample(s, name, route=key, group=group)

    a = ("a.example.test", "ga")
    assert route("cclink_route_connections_total", *a) == 3
    assert route("cclink_route_active_connections", *a) == 0
    assert route("cclink_route_upstream_to_client_bytes_total", *a) == \
        exp["a_out"]
    assert route("cclink_route_sessions_total", *a) == 3
    assert route("cclink_route_upstream_failures_total", *a) == 0
    w = ("*.wild.test", "gb")
    assert route("cclink_route_connections_total", *w) == 2
    assert route("cclink_route_upstream_to_client_bytes_total", *w) == \
        exp["w_out"]
    d = ("dead.example.test", "dead")
    assert route("cclink_route_connections_total", *d) == 1
    assert route("cclink_route_upstream_failures_total", *d) == 1

    st = proxy.status()
    for r in st["routes"]:
        assert route("cclink_route_session_duration_seconds_total",
                     r["route"], r["group"]) == \
            pytest.approx(r["duration_ms"] / 1000.0)

    for reason, n in exp["refused"].items():
        assert sample(s, "cclink_refused_connections_total",
                      reason=reason) == n

    def addr(name, address, zone, **extra):
        return sample(s, name, address=address, zone=zone, **extra)

    for key, zone, attempts, failures, connected in (
            ("addr_a", "az1", 3, 0, 3), ("addr_b", "az2", 2, 0, 2),
            ("addr_dead", "az3", 1, 1, 0)):
        a = exp[key]
        assert addr("cclink_endpoint_connect_attempts_total", a, zone) == \
            attempts
        assert addr("cclink_endpoint_connect_failures_total", a, zone) == \
            failures
        assert addr("cclink_endpoint_connect_seconds_count", a, zone) == \
            connected
        assert addr("cclink_endpoint_connect_seconds_bucket", a, zone,
                    le="+Inf") == connected
        assert addr("cclink_endpoint_connect_seconds_bucket", a, zone,
                    le="2.5") <= connected
    assert addr("cclink_endpoint_consecutive_failures", exp["addr_dead"],
                "az3") == 1

    assert sample(s, "cclink_route_series") == 3
    assert sample(s, "cclink_route_series_max") == 2048
    assert sample(s, "cclink_endpoint_series") == 3
    assert sample(s, "cclink_endpoint_series_max") == 512
    assert not [k for k in s if k[0].startswith("cclink_sidecar")]


@needs_parser
def test_bytes_from_clients_count_the_client_hello(scripted, make_proxy):
    """Every byte a client sent counts, the ClientHello included: it is
    passed upstream like the rest."""
    proxy, exp = scripted
    st = proxy.status()
    s, _, _ = prometheus(proxy)
    for key, group, n in (("a.example.test", "ga", exp["a_in"]),
                          ("*.wild.test", "gb", exp["w_in"]),
                          ("dead.example.test", "dead", exp["dead_in"])):
        assert route_of(st, key, group)["bytes_from_client"] == n, key
        assert sample(s, "cclink_route_client_to_upstream_bytes_total",
                      route=key, group=group) == n, key

    # and an open connection's bytes go on counting in its series across
    # a route table swap
    b = ExactBackend("127.0.0.1", 0)
    other = make_proxy(SWAP1.format(a=b.port, b=b.port))
    other.start()
    sent = exchange(other.kafka_port, "keep.example.test", 10, 100)
    held = Held(other.kafka_port, "keep.example.test", send=7, reply=70)
    other.set_routes(SWAP2.format(a=b.port, b=b.port))
    other.wait_serial(2)
    sent += held.finish()
    sent += exchange(other.kafka_port, "keep.example.test", 30, 300)
    st = wait_idle(other, 3)
    assert route_of(st, "keep.example.test", "ga")["bytes_from_client"] == \
        sent
    b.close()


@needs_parser
def test_prometheus_exposition_is_well_formed(scripted):
    proxy, _ = scripted
    s, families, text = prometheus(proxy)

    status, headers, _ = fetch(proxy, "?format=prometheus")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")

    lines = text.splitlines()
    helped, typed = set(), {}
    for line in lines:
        if line.startswith("# HELP "):
            helped.add(line.split()[2])
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            assert name not in typed, "two TYPE lines for " + name
            typed[name] = kind
        else:
            assert line and not line.startswith("#"), repr(line)
            name = line.split("{")[0].split(" ")[0]
            assert name.startswith("cclink_"), name
            base = [n for n in typed if name == n or
                    (typed[n] == "histogram" and name.startswith(n + "_"))]
            assert base, "sample before its TYPE line: " + line
    assert set(typed) == helped
    assert text.endswith("\n")

    for name, kind in typed.items():
        assert kind in ("counter", "gauge", "histogram"), name
        assert name.endswith("_total") == (kind == "counter"), name
        if "bytes" in name:
            assert name.endswith("_bytes_total"), name
    assert {f.type for f in families} == {"counter", "gauge", "histogram"}

    # the labels the issue names, and no others
    labels = set()
    for name, ls in s:
        labels |= {k for k, _ in ls}
    assert labels == {"route", "group", "address", "zone", "reason", "le",
                      "rcode"}


def test_format_negotiation_and_methods(scripted):
    proxy, _ = scripted

    status, h, body = fetch(proxy)
    assert status == 200 and h["Content-Type"] == "application/json"
    json.loads(body)
    assert h["Cache-Control"] == "no-store"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert int(h["Content-Length"]) == len(body.encode())

    prom_accept = ("application/openmetrics-text;version=1.0.0,"
                   "application/openmetrics-text;version=0.0.1;q=0.75,"
                   "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
    for accept in (prom_accept, "text/plain", "text/plain;version=0.0.4",
                   "application/openmetrics-text; version=1.0.0"):
        status, h, body = fetch(proxy, headers={"Accept": accept})
        assert h["Content-Type"].startswith("text/plain"), accept
        assert "# TYPE cclink_route_connections_total counter" in body
    for accept in ("*/*", "application/json"):
        status, h, body = fetch(proxy, headers={"Accept": accept})
        assert h["Content-Type"] == "application/json", accept

    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*"
    status, h, body = fetch(proxy, headers={"Accept": browser})
    assert h["Content-Type"] == "text/html; charset=utf-8"
    assert body.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in h["Content-Security-Policy"]

    # the query wins over the Accept header
    status, h, body = fetch(proxy, "?format=json",
                            headers={"Accept": browser})
    assert h["Content-Type"] == "application/json"
    status, h, body = fetch(proxy, "?format=html")
    assert h["Content-Type"].startswith("text/html")

    status, h, body = fetch(proxy, method="HEAD")
    assert status == 200 and body == "" and int(h["Content-Length"]) > 0

    for method in ("POST", "PUT", "DELETE"):
        status, _, _ = fetch(proxy, method=method)
        assert status == 405, method

    # reading the page changes nothing
    before = proxy.status()
    for _ in range(3):
        fetch(proxy, "?format=prometheus")
        fetch(proxy, "?format=html")
    after = proxy.status()
    for k in ("table", "refused", "routes", "addresses", "recent_refusals",
              "series"):
        assert before[k] == after[k], k


# --- route table swaps -------------------------------------------------------

SWAP1 = """cclink-routes 1
serial 1
group ga 127.0.0.1:{a} zone=az1
group gb 127.0.0.1:{b} zone=az2
route keep.example.test ga
route move.example.test ga
route gone.example.test ga
end
"""

SWAP2 = """cclink-routes 1
serial 2
group ga 127.0.0.1:{a} zone=az1
group gb 127.0.0.1:{b} zone=az2
route new.example.test ga
route keep.example.test ga
route move.example.test gb
end
"""


def test_client_hellos_larger_than_the_first_read(make_proxy):
    """The module reads into a 1 KiB buffer first and grows it for a larger
    ClientHello, up to preread_buffer_size (16k): hellos of every size up
    to the limit, whole or in TCP segments, in one record or many (more
    record headers than the first estimate allows for), are routed and
    every byte is passed on and counted."""
    b = ExactBackend("127.0.0.1", 0)
    pq = handshake("pq.example.test", key_share=1216, pad=420)
    big = handshake("big.example.test", key_share=15500)
    cases = [
        # route, ClientHello, TCP segment size (0: one send)
        ("pq.example.test", records(pq), 0),
        ("pq.example.test", records(pq), 300),
        ("pq.example.test", records(pq, frag=500), 200),
        ("pq.example.test", records(pq, frag=60), 0),
        ("big.example.test", records(big), 0),
        ("big.example.test", records(big), 4000),
        ("big.example.test", records(big, frag=1000), 1500),
    ]
    assert 1700 < len(records(pq)) < 2000
    assert 15000 < len(big) <= 16000            # cclink_client_hello_max
    assert len(records(big, frag=1000)) < 16384     # preread_buffer_size
    proxy = make_proxy("cclink-routes 1\nserial 1\ngroup g 127.0.0.1:%d\n"
                       "route pq.example.test g\nroute big.example.test g\n"
                       "end\n" % b.port)
    proxy.start()
    base = settled_refusals(proxy)

    sent = {"pq.example.test": 0, "big.example.test": 0}
    for i, (name, hello, segment) in enumerate(cases):
        sent[name] += exchange(proxy.kafka_port, name, i, 3 * i,
                               hello=hello, segment=segment)
    st = wait_idle(proxy, len(cases))
    for name, n in sent.items():
        r = route_of(st, name, "g")
        assert r["bytes_from_client"] == n, name
        assert r["connections"] == sum(1 for c in cases if c[0] == name)
    assert st["refused"] == base
    b.close()


@needs_parser
def test_counters_survive_a_route_table_swap(make_proxy):
    a, b = ExactBackend("127.0.0.1", 0), ExactBackend("127.0.0.1", 0)
    ports = {"a": a.port, "b": b.port}
    proxy = make_proxy(SWAP1.format(**ports), interval="100ms")
    proxy.start()
    p = proxy.kafka_port

    exchange(p, "keep.example.test", 10, 100)
    exchange(p, "keep.example.test", 20, 200)
    exchange(p, "move.example.test", 5, 50)
    exchange(p, "gone.example.test", 1, 1)
    held = Held(p, "keep.example.test", send=7, reply=70)
    wait_for(lambda: route_of(proxy.status(), "keep.example.test",
                              "ga")["active"] == 1, what="held connection")

    proxy.set_routes(SWAP2.format(**ports))
    proxy.wait_serial(2)

    st = proxy.status()
    keep = route_of(st, "keep.example.test", "ga")
    assert (keep["connections"], keep["active"]) == (3, 1)

    exchange(p, "keep.example.test", 30, 300)
    held.finish()
    exchange(p, "move.example.test", 6, 60)
    exchange(p, "new.example.test", 2, 2)
    assert refused(p, "gone.example.test")
    st = wait_idle(proxy, sessions=8)

    keep = route_of(st, "keep.example.test", "ga")
    assert (keep["connections"], keep["sessions_done"], keep["active"]) == \
        (4, 4, 0)
    assert keep["bytes_to_client"] == 100 + 200 + 300 + 70
    # a retargeted route is a new series; the old one keeps its numbers
    old_move = route_of(st, "move.example.test", "ga")
    assert (old_move["connections"], old_move["bytes_to_client"]) == (1, 50)
    assert route_of(st, "move.example.test", "gb")["connections"] == 1
    # a removed route's numbers stay; its name is refused now
    assert route_of(st, "gone.example.test", "ga")["connections"] == 1
    assert route_of(st, "new.example.test", "ga")["connections"] == 1
    assert st["refused"]["unknown_sni"] == 1
    assert (st["table"]["serial"], st["table"]["reloads"],
            st["table"]["generation"], st["table"]["routes"]) == (2, 2, 2, 3)
    assert address_of(st, "127.0.0.1:%d" % a.port)["attempts"] == 7

    s, _, _ = prometheus(proxy)
    assert sample(s, "cclink_route_connections_total",
                  route="keep.example.test", group="ga") == 4
    assert sample(s, "cclink_route_upstream_to_client_bytes_total",
                  route="keep.example.test", group="ga") == 670
    assert sample(s, "cclink_route_table_serial") == 2
    assert sample(s, "cclink_route_table_generation") == 2
    a.close()
    b.close()


# --- bounded memory ----------------------------------------------------------

@needs_parser
def test_ten_thousand_refused_names_stay_bounded(make_proxy):
    b = ExactBackend("127.0.0.1", 0)
    proxy = make_proxy("cclink-routes 1\nserial 1\ngroup g 127.0.0.1:%d\n"
                       "route a.example.test g\nend\n" % b.port)
    proxy.start()
    p = proxy.kafka_port
    exchange(p, "a.example.test", 1, 1)
    wait_idle(proxy, 1)
    _, _, prom_before = prometheus(proxy)
    base = settled_refusals(proxy)
    json_before = len(fetch(proxy)[2])

    total = 10000
    names = ["n%05d.refused-%d.example.org" % (i, i * 7919 % 10007)
             for i in range(total)]

    def one(name):
        return refused(p, name, timeout=10)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, names))
    assert all(results)

    st = wait_for(lambda: (lambda s: s if s["refused"]["unknown_sni"]
                           == total else None)(proxy.status()),
                  timeout=20, what="%d refusals counted" % total)
    for reason in REASONS:
        if reason != "unknown_sni":
            assert st["refused"][reason] == base[reason], reason
    recent = st["recent_refusals"]
    assert len(recent) == 16
    assert {r["name"] for r in recent} <= set(names)
    assert len({r["name"] for r in recent}) == 16
    # no series per refused name: only the route that saw traffic
    assert [r["route"] for r in st["routes"]] == ["a.example.test"]
    assert st["series"]["routes"] == 1

    s, families, text = prometheus(proxy)
    assert sample(s, "cclink_refused_connections_total",
                  reason="unknown_sni") == total
    assert len(text.splitlines()) == len(prom_before.splitlines())
    assert ".example.org" not in text
    # the JSON grows by the recent list only
    assert len(fetch(proxy)[2]) < json_before + 16 * 200
    html = fetch(proxy, "?format=html")[2]
    assert len(re.findall(r"n\d{5}\.refused-", html)) == 16
    b.close()


@needs_parser
def test_route_series_cap_sends_the_rest_to_overflow(make_proxy):
    b = ExactBackend("127.0.0.1", 0)
    n, cap = 30, 8
    routes = "".join("route r%02d.example.test g\n" % i for i in range(n))
    proxy = make_proxy("cclink-routes 1\nserial 1\ngroup g 127.0.0.1:%d\n"
                       "%send\n" % (b.port, routes),
                       interval="1s max_route_series=%d" % cap)
    proxy.start()
    p = proxy.kafka_port

    sent = {}
    for i in range(n):
        sent[i] = exchange(p, "r%02d.example.test" % i, i, 2 * i)
    exchange(p, "r00.example.test", 0, 0)       # an owned series again
    exchange(p, "r29.example.test", 0, 0)       # overflow again
    sent[0] += 0
    st = wait_idle(proxy, n + 2)

    own = {r["route"]: r for r in st["routes"] if r["route"] != "_overflow_"}
    # the first routes to see traffic got the series
    assert sorted(own) == ["r%02d.example.test" % i for i in range(cap)]
    assert own["r00.example.test"]["connections"] == 2
    ovf = route_of(st, "_overflow_", "_overflow_")
    assert ovf["connections"] == n - cap + 1
    assert ovf["bytes_to_client"] == sum(2 * i for i in range(cap, n))
    assert sum(r["connections"] for r in st["routes"]) == n + 2
    assert st["series"]["routes"] == cap
    assert st["series"]["routes_max"] == cap
    # the overflow row has the most connections, so it is listed first
    assert st["routes"][0]["route"] == "_overflow_"

    s, _, _ = prometheus(proxy)
    assert sample(s, "cclink_route_connections_total", route="_overflow_",
                  group="_overflow_") == n - cap + 1
    assert sample(s, "cclink_route_series") == cap
    assert len([k for k in s
                if k[0] == "cclink_route_connections_total"]) == cap + 1
    b.close()


def test_route_series_follow_their_routes_across_swaps_and_reloads(
        make_proxy):
    """Each worker remembers the counter slot of each route of the table in
    force, by the route's place in the table. A new table puts the routes
    in another order: every connection must still count in its own
    route's series (or in _overflow_), in both workers, and so after an
    nginx reload (new workers, same zone)."""
    b = ExactBackend("127.0.0.1", 0)
    n, cap, rounds = 30, 8, 4
    names = ["r%02d.example.test" % i for i in range(n)]

    def table(serial, order, extra=""):
        return ("cclink-routes 1\nserial %d\ngroup g 127.0.0.1:%d\n%s%send\n"
                % (serial, b.port, extra,
                   "".join("route %s g\n" % names[i] for i in order)))

    proxy = make_proxy(table(1, range(n)),
                       interval="100ms max_route_series=%d" % cap)
    proxy.start()
    p = proxy.kafka_port

    def traffic():
        # several connections per route, so that both workers see each
        for _ in range(rounds):
            for name in names:
                exchange(p, name, 1, 1)

    for i in range(cap):                    # these get the series
        exchange(p, names[i], 1, 1)
    traffic()
    st = wait_idle(proxy, rounds * n + cap)
    own = {r["route"]: r["connections"] for r in st["routes"]
           if r["route"] != "_overflow_"}
    assert own == {names[i]: rounds + 1 for i in range(cap)}

    def check_after(k):
        """After k rounds of traffic (and the one connection to
        new.example.test): each claimed route counted exactly, the rest
        in _overflow_."""
        st = wait_idle(proxy, k * rounds * n + cap + 1)
        own = {r["route"]: r["connections"] for r in st["routes"]
               if r["route"] != "_overflow_"}
        assert own == {names[i]: k * rounds + 1 for i in range(cap)}
        ovf = route_of(st, "_overflow_", "_overflow_")
        assert ovf["connections"] == k * rounds * (n - cap) + 1
        return st

    # the same routes, reversed, after a new one: every index now names
    # another route
    proxy.set_routes(table(2, reversed(range(n)),
                           "route new.example.test g\n"))
    proxy.wait_serial(2)
    traffic()
    exchange(p, "new.example.test", 1, 1)   # no series left: _overflow_
    st = check_after(2)

    # an nginx reload keeps the zone: new workers, same series
    old = proxy.nginx.worker_pids()
    proxy.set_routes(table(3, range(n)))
    os.kill(proxy.nginx.master_pid(), 1)
    wait_for(lambda: set(proxy.nginx.worker_pids()) - set(old),
             timeout=5, what="new workers")
    proxy.wait_serial(3)
    traffic()
    st = check_after(3)
    assert st["series"]["routes"] == cap
    assert st["series"]["routes_max"] == cap
    b.close()


@needs_parser
def test_address_series_cap_sends_the_rest_to_overflow(make_proxy):
    n, cap = 10, 4
    dead = [free_port() for _ in range(n)]
    groups = "".join("group g%d 127.0.0.1:%d zone=z%d\n" % (i, port, i % 2)
                     for i, port in enumerate(dead))
    routes = "".join("route d%d.example.test g%d\n" % (i, i)
                     for i in range(n))
    proxy = make_proxy("cclink-routes 1\nserial 1\n%s%send\n"
                       % (groups, routes),
                       interval="1s max_address_series=%d" % cap)
    proxy.start()
    for i in range(n):
        assert refused(proxy.kafka_port, "d%d.example.test" % i)
    st = wait_idle(proxy, n)

    assert st["refused"]["no_address"] == n
    own = [a for a in st["addresses"] if a["address"] != "_overflow_"]
    assert sorted(a["address"] for a in own) == \
        sorted("127.0.0.1:%d" % port for port in dead[:cap])
    ovf = address_of(st, "_overflow_")
    assert (ovf["attempts"], ovf["failures"]) == (n - cap, n - cap)
    assert st["series"]["addresses"] == cap

    s, _, _ = prometheus(proxy)
    assert sample(s, "cclink_endpoint_connect_attempts_total",
                  address="_overflow_", zone="") == n - cap
    assert sample(s, "cclink_endpoint_series") == cap
    assert sample(s, "cclink_endpoint_series_max") == cap


def test_status_needs_the_stream_zone(workdir):
    """cclink_status names a zone that cclink_routes must declare."""
    from lib.nginx import Nginx
    ngx = Nginx(os.path.join(workdir, "nozone"), http="""
    server {
        listen 127.0.0.1:%d;
        location /status { cclink_status nosuch; }
    }""" % free_port())
    ok, out = ngx.test_config()
    assert not ok
    assert "nosuch" in out


def test_concurrent_readers_during_traffic(make_proxy):
    """Many readers while connections come and go: every document parses
    and counters never go backwards."""
    b = ExactBackend("127.0.0.1", 0)
    proxy = make_proxy("cclink-routes 1\nserial 1\ngroup g 127.0.0.1:%d\n"
                       "route a.example.test g\nend\n" % b.port)
    proxy.start()
    p = proxy.kafka_port
    stop = threading.Event()
    errors = []

    def traffic():
        for i in range(200):
            if stop.is_set():
                return
            try:
                exchange(p, "a.example.test", i % 50, i % 70)
                refused(p, "x%d.example.org" % i)
            except Exception as e:      # reported below
                errors.append(e)
                return

    threads = [threading.Thread(target=traffic) for _ in range(2)]
    for t in threads:
        t.start()
    last = 0
    try:
        for _ in range(60):
            st = json.loads(fetch(proxy)[2])
            conns = sum(r["connections"] for r in st["routes"])
            assert conns >= last
            last = conns
            for fmt in ("prometheus", "html"):
                status, _, body = fetch(proxy, "?format=" + fmt)
                assert status == 200 and body
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert not errors, errors
    b.close()
