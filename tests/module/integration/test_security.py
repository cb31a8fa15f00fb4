"""Security properties of the proxy and the sidecar: no open relay, slow
and oversized ClientHellos cut off (and a slow client does not block the
worker), admin surfaces on loopback only, a per-client connection limit
with nginx's limit_conn, and secrets that appear nowhere."""

import glob
import os
import re
import select
import socket
import sys
import threading
import time

import pytest

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, TESTS)
from lib.nginx import wait_for  # noqa: E402
from lib.hello import client_hello, handshake, records  # noqa: E402
from lib.tlsclient import ping, refused, tls_connect  # noqa: E402
from sim.fixtures import *  # noqa: E402,F401,F403
from lib.sidecar import (REPO, Sidecar,  # noqa: E402
                             have_binary)

ROUTES = """# security test table
cclink-routes 1
serial 7
generated 2026-11-20T00:00:00Z
group a 127.0.0.1:{a}
route exact.example.test a
route *.zone.example.test a
end
"""


@pytest.fixture
def relay(make_proxy, backends):
    a = backends("a")
    # a running backend that is not in the table, on its own address
    stray = backends("stray", host="127.0.0.3")
    proxy = make_proxy(ROUTES.format(a=a.port)).start()
    return proxy, a, stray


# -- no open relay ---------------------------------------------------------

OUTSIDE = [
    "localhost",
    "127.0.0.1",
    "127.0.0.3",                    # the stray backend's address
    "metadata.google.internal",
    "169.254.169.254",
    "x.exact.example.test",     # one label more than a route
    "example.test",                 # one label less than a route
    "zone.example.test",            # the wildcard's own parent
    "exact.example.test.evil.test",
]


def test_names_outside_the_table_reach_no_upstream(relay, ca):
    proxy, a, stray = relay
    before = proxy.status()["refused"]["unknown_sni"]
    for name in OUTSIDE:
        assert refused(proxy.kafka_port, name), name
    # every one of them on the second listener too
    for name in OUTSIDE:
        assert refused(proxy.rest_port, name), name
    assert a.accepted == 0 and stray.accepted == 0
    wait_for(lambda: proxy.status()["refused"]["unknown_sni"]
             >= before + 2 * len(OUTSIDE), timeout=5, what="refusals")
    assert proxy.status()["refused"]["unknown_sni"] == \
        before + 2 * len(OUTSIDE)
    # while a routed name goes through
    with tls_connect(proxy.kafka_port, "exact.example.test",
                     ca.cert) as t:
        assert ping(t) == "a:ping"
    assert a.accepted == 1 and stray.accepted == 0


# -- slow and oversized ClientHellos ----------------------------------------

def _slow_hello(port, result):
    """One byte of a ClientHello per second until the proxy closes."""
    data = client_hello("exact.example.test")
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    t0 = time.monotonic()
    try:
        for i in range(12):                     # bounded: 12 s at most
            try:
                s.sendall(data[i:i + 1])
            except OSError:
                break
            r, _, _ = select.select([s], [], [], 1.0)
            if r:
                try:
                    got = s.recv(100)
                except OSError:
                    got = b""
                if got == b"":
                    break
        result["closed_at"] = time.monotonic()
        result["elapsed"] = result["closed_at"] - t0
    finally:
        s.close()


def test_slow_hello_is_cut_off_and_does_not_block_the_worker(
        make_proxy, backends, ca):
    a = backends("a")
    proxy = make_proxy(ROUTES.format(a=a.port), workers=1,
                       srv_extra="preread_timeout 3s;").start()
    result = {}
    th = threading.Thread(target=_slow_hello, args=(proxy.kafka_port,
                                                    result))
    th.start()
    try:
        time.sleep(0.5)
        # the only worker serves a normal connection meanwhile
        with tls_connect(proxy.kafka_port, "exact.example.test",
                         ca.cert) as t:
            assert ping(t) == "a:ping"
        done_at = time.monotonic()
    finally:
        th.join(20)
    assert done_at < result["closed_at"], "the slow client went first"
    assert 2.5 <= result["elapsed"] <= 6.0, result
    wait_for(lambda: proxy.status()["refused"]["preread_timeout"] == 1,
             timeout=5, what="preread_timeout counted")
    assert a.accepted == 1


