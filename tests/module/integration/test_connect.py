"""The CONNECT entrance (cclink_connect): real clients (curl, openssl
s_client, Python) tunnel to routed names through it; everything else gets
the right status line and ZERO connections reach any backend."""

import base64
import os
import re
import shutil
import socket
import ssl
import subprocess
import time

import pytest

from conftest import relay_directives
from lib.nginx import free_port, wait_for
from lib.hello import client_hello
from lib.tlsclient import ctx_for, ping

ROUTES = """# CONNECT test table
cclink-routes 1
serial {serial}
generated 2026-11-20T00:00:00Z
group g 127.0.0.2
route exact.example.test g
{extra}route *.zone.example.test g
route ~^re-[0-9]+\\.example\\.org$ g
end
"""

CONNECT_LOG = ("log_format connect '$remote_addr host=$cclink_connect_host "
               "outcome=$cclink_connect_outcome sni=$cclink_sni "
               "route=$cclink_route status=$status "
               "upstream=$upstream_addr';")


def routes(serial=1, with_wild=True):
    return ROUTES.format(serial=serial,
                         extra="route *.example.test g\n" if with_wild
                         else "")


class Entrance:
    """A proxy with a CONNECT listener (and one with proxy auth) in front
    of the router, and TLS backends on 127.0.0.2 on two allowed ports."""

    def __init__(self, make_proxy, backends, workdir, auth_lines=None):
        self.p1 = free_port("127.0.0.2")
        self.p2 = free_port("127.0.0.2")
        self.b1 = backends("p1", host="127.0.0.2", port=self.p1)
        self.b2 = backends("p2", host="127.0.0.2", port=self.p2)
        self.port = free_port()
        self.auth_port = free_port()
        self.htpasswd = os.path.join(workdir, "htpasswd")
        with open(self.htpasswd, "w") as f:
            f.write("".join(auth_lines or ["nobody:*\n"]))
        os.chmod(self.htpasswd, 0o644)
        # proxy_pass, or cclink_pass under make integration-pass
        relay = relay_directives("proxy_pass cclink_endpoints;\n"
                                 "        proxy_connect_timeout 2s;")
        extra = """
    %s
    server {
        listen 127.0.0.1:%d;
        cclink_connect on;
        cclink_connect_ports %d %d;
        cclink_route on;
        preread_timeout 2s;
        access_log {prefix}/logs/connect.log connect;
        %s
    }
    server {
        listen 127.0.0.1:%d;
        cclink_connect on;
        cclink_connect_ports %d;
        cclink_connect_auth_file %s;
        cclink_route on;
        access_log {prefix}/logs/connect.log connect;
        %s
    }
""" % (CONNECT_LOG, self.port, self.p1, self.p2, relay, self.auth_port,
            self.p1, self.htpasswd, relay)
        self.proxy = make_proxy(routes(), stream_extra=extra)
        self.proxy.start()
        wait_for(lambda: _open(self.port), what="connect listener")

    def accepted(self):
        return self.b1.accepted + self.b2.accepted


def _open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture
def entrance(make_proxy, backends, workdir):
    return Entrance(make_proxy, backends, workdir)


