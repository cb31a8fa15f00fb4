"""Identical outputs: three proxy hosts of one fleet, each with its own
cclink-sidecar (own configuration, own output and state directory, own
zone) against the same organization (the simulator), proxy_address set
to the load balancer's address and content_serial on, write byte-identical
route tables, hosts files and every other client-facing output, whenever
each of them runs. The stock-nginx include differs only where the host's
own zone matters: which endpoint addresses are "backup"."""

import os
import re
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, TESTS)

from sim.fixtures import *  # noqa: E402,F401,F403
from lib.sidecar import BINARY, Sidecar, have_binary  # noqa: E402

pytestmark = pytest.mark.skipif(not have_binary(),
                                reason="%s not built (make sidecar)" % BINARY)

LB_ADDRESS = "198.51.100.7"
ZONES = ("usw2-az1", "usw2-az2", "usw2-az3")

# per host, not for clients: how this host's last cycle went
PER_HOST = {"state.json", "status"}

# the outputs whose content depends on the host's zone
ZONAL = {"nginx-cclink.conf"}


def fleet_host(tmp_path, api, i, zone, content_serial=True):
    sc = Sidecar(tmp_path / ("host%d" % i), api)
    sc.write_config()
    with open(sc.conf) as f:
        text = f.read()
    text = text.replace("proxy_address 203.0.113.10",
                        "proxy_address %s" % LB_ADDRESS)
    text = text.replace("proxy_name test-proxy", "proxy_name cclink-lb")
    text = text.replace("zone usw2-az1", "zone %s" % zone)
    if content_serial:
        text += "content_serial on\n"
    with open(sc.conf, "w") as f:
        f.write(text)
    return sc


def outputs(sc):
    """The files a host writes, by path under its output directory: the
    top-level ones and those of the client folder in force
    (client/current/..., whose generation directories have names of their
    own on each host)."""
    names = []
    for n in os.listdir(sc.out):
        if n.startswith(".") or n in PER_HOST:
            continue
        if n == "client":
            current = os.path.join(sc.out, "client", "current")
            names += ["client/current/" + f for f in os.listdir(current)]
            continue
        names.append(n)
    return sorted(names)


def read_bytes(sc, name):
    with open(sc.path(name), "rb") as f:
        return f.read()


def test_three_hosts_write_identical_outputs(tmp_path, sim_api):
    hosts = []
    for i, zone in enumerate(ZONES):
        if i:
            time.sleep(1.1)         # a timestamp would differ by now
        sc = fleet_host(tmp_path, sim_api, i, zone)
        sc.run("once", check=0)
        hosts.append(sc)

    names = outputs(hosts[0])
    for n in ("routes.conf", "hosts-linux.txt", "hosts-windows.txt",
              "hosts-apply.ps1", "nginx-cclink.conf",
              "client/current/hosts-apply.sh", "client/current/index.html",
              "client/current/dns-zones.txt"):
        assert n in names
    for sc in hosts[1:]:
        assert outputs(sc) == names

    for name in names:
        if name in ZONAL:
            continue
        first = read_bytes(hosts[0], name)
        for sc in hosts[1:]:
            assert read_bytes(sc, name) == first, \
                "%s of %s differs" % (name, sc.dir)

    # the route table names the load balancer nowhere, the hosts files
    # send every name to it
    routes = hosts[0].read("routes.conf")
    serial = int(re.search(r"^serial (\d+)$", routes, re.M).group(1))
    assert 0 < serial < 2 ** 53
    assert re.search(r"^generated sha256:[0-9a-f]{16}$", routes, re.M)
    lines = [l for l in hosts[0].read("hosts-linux.txt").splitlines()
             if l and not l.startswith("#")]
    assert lines and all(l.split()[0] == LB_ADDRESS for l in lines)

    # the stock-nginx include: the same once the zone's marks are gone,
    # and each host's primary addresses are those of its own zone
    includes = [hosts[k].read("nginx-cclink.conf") for k in range(3)]
    plain = [t.replace(" backup;", ";") for t in includes]
    assert plain[1] == plain[0] and plain[2] == plain[0]
    assert includes[0] != includes[1]

    # later cycles of one host keep the same bytes (unchanged content)
    time.sleep(1.1)
    hosts[1].run("once", check=0)
    for name in names:
        assert read_bytes(hosts[1], name) == read_bytes(hosts[0], name) \
            or name in ZONAL


def test_time_serials_differ_between_hosts(tmp_path, sim_api):
    """Without content_serial a host's serial is the time of its own
    discovery: what the fleet setting is for."""
    a = fleet_host(tmp_path, sim_api, 0, ZONES[0], content_serial=False)
    a.run("once", check=0)
    time.sleep(1.1)
    b = fleet_host(tmp_path, sim_api, 1, ZONES[1], content_serial=False)
    b.run("once", check=0)
    assert a.read("routes.conf") != b.read("routes.conf")
    assert a.read("hosts-linux.txt") == b.read("hosts-linux.txt")


def test_route_attributes(tmp_path, sim_api):
    """route_attributes on: exact names carry cluster=, env= and
    service=, patterns none; the table still passes the module's parser
    (the sidecar validates before it writes), and two hosts still agree."""
    hosts = []
    for i in range(2):
        sc = fleet_host(tmp_path, sim_api, i, ZONES[i])
        with open(sc.conf, "a") as f:
            f.write("route_attributes on\n")
        sc.run("once", check=0)
        hosts.append(sc)
    routes = hosts[0].read("routes.conf")
    assert routes == hosts[1].read("routes.conf")
    lines = [l.split() for l in routes.splitlines()
             if l.startswith("route ")]
    attrs = {l[1]: dict(a.split("=", 1) for a in l[3:]) for l in lines}
    boot = attrs["lkc-7xq2jv-p9x4z.us-west-2.aws.glb.confluent.cloud"]
    assert boot["cluster"] == "lkc-7xq2jv"
    assert boot["service"] == "kafka"
    assert boot["env"].startswith("env-")
    assert any(a.get("service") == "schema_registry"
               for a in attrs.values()), attrs
    for key, a in attrs.items():
        if key.startswith(("~", "*", ".")):
            assert a == {}, key
    # without the option, no attributes
    plain = fleet_host(tmp_path, sim_api, 2, ZONES[2])
    plain.run("once", check=0)
    assert all(len(l.split()) == 3 for l in
               plain.read("routes.conf").splitlines()
               if l.startswith("route "))
