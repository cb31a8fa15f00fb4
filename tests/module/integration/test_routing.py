"""SNI routing through nginx with the cclink module: real TLS end to end,
route precedence, refusals before any upstream connection, and
ClientHellos split over TCP segments and TLS records."""

import socket
import time

import pytest

from lib.backends import RawBackend
from lib.nginx import wait_for
from lib.hello import client_hello, handshake, records
from lib.tlsclient import curl, refused, s_client, which_backend

ROUTES = """# routing test table
cclink-routes 1
serial 100
generated 2026-11-20T00:00:00Z
group a 127.0.0.1:{a} zone=az1
group b 127.0.0.1:{b} zone=az1
group c 127.0.0.1:{c}
group d 127.0.0.1:{d}
group e 127.0.0.1:{e}
group raw 127.0.0.1:{raw}
group noport 127.0.0.2
route exact.example.test a
route *.example.test b
route *.deep.example.test c
route .dot.example.test d
route www.trail.* e
route ~^re-[0-9]+\\.example\\.org$ a
route ~^re- b
route both.example.test. a
route port.example.test noport
route pq.example.test raw
end
"""


@pytest.fixture
def routed(make_proxy, backends, ca):
    bs = {n: backends(n) for n in "abcde"}
    raw = RawBackend()
    ports = {n: b.port for n, b in bs.items()}
    ports["raw"] = raw.port
    proxy = make_proxy(ROUTES.format(**ports))
    # the port-less group: 127.0.0.2 on whichever port the client used
    bs["pk"] = backends("p-kafka", host="127.0.0.2", port=proxy.kafka_port)
    bs["pr"] = backends("p-rest", host="127.0.0.2", port=proxy.rest_port)
    proxy.start()
    yield proxy, bs, raw
    raw.close()


def accepted(bs):
    return sum(b.accepted for b in bs.values())


def test_exact_and_wildcards_pick_backends(routed, ca):
    proxy, bs, _ = routed
    p = proxy.kafka_port
    assert which_backend(p, "exact.example.test", ca.cert) == "a"
    assert which_backend(p, "other.example.test", ca.cert) == "b"
    assert which_backend(p, "x.deep.example.test", ca.cert) == "c"
    # "*.deep.example.test" does not cover deep.example.test itself
    assert which_backend(p, "deep.example.test", ca.cert) == "b"
    # ".dot.example.test" covers the name itself and beats "*.example.test"
    assert which_backend(p, "dot.example.test", ca.cert) == "d"
    assert which_backend(p, "y.dot.example.test", ca.cert) == "d"
    assert which_backend(p, "www.trail.example.net", ca.cert) == "e"


def test_regex_in_file_order(routed, ca):
    proxy, _, _ = routed
    p = proxy.kafka_port
    assert which_backend(p, "re-12.example.org", ca.cert) == "a"
    assert which_backend(p, "re-x.example.org", ca.cert) == "b"


def test_case_and_trailing_dot_with_s_client(routed, ca):
    proxy, _, _ = routed
    for name in ("EXACT.Example.TEST", "exact.example.test.",
                 "Both.Example.Test", "both.example.test."):
        rc, out = s_client(proxy.kafka_port, name, ca.cert)
        assert "backend=a" in out, (name, out)


def test_two_listeners_curl_and_s_client_verify_backend(routed, ca):
    proxy, _, _ = routed
    rc, out = curl("https://exact.example.test:%d/" % proxy.rest_port,
                   "exact.example.test", proxy.rest_port, ca.cert)
    assert rc == 0 and out.strip() == "backend=a", out
    rc, out = s_client(proxy.kafka_port, "other.example.test", ca.cert)
    assert rc == 0 and "backend=b" in out, out
    # the client verifies the backend's certificate: a CA it does not
    # trust fails, so TLS is end to end, not terminated by the proxy
    rc, out = curl("https://exact.example.test:%d/" % proxy.rest_port,
                   "exact.example.test", proxy.rest_port,
                   "/etc/ssl/certs/ca-certificates.crt")
    assert rc != 0


def test_address_without_port_uses_arriving_port(routed, ca):
    proxy, _, _ = routed
    assert which_backend(proxy.kafka_port, "port.example.test",
                         ca.cert) == "p-kafka"
    assert which_backend(proxy.rest_port, "port.example.test",
                         ca.cert) == "p-rest"


