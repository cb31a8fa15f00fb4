"""The DNS server in the module (ngx_stream_cclink_dns_module): names the
route table routes are answered with cclink_dns_address, over UDP and TCP,
by dig, kdig and dnspython; unrouted names in the zones get NXDOMAIN with
an SOA, or go to the server's proxy_pass resolver (a real dnsmasq);
names outside the zones get REFUSED; malformed queries get FORMERR or are
dropped; a route change is live for DNS."""

import os
import signal
import socket
import struct
import subprocess
import threading
import time

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest

from conftest import Proxy, write_routes
from lib.nginx import Nginx, free_port, wait_for

ROUTES = """# DNS test table
cclink-routes 1
serial %(serial)d
group a 127.0.0.1:9
route exact.example.test a
route *.wild.example.test a
route ~^re-[0-9]+\\.example\\.org$ a
route outside.example.net a
%(extra)s
end
"""

MANY = ["192.0.2.%d" % i for i in range(1, 41)]


def routes(serial=1, extra=""):
    return ROUTES % {"serial": serial, "extra": extra}


class DNSProxy(Proxy):
    """The test proxy with four DNS servers: "main" (two IPv4 and one
    IPv6 address, zones example.test and example.org), "v4" (one IPv4
    address), "many" (40 IPv4 addresses) and "fwd" (proxy_pass to a
    dnsmasq)."""

    def __init__(self, prefix, resolver_port):
        self.dns = {n: free_port() for n in ("main", "v4", "many", "fwd")}
        servers = """
    log_format dns '$protocol $cclink_dns_name $cclink_dns_rcode';
    server {
        listen 127.0.0.1:%(main)d udp;
        listen 127.0.0.1:%(main)d;
        access_log {prefix}/logs/dns.log dns;
        cclink_dns on;
        cclink_dns_address 192.0.2.10 192.0.2.11;
        cclink_dns_address 2001:db8::10;
        cclink_dns_zones example.test example.org.;
        preread_timeout 1s;
    }
    server {
        listen 127.0.0.1:%(v4)d udp;
        listen 127.0.0.1:%(v4)d;
        cclink_dns on;
        cclink_dns_address 192.0.2.10;
        cclink_dns_ttl 1m;
        cclink_dns_zones example.test example.org;
    }
    server {
        listen 127.0.0.1:%(many)d udp;
        listen 127.0.0.1:%(many)d;
        cclink_dns on;
        cclink_dns_address %(addrs)s;
        cclink_dns_zones example.test;
    }
    server {
        listen 127.0.0.1:%(fwd)d udp;
        listen 127.0.0.1:%(fwd)d;
        access_log {prefix}/logs/fwd.log dns;
        cclink_dns on;
        cclink_dns_address 192.0.2.10;
        cclink_dns_zones example.test;
        proxy_pass 127.0.0.1:%(res)d;
        proxy_responses 1;
        proxy_timeout 2s;
    }
""" % dict(self.dns, addrs=" ".join(MANY), res=resolver_port)
        super().__init__(prefix, routes(), stream_extra=servers)


RESOLVER = {}   # "pid": the resolver's, for a test to stop it a while


@pytest.fixture(scope="module")
def resolver(tmp_path_factory):
    """dnsmasq on loopback serving fwd.example.test (and nothing else)."""
    port = free_port()
    p = subprocess.Popen(
        ["/usr/sbin/dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
         "--no-resolv", "--no-hosts", "--pid-file=", "--bind-interfaces",
         "--listen-address=127.0.0.1", "--port=%d" % port,
         "--host-record=fwd.example.test,198.51.100.7",
         "--log-facility=-"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _answers(port, "fwd.example.test"),
                 what="dnsmasq on port %d" % port)
        RESOLVER["pid"] = p.pid
        yield port
    finally:
        p.terminate()
        p.wait(timeout=5)


def _answers(port, name):
    try:
        r = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1",
                          port=port, timeout=0.2)
        return r.rcode() == dns.rcode.NOERROR
    except (dns.exception.Timeout, OSError):
        return False


