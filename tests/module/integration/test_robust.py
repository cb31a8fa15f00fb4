"""No single connection or table can take the proxy down: a route that
leads back to the proxy's own listeners is refused (reason "loop"), a
datagram listener is never routed, and the other routes keep working."""

import os
import re
import signal
import socket
import struct
import time

import pytest

from lib.backends import RawBackend, _Server
from lib.nginx import free_port, wait_for
from lib.hello import client_hello
from lib.tlsclient import ping, refused, tls_connect

ROUTES = """cclink-routes 1
serial 1
group ok 127.0.0.1:{ok}
group self 127.0.0.1
group status 127.0.0.1:{status}
group wild 127.0.0.2:{wild}
group mixed 127.0.0.1
group mixed 127.0.0.1:{ok}
route exact.example.test ok
route a.example.test self
route b.example.test status
route c.example.test wild
route both.example.test mixed
end
"""

SIMPLE = """cclink-routes 1
serial 1
group ok 127.0.0.1:%d
route exact.example.test ok
end
"""


def open_fds(proxy):
    """Descriptors open in the proxy's worker processes."""
    return sum(len(os.listdir("/proc/%d/fd" % pid))
               for pid in proxy.nginx.worker_pids())


def loop_proxy(make_proxy, backends, **kw):
    ok = backends("ok")
    wild = free_port()
    routes = ROUTES.replace("{ok}", str(ok.port)).replace("{wild}",
                                                         str(wild))
    proxy = make_proxy(routes, srv_extra="listen %d;" % wild, workers=1,
                       **kw)
    # the status listener's port is known only once the proxy is made
    proxy.set_routes(routes.replace("{status}", str(proxy.status_port)))
    proxy.start()
    return proxy


@pytest.mark.parametrize("name", ["a.example.test", "b.example.test",
                                  "c.example.test"])
def test_route_to_own_listener_is_refused_as_loop(make_proxy, backends, ca,
                                                  name):
    """The listener the client came in on (port taken from it), another
    listener's exact address, and a local address of a wildcard
    listener: each would make the proxy connect to itself."""
    proxy = loop_proxy(make_proxy, backends)
    assert_loop_refused(proxy, name, ca)


def assert_loop_refused(proxy, name, ca):
    """One connection to a route that leads back to the proxy: refused as
    a loop, logged with the route, and the other routes still work."""
    before = open_fds(proxy)

    assert refused(proxy.kafka_port, name)

    wait_for(lambda: proxy.status()["refused"]["loop"] == 1,
             what="one loop refusal")
    # no connection to itself was made: the worker holds what it held
    assert open_fds(proxy) <= before + 1
    log = proxy.nginx.error_log()
    assert "worker_connections are not enough" not in log
    assert "refused (loop)" in log
    assert '"%s"' % name in log

    with tls_connect(proxy.kafka_port, "exact.example.test",
                     ca.cert) as t:
        assert ping(t) == "ok:ping"


def test_loop_logged_once_per_table(make_proxy, backends):
    proxy = loop_proxy(make_proxy, backends)
    for _ in range(3):
        assert refused(proxy.kafka_port, "a.example.test")
    wait_for(lambda: proxy.status()["refused"]["loop"] == 3,
             what="three loop refusals")
    assert proxy.nginx.error_log().count("refused (loop)") == 1


def test_loop_address_skipped_others_tried(make_proxy, backends, ca):
    proxy = loop_proxy(make_proxy, backends)
    for _ in range(4):
        with tls_connect(proxy.kafka_port, "both.example.test",
                         ca.cert) as t:
            assert ping(t) == "ok:ping"
    assert proxy.status()["refused"]["loop"] == 0


MAPPED = """cclink-routes 1
serial 1
group ok 127.0.0.1:{ok}
group mapped [::ffff:127.0.0.1]
group dual 127.0.0.2:{dual}
route exact.example.test ok
route mapped.example.test mapped
route dual.example.test dual
end
"""


@pytest.mark.parametrize("name", ["mapped.example.test",
                                  "dual.example.test"])
def test_loop_through_ipv4_mapped_and_dual_stack(make_proxy, backends, ca,
                                                 name):
    """An IPv4-mapped IPv6 address of the listener the client came in on,
    and an IPv4 address of this host on the port of an IPv6 wildcard
    listener that takes IPv4 too (ipv6only=off): both reach the proxy
    itself."""
    ok = backends("ok")
    dual = free_port()
    routes = MAPPED.replace("{ok}", str(ok.port)).replace("{dual}",
                                                          str(dual))
    proxy = make_proxy(routes, workers=1,
                       srv_extra="listen [::]:%d ipv6only=off;" % dual)
    proxy.start()
    assert_loop_refused(proxy, name, ca)