@pytest.mark.parametrize("frag,reason", [
    # a 20 KB ClientHello in records of legal size: too large as soon as
    # the handshake header is in
    (16384, "client_hello_too_large"),
    # one 20 KB record: no TLS record may be longer than 16 KB, so the
    # record header alone makes it a bad ClientHello
    (20480, "bad_client_hello"),
])
def test_20k_hello_is_cut_off_at_once(make_proxy, backends, frag, reason):
    a = backends("a")
    proxy = make_proxy(ROUTES.format(a=a.port)).start()
    hello = records(handshake("exact.example.test", key_share=20000),
                    frag=frag)
    assert len(hello) > 20000
    s = socket.create_connection(("127.0.0.1", proxy.kafka_port),
                                 timeout=5)
    try:
        t0 = time.monotonic()
        s.sendall(hello[:1024])                 # the headers say 20 KB
        try:
            got = s.recv(100)
        except ConnectionResetError:
            got = b""
        elapsed = time.monotonic() - t0
    finally:
        s.close()
    assert got == b""
    assert elapsed < 1.0
    wait_for(lambda: proxy.status()["refused"][reason] == 1,
             timeout=5, what=reason + " counted")
    st = proxy.status()["refused"]
    # (the start-up port probe counts as client_closed)
    assert st["bad_client_hello"] + st["client_hello_too_large"] == 1, st
    assert a.accepted == 0


# -- admin surfaces ---------------------------------------------------------

def test_status_server_of_the_template_listens_on_loopback():
    with open(os.path.join(REPO, "conf-templates", "nginx-cclink.conf")) as f:
        text = re.sub(r"#[^\n]*", "", f.read())
    http = text[text.index("http {"):]
    listens = re.findall(r"^\s*listen\s+([^;\s]+)[^;]*;", http, re.M)
    assert listens, "no listen in the http block"
    for addr in listens:
        assert addr.startswith(("127.0.0.1:", "[::1]:", "unix:")), addr
    assert "127.0.0.1:" in listens[0]
    # the status location is inside that server
    assert "cclink_status" in http


def _listening_inodes():
    inodes = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(name) as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if cols[3] == "0A":             # TCP_LISTEN
                    inodes.add(cols[9])
    return inodes


