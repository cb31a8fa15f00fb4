"""cclink_health: the load balancers' health endpoint. One test per answer
it can give (200, and each reason for 503), that it sees a replaced status
file at once, and that the status file cclink-sidecar really writes makes
it answer 200."""

import http.client
import os
import sys
import time

import pytest

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, TESTS)

from lib.nginx import Nginx, free_port, wait_for  # noqa: E402

ROUTES = """cclink-routes 1
serial 7
group g 127.0.0.1:9
route a.example.test g
end
"""

SEED = """cclink-routes 1
serial 0
end
"""


def write_routes(path, text):
    """Replaces a file atomically, as the sidecar does."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def status_text(last_complete, serial=7, complete="yes", extra=""):
    return ("cclink-status 1\nserial %d\nlast_discovery %d\n"
            "last_complete %d\ncomplete %s\nerrors 0\nresult unchanged\n%s"
            % (serial, int(time.time()), last_complete, complete, extra))


class Health:
    """nginx with a route table and /cclink/health (and /status)."""

    def __init__(self, workdir, routes=ROUTES, status=None, max_age=None,
                 zone="cclink"):
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.routes = os.path.join(workdir, "routes.conf")
        self.status = os.path.join(workdir, "status")
        write_routes(self.routes, routes)
        self.port = free_port()
        stream_port = free_port()
        loc = "cclink_health %s;" % zone
        if status:
            loc += " cclink_health_sidecar_status %s;" % self.status
        if max_age:
            loc += " cclink_health_max_age %s;" % max_age
        stream = """
    cclink_routes %s zone=%s:4m interval=100ms;
    server { listen 127.0.0.1:%d; cclink_route on; proxy_pass 127.0.0.1:9; }
""" % (self.routes, zone, stream_port)
        http = """
    server {
        listen 127.0.0.1:%d;
        location = /cclink/health { %s }
        location /status { cclink_status %s; }
    }