@pytest.fixture(scope="module")
def proxy(resolver):
    import shutil
    import tempfile
    d = tempfile.mkdtemp(prefix="cclink-dns-")
    os.chmod(d, 0o755)
    p = DNSProxy(os.path.join(d, "proxy"), resolver)
    p.start()
    for port in p.dns.values():
        wait_for(lambda: _udp_ok(port), what="DNS on port %d" % port)
    yield p
    p.stop()
    shutil.rmtree(d, ignore_errors=True)


def _udp_ok(port):
    try:
        dns.query.udp(dns.message.make_query("x.example.test", "A"),
                      "127.0.0.1", port=port, timeout=0.2)
        return True
    except (dns.exception.Timeout, OSError):
        return False


def query(port, name, rdtype="A", tcp=False, **kw):
    q = dns.message.make_query(name, rdtype, **kw)
    if tcp:
        return dns.query.tcp(q, "127.0.0.1", port=port, timeout=2)
    return dns.query.udp(q, "127.0.0.1", port=port, timeout=2,
                         ignore_trailing=False)


def addrs(r):
    return sorted(rd.address for rrset in r.answer for rd in rrset)


def raw_udp(port, data, timeout=0.5):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(data, ("127.0.0.1", port))
        try:
            return s.recv(65535)
        except socket.timeout:
            return None


