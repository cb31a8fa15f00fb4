"""The company-DNS snippets cclink-sidecar writes (company-dnsmasq.conf,
company-unbound.conf), loaded as they are by the real dnsmasq and unbound
(own configuration files, free loopback ports, no system configuration),
resolve routed names through them to a DNS server that answers from the
route table.

The DNS server is the module's own (ngx_stream_cclink_dns_module,
"cclink_dns on;") in nginx, answering from the route table the sidecar
wrote.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, TESTS)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib.nginx import Nginx, free_port  # noqa: E402
from sim.fixtures import *  # noqa: E402,F401,F403
from lib.sidecar import BINARY, Sidecar, have_binary  # noqa: E402

pytest.importorskip("dns.message", reason="python3-dnspython is not "
                    "installed (tools/deps.d/client.txt)")
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

PROXY = "203.0.113.10"

# routed in the simulator's aws-dedicated scenario: an exact name, a name
# only the regex route matches (no hosts file could list it), a name only
# a wildcard matches
ROUTED = [
    "lkc-7xq2jv-p9x4z.us-west-2.aws.glb.confluent.cloud",
    "e-7f3a-usw2-az2-p9x4z.us-west-2.aws.glb.confluent.cloud",
    "E-00FF-USW2-AZ3-K2M7R.us-west-2.aws.GLB.confluent.cloud",
    "b12.usw2-az1.p9x4z.us-west-2.aws.confluent.cloud",
]
# inside a zone, routed by nothing
UNROUTED = "lkc-other-zz9zz.us-west-2.aws.glb.confluent.cloud"

pytestmark = pytest.mark.skipif(not have_binary(),
                                reason="%s not built (make sidecar)" % BINARY)


class ModuleDns:
    kind = "module"

    def __init__(self, workdir, routes):
        self.port = free_port()
        stream = ("cclink_routes %s zone=cclink:16m interval=500ms;\n"
                  "server {\n listen 127.0.0.1:%d udp;\n cclink_dns on;\n"
                  " cclink_dns_address %s;\n"
                  " cclink_dns_zones confluent.cloud;\n}\n"
                  % (routes, self.port, PROXY))
        self.nginx = Nginx(os.path.join(workdir, "nginx"), stream=stream)

    def start(self):
        self.nginx.start()
        return self

    def stop(self):
        self.nginx.stop()
        assert not self.nginx.bad_lines()


@pytest.fixture(scope="module")
def setup(sim_api_module):
    base = tempfile.mkdtemp(prefix="cclink-dnsco-%d-" % os.getpid())
    os.chmod(base, 0o755)
    procs = []
    backend = None
    try:
        sc = Sidecar(os.path.join(base, "sidecar"), sim_api_module)
        sc.write_config()
        sc.run("once", check=0)
        routes = os.path.join(sc.out, "routes.conf")
        backend = ModuleDns(base, routes).start()
        print("DNS backend: %s (port %d)" % (backend.kind, backend.port))
        # the snippets as served to laptops, for this DNS server
        sc.write_config(extra="client_dns_address 127.0.0.1\n"
                              "client_dns_port %d\n" % backend.port)
        sc.run("once", check=0)
        client = os.path.join(sc.out, "client", "current")
        yield {"sc": sc, "base": base, "backend": backend, "client": client,
               "procs": procs}
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if backend is not None:
            backend.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def sim_api_module(tmp_path_factory):
    from sim import harness
    d = tmp_path_factory.mktemp("sim")
    api = harness.start_api(d / "api", ca=harness.SimCA(d / "ca"))
    yield api
    api.stop()


def wait_port(port, timeout=10):
    q = dns.message.make_query("probe.invalid.", "A")
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            dns.query.udp(q, "127.0.0.1", port=port, timeout=0.5)
            return
        except Exception:
            time.sleep(0.1)
    raise AssertionError("no DNS answer on port %d" % port)


@pytest.fixture(scope="module")
def dnsmasq(setup):
    port = free_port()
    p = subprocess.Popen(
        ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
         "--no-resolv", "--no-hosts", "--no-poll", "--pid-file=",
         "--user=root", "--bind-interfaces", "--listen-address=127.0.0.1",
         "--port=%d" % port, "--log-facility=-",
         "--conf-file=%s" % os.path.join(setup["client"],
                                         "company-dnsmasq.conf")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    setup["procs"].append(p)
    wait_port(port)
    return port


@pytest.fixture(scope="module")
def unbound(setup):
    port = free_port()
    d = os.path.join(setup["base"], "unbound")
    os.makedirs(d)
    conf = os.path.join(d, "unbound.conf")
    with open(conf, "w") as f:
        f.write('server:\n    interface: 127.0.0.1\n    port: %d\n'
                '    do-ip6: no\n    username: ""\n    chroot: ""\n'
                '    directory: "%s"\n    pidfile: ""\n'
                '    use-syslog: no\n    logfile: ""\n'
                '    do-not-query-localhost: no\n'
                '    access-control: 127.0.0.0/8 allow\n'
                'remote-control:\n    control-enable: no\n'
                'include: "%s"\n'
                % (port, d, os.path.join(setup["client"],
                                         "company-unbound.conf")))
    chk = subprocess.run(["unbound-checkconf", conf], capture_output=True,
                         text=True)
    assert chk.returncode == 0, chk.stdout + chk.stderr
    p = subprocess.Popen(["unbound", "-d", "-c", conf],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    setup["procs"].append(p)
    wait_port(port)
    return port


def ask(port, name, rdtype="A"):
    q = dns.message.make_query(name, rdtype)
    return dns.query.udp(q, "127.0.0.1", port=port, timeout=5)


def a_records(r):
    return sorted(rd.address for rrset in r.answer for rd in rrset
                  if rrset.rdtype == dns.rdatatype.A)


@pytest.mark.parametrize("resolver", ["dnsmasq", "unbound"])
def test_routed_names_resolve_through_the_company_resolver(
        setup, resolver, request):
    port = request.getfixturevalue(resolver)
    print("DNS backend: %s" % setup["backend"].kind)
    for name in ROUTED:
        r = ask(port, name)
        assert r.rcode() == dns.rcode.NOERROR, (resolver, name, r)
        assert a_records(r) == [PROXY], (resolver, name, r)


@pytest.mark.parametrize("resolver", ["dnsmasq", "unbound"])
def test_unrouted_name_in_a_zone_is_nxdomain(setup, resolver, request):
    port = request.getfixturevalue(resolver)
    print("DNS backend: %s" % setup["backend"].kind)
    r = ask(port, UNROUTED)
    assert r.rcode() == dns.rcode.NXDOMAIN, (resolver, r)


def test_snippets_forward_only_the_zones(setup):
    zones = [z for z in open(os.path.join(setup["client"], "dns-zones.txt"))
             .read().splitlines() if z and not z.startswith("#")]
    text = open(os.path.join(setup["client"], "company-dnsmasq.conf")).read()
    lines = [ln for ln in text.splitlines() if ln.startswith("server=")]
    assert lines == ["server=/%s/127.0.0.1#%d" % (z, setup["backend"].port)
                     for z in zones]
    # a name outside the zones is not sent to the proxy's DNS at all
    assert not any("confluent.cloud" == z for z in zones)