""" % (self.port, loc, zone)
        self.nginx = Nginx(os.path.join(workdir, "ngx"), stream=stream,
                           http=http, workers=1)

    def start(self):
        self.nginx.start(wait_ports=[("127.0.0.1", self.port)])
        return self

    def get(self, method="GET"):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        c.request(method, "/cclink/health")
        r = c.getresponse()
        body = r.read().decode()
        c.close()
        return r.status, body, dict(r.getheaders())

    def write_status(self, text):
        write_routes(self.status, text)

    def stop(self):
        self.nginx.stop()


@pytest.fixture
def health(workdir):
    made = []

    def make(**kw):
        h = Health(os.path.join(workdir, "h%d" % len(made)), **kw)
        made.append(h)
        return h

    yield make
    for h in made:
        h.stop()


def test_table_in_force_is_200(health):
    h = health().start()
    code, body, headers = h.get()
    assert code == 200
    assert body == "ok: route table serial 7\n"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Type"].startswith("text/plain")

    # HEAD: the same status, no body; other methods are refused
    code, body, _ = h.get("HEAD")
    assert (code, body) == (200, "")
    assert h.get("POST")[0] == 405


def test_seed_table_without_routes_is_503(health):
    h = health(routes=SEED).start()
    code, body, _ = h.get()
    assert code == 503
    assert body == "no route table loaded: serial 0 has no routes\n"

    # a file nginx refuses while the seed table is in force: said too
    write_routes(h.routes, "cclink-routes 1\nserial 8\nroute x y\n")
    wait_for(lambda: "; last load error: " in h.get()[1], timeout=5,
             what="the load error in the answer")
    code, body, _ = h.get()
    assert code == 503
    assert body.startswith("no route table loaded: serial 0 has no routes; "
                           "last load error: ")

    # the sidecar's first table arrives: healthy without a reload
    write_routes(h.routes, ROUTES)
    wait_for(lambda: h.get()[0] == 200, timeout=5, what="table loaded")

    # a broken file afterwards keeps the table in force, and 200
    write_routes(h.routes, "cclink-routes 1\nbroken\n")
    wait_for(lambda: h.nginx.error_log().count("not reloaded") >= 2,
             what="load error")
    assert h.get()[0] == 200


def test_status_file_missing_is_503(health):
    h = health(status=True).start()
    code, body, _ = h.get()
    assert code == 503
    assert body.startswith("sidecar status unreadable: stat() ")
    assert "No such file or directory" in body


def test_status_file_malformed_is_503(health):
    h = health(status=True)
    h.write_status('{"json": "is not this format"}\n')
    h.start()
    code, body, _ = h.get()
    assert (code, body) == (503, "sidecar status unreadable: not a "
                            "cclink-status 1 file\n")

    h.write_status("cclink-status 1\nserial 7\n")
    wait_for(lambda: h.get()[1] == "sidecar status unreadable: no "
             "last_complete line\n", what="second malformed file")

    h.write_status("cclink-status 1\nlast_complete soon\n")
    wait_for(lambda: h.get()[1] == "sidecar status unreadable: bad "
             "last_complete\n", what="third malformed file")

    h.write_status("cclink-status 1\nlast_complete %d" % int(time.time()))
    wait_for(lambda: h.get()[1] == "sidecar status unreadable: last line "
             "not complete\n", what="fourth malformed file")

    h.write_status("x" * 2000 + "\n")
    wait_for(lambda: h.get()[1] == "sidecar status unreadable: file too "
             "large\n", what="too large")


def test_never_complete_is_503(health):
    h = health(status=True)
    h.write_status(status_text(0, complete="no"))
    h.start()
    assert h.get()[:2] == (503, "no complete discovery yet\n")


def test_stale_discovery_is_503_and_fresh_is_200(health):
    h = health(status=True, max_age="5m")
    h.write_status(status_text(int(time.time()) - 900))
    h.start()
    code, body, _ = h.get()
    assert code == 503
    # 900 s, or a second more if the clock ticked since
    assert body in ("discovery stale: last complete %ds ago (max 300s)\n" % a
                    for a in (900, 901, 902))

    # a fresh discovery: the replaced file is read at the next request
    h.write_status(status_text(int(time.time()) - 10, extra="future 1\n"))
    code, body = h.get()[:2]
    assert code == 200
    assert body.startswith("ok: route table serial 7, last complete "
                           "discovery 1")

    # an incomplete cycle since does not matter while the last complete
    # one is young enough
    h.write_status(status_text(int(time.time()) - 10, complete="no"))
    assert h.get()[0] == 200

    # and the file going away is noticed
    os.unlink(h.status)
    assert h.get()[0] == 503

    h.stop()
    assert "cclink health: discovery stale" in h.nginx.error_log()


def test_default_max_age_is_ten_minutes(health):
    h = health(status=True)
    h.write_status(status_text(int(time.time()) - 590))
    h.start()
    assert h.get()[0] == 200
    h.write_status(status_text(int(time.time()) - 620))
    code, body, _ = h.get()
    assert code == 503 and "(max 600s)" in body


def test_unknown_zone_is_refused(workdir):
    ngx = Nginx(os.path.join(workdir, "bad"), http="""
    server { listen 127.0.0.1:%d;
             location = /h { cclink_health nosuchzone; } }
""" % free_port(), workers=1)
    ok, out = ngx.test_config()
    assert not ok
    assert "nosuchzone" in out


def test_sidecar_status_file_makes_it_healthy(health, tmp_path):
    from sim import harness
    from lib.sidecar import Sidecar, have_binary
    if not have_binary():
        pytest.skip("cclink-sidecar not built (make sidecar)")
    ca = harness.SimCA(tmp_path / "ca")
    api = harness.start_api(tmp_path / "api", ca=ca)
    try:
        sc = Sidecar(tmp_path / "sc", api)
        sc.write_config()
        sc.run("once", check=0)
    finally:
        api.stop()

    text = sc.read("status")
    lines = text.splitlines()
    assert lines[0] == "cclink-status 1"
    kv = dict(line.split(" ", 1) for line in lines[1:])
    assert kv["complete"] == "yes" and kv["result"] == "applied"
    assert kv["errors"] == "0"
    assert abs(int(kv["last_complete"]) - time.time()) < 120
    assert kv["last_complete"] == kv["last_discovery"] or \
        int(kv["last_discovery"]) >= int(kv["last_complete"])
    assert "serial %s\n" % kv["serial"] in sc.read("routes.conf")

    h = health(routes=sc.read("routes.conf"), status=True)
    h.write_status(text)
    h.start()
    code, body, _ = h.get()
    assert code == 200, body
    assert body.startswith("ok: route table serial %s," % kv["serial"])
