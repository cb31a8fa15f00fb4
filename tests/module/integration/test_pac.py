"""The live PAC file (cclink_pac): served from the route table in force,
evaluated with pacparser (the PAC engine of python3-pacparser): PROXY for
routed exact, wildcard and regex names, DIRECT for everything else; ETag
and 304 by table serial; a table change shows in the next fetch."""

import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from lib.nginx import Nginx, free_port

ROUTES = """# PAC test table
cclink-routes 1
serial {serial}
generated 2026-11-20T00:00:00Z
group g 127.0.0.2
route lkc-abc.dom.eu-west-1.aws.private.confluent.cloud g
route *.l63jl.us-west-2.aws.glb.confluent.cloud g
route .dot.example.test g
route www.trail.* g
route ~^re-[0-9]+\\.example\\.org$ g
route ~^q"x/</script>.*\\.quote\\.test$ g
route ~\\Aanchor\\.example\\.test\\z g
{extra}end
"""

PROXY = "203.0.113.10:3128"

try:
    import pacparser  # noqa: F401
except ImportError:
    pytestmark = pytest.mark.skip(reason="python3-pacparser is not "
                                  "installed (tools/deps.d/connect.txt)")


def routes(serial=1, extra=""):
    return ROUTES.format(serial=serial, extra=extra)


@pytest.fixture
def pac_proxy(make_proxy):
    p = make_proxy(routes())
    # a second http server with the PAC location, in the same nginx
    p.pac_port = free_port()
    conf = p.nginx.conf
    with open(conf) as f:
        text = f.read()
    extra = ("    server {\n        listen 127.0.0.1:%d;\n"
             "        location = /cclink/proxy.pac { cclink_pac %s; }\n"
             "        location = /other.pac { cclink_pac %s cclink; }\n"
             "    }\n" % (p.pac_port, PROXY, "proxy.example.net:8080"))
    i = text.rindex("}")
    with open(conf, "w") as f:
        f.write(text[:i] + extra + text[i:])
    p.start()
    return p


