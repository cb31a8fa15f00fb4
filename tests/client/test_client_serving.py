"""The conf template's "location /cclink/client/" served by the real nginx
over a client folder cclink-sidecar published: index page, types,
no-cache, read-only, and a swap seen by the next request."""

import os
import re
import shutil
import sys
import tempfile
import urllib.error
import urllib.request

import pytest

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, TESTS)
from lib.nginx import Nginx, free_port  # noqa: E402
from sim.fixtures import *  # noqa: E402,F401,F403
from lib.sidecar import BINARY, Sidecar, have_binary  # noqa: E402

pytestmark = pytest.mark.skipif(not have_binary(),
                                reason="%s not built (make sidecar)" % BINARY)

TEMPLATE = os.path.join(TESTS, "..", "conf-templates", "nginx-cclink.conf")


def template_location():
    """The first (uncommented) client location of the template."""
    text = open(TEMPLATE).read()
    m = re.search(r"\n( +location /cclink/client/ \{\n.*?\n        \}\n)",
                  text, re.S)
    assert m, "no client location in the template"
    return m.group(1)


def get(url, method="GET"):
    req = urllib.request.Request(url, method=method,
                                 data=b"x" if method == "PUT" else None)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture
def served(tmp_path, sim_api):
    # nginx's workers (nobody) must reach the folder: pytest's own
    # directories are private to root
    base = tempfile.mkdtemp(prefix="cclink-client-%d-" % os.getpid())
    os.chmod(base, 0o755)
    sc = Sidecar(os.path.join(base, "sidecar"), sim_api)
    port = free_port()
    sc.write_config(extra="client_url http://127.0.0.1:%d/cclink/client/\n"
                    % port)
    sc.run("once", check=0)
    for d in (sc.dir, sc.out):
        os.chmod(d, 0o755)
    loc = template_location().replace("/var/lib/cclink/client/",
                                      os.path.join(sc.out, "client") + "/")
    assert os.path.join(sc.out, "client", "current") + "/" in loc
    http = "server {\n listen 127.0.0.1:%d;\n%s}\n" % (port, loc)
    ngx = Nginx(str(tmp_path / "nginx"), http=http, module=False)
    ngx.start(wait_ports=[("127.0.0.1", port)])
    try:
        yield sc, "http://127.0.0.1:%d/cclink/client/" % port
    finally:
        ngx.stop()
        shutil.rmtree(base, ignore_errors=True)
    assert not ngx.bad_lines()


def test_index_and_types(served):
    sc, url = served
    status, h, body = get(url)
    assert status == 200
    assert h["Content-Type"] == "text/html; charset=utf-8"
    assert h["Cache-Control"] == "no-cache"
    assert b"sudo sh hosts-apply.sh" in body
    for name, ctype in (("hosts-apply.sh", "text/plain"),
                        ("hosts-apply.ps1", "text/plain"),
                        ("hosts-linux.txt", "text/plain"),
                        ("company-unbound.conf", "text/plain")):
        status, h, body = get(url + name)
        assert status == 200, name
        assert h["Content-Type"].startswith(ctype), (name, h)
        assert h["Cache-Control"] == "no-cache"
        assert h["X-Content-Type-Options"] == "nosniff"
        with open(os.path.join(sc.out, "client", "current", name),
                  "rb") as f:
            assert body == f.read()


def test_read_only(served):
    _, url = served
    assert get(url + "hosts-apply.sh", "PUT")[0] == 403
    assert get(url + "hosts-apply.sh", "DELETE")[0] == 403
    assert get(url + "missing.txt")[0] == 404
    # nothing outside the folder
    assert get(url + "../state.json")[0] != 200
    assert get(url + "..%2fstate.json")[0] != 200


def test_a_swap_is_seen_by_the_next_request(served):
    sc, url = served
    _, _, before = get(url + "macos-resolver.conf")
    assert b"port 5353" not in before
    sc.write_config(extra="client_url %s\nclient_dns_port 5353\n" % url)
    sc.run("once", check=0)
    _, _, after = get(url + "macos-resolver.conf")
    assert b"port 5353\n" in after