def raw_tcp(port, data, timeout=1.0):
    """Sends data (framed by the caller) and reads one framed reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        return _read_framed(s)


def _read_framed(s):
    hdr = _recv_exact(s, 2)
    if hdr is None:
        return None
    return _recv_exact(s, struct.unpack("!H", hdr)[0])


def _recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        try:
            chunk = s.recv(n - len(buf))
        except socket.timeout:
            return None
        if not chunk:
            return None
        buf += chunk
    return buf


def header(qid=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def wire(name):
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


QUESTION = wire("exact.example.test") + struct.pack("!HH", 1, 1)


def rcode_of(reply):
    return struct.unpack("!H", reply[2:4])[0] & 0x0f


def counts(reply):
    return struct.unpack("!HHHH", reply[4:12])


# ---------------------------------------------------------------------------
# answers from the route table


@pytest.mark.parametrize("tcp", [False, True])
def test_routed_names_exact_wildcard_regex(proxy, tcp):
    p = proxy.dns["main"]
    for name in ("exact.example.test", "a.wild.example.test",
                 "b.c.wild.example.test", "re-42.example.org"):
        r = query(p, name, tcp=tcp)
        assert r.rcode() == dns.rcode.NOERROR, name
        assert r.flags & dns.flags.AA, name
        assert not r.flags & dns.flags.RA
        assert addrs(r) == ["192.0.2.10", "192.0.2.11"], name
        assert r.answer[0].ttl == 30
    r = query(p, "exact.example.test", "AAAA", tcp=tcp)
    assert addrs(r) == ["2001:db8::10"]


@pytest.mark.parametrize("tcp", [False, True])
def test_unrouted_names_nxdomain_with_soa(proxy, tcp):
    p = proxy.dns["main"]
    for name in ("nope.example.test", "re-x.example.org",
                 "x.exact.example.test"):
        r = query(p, name, tcp=tcp)
        assert r.rcode() == dns.rcode.NXDOMAIN, name
        assert r.flags & dns.flags.AA
        assert not r.answer
        soa = r.authority[0]
        assert soa.rdtype == dns.rdatatype.SOA
        assert soa.ttl <= 5 and soa[0].minimum <= 5
        assert str(soa.name).lower().rstrip(".") in ("example.test",
                                                      "example.org")


@pytest.mark.parametrize("tcp", [False, True])
def test_parent_of_wildcard_routes_nodata(proxy, tcp):
    # "*.wild.example.test" routes names below wild.example.test: that
    # name exists (an empty non-terminal), NXDOMAIN would deny them all
    r = query(proxy.dns["main"], "wild.example.test", tcp=tcp)
    assert r.rcode() == dns.rcode.NOERROR and not r.answer
    assert r.flags & dns.flags.AA
    assert r.authority[0].rdtype == dns.rdatatype.SOA


def test_zone_apex_exists(proxy):
    r = query(proxy.dns["main"], "example.test", "SOA")
    assert r.rcode() == dns.rcode.NOERROR
    assert r.answer[0].rdtype == dns.rdatatype.SOA
    r = query(proxy.dns["main"], "example.test", "A")
    assert r.rcode() == dns.rcode.NOERROR and not r.answer
    assert r.authority[0].rdtype == dns.rdatatype.SOA


@pytest.mark.parametrize("tcp", [False, True])
def test_outside_the_zones_refused(proxy, tcp):
    p = proxy.dns["main"]
    # routed by the table, but outside cclink_dns_zones: never answered
    for name in ("outside.example.net", "www.google.com", "example",
                 "example.test.evil.net"):
        r = query(p, name, tcp=tcp)
        assert r.rcode() == dns.rcode.REFUSED, name
        assert not r.answer and not r.flags & dns.flags.AA


def test_class_other_than_in_refused(proxy):
    q = dns.message.make_query("exact.example.test", "A", rdclass="CH")
    r = dns.query.udp(q, "127.0.0.1", port=proxy.dns["main"], timeout=2)
    assert r.rcode() == dns.rcode.REFUSED and not r.answer


def test_letter_case_echoed_exactly(proxy):
    name = "eXaCt.ExAmPlE.tEsT"
    r = raw_udp(proxy.dns["main"],
                header() + wire(name) + struct.pack("!HH", 1, 1))
    assert r[12:12 + len(wire(name))] == wire(name)
    m = dns.message.from_wire(r)
    assert m.rcode() == dns.rcode.NOERROR
    assert m.answer[0].name.to_text() == name + "."


def test_id_and_rd_copied(proxy):
    p = proxy.dns["main"]
    for flags in (0x0100, 0x0000, 0x0010):
        r = raw_udp(p, header(qid=0xbeef, flags=flags) + QUESTION)
        assert r[:2] == b"\xbe\xef"
        f = struct.unpack("!H", r[2:4])[0]
        assert f & 0x8000                          # QR
        assert f & 0x0100 == flags & 0x0100        # RD
        assert f & 0x0010 == flags & 0x0010        # CD
        assert f & 0x0080 == 0                     # RA
        assert f & 0x0400                          # AA


@pytest.mark.parametrize("rdtype", ["MX", "TXT", "HTTPS", "CNAME", "NS"])
def test_other_types_of_a_routed_name_nodata(proxy, rdtype):
    r = query(proxy.dns["main"], "exact.example.test", rdtype)
    assert r.rcode() == dns.rcode.NOERROR
    assert not r.answer
    assert r.authority[0].rdtype == dns.rdatatype.SOA


def test_aaaa_with_only_ipv4_addresses_nodata(proxy):
    r = query(proxy.dns["v4"], "exact.example.test", "AAAA")
    assert r.rcode() == dns.rcode.NOERROR and not r.answer
    assert r.authority[0].rdtype == dns.rdatatype.SOA
    r = query(proxy.dns["v4"], "exact.example.test", "A")
    assert addrs(r) == ["192.0.2.10"] and r.answer[0].ttl == 60


def test_any_minimal(proxy):
    r = query(proxy.dns["main"], "exact.example.test", "ANY")
    assert r.rcode() == dns.rcode.NOERROR
    assert len(r.answer) == 1
    assert r.answer[0].rdtype == dns.rdatatype.A


def test_edns_opt_answered_only_when_asked(proxy):
    p = proxy.dns["main"]
    r = query(p, "exact.example.test", use_edns=0, payload=4096,
              want_dnssec=True)
    assert r.edns == 0
    assert r.payload == 1232
    assert r.ednsflags & dns.flags.DO
    r = query(p, "exact.example.test", use_edns=False)
    assert r.edns == -1


def test_edns_version_badvers(proxy):
    q = dns.message.make_query("exact.example.test", "A")
    q.use_edns(edns=1)
    r = dns.query.udp(q, "127.0.0.1", port=proxy.dns["main"], timeout=2)
    assert r.rcode() == dns.rcode.BADVERS
    assert r.edns == 0 and not r.answer


def test_truncation_and_tcp(proxy):
    p = proxy.dns["many"]
    # 40 A records do not fit in 512 bytes: TC without EDNS
    r = query(p, "exact.example.test", use_edns=False)
    assert r.flags & dns.flags.TC and not r.answer
    # the client's EDNS size (up to ours, 1232) is honoured
    r = query(p, "exact.example.test", use_edns=0, payload=1232)
    assert not r.flags & dns.flags.TC and len(addrs(r)) == 40
    r = query(p, "exact.example.test", use_edns=0, payload=600)
    assert r.flags & dns.flags.TC
    # a size below 512 counts as 512
    r = query(p, "exact.example.test", use_edns=0, payload=100)
    assert r.flags & dns.flags.TC
    r = query(p, "exact.example.test", tcp=True, use_edns=False)
    assert not r.flags & dns.flags.TC and addrs(r) == sorted(MANY)


def test_dig_and_kdig(proxy):
    p = str(proxy.dns["main"])
    out = subprocess.run(["dig", "+short", "@127.0.0.1", "-p", p,
                          "x.wild.example.test"], capture_output=True,
                         text=True, timeout=10).stdout.split()
    assert sorted(out) == ["192.0.2.10", "192.0.2.11"]
    out = subprocess.run(["dig", "+tcp", "@127.0.0.1", "-p", p,
                          "re-7.example.org", "AAAA"], capture_output=True,
                         text=True, timeout=10).stdout
    assert "status: NOERROR" in out and "2001:db8::10" in out
    assert "flags: qr aa rd;" in out
    out = subprocess.run(["dig", "@127.0.0.1", "-p", p, "no.example.test"],
                         capture_output=True, text=True, timeout=10).stdout
    assert "status: NXDOMAIN" in out and "IN\tSOA" in out
    for proto in ("+notcp", "+tcp"):
        out = subprocess.run(["kdig", proto, "@127.0.0.1", "-p", p,
                              "EXACT.example.TEST", "A"],
                             capture_output=True, text=True,
                             timeout=10).stdout
        assert "status: NOERROR" in out and "192.0.2.11" in out
        assert "Flags: qr aa rd;" in out
    out = subprocess.run(["kdig", "@127.0.0.1", "-p", p, "www.google.com"],
                         capture_output=True, text=True, timeout=10).stdout
    assert "status: REFUSED" in out


def test_access_log_variables(proxy):
    query(proxy.dns["main"], "Logged.Example.Test")
    query(proxy.dns["main"], "exact.example.test", tcp=True)
    wait_for(lambda: "UDP Logged.Example.Test NXDOMAIN"
             in proxy.nginx.access_log("dns.log"), what="dns.log line")
    wait_for(lambda: "TCP exact.example.test NOERROR"
             in proxy.nginx.access_log("dns.log"), what="dns.log line")


# ---------------------------------------------------------------------------
# opcodes, responses and malformed queries


def test_opcode_other_than_query_notimp(proxy):
    for opcode in (1, 2, 4, 5):
        r = raw_udp(proxy.dns["main"], header(flags=opcode << 11) + QUESTION)
        assert rcode_of(r) == dns.rcode.NOTIMP, opcode
        assert (struct.unpack("!H", r[2:4])[0] >> 11) & 0xf == opcode


def test_responses_are_dropped(proxy):
    before = proxy.status()["dns"]["dropped"]
    r = raw_udp(proxy.dns["main"], header(flags=0x8100) + QUESTION)
    assert r is None
    r = raw_udp(proxy.dns["main"], header(flags=0x8000, qd=0))
    assert r is None
    # shorter than a header: nothing to answer with
    assert raw_udp(proxy.dns["main"], b"\x12\x34\x01") is None
    assert proxy.status()["dns"]["dropped"] >= before + 3


MALFORMED = {
    "qdcount 0": header(qd=0),
    "qdcount 2": header(qd=2) + QUESTION + QUESTION,
    "label past the end": header() + b"\x07exact\x07exam",
    "no terminating label": header() + b"\x05exact",
    "no type and class": header() + wire("exact.example.test"),
    "half a type": header() + wire("exact.example.test") + b"\x00",
    "pointer in the question": header() + b"\x05exact\xc0\x0c\x00\x01\x00\x01",
    "pointer loop": header() + b"\xc0\x0c\x00\x01\x00\x01",
    "pointer forwards": header() + b"\xc0\x20" + b"\x00" * 30,
    "reserved label type 01": header() + b"\x45" + b"a" * 5 + b"\x00"
                              + struct.pack("!HH", 1, 1),
    "reserved label type 10": header() + b"\x85abc\x00\x00\x01\x00\x01",
    "name over 255 bytes": header() + (b"\x3f" + b"a" * 63) * 4 + b"\x00"
                           + struct.pack("!HH", 1, 1),
}

MALFORMED_WITH_QUESTION = {
    "trailing garbage": header() + QUESTION + b"\xde\xad",
    "ancount": header(an=1) + QUESTION,
    "nscount": header(ns=1) + QUESTION,
    "arcount without a record": header(ar=1) + QUESTION,
    "two OPT records": header(ar=2) + QUESTION
                       + (b"\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00") * 2,
    "OPT rdlength past the end": header(ar=1) + QUESTION
                                 + b"\x00\x00\x29\x10\x00\x00\x00\x00\x00"
                                 + b"\x00\x08\x00\x0a",
    "OPT option past its rdata": header(ar=1) + QUESTION
                                 + b"\x00\x00\x29\x10\x00\x00\x00\x00\x00"
                                 + b"\x00\x04\x00\x0a\x00\x08",
    "OPT with a name": header(ar=1) + QUESTION
                       + b"\x01a\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00",
}


@pytest.mark.parametrize("what", sorted(MALFORMED))
def test_malformed_question_formerr(proxy, what):
    r = raw_udp(proxy.dns["main"], MALFORMED[what])
    assert r is not None
    assert r[:2] == b"\x12\x34"
    assert rcode_of(r) == dns.rcode.FORMERR
    assert counts(r) == (0, 0, 0, 0) and len(r) == 12


@pytest.mark.parametrize("what", sorted(MALFORMED_WITH_QUESTION))
def test_malformed_rest_formerr(proxy, what):
    r = raw_udp(proxy.dns["main"], MALFORMED_WITH_QUESTION[what])
    assert r is not None and rcode_of(r) == dns.rcode.FORMERR
    assert counts(r)[:3] == (1, 0, 0)
    assert r[12:12 + len(QUESTION)] == QUESTION


def test_malformed_over_tcp(proxy):
    p = proxy.dns["main"]
    for data in list(MALFORMED.values()) + [header(an=1) + QUESTION]:
        r = raw_tcp(p, struct.pack("!H", len(data)) + data)
        assert r is not None and rcode_of(r) == dns.rcode.FORMERR


def test_valid_edns_option_and_other_additional_records(proxy):
    # an OPT with a cookie option, and a record with a compressed name
    opt = (b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x0c"
           + b"\x00\x0a\x00\x08" + b"\x01" * 8)
    other = b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x01"
    r = raw_udp(proxy.dns["main"], header(ar=2) + QUESTION + opt + other)
    m = dns.message.from_wire(r)
    assert m.rcode() == dns.rcode.NOERROR and m.edns == 0
    assert addrs(m) == ["192.0.2.10", "192.0.2.11"]


# ---------------------------------------------------------------------------
# TCP: several queries per connection, framing, idle timeout


def framed(name, qid, rdtype="A"):
    q = dns.message.make_query(name, rdtype)
    q.id = qid
    w = q.to_wire()
    return struct.pack("!H", len(w)) + w


def test_tcp_pipelined_queries_on_one_connection(proxy):
    names = ["exact.example.test", "no.example.test", "www.google.com",
             "z.wild.example.test"] * 5
    data = b"".join(framed(n, i) for i, n in enumerate(names))
    with socket.create_connection(("127.0.0.1", proxy.dns["main"]),
                                  timeout=2) as s:
        s.sendall(data)
        got = [dns.message.from_wire(_read_framed(s)) for _ in names]
        # and one more later on the same connection
        s.sendall(framed("exact.example.test", 999))
        last = dns.message.from_wire(_read_framed(s))
    assert [m.id for m in got] == list(range(len(names)))
    assert [dns.rcode.to_text(m.rcode()) for m in got[:4]] == [
        "NOERROR", "NXDOMAIN", "REFUSED", "NOERROR"]
    assert last.id == 999 and addrs(last) == ["192.0.2.10", "192.0.2.11"]


def test_tcp_query_split_byte_by_byte(proxy):
    data = framed("exact.example.test", 77) + framed("re-1.example.org", 78)
    with socket.create_connection(("127.0.0.1", proxy.dns["main"]),
                                  timeout=2) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(len(data)):
            s.send(data[i:i + 1])
            time.sleep(0.002)
        a = dns.message.from_wire(_read_framed(s))
        b = dns.message.from_wire(_read_framed(s))
    assert (a.id, b.id) == (77, 78)
    assert addrs(a) == addrs(b) == ["192.0.2.10", "192.0.2.11"]


def test_tcp_idle_timeout(proxy):
    # preread_timeout 1s in the "main" server
    with socket.create_connection(("127.0.0.1", proxy.dns["main"]),
                                  timeout=5) as s:
        s.sendall(framed("exact.example.test", 1))
        assert _read_framed(s) is not None
        t0 = time.monotonic()
        assert s.recv(1) == b""          # closed by the server
        assert time.monotonic() - t0 < 4


def test_tcp_query_larger_than_the_buffer_closes(proxy):
    with socket.create_connection(("127.0.0.1", proxy.dns["main"]),
                                  timeout=3) as s:
        s.sendall(b"\xff\xff" + b"\0" * 100)
        assert s.recv(1) == b""


# ---------------------------------------------------------------------------
# forwarding to the server's proxy_pass resolver


@pytest.mark.parametrize("tcp", [False, True])
def test_unrouted_names_forwarded_to_the_resolver(proxy, tcp):
    p = proxy.dns["fwd"]
    before = proxy.status()["dns"]["forwarded"]
    r = query(p, "fwd.example.test", tcp=tcp)
    assert r.rcode() == dns.rcode.NOERROR
    assert addrs(r) == ["198.51.100.7"]       # dnsmasq's answer
    # routed names are the module's, outside the zones refused unasked
    r = query(p, "exact.example.test", tcp=tcp)
    assert addrs(r) == ["192.0.2.10"] and r.flags & dns.flags.AA
    r = query(p, "fwd.example.net", tcp=tcp)
    assert r.rcode() == dns.rcode.REFUSED
    assert proxy.status()["dns"]["forwarded"] == before + 1


def test_access_log_forwarded_and_dropped(proxy):
    p = proxy.dns["fwd"]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as fwd, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
        fwd.settimeout(2)
        other.settimeout(2)
        # a forwarded query's session outlives the queries answered while
        # the resolver (stopped meanwhile) is asked: each keeps its own
        # name and rcode
        os.kill(RESOLVER["pid"], signal.SIGSTOP)
        try:
            q = dns.message.make_query("fwd.EXAMPLE.test", "A")
            fwd.sendto(q.to_wire(), ("127.0.0.1", p))
            for i in range(5):
                q = dns.message.make_query("n%d.WILD.example.test" % i, "A")
                other.sendto(q.to_wire(), ("127.0.0.1", p))
                assert addrs(dns.message.from_wire(other.recv(65535))) \
                    == ["192.0.2.10"]
        finally:
            os.kill(RESOLVER["pid"], signal.SIGCONT)
        assert addrs(dns.message.from_wire(fwd.recv(65535))) \
            == ["198.51.100.7"]
    # a response: dropped, nothing parsed
    assert raw_udp(p, header(flags=0x8100) + QUESTION) is None
    log = lambda: proxy.nginx.access_log("fwd.log")             # noqa: E731
    wait_for(lambda: "UDP fwd.EXAMPLE.test FORWARDED" in log(),
             what="fwd.log line")
    wait_for(lambda: "UDP - DROPPED" in log(), what="fwd.log line")
    for i in range(5):
        assert "UDP n%d.WILD.example.test NOERROR" % i in log()


def test_forwarding_on_a_kept_tcp_connection_closes_it(proxy):
    with socket.create_connection(("127.0.0.1", proxy.dns["fwd"]),
                                  timeout=3) as s:
        s.sendall(framed("exact.example.test", 1))
        assert dns.message.from_wire(_read_framed(s)).id == 1
        s.sendall(framed("fwd.example.test", 2))
        # the client asks again on a new connection, which proxy_pass gets
        assert _read_framed(s) is None
    r = query(proxy.dns["fwd"], "fwd.example.test", tcp=True)
    assert addrs(r) == ["198.51.100.7"]


# ---------------------------------------------------------------------------
# the route table is live for DNS, counters


def test_route_added_and_removed_while_queries_run(proxy):
    p = proxy.dns["main"]
    seen = []
    stop = threading.Event()

    def ask():
        deadline = time.monotonic() + 20
        while not stop.is_set() and time.monotonic() < deadline:
            r = query(p, "live.example.test")
            seen.append((r.rcode(), tuple(addrs(r))))

    t = threading.Thread(target=ask)
    t.start()
    try:
        proxy.set_routes(routes(2, "route live.example.test a"))
        wait_for(lambda: seen and seen[-1][0] == dns.rcode.NOERROR,
                 timeout=5, what="live.example.test answered")
        r = query(p, "live.example.test", "SOA")
        proxy.set_routes(routes(3))
        wait_for(lambda: seen[-1][0] == dns.rcode.NXDOMAIN,
                 timeout=5, what="live.example.test gone")
        n = query(p, "gone.example.test")
        assert n.authority[0][0].serial == 3
        assert proxy.status()["table"]["serial"] == 3
    finally:
        stop.set()
        t.join()
    assert r.authority[0][0].serial == 2
    # every answer was either the route's or NXDOMAIN, never a failure
    assert set(seen) <= {(dns.rcode.NXDOMAIN, ()),
                         (dns.rcode.NOERROR, ("192.0.2.10", "192.0.2.11"))}
    write_routes(proxy.routes, routes(4))
    proxy.wait_serial(4)


def test_dns_answers_exactly_the_names_sni_routes(proxy):
    """For names in the zones: DNS answers a name exactly when the SNI
    router routes it (the same table, the same matcher)."""
    from lib.tlsclient import refused
    names = ["exact.example.test", "EXACT.Example.Test", "a.wild.example.test",
             "x.y.wild.example.test", "wild.example.test", "re-5.example.org",
             "re-x.example.org", "re-5.example.org.x", "nope.example.test"]
    for name in names:
        refused(proxy.kafka_port, name)

    def lines():
        log = proxy.nginx.access_log()
        return {n: l for n in names for l in log.splitlines()
                if " sni=%s " % n in l}

    got = wait_for(lambda: len(lines()) == len(names) and lines(),
                   what="access log lines")
    routed = {n for n in names if "refusal=unknown_sni" not in got[n]}
    assert routed == {"exact.example.test", "EXACT.Example.Test",
                      "a.wild.example.test", "x.y.wild.example.test",
                      "re-5.example.org"}
    for name in names:
        routed_by_sni = name in routed
        r = query(proxy.dns["main"], name)
        if name.endswith(".x"):
            assert r.rcode() == dns.rcode.REFUSED
            continue
        answered = r.rcode() == dns.rcode.NOERROR and bool(r.answer)
        assert answered == routed_by_sni, (name, got[name])


def test_counters_on_the_status_page(proxy):
    before = proxy.status()["dns"]["responses"]
    query(proxy.dns["main"], "exact.example.test")
    query(proxy.dns["main"], "no.example.test")
    query(proxy.dns["main"], "www.google.com")
    raw_udp(proxy.dns["main"], header(qd=0))
    after = proxy.status()["dns"]["responses"]
    for rc in ("NOERROR", "NXDOMAIN", "REFUSED", "FORMERR"):
        assert after[rc] == before[rc] + 1, rc
    prom = proxy.status("prometheus")
    assert 'cclink_dns_queries_total{rcode="NOERROR"} %d' % (
        after["NOERROR"]) in prom
    assert "cclink_dns_forwarded_total " in prom
    assert '<table id="dns">' in proxy.status("html")


# ---------------------------------------------------------------------------
# configuration


def test_dns_without_route_table_or_router(workdir):
    port = free_port()
    ngx = Nginx(os.path.join(workdir, "n"), workers=1, stream="""
    server {
        listen 127.0.0.1:%d udp;
        cclink_dns on;
        cclink_dns_address 192.0.2.1;
    }