# -- ClientHello in thousands of records -----------------------------------

def test_hello_in_2900_one_byte_records_read_in_pieces(make_proxy):
    """Sent in pieces with pauses, so that the worker reads it many times;
    routed, and passed on byte for byte."""
    raw = RawBackend()
    try:
        proxy = make_proxy(SIMPLE % raw.port, workers=1,
                           srv_extra="preread_buffer_size 32k;").start()
        hello = client_hello("exact.example.test", frag=1, pad=2700)
        assert hello.count(b"\x16\x03\x01\x00\x01") >= 2900
        s = socket.create_connection(("127.0.0.1", proxy.kafka_port),
                                     timeout=10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(0, len(hello), 600):
            s.sendall(hello[i:i + 600])
            time.sleep(0.002)
        s.sendall(b"after")
        wait_for(lambda: raw.received
                 and bytes(raw.received[0]) == hello + b"after",
                 what="the ClientHello at the backend")
        s.close()
        assert proxy.status()["refused"]["client_hello_too_large"] == 0
    finally:
        raw.close()


# -- datagram listeners -----------------------------------------------------

def test_cclink_route_on_udp_listener_refused_at_start(make_proxy):
    udp = free_port()
    proxy = make_proxy(SIMPLE % free_port(),
                       stream_extra="server { listen 127.0.0.1:%d udp; "
                       "cclink_route on; proxy_pass 127.0.0.1:1; }" % udp)
    ok, out = proxy.nginx.test_config()
    assert not ok
    assert "[emerg]" in out and '"cclink_route on"' in out
    assert "127.0.0.1:%d" % udp in out


def test_udp_listener_without_cclink_route_still_allowed(make_proxy,
                                                         backends, ca):
    """Other modules (DNS) serve UDP servers of the same stream block."""
    udp = free_port()
    ok = backends("ok")
    echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    echo.bind(("127.0.0.1", 0))
    echo.settimeout(5)
    try:
        proxy = make_proxy(SIMPLE % ok.port, stream_extra="server { listen "
                           "127.0.0.1:%d udp; proxy_pass 127.0.0.1:%d; "
                           "proxy_responses 1; proxy_timeout 2s; }"
                           % (udp, echo.getsockname()[1])).start()
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.settimeout(5)
        c.sendto(b"hello", ("127.0.0.1", udp))
        data, peer = echo.recvfrom(100)
        assert data == b"hello"
        echo.sendto(b"back", peer)
        assert c.recv(100) == b"back"
        c.close()
        with tls_connect(proxy.kafka_port, "exact.example.test",
                         ca.cert) as t:
            assert ping(t) == "ok:ping"
    finally:
        echo.close()


# -- cclink_pass passes on what each end does: RST as RST, FIN as FIN ------

class EndsBackend(_Server):
    """Reads the ClientHello, then does what "mode" says; records how the
    client's side ended ("fin", "rst") and what it sent after the hello."""

    def __init__(self, hello, mode):
        self.hello = hello
        self.mode = mode
        self.ended = []
        self.got = []
        super().__init__("127.0.0.1", 0)

    def serve(self, c):
        c.settimeout(10)
        buf = b""
        while len(buf) < len(self.hello):
            d = c.recv(65536)
            if not d:
                return
            buf += d
        rest = buf[len(self.hello):]
        if self.mode == "reset":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
            c.close()
            return
        if self.mode == "shut":
            c.sendall(b"bye")
            c.shutdown(socket.SHUT_WR)
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    self.ended.append("fin")
                    break
                rest += d
        except ConnectionResetError:
            self.ended.append("rst")
        self.got.append(rest)
        if self.mode == "answer-after-fin":
            c.sendall(b"reply after your fin")


def ends_proxy(make_proxy, mode):
    hello = client_hello("exact.example.test")
    be = EndsBackend(hello, mode)
    proxy = make_proxy(SIMPLE % be.port, relay="pass", workers=1).start()
    s = socket.create_connection(("127.0.0.1", proxy.kafka_port), timeout=10)
    s.sendall(hello)
    return proxy, be, s


def test_pass_client_reset_resets_upstream(make_proxy):
    proxy, be, s = ends_proxy(make_proxy, "wait")
    try:
        s.sendall(b"some bytes")
        wait_for(lambda: be.conns and be.accepted == 1, what="upstream")
        time.sleep(0.1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        s.close()
        wait_for(lambda: be.ended, what="the upstream side to end")
        assert be.ended == ["rst"]
    finally:
        be.close()


def test_pass_upstream_reset_resets_client(make_proxy):
    proxy, be, s = ends_proxy(make_proxy, "reset")
    try:
        with pytest.raises(ConnectionResetError):
            while s.recv(100):
                pass
    finally:
        s.close()
        be.close()


def test_pass_client_fin_is_a_half_close(make_proxy):
    """The client is done sending; the answer still comes back."""
    proxy, be, s = ends_proxy(make_proxy, "answer-after-fin")
    try:
        s.sendall(b"request")
        s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            d = s.recv(100)
            if not d:
                break
            got += d
        assert got == b"reply after your fin"
        assert be.ended == ["fin"] and be.got == [b"request"]
    finally:
        s.close()
        be.close()


def test_pass_upstream_fin_is_a_half_close(make_proxy):
    """The upstream is done sending; the client's bytes still go up."""
    proxy, be, s = ends_proxy(make_proxy, "shut")
    try:
        got = b""
        while True:
            d = s.recv(100)
            if not d:
                break
            got += d
        assert got == b"bye"
        s.sendall(b"still talking")
        s.shutdown(socket.SHUT_WR)
        wait_for(lambda: be.got, what="the upstream to see the end")
        assert be.got == [b"still talking"] and be.ended == ["fin"]
        assert s.recv(100) == b""
    finally:
        s.close()
        be.close()


# -- no table silently skipped ---------------------------------------------

def many_routes(port, serial, n=20000):
    lines = ["cclink-routes 1", "serial %d" % serial,
             "group ok 127.0.0.1:%d" % port]
    for i in range(n):
        lines.append("route r-%05d.zone.example.test ok" % i)
    lines.append("route exact.example.test ok")
    lines.append("end\n")
    return "\n".join(lines)


def minimum_zone_k(make_proxy, routes, extra=""):
    """The zone size nginx -t reports as the least for this table."""
    probe = make_proxy(routes, zone_size="64k" + extra)
    ok, out = probe.nginx.test_config()
    assert not ok
    m = re.search(r"need at least (\d+)k", out)
    assert m, out
    return int(m.group(1))


def table_bytes(make_proxy, routes):
    p = make_proxy(routes, zone_size="64m").start()
    n = p.status()["table"]["bytes"]
    p.stop()
    return n


def test_zone_of_reported_minimum_starts(make_proxy, backends, ca):
    ok = backends("ok")
    routes = many_routes(ok.port, 1, n=100000)
    least = minimum_zone_k(make_proxy, routes)
    proxy = make_proxy(routes, zone_size="%dk" % least).start()
    with tls_connect(proxy.kafka_port, "exact.example.test", ca.cert) as t:
        assert ping(t) == "ok:ping"


def two_table_proxy(make_proxy, port, interval="1s"):
    """A zone with room for two tables but not three."""
    size = table_bytes(make_proxy, many_routes(port, 1))
    least = minimum_zone_k(make_proxy, many_routes(port, 1))
    zone = least + (size * 3 // 2) // 1024
    return make_proxy(many_routes(port, 1), zone_size="%dk" % zone,
                      interval=interval).start()


def test_table_that_does_not_fit_yet_is_retried(make_proxy, backends, ca):
    """v2 replaces v1, v3 comes while v1 is still held in its grace time:
    v3 is loaded once v1 is released, without the file changing again."""
    ok = backends("ok")
    proxy = two_table_proxy(make_proxy, ok.port)
    proxy.set_routes(many_routes(ok.port, 2))
    proxy.wait_serial(2)
    proxy.set_routes(many_routes(ok.port, 3))
    proxy.wait_serial(3, timeout=10)
    log = proxy.nginx.error_log()
    assert "replaced tables are still held" in log
    # said once per worker, not at each check
    assert 1 <= log.count("serial 3 (") <= proxy.nginx.workers


def test_reload_with_kept_zone_and_no_room_keeps_table(make_proxy, backends,
                                                      ca):
    ok = backends("ok")
    proxy = two_table_proxy(make_proxy, ok.port, interval="2s")
    proxy.set_routes(many_routes(ok.port, 2))
    proxy.wait_serial(2, timeout=5)
    old = proxy.nginx.worker_pids()
    proxy.set_routes(many_routes(ok.port, 3))
    os.kill(proxy.nginx.master_pid(), signal.SIGHUP)
    wait_for(lambda: set(proxy.nginx.worker_pids()) - set(old), timeout=10,
             what="new workers")
    assert "cannot be placed" in proxy.nginx.error_log()
    proxy.wait_serial(3, timeout=10)
    with tls_connect(proxy.kafka_port, "exact.example.test", ca.cert) as t:
        assert ping(t) == "ok:ping"


def test_changed_series_limits_across_reload_reported(make_proxy, backends):
    ok = backends("ok")
    proxy = make_proxy(SIMPLE % ok.port).start()
    old = proxy.nginx.worker_pids()
    with open(proxy.nginx.conf) as f:
        text = f.read()
    with open(proxy.nginx.conf, "w") as f:
        f.write(text.replace("zone=cclink:16m",
                             "zone=cclink:16m max_route_series=100"))
    os.kill(proxy.nginx.master_pid(), signal.SIGHUP)
    wait_for(lambda: "while previously it used" in proxy.nginx.error_log(),
             what="the changed limits reported")
    log = proxy.nginx.error_log()
    assert "max_route_series=100 max_address_series=512 while previously " \
           "it used max_route_series=2048" in log
    assert proxy.nginx.worker_pids() == old
    proxy.stop(check=False)
    bad = [l for l in proxy.nginx.bad_lines()
           if "while previously it used" not in l]
    assert not bad


# -- a new route live at once ----------------------------------------------

TWO = """cclink-routes 1
serial %d
group ok 127.0.0.1:%d
route exact.example.test ok
route %s ok
end
"""


def reaches(proxy, name, ca):
    try:
        with tls_connect(proxy.kafka_port, name, ca.cert, timeout=2) as t:
            return ping(t) == "ok:ping"
    except OSError:
        return False


@pytest.mark.parametrize("how", ["rename", "in-place"])
def test_new_route_live_without_waiting_for_timer(make_proxy, backends, ca,
                                                  how):
    """With a timer of a minute, the change is seen from the directory's
    notifications: renamed into place (as the sidecar does) or written in
    place and closed."""
    ok = backends("ok")
    proxy = make_proxy(TWO % (1, ok.port, "a.example.test"),
                       interval="60s").start()
    assert reaches(proxy, "a.example.test", ca)
    assert not reaches(proxy, "b.example.test", ca)
    text = TWO % (2, ok.port, "b.example.test")
    if how == "rename":
        proxy.set_routes(text)
    else:
        with open(proxy.routes, "w") as f:
            f.write(text)
    wait_for(lambda: reaches(proxy, "b.example.test", ca), timeout=5,
             what="the new route")
    assert proxy.status()["table"]["serial"] == 2
    # other files in the directory are not the table
    with open(proxy.routes + ".tmp", "w") as f:
        f.write("not a table")
    assert reaches(proxy, "b.example.test", ca)
    assert proxy.status()["table"]["load_errors"] == 0


# -- per-client limits -----------------------------------------------------

TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "..", "..", "conf-templates", "nginx-cclink.conf")


def template_limits():
    """The per-client lines of the sample configuration, as written."""
    with open(TEMPLATE) as f:
        text = re.sub(r"#[^\n]*", "", f.read())
    zone = re.search(r"^\s*(limit_conn_zone\s+\$binary_remote_addr\s+"
                     r"zone=(\w+):\w+;)", text, re.M)
    limit = re.search(r"^\s*(limit_conn\s+(\w+)\s+(\d+);)", text, re.M)
    timeout = re.search(r"^\s*preread_timeout\s+(\d+)s;", text, re.M)
    buf = re.search(r"^\s*preread_buffer_size\s+(\w+);", text, re.M)
    assert zone and limit and timeout and buf, "template lacks the limits"
    assert zone.group(2) == limit.group(2)
    return zone.group(1), limit.group(1), int(limit.group(3)), buf.group(1)


def test_many_slow_hellos_from_one_address_do_not_starve_others(
        make_proxy, backends, ca):
    """One address opens more pending ClientHellos than the template's
    limit and never finishes them: it gets the limit and no more, and a
    client from another address is served meanwhile."""
    ok = backends("ok")
    zone, limit, n, buf = template_limits()
    assert 100 <= n <= 4000
    proxy = make_proxy(SIMPLE % ok.port, workers=1, stream_extra=zone,
                       srv_extra="%s preread_timeout 30s; "
                       "preread_buffer_size %s;" % (limit, buf)).start()
    hello = client_hello("exact.example.test")
    slow = []
    try:
        for _ in range(n + 20):
            s = socket.create_connection(("127.0.0.1", proxy.kafka_port),
                                         source_address=("127.0.0.7", 0),
                                         timeout=10)
            s.sendall(hello[:20])           # and nothing more
            slow.append(s)

        def closed(s):
            s.setblocking(False)
            try:
                return s.recv(1) == b""
            except BlockingIOError:
                return False
            except ConnectionResetError:
                return True
        wait_for(lambda: sum(closed(s) for s in slow) == 20, timeout=10,
                 what="the connections over the limit closed")
        assert sum(closed(s) for s in slow) == 20

        # someone else is served
        for _ in range(3):
            assert reaches(proxy, "exact.example.test", ca)
        assert ok.accepted == 3
        assert "limiting connections by zone" in proxy.nginx.error_log()
    finally:
        for s in slow:
            s.close()
