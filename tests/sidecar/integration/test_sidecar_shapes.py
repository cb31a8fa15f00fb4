"""API shapes beyond AWS PrivateLink, against the simulator's gcp-psc.json
scenario: a GCP Private Service Connect network (zones us-central1-a..c,
zonal subdomains, glb names), an ingress gateway with two access points,
a peering network and a private network interface endpoint (knowingly
skipped, or routed through a target line, logged either way), and
Endpoint API objects with lowercase "cloud" values. Discovery, render and
hosts apply."""

import os
import sys

import pytest

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, TESTS)
from sim.fixtures import *  # noqa: E402,F401,F403
from lib.sidecar import BINARY, Sidecar, have_binary  # noqa: E402

pytestmark = pytest.mark.skipif(not have_binary(),
                                reason="%s not built (make sidecar)" % BINARY)

TARGETS = [
    ("n-6k0qeg", "10.6.1.10", "us-central1-a"),
    ("n-6k0qeg", "10.6.2.10", "us-central1-b"),
    ("n-6k0qeg", "10.6.3.10", "us-central1-c"),
    ("ap-7h3m9q", "10.7.0.10", None),
    ("ap-2c8v4n", "10.7.1.10", None),
]

PSC = "lkc-1n0nvv-6k0qeg.us-central1.gcp.glb.confluent.cloud"
AP1 = "lkc-e5n2w8-ap7h3m9q.us-central1.gcp.accesspoint.glb.confluent.cloud"
AP2 = "lkc-e5n2w8-ap2c8v4n.us-central1.gcp.accesspoint.glb.confluent.cloud"
PEERING = "lkc-p3r8q-pr7x2.us-central1.gcp.confluent.cloud"
PNI = "lkc-s1232x-00000.us-central1.gcp.private.confluent.cloud"


def configure(sc, targets):
    """The harness's configuration, with this host in us-central1-b."""
    sc.write_config(targets=targets)
    with open(sc.conf) as f:
        text = f.read()
    with open(sc.conf, "w") as f:
        f.write(text.replace("zone usw2-az1\n", "zone us-central1-b\n"))


@pytest.fixture
def gcp(tmp_path, sim_api_factory):
    api = sim_api_factory(scenario="gcp-psc.json")
    sc = Sidecar(tmp_path / "sc", api)
    configure(sc, TARGETS)
    return sc


def test_gcp_psc_network_zones_and_glb_names(gcp):
    r = gcp.run("once", check=0)
    assert "event=cycle_done result=applied complete=yes" in r.stderr
    assert "event=source_mismatch" not in r.stderr
    routes = gcp.routes()
    assert routes[PSC] == "n-6k0qeg"
    assert routes["flink-6k0qeg.us-central1.gcp.glb.confluent.cloud"] == \
        "n-6k0qeg"
    # zonal subdomains and glb broker names per GCP zone
    assert routes["*.us-central1-a.6k0qeg.us-central1.gcp.confluent.cloud"] \
        == "n-6k0qeg.us-central1-a"
    assert routes[r"~^[a-z0-9-]+-us-central1-c-6k0qeg\.us-central1\.gcp\."
                  r"glb\.confluent\.cloud$"] == "n-6k0qeg.us-central1-c"
    text = gcp.read("routes.conf")
    assert "group n-6k0qeg.us-central1-b 10.6.2.10 zone=us-central1-b\n" \
        in text
    # the stock-nginx include: this host's zone, the others as backup
    include = gcp.read("nginx-cclink.conf")
    assert ("upstream cclink_n-6k0qeg_9092 {\n"
            "    server 10.6.1.10:9092 backup;\n"
            "    server 10.6.2.10:9092;\n"
            "    server 10.6.3.10:9092 backup;\n}") in include


def test_two_access_points_of_one_gateway(gcp):
    gcp.run("once", check=0)
    routes = gcp.routes()
    assert routes[AP1] == "ap-7h3m9q"
    assert routes[AP2] == "ap-2c8v4n"
    assert routes["flink-ap7h3m9q.us-central1.gcp.accesspoint.glb."
                  "confluent.cloud"] == "ap-7h3m9q"
    assert routes["*.ap2c8v4n.us-central1.gcp.accesspoint.confluent."
                  "cloud"] == "ap-2c8v4n"
    names = {n["host"]: n for n in
             gcp.state()["last_discovery"]["discovered"]["names"]}
    assert names[AP1]["network"] == "ap-7h3m9q"
    assert names[AP1]["sources"] == ["endpoint/v1", "cmk/v2"]


def test_peering_and_network_interface_are_skipped_and_said_so(gcp):
    r = gcp.run("once", check=0)
    for host, kind in ((PEERING, "PEERING"),
                       (PNI, "PRIVATE_NETWORK_INTERFACE")):
        assert "event=route_skipped_connection host=%s" % host in r.stderr
        assert "connection_type=%s" % kind in r.stderr
        assert host not in gcp.routes()
        assert host not in gcp.hosts_names()
    # never sent to a PrivateLink endpoint that cannot serve it
    assert "route_no_target" not in r.stderr


def test_a_target_line_routes_a_peering_cluster(gcp, tmp_path):
    configure(gcp, TARGETS + [
        ("us-central1.gcp.confluent.cloud", "10.8.0.10:9092", None)])
    r = gcp.run("once", check=0)
    assert "event=route_by_target host=%s" % PEERING in r.stderr
    assert "connection_type=PEERING group=us-central1.gcp.confluent.cloud" \
        in r.stderr
    assert gcp.routes()[PEERING] == "us-central1.gcp.confluent.cloud"
    # the network interface name is still not under that domain
    assert PNI not in gcp.routes()


def test_hosts_apply_lists_every_routed_name(gcp, tmp_path):
    gcp.run("once", check=0)
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n")
    gcp.run("hosts", "apply", "--file", str(hosts), check=0)
    lines = hosts.read_text().splitlines()
    for host in (PSC, AP1, AP2,
                 "flink-6k0qeg.us-central1.gcp.glb.confluent.cloud"):
        assert "203.0.113.10 %s" % host in lines, host
    assert not any(PEERING in ln or PNI in ln for ln in lines)