""" % port)
    ngx.start()
    try:
        r = wait_for(lambda: _try(port, "a.b.confluent.cloud"),
                     what="an answer")
        # default zone confluent.cloud, no table: nothing routed
        assert r.rcode() == dns.rcode.NXDOMAIN
        assert _try(port, "example.com").rcode() == dns.rcode.REFUSED
    finally:
        ngx.stop()


def _try(port, name):
    try:
        return dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1",
                             port=port, timeout=0.3)
    except dns.exception.Timeout:
        return None


@pytest.mark.parametrize("body,error", [
    ("cclink_dns on;", '"cclink_dns" needs "cclink_dns_address"'),
    ("cclink_dns on; cclink_dns_address 192.0.2.300;",
     'invalid address "192.0.2.300"'),
    ("cclink_dns on; cclink_dns_address 192.0.2.1; "
     "cclink_dns_zones a..b;", 'invalid zone "a..b"'),
    ("cclink_dns on; cclink_dns_address 192.0.2.1; cclink_dns_ttl x;",
     "invalid value"),
])
def test_configuration_errors(workdir, body, error):
    ngx = Nginx(os.path.join(workdir, "n"), workers=1, stream="""
    server { listen 127.0.0.1:%d udp; %s }
""" % (free_port(), body))
    ok, out = ngx.test_config()
    assert not ok and error in out


def _template_with_dns(workdir, resolver):
    """conf-templates/nginx-cclink.conf with its DNS server uncommented
    (and its proxy_pass lines too when resolver), on free loopback
    ports."""
    from test_templates import _prepare
    conf, _ = _prepare(workdir)
    with open(conf) as f:
        lines = f.read().split("\n")
    start = lines.index("    # log_format cclink_dns '$remote_addr "
                        "[$time_local] $protocol '")
    end = lines.index("    # }", start)
    for i in range(start, end + 1):
        if lines[i].startswith("    # "):
            lines[i] = "    " + lines[i][6:]
        if resolver and lines[i].startswith("        # proxy_"):
            lines[i] = "        " + lines[i][10:]
    text = "\n".join(lines).replace("203.0.113.10:53",
                                    "127.0.0.1:%d" % free_port())
    if resolver:
        text = text.replace("169.254.169.253:53", "127.0.0.1:%d" % resolver)
    with open(conf, "w") as f:
        f.write(text)
    return conf


@pytest.mark.parametrize("forward", [False, True])
def test_template_dns_server_passes_nginx_t(workdir, forward):
    from test_templates import _nginx_t
    conf = _template_with_dns(workdir, free_port() if forward else None)
    with open(conf) as f:
        text = f.read()
    assert "\n        cclink_dns on;" in text
    assert ("\n        proxy_pass 127.0.0.1:" in text) == forward
    rc, out = _nginx_t(workdir, conf)
    assert rc == 0, out