def connect(port, head, timeout=5):
    """Sends head (bytes), returns (status code, the reply head, socket)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(head)
    return (*read_reply(s), s)


def read_reply(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        try:
            d = s.recv(4096)
        except ConnectionResetError:
            d = b""
        if not d:
            break
        buf += d
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", buf)
    return (int(m.group(1)) if m else None), buf


def closed(s, timeout=5):
    """True when the peer closes without sending anything (more)."""
    s.settimeout(timeout)
    try:
        return s.recv(4096) == b""
    except ConnectionResetError:
        return True


def curl(args, env=None):
    e = dict(os.environ)
    for k in list(e):
        if k.lower() in ("http_proxy", "https_proxy", "all_proxy",
                         "no_proxy"):
            del e[k]
    e.update(env or {})
    p = subprocess.run(["curl", "-sS", "--max-time", "10"] + args,
                       capture_output=True, text=True, env=e)
    return p.returncode, p.stdout + p.stderr


# --- what works --------------------------------------------------------------

def test_curl_tunnels_to_the_connect_port(entrance, ca):
    e = entrance
    proxy = "http://127.0.0.1:%d" % e.port
    for port, name in ((e.p1, "p1"), (e.p2, "p2")):
        rc, out = curl(["--cacert", ca.cert, "-x", proxy,
                        "https://exact.example.test:%d/" % port])
        assert rc == 0, out
        assert out.strip() == "backend=%s" % name
    # wildcard and regular expression routes are names CONNECT allows too
    rc, out = curl(["--cacert", ca.cert, "-x", proxy,
                    "https://a.zone.example.test:%d/" % e.p1])
    assert (rc, out.strip()) == (0, "backend=p1")
    rc, out = curl(["--cacert", ca.cert, "-x", proxy,
                    "https://re-12.example.org:%d/" % e.p2])
    assert (rc, out.strip()) == (0, "backend=p2")
    st = e.proxy.status()
    assert st["connect"]["accepted"] == 4
    prom = e.proxy.status("prometheus")
    assert "\ncclink_connect_accepted_total 4\n" in prom
    assert '\ncclink_connect_refused_total{reason="sni_mismatch"} 0\n' in prom
    page = e.proxy.status("html")
    assert re.search(r'<table id="connect">.*<td>accepted</td>'
                     r'<td class="n">4</td>', page)
    # per-route counters, as for SNI connections
    routes = {r["route"]: r for r in st["routes"]}
    assert routes["exact.example.test"]["connections"] == 2
    log = e.proxy.nginx.access_log("connect.log")
    assert ("host=exact.example.test outcome=accepted "
            "sni=exact.example.test route=exact.example.test "
            "status=200 upstream=127.0.0.2:%d" % e.p1) in log


def test_https_proxy_environment(entrance, ca):
    e = entrance
    rc, out = curl(["--cacert", ca.cert,
                    "https://exact.example.test:%d/" % e.p2],
                   env={"HTTPS_PROXY": "http://127.0.0.1:%d" % e.port})
    assert (rc, out.strip()) == (0, "backend=p2")


def test_openssl_s_client_proxy(entrance, ca):
    e = entrance
    p = subprocess.run(["openssl", "s_client", "-quiet",
                        "-connect", "exact.example.test:%d" % e.p1,
                        "-proxy", "127.0.0.1:%d" % e.port,
                        "-servername", "exact.example.test",
                        "-CAfile", ca.cert, "-verify_return_error"],
                       input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True,
                       timeout=20)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    assert b"backend=p1" in p.stdout


def test_bytes_after_the_head_are_kept(entrance, ca):
    """A client that sends its ClientHello in the same segment as the
    CONNECT head completes a verified TLS handshake and a ping: nothing
    after the head was lost or taken for part of it."""
    e = entrance
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx_for(ca.cert).wrap_bio(inc, out,
                                    server_hostname="exact.example.test")
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    head = (b"CONNECT exact.example.test:%d HTTP/1.1\r\n"
            b"Host: exact.example.test:%d\r\n\r\n" % (e.p1, e.p1))
    code, reply, s = connect(e.port, head + out.read())
    with s:
        assert code == 200
        inc.write(reply.split(b"\r\n\r\n", 1)[1])
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                s.sendall(out.read())
                inc.write(s.recv(65536))
        tls.write(b"hello\n")
        s.sendall(out.read())
        got = b""
        while not got.endswith(b"\n"):
            try:
                got += tls.read(4096)
            except ssl.SSLWantReadError:
                inc.write(s.recv(65536))
        assert got == b"p1:hello\n"
    assert e.b1.accepted == 1


def test_python_tunnel_and_route_removed_while_open(entrance, ca):
    """A tunnel open when its route goes away stays open; new CONNECTs to
    the name are refused."""
    e = entrance
    head = b"CONNECT b.example.test:%d HTTP/1.1\r\n\r\n" % e.p1
    code, _, s = connect(e.port, head)
    assert code == 200
    t = ctx_for(ca.cert).wrap_socket(s, server_hostname="b.example.test")
    with t:
        assert ping(t, "one") == "p1:one"
        e.proxy.set_routes(routes(serial=2, with_wild=False))
        e.proxy.wait_serial(2)
        before = e.accepted()
        code, _, s2 = connect(e.port, head)
        s2.close()
        assert code == 403
        assert e.accepted() == before
        assert ping(t, "two") == "p1:two"


# --- refusals: status, and nothing reaches a backend ------------------------

REFUSALS = [
    ("unrouted", b"CONNECT other.example.net:{p1} HTTP/1.1\r\n\r\n", 403,
     "name_not_allowed"),
    ("loopback", b"CONNECT 127.0.0.1:{p1} HTTP/1.1\r\n\r\n", 403,
     "name_not_allowed"),
    ("metadata", b"CONNECT 169.254.169.254:80 HTTP/1.1\r\n\r\n", 403,
     "name_not_allowed"),
    ("v6", b"CONNECT [::1]:{p1} HTTP/1.1\r\n\r\n", 403, "name_not_allowed"),
    ("other port", b"CONNECT exact.example.test:22 HTTP/1.1\r\n\r\n", 403,
     "port_not_allowed"),
    ("get", b"GET http://exact.example.test/ HTTP/1.1\r\n"
            b"Host: exact.example.test\r\n\r\n", 405, "method_not_allowed"),
    ("no port", b"CONNECT exact.example.test HTTP/1.1\r\n\r\n", 400,
     "bad_request"),
    ("bad port", b"CONNECT exact.example.test:99999 HTTP/1.1\r\n\r\n", 400,
     "bad_request"),
    ("body", b"CONNECT exact.example.test:{p1} HTTP/1.1\r\n"
             b"Content-Length: 5\r\n\r\nhello", 400, "bad_request"),
    ("tls first", None, 400, "bad_request"),
    ("huge head", b"CONNECT exact.example.test:{p1} HTTP/1.1\r\n"
                  + b"X-Pad: " + b"a" * 65536 + b"\r\n\r\n", 431,
     "head_too_large"),
]


def test_refused_with_status_and_no_backend(entrance):
    """Each case in turn on one entrance: its status line, then the
    close; its refusal counted once; its outcome logged; and no
    connection at all reaching a backend."""
    e = entrance
    for case, head, status, reason in REFUSALS:
        if head is None:
            head = client_hello("exact.example.test")
        head = head.replace(b"{p1}", str(e.p1).encode())
        before = e.proxy.status()["connect"]["refused"][reason]
        s = socket.create_connection(("127.0.0.1", e.port), timeout=5)
        with s:
            try:
                s.sendall(head)
            except (BrokenPipeError, ConnectionResetError):
                pass
            code, reply = read_reply(s)
            assert code == status, (case, reply)
            if status == 405:
                assert b"\r\nAllow: CONNECT\r\n" in reply
            assert closed(s), case
        st = wait_for(lambda: (e.proxy.status()["connect"]["refused"]
                               [reason] == before + 1), what=case)
        assert st, case
        wait_for(lambda: "outcome=%s" % reason in
                 e.proxy.nginx.access_log("connect.log"),
                 what="access log line of " + case)
    st = e.proxy.status()["connect"]
    assert st["accepted"] == 0
    assert sum(st["refused"].values()) == len(REFUSALS)
    assert e.accepted() == 0


def test_slow_head_times_out_with_408(entrance):
    """One byte a second: the head must be complete within
    preread_timeout (2s here), however steadily bytes arrive."""
    e = entrance
    head = b"CONNECT exact.example.test:%d HTTP/1.1\r\n\r\n" % e.p1
    s = socket.create_connection(("127.0.0.1", e.port), timeout=10)
    with s:
        start = time.monotonic()
        got = b""
        for b in head:
            try:
                s.sendall(bytes([b]))
            except (BrokenPipeError, ConnectionResetError):
                break
            s.settimeout(1.0)
            try:
                got = s.recv(4096)
            except socket.timeout:
                continue
            break
        assert got.startswith(b"HTTP/1.1 408 "), got
        assert time.monotonic() - start < 6
    assert e.proxy.status()["connect"]["refused"]["timeout"] == 1
    assert e.accepted() == 0


def test_mismatched_sni_after_200_is_closed(entrance, ca):
    e = entrance
    head = b"CONNECT exact.example.test:%d HTTP/1.1\r\n\r\n" % e.p1
    code, _, s = connect(e.port, head)
    with s:
        assert code == 200
        # a routed name, but not the one the tunnel was opened for
        s.sendall(client_hello("other.example.test"))
        assert closed(s)
    time.sleep(0.2)
    assert e.accepted() == 0
    st = e.proxy.status()["connect"]
    assert st["refused"]["sni_mismatch"] == 1
    log = wait_for(lambda: "sni_mismatch" in
                   e.proxy.nginx.access_log("connect.log")
                   and e.proxy.nginx.access_log("connect.log"),
                   what="access log line")
    assert "host=exact.example.test outcome=sni_mismatch" in log


# --- proxy authentication ----------------------------------------------------

def htpasswd_lines(workdir):
    """user "alice" with an Apache MD5 hash and "bob" with bcrypt, as the
    htpasswd tool of apache2-utils writes them."""
    out = []
    for user, pw, flag in (("alice", "s3cret", "-m"), ("bob", "hunter2",
                                                         "-B")):
        p = subprocess.run(["htpasswd", "-nb", flag, user, pw],
                           capture_output=True, text=True, check=True)
        out.append(p.stdout.strip() + "\n")
    return out


@pytest.fixture
def auth_entrance(make_proxy, backends, workdir):
    if shutil.which("htpasswd") is None:
        pytest.skip("htpasswd is not installed (apache2-utils, "
                    "tools/deps.d/connect.txt)")
    return Entrance(make_proxy, backends, workdir,
                    auth_lines=htpasswd_lines(workdir))


def basic(user, pw):
    return base64.b64encode(("%s:%s" % (user, pw)).encode())


def test_auth_required_wrong_and_right(auth_entrance, ca):
    e = auth_entrance
    target = b"CONNECT exact.example.test:%d HTTP/1.1\r\n" % e.p1
    code, reply, s = connect(e.auth_port, target + b"\r\n")
    s.close()
    assert code == 407
    assert (b'\r\nProxy-Authenticate: Basic realm="cclink", '
            b'charset="UTF-8"\r\n') in reply
    for user, pw in (("alice", "wrong"), ("mallory", "s3cret"),
                     ("bob", "s3cret")):
        code, _, s = connect(e.auth_port, target +
                             b"Proxy-Authorization: Basic " +
                             basic(user, pw) + b"\r\n\r\n")
        s.close()
        assert code == 407, user
    # an unrouted name is not revealed before authentication
    code, _, s = connect(e.auth_port,
                         b"CONNECT nope.example.net:%d HTTP/1.1\r\n\r\n"
                         % e.p1)
    s.close()
    assert code == 407
    assert e.accepted() == 0
    assert e.proxy.status()["connect"]["refused"]["auth_required"] == 5
    proxy = "http://127.0.0.1:%d" % e.auth_port
    for user, pw in (("alice", "s3cret"), ("bob", "hunter2")):
        rc, out = curl(["--cacert", ca.cert, "-x", proxy,
                        "-U", "%s:%s" % (user, pw),
                        "https://exact.example.test:%d/" % e.p1])
        assert (rc, out.strip()) == (0, "backend=p1"), user
    # openssl s_client with proxy credentials
    p = subprocess.run(["openssl", "s_client", "-quiet",
                        "-connect", "exact.example.test:%d" % e.p1,
                        "-proxy", "127.0.0.1:%d" % e.auth_port,
                        "-proxy_user", "alice", "-proxy_pass", "pass:s3cret",
                        "-servername", "exact.example.test",
                        "-CAfile", ca.cert, "-verify_return_error"],
                       input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True,
                       timeout=20)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    assert b"backend=p1" in p.stdout


def test_auth_file_change_applies_without_reload(auth_entrance, ca):
    e = auth_entrance
    proxy = "http://127.0.0.1:%d" % e.auth_port
    url = "https://exact.example.test:%d/" % e.p1
    p = subprocess.run(["htpasswd", "-nbB", "carol", "pw1"],
                       capture_output=True, text=True, check=True)
    tmp = e.htpasswd + ".tmp"
    with open(tmp, "w") as f:
        f.write(p.stdout.strip() + "\n")
    os.chmod(tmp, 0o644)
    os.rename(tmp, e.htpasswd)

    def carol_in():
        rc, out = curl(["--cacert", ca.cert, "-x", proxy, "-U", "carol:pw1",
                        url])
        return rc == 0 and out.strip() == "backend=p1"

    wait_for(carol_in, timeout=5, step=0.3, what="the new auth file")
    rc, out = curl(["--cacert", ca.cert, "-x", proxy, "-U", "alice:s3cret",
                    url])
    assert rc != 0 and "407" in out


def test_config_errors(workdir):
    from lib.nginx import Nginx
    for bad, msg in (("cclink_route on; cclink_connect_ports 0;",
                      'invalid port "0"'),
                     ("cclink_route on; cclink_connect_ports 443 x;",
                      'invalid port "x"'),
                     ("cclink_route on; cclink_connect_auth_file "
                      "/nonexistent/htpasswd;", "cannot read the auth file"),
                     ("", '"cclink_connect on" needs "cclink_route on" in '
                      "the same server")):
        n = Nginx(os.path.join(workdir, "bad%d" % len(msg)),
                  stream="server { listen 127.0.0.1:%d; cclink_connect on;"
                         " %s return x; }" % (free_port(), bad))
        ok, out = n.test_config()
        assert not ok
        assert msg in out, out