@pytest.mark.skipif(not have_binary(), reason="cclink-sidecar not built")
def test_sidecar_has_no_listening_socket(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config()
    sc.start()
    try:
        sc.wait_log("event=cycle_done")
        listening = _listening_inodes()
        mine = set()
        for fd in glob.glob("/proc/%d/fd/*" % sc.proc.pid):
            try:
                link = os.readlink(fd)
            except OSError:
                continue
            m = re.match(r"socket:\[(\d+)\]", link)
            if m:
                mine.add(m.group(1))
        assert not (mine & listening)
        assert sc.proc.poll() is None
    finally:
        assert sc.stop() == 0


# -- connections per client -------------------------------------------------

def test_limit_conn_per_client_address(make_proxy, backends, ca):
    n = 3
    a = backends("a")
    proxy = make_proxy(
        ROUTES.format(a=a.port),
        stream_extra="limit_conn_zone $binary_remote_addr "
                     "zone=perclient:1m;",
        srv_extra="limit_conn perclient %d;" % n).start()
    held = []
    try:
        for _ in range(n):
            t = tls_connect(proxy.kafka_port, "exact.example.test",
                            ca.cert)
            held.append(t)
            assert ping(t) == "a:ping"
        # the (N+1)th from the same address is closed, before any upstream
        accepted = a.accepted
        counted = proxy.status()["refused"]
        assert refused(proxy.kafka_port, "exact.example.test")
        assert a.accepted == accepted == n
        # not a refusal of the module; logged with status 503
        assert proxy.status()["refused"] == counted
        log = os.path.join(proxy.prefix, "logs", "access.log")
        wait_for(lambda: os.path.exists(log) and " status=503 " in
                 open(log).read(), timeout=5, what="status 503 logged")
        # the first N still work
        for t in held:
            assert ping(t, "again") == "a:again"
        # another client address is not limited by this one's count
        s = socket.create_connection(("127.0.0.1", proxy.kafka_port),
                                     source_address=("127.0.0.5", 0),
                                     timeout=5)
        import ssl
        ctx = ssl.create_default_context(cafile=ca.cert)
        with ctx.wrap_socket(s, server_hostname="exact.example.test") \
                as t:
            assert ping(t) == "a:ping"
        # one closed: room for one more
        held.pop().close()

        def one_more():
            try:
                with tls_connect(proxy.kafka_port, "exact.example.test",
                                 ca.cert) as t:
                    return ping(t) == "a:ping"
            except (OSError, ConnectionError):
                return False
        wait_for(one_more, timeout=5, what="a slot after a close")
    finally:
        for t in held:
            t.close()
    with open(os.path.join(proxy.prefix, "logs", "error.log")) as f:
        assert 'limiting connections by zone "perclient"' in f.read()


# -- secrets ----------------------------------------------------------------

CLOUD_KEY = "SECTESTKEY0001"
CLOUD_SECRET = "cclink-SEC-cloud-9f3a6b1e77"
KAFKA_SECRET = "cclink-SEC-kafka-4d82c0aa51"


def _all_cmdlines():
    out = []
    for p in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(p, "rb") as f:
                out.append(f.read())
        except OSError:
            pass
    return out


@pytest.mark.skipif(not have_binary(), reason="cclink-sidecar not built")
@pytest.mark.parametrize("way", ["env", "credentials_file"])
def test_secret_appears_nowhere(way, workdir, sim_api_factory, make_proxy,
                                backends):
    api = sim_api_factory(api_key=CLOUD_KEY, api_secret=CLOUD_SECRET)
    sc = Sidecar(os.path.join(workdir, "sc"), api)
    kafka = os.path.join(workdir, "kafka.credentials")
    with open(kafka, "w") as f:
        f.write("lkc-7xq2jv KAFKAKEY %s\n" % KAFKA_SECRET)
    os.chmod(kafka, 0o600)
    extra = ("kafka_credentials_file %s\nkafka_security_protocol PLAINTEXT\n"
             "kafka_deadline 2s\nkafka_bootstrap_address * 127.0.0.1:9\n"
             "log_level debug\n" % kafka)
    env = sc.env()
    creds = os.path.join(workdir, "cloud.credentials")
    if way == "credentials_file":
        with open(creds, "w") as f:
            f.write("api_key    %s\napi_secret %s\n" % (CLOUD_KEY,
                                                       CLOUD_SECRET))
        os.chmod(creds, 0o600)
        extra += "credentials_file %s\n" % creds
        env = {k: v for k, v in env.items()
               if not k.startswith("CONFLUENT_CLOUD_")}
    sc.write_config(extra=extra)
    os.chmod(sc.dir, 0o755)
    texts = []
    r = sc.run("once", env=env)
    texts += [r.stdout, r.stderr]
    assert r.returncode in (0, 2), r.stderr
    assert "complete=" in r.stderr
    r = sc.run("check", env=env)
    texts += [r.stdout, r.stderr]

    # the status page, reading the sidecar's status file
    a = backends("a")
    proxy = make_proxy(ROUTES.format(a=a.port))
    with open(proxy.nginx.conf) as f:
        conf = f.read()
    conf = conf.replace("location /status { cclink_status; }",
                        "location /status { cclink_status; "
                        "cclink_status_sidecar_status %s; }"
                        % sc.path("status"))
    with open(proxy.nginx.conf, "w") as f:
        f.write(conf)
    proxy.start()
    page = proxy.status()
    assert page["sidecar"]["ok"] is True, page["sidecar"]
    texts += [str(page), proxy.status("prometheus"), proxy.status("html")]

    sc.start(env=env)
    try:
        sc.wait_log("event=cycle_done")
        cmdlines = _all_cmdlines()
        mine = open("/proc/%d/cmdline" % sc.proc.pid, "rb").read()
        assert b"cclink-sidecar" in mine
    finally:
        assert sc.stop() == 0
    texts.append(sc.log())
    for c in cmdlines:
        # the simulator takes its own copy of the secret on its command line
        if b"ccloud_api.py" in c:
            continue
        assert CLOUD_SECRET.encode() not in c, c
        assert KAFKA_SECRET.encode() not in c, c
    for t in texts:
        assert CLOUD_SECRET not in t
        assert KAFKA_SECRET not in t
    files = [p for p in glob.glob(os.path.join(workdir, "**"), recursive=True)
             if os.path.isfile(p) and p not in (kafka, creds)
             and "/sim" not in p[len(workdir):]]
    assert any(p.endswith("state.json") for p in files)
    assert any(p.endswith("routes.conf") for p in files)
    for p in files:
        with open(p, "rb") as f:
            data = f.read()
        assert CLOUD_SECRET.encode() not in data, p
        assert KAFKA_SECRET.encode() not in data, p


@pytest.mark.skipif(not have_binary(), reason="cclink-sidecar not built")
@pytest.mark.parametrize("which", ["credentials_file",
                                   "kafka_credentials_file"])
@pytest.mark.parametrize("mode", [0o640, 0o604])
def test_credential_files_open_to_others_are_refused(tmp_path, sim_api,
                                                     which, mode):
    sc = Sidecar(tmp_path / "sc", sim_api)
    path = tmp_path / "creds"
    if which == "credentials_file":
        path.write_text("api_key    %s\napi_secret %s\n" % (
            sim_api.api_key, sim_api.api_secret))
        env = {k: v for k, v in sc.env().items()
               if not k.startswith("CONFLUENT_CLOUD_")}
    else:
        path.write_text("lkc-7xq2jv KAFKAKEY %s\n" % KAFKA_SECRET)
        env = sc.env()
    os.chmod(path, mode)
    sc.write_config(extra="%s %s\n" % (which, path))
    for cmd in ("check", "once"):
        r = sc.run(cmd, env=env)
        assert r.returncode != 0, cmd
        out = r.stdout + r.stderr
        assert str(path) in out, out
        assert "%04o" % mode in out or oct(mode)[2:] in out, out
        assert KAFKA_SECRET not in out and sim_api.api_secret not in out
    # nothing was rendered with a refused credential
    assert not os.path.exists(sc.path("routes.conf"))