def test_unknown_and_missing_sni_reach_no_backend(routed, ca):
    proxy, bs, raw = routed
    before = accepted(bs) + raw.accepted
    assert refused(proxy.kafka_port, "nope.other.test")
    assert refused(proxy.kafka_port, None)
    rc, out = s_client(proxy.kafka_port, "unknown.test", ca.cert)
    assert rc != 0
    rc, out = s_client(proxy.rest_port, None, ca.cert)
    assert rc != 0
    # nearly routed names are refused too
    assert refused(proxy.kafka_port, "exact.example.test.x")
    assert refused(proxy.kafka_port, "example.test")
    assert refused(proxy.kafka_port, "localhost")
    assert refused(proxy.kafka_port, "127.0.0.1")
    time.sleep(0.3)
    assert accepted(bs) + raw.accepted == before
    log = wait_for(lambda: "refusal=no_sni" in proxy.nginx.access_log()
                   and proxy.nginx.access_log(), what="access log")
    assert "sni=nope.other.test route=- group=- zone=- " \
           "refusal=unknown_sni" in log
    assert "status=403 upstream=-" in log
    err = proxy.nginx.error_log()
    assert ('[info]' in err and 'cclink: refused connection: unknown_sni, '
            'server name "nope.other.test"' in err)
    assert "client: 127.0.0.1" in err
    st = proxy.status()
    assert st["refused"]["unknown_sni"] >= 6
    assert st["refused"]["no_sni"] >= 2


def test_not_tls_refused(routed):
    proxy, bs, raw = routed
    before = accepted(bs) + raw.accepted
    assert refused(proxy.kafka_port, data=b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert refused(proxy.kafka_port, data=b"\x00\x00\x00\x14\x00\x12\x00\x03")
    assert accepted(bs) + raw.accepted == before
    assert proxy.status()["refused"]["not_tls"] == 2


def _passes_through(proxy, raw, hello, chunks, delay=0.05):
    """Sends hello in chunks (separate TCP segments) and checks that the
    backend receives exactly those bytes."""
    assert b"".join(chunks) == hello
    s = socket.create_connection(("127.0.0.1", proxy.kafka_port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        for c in chunks:
            s.sendall(c)
            time.sleep(delay)
        wait_for(lambda: raw.received and len(raw.received[-1]) >= len(hello),
                 what="hello at the backend")
        assert bytes(raw.received[-1]) == hello
    finally:
        s.close()


def test_post_quantum_hello_split_over_segments(routed):
    proxy, _, raw = routed
    hello = client_hello("pq.example.test", key_share=1216, pad=420)
    assert 1700 < len(hello) < 2000
    _passes_through(proxy, raw, hello,
                    [hello[i:i + 400] for i in range(0, len(hello), 400)])


def test_hello_split_over_two_records(routed):
    proxy, _, raw = routed
    hs = handshake("pq.example.test", key_share=1216, pad=420)
    hello = records(hs, frag=len(hs) // 2 + 1)
    assert hello.count(b"\x16\x03\x01") >= 2
    _passes_through(proxy, raw, hello, [hello[:300], hello[300:]])


def test_oversized_hello_refused(routed):
    proxy, bs, raw = routed
    before = raw.accepted
    hello = client_hello("pq.example.test", key_share=20000, frag=16000)
    assert refused(proxy.kafka_port, data=hello[:2000])
    assert raw.accepted == before
    assert proxy.status()["refused"]["client_hello_too_large"] == 1


def test_access_log_variables(routed, ca):
    proxy, _, _ = routed
    assert which_backend(proxy.kafka_port, "x.deep.example.test",
                         ca.cert) == "c"
    line = wait_for(lambda: [l for l in proxy.nginx.access_log().splitlines()
                             if "sni=x.deep.example.test" in l],
                    what="access log line")[0]
    assert "route=*.deep.example.test group=c zone=- refusal=- " \
           "serial=100 status=200" in line


def test_ssl_preread_still_works_alongside(make_proxy, backends, ca):
    b = backends("a")
    proxy = make_proxy(
        "cclink-routes 1\nserial 1\ngroup a 127.0.0.1:%d\n"
        "route a.example.test a\nend\n" % b.port,
        srv_extra="ssl_preread on;",
        stream_extra="log_format both 'cclink=$cclink_sni "
                     "preread=$ssl_preread_server_name';\n"
                     "access_log {prefix}/logs/both.log both;")
    proxy.start()
    assert which_backend(proxy.kafka_port, "a.example.test", ca.cert) == "a"
    assert refused(proxy.kafka_port, "b.example.test")
    log = wait_for(lambda: "cclink=a.example.test" in
                   proxy.nginx.access_log("both.log")
                   and proxy.nginx.access_log("both.log"), what="both.log")
    assert "cclink=a.example.test preread=a.example.test" in log


def test_hostile_sni_cannot_forge_log_lines(routed):
    proxy, bs, raw = routed
    evil = 'x\n2026/01/01 [emerg] forged "q"<b>'
    assert refused(proxy.kafka_port, evil)
    err = wait_for(lambda: "forged" in proxy.nginx.error_log()
                   and proxy.nginx.error_log(), what="error log")
    assert "[emerg] forged" not in err
    assert 'server name "x?2026/01/01?[emerg]?forged?"q"<b>"' in err
    st = proxy.status()
    assert st["refused"]["unknown_sni"] == 1
    assert st["recent_refusals"][0]["name"] == 'x?2026/01/01?[emerg]?forged' \
                                               '?"q"<b>'