def fetch(port, path="/cclink/proxy.pac", headers=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def evaluate(pac, hosts):
    """FindProxyForURL for each host, by pacparser in a child process (its
    engine is process-global)."""
    code = ("import pacparser, sys, json\n"
            "pacparser.init()\n"
            "pacparser.parse_pac_string(sys.stdin.read())\n"
            "print(json.dumps([pacparser.find_proxy('https://' + h + '/', h)"
            " for h in %r]))\n" % (hosts,))
    p = subprocess.run([sys.executable, "-c", code], input=pac,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    import json
    return dict(zip(hosts, json.loads(p.stdout)))


ROUTED = [
    "lkc-abc.dom.eu-west-1.aws.private.confluent.cloud",
    "LKC-ABC.dom.eu-west-1.aws.private.confluent.cloud.",
    "e-1a2b.l63jl.us-west-2.aws.glb.confluent.cloud",
    "dot.example.test", "a.dot.example.test",
    "www.trail.example.net",
    "re-12.example.org",
]

DIRECT = [
    "confluent.cloud",                 # the Console's public name
    "confluent.cloud.example.net",
    "l63jl.us-west-2.aws.glb.confluent.cloud",   # "*.x" is not x
    "xdot.example.test",
    "www.trail",
    "re-x.example.org", "are-12.example.org",
    "anchor.example.test",             # its only route is left out
    "example.com", "localhost",
]


def test_pac_routes_and_direct(pac_proxy):
    st, headers, pac = fetch(pac_proxy.pac_port)
    assert st == 200
    assert headers["Content-Type"] == "application/x-ns-proxy-autoconfig"
    assert headers["ETag"] == '"pac-1"'
    got = evaluate(pac, ROUTED + DIRECT)
    for h in ROUTED:
        assert got[h] == "PROXY " + PROXY, h
    for h in DIRECT:
        assert got[h] == "DIRECT", h
    # the route with a quote, slashes and "<" stays inside its string:
    # the file still evaluates, and the expression matches as written
    assert '"x/' not in pac and "</script>" not in pac
    name = 'q"x/</script>1.quote.test'
    assert evaluate(pac, [name])[name] == "PROXY " + PROXY
    assert "left out (not JavaScript)" in pac


def test_pac_second_location_and_head(pac_proxy):
    st, _, pac = fetch(pac_proxy.pac_port, "/other.pac")
    assert st == 200
    assert evaluate(pac, ["dot.example.test"])["dot.example.test"] \
        == "PROXY proxy.example.net:8080"


def test_pac_etag_304_and_live_change(pac_proxy):
    p = pac_proxy
    st, headers, _ = fetch(p.pac_port,
                           headers={"If-None-Match": '"pac-1"'})
    assert st == 304
    p.set_routes(routes(serial=2, extra="route new.example.test g\n"))
    p.wait_serial(2)
    st, headers, pac = fetch(p.pac_port,
                             headers={"If-None-Match": '"pac-1"'})
    assert st == 200
    assert headers["ETag"] == '"pac-2"'
    assert evaluate(pac, ["new.example.test"])["new.example.test"] \
        == "PROXY " + PROXY


def test_pac_config_errors(workdir):
    for bad, msg in (("cclink_pac nope;", 'invalid proxy address "nope"'),
                     ('cclink_pac "a b:1";', "invalid proxy address"),
                     ("cclink_pac 10.0.0.1:3128 nozone;",
                      'zero size shared memory zone "nozone"')):
        n = Nginx(os.path.join(workdir, "bad%d" % len(bad)),
                  http="server { listen 127.0.0.1:%d; location / { %s } }"
                       % (free_port(), bad))
        ok, out = n.test_config()
        assert not ok
        assert msg in out, out


# --- the sidecar's PAC file --------------------------------------------------

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
from sim.fixtures import *  # noqa: E402,F401,F403
from lib.sidecar import BINARY, Sidecar, have_binary  # noqa: E402


@pytest.mark.skipif(not have_binary(),
                    reason="%s not built (make sidecar)" % BINARY)
def test_sidecar_writes_the_pac_the_module_serves(tmp_path, sim_api,
                                                  make_proxy):
    sc = Sidecar(tmp_path / "sidecar", sim_api)
    sc.write_config(extra="pac_proxy %s\npac_file cclink.pac\n" % PROXY)
    sc.run("once", check=0)
    with open(sc.path("cclink.pac")) as f:
        written = f.read()
    with open(sc.path("routes.conf")) as f:
        table = f.read()
    # a name each exact and wildcard route routes (regexes: see above)
    names = []
    for key in sc.routes():
        if key.startswith("*."):
            names.append("probe" + key[1:])
        elif key.startswith("."):
            names.append(key[1:])
        elif key.endswith(".*"):
            names.append(key[:-1] + "example")
        elif not key.startswith("~"):
            names.append(key)
    assert len(names) > 3
    got = evaluate(written, names + ["confluent.cloud"])
    assert all(got[n] == "PROXY " + PROXY for n in names), got
    assert got["confluent.cloud"] == "DIRECT"

    # the module serves the same bytes for the same table
    p = make_proxy(table)
    p.pac_port = free_port()
    with open(p.nginx.conf) as f:
        text = f.read()
    i = text.rindex("}")
    with open(p.nginx.conf, "w") as f:
        f.write(text[:i] + "    server { listen 127.0.0.1:%d; location = "
                "/p.pac { cclink_pac %s; } }\n" % (p.pac_port, PROXY)
                + text[i:])
    p.start()
    st, _, served = fetch(p.pac_port, "/p.pac")
    assert st == 200
    assert served == written

    # without pac_proxy, no PAC file
    sc2 = Sidecar(tmp_path / "sidecar2", sim_api)
    sc2.write_config()
    sc2.run("once", check=0)
    assert not os.path.exists(sc2.path("proxy.pac"))
