"""cclink-sidecar combines its sources: against the simulator's
source-mismatch.json scenario (the Endpoint API omits a Dedicated cluster
and the Schema Registry, lists a cluster cmk/v2 does not, and both list one
cluster under different names), every private name any source reported
reaches the route table and the hosts file, each disagreement is logged as
event=source_mismatch naming the cluster, the sources and the names, and the
state counts them and records per name which sources reported it."""

import os
import sys

import pytest

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, TESTS)
from sim.fixtures import *  # noqa: E402,F401,F403
from lib.sidecar import BINARY, Sidecar, calls, have_binary  # noqa: E402

pytestmark = pytest.mark.skipif(not have_binary(),
                                reason="%s not built (make sidecar)" % BINARY)

TARGETS = [
    ("n-q7w3e", "10.7.1.10", "use2-az1"),
    ("n-q7w3e", "10.7.2.10", "use2-az2"),
    ("n-q7w3e", "10.7.3.10", "use2-az3"),
    ("platt-h5j8k", "10.8.0.10", None),
    ("ap-7r2t9x", "10.9.0.10", None),
]

# every private name any source reported, with the group it routes to
PRIVATE = {
    # both sources
    "lkc-a1b2c3-q7w3e.us-east-2.aws.glb.confluent.cloud": "n-q7w3e",
    # cmk/v2 only (spec.endpoints): the Endpoint API omits the cluster
    "lkc-d4e5f6-q7w3e.us-east-2.aws.glb.confluent.cloud": "n-q7w3e",
    # the Endpoint API only: cmk/v2 does not list the cluster
    "lkc-g7h8j9.us-east-2.aws.private.confluent.cloud": "platt-h5j8k",
    # one cluster, two names: both kept
    "lkc-k2m3n4-ap7r2t9x.us-east-2.aws.accesspoint.glb.confluent.cloud":
        "ap-7r2t9x",
    "lkc-k2m3n4.us-east-2.aws.private.confluent.cloud": "platt-h5j8k",
    # srcm/v3 only: the Endpoint API lists the public endpoint alone
    "lsrc-v6w7x8.us-east-2.aws.private.confluent.cloud": "platt-h5j8k",
    # Flink: fcpm/v2 and the network's endpoint_suffix
    "flink.us-east-2.aws.private.confluent.cloud": "platt-h5j8k",
    "flink-q7w3e.us-east-2.aws.glb.confluent.cloud": "n-q7w3e",
}


@pytest.fixture
def mixed(tmp_path, sim_api_factory):
    api = sim_api_factory(scenario="source-mismatch.json")
    sc = Sidecar(tmp_path / "sc", api)
    sc.write_config(targets=TARGETS)
    return sc, api


def mismatch_lines(stderr):
    return [line for line in stderr.splitlines()
            if "event=source_mismatch" in line]


def test_every_private_name_from_any_source_is_routed(mixed):
    sc, _ = mixed
    r = sc.run("once", check=0)
    assert "event=cycle_done result=applied complete=yes" in r.stderr

    routes = sc.routes()
    for host, group in PRIVATE.items():
        assert routes.get(host) == group, host

    names = sc.hosts_names()
    for host in PRIVATE:
        assert names.count(host) == 1, host

    # public endpoints and a cluster still provisioning stay out
    text = sc.read("routes.conf") + sc.read("hosts-linux.txt")
    assert "pkc-" not in text and "psrc-" not in text
    assert "lkc-s3t4u5" not in text
    assert "flink.us-east-2.aws.confluent.cloud" not in text


def test_each_disagreement_is_logged_and_counted(mixed):
    sc, _ = mixed
    r = sc.run("once", check=0)
    lines = mismatch_lines(r.stderr)
    assert len(lines) == 4, r.stderr

    def line_for(cluster):
        found = [x for x in lines if " cluster=%s " % cluster in x]
        assert len(found) == 1, (cluster, lines)
        return found[0]

    ln = line_for("lkc-d4e5f6")
    assert "sources=endpoint/v1,cmk/v2 endpoint_v1=- cmk_v2=lkc-d4e5f6-" \
        "q7w3e.us-east-2.aws.glb.confluent.cloud" in ln
    ln = line_for("lkc-g7h8j9")
    assert "endpoint_v1=lkc-g7h8j9.us-east-2.aws.private.confluent.cloud " \
        "cmk_v2=- " in ln
    ln = line_for("lkc-k2m3n4")
    assert "endpoint_v1=lkc-k2m3n4-ap7r2t9x.us-east-2.aws.accesspoint.glb." \
        "confluent.cloud cmk_v2=lkc-k2m3n4.us-east-2.aws.private.confluent." \
        "cloud" in ln and "different names" in ln
    ln = line_for("lsrc-v6w7x8")
    assert "service=SCHEMA_REGISTRY sources=endpoint/v1,srcm/v3 " \
        "endpoint_v1=- srcm_v3=lsrc-v6w7x8.us-east-2.aws.private." \
        "confluent.cloud" in ln
    assert all(x.startswith("level=warn ") and "env=env-s5m1x" in x
               for x in lines)
    assert "source_mismatches=4" in r.stderr

    d = sc.state()["last_discovery"]
    assert d["counts"]["source_mismatches"] == 4
    assert len(d["source_mismatches"]) == 4
    assert any(m.startswith("env-s5m1x lkc-d4e5f6: endpoint/v1 [-] cmk/v2 [")
               for m in d["source_mismatches"])


def test_state_records_the_sources_of_every_name(mixed):
    sc, _ = mixed
    sc.run("once", check=0)
    st = sc.state()
    names = {n["host"]: n for n in
             st["last_discovery"]["discovered"]["names"]}

    def sources(host):
        return names[host]["sources"]

    assert sources("lkc-a1b2c3-q7w3e.us-east-2.aws.glb.confluent.cloud") \
        == ["endpoint/v1", "cmk/v2"]
    assert sources("lkc-d4e5f6-q7w3e.us-east-2.aws.glb.confluent.cloud") \
        == ["cmk/v2"]
    assert sources("lkc-g7h8j9.us-east-2.aws.private.confluent.cloud") \
        == ["endpoint/v1"]
    assert sources("lsrc-v6w7x8.us-east-2.aws.private.confluent.cloud") \
        == ["srcm/v3"]
    assert sources("flink.us-east-2.aws.private.confluent.cloud") \
        == ["fcpm/v2"]
    assert sources("flink-q7w3e.us-east-2.aws.glb.confluent.cloud") \
        == ["networking/v1"]
    # a name appears once, whatever the number of sources
    hosts = [n["host"] for n in st["last_discovery"]["discovered"]["names"]]
    assert len(hosts) == len(set(hosts))


def test_every_source_is_asked(mixed):
    sc, api = mixed
    sc.run("once", check=0)
    for path in ("/endpoint/v1/endpoints", "/cmk/v2/clusters",
                 "/srcm/v3/clusters", "/fcpm/v2/regions",
                 "/networking/v1/networks",
                 "/networking/v1/private-link-attachments",
                 "/networking/v1/access-points"):
        assert api.requests(path=path), path


def test_a_source_that_fails_makes_it_incomplete(mixed):
    sc, api = mixed
    sc.run("once", check=0)
    serial = sc.state()["serial"]
    api.fault(path="/cmk/v2/clusters", kind="status", status=500, count=-1)
    r = sc.run("once")
    assert r.returncode != 0 and "complete=no" in r.stderr
    st = sc.state()
    assert st["last_discovery"]["complete"] is False
    assert calls(st, "GET /cmk/v2/clusters")[0]["outcome"] == "failed"
    # no disagreement is claimed against a source that did not answer
    assert not any("service=KAFKA" in x for x in mismatch_lines(r.stderr))
    # and nothing is removed because of it
    assert "lkc-d4e5f6-q7w3e.us-east-2.aws.glb.confluent.cloud" in \
        sc.routes()
    assert st["serial"] == serial


def test_endpoint_api_not_available_is_not_a_failure(mixed):
    sc, api = mixed
    api.fault(path="/endpoint/v1/endpoints", kind="status", status=404,
              count=-1)
    r = sc.run("once", check=0)
    assert "complete=yes" in r.stderr
    assert not mismatch_lines(r.stderr)
    routes = sc.routes()
    # what the other sources report is still routed
    assert "lkc-d4e5f6-q7w3e.us-east-2.aws.glb.confluent.cloud" in routes
    assert "lkc-k2m3n4.us-east-2.aws.private.confluent.cloud" in routes
    assert "lsrc-v6w7x8.us-east-2.aws.private.confluent.cloud" in routes


def test_hosts_apply_writes_every_name(mixed, tmp_path):
    sc, _ = mixed
    sc.run("once", check=0)
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n")
    sc.run("hosts", "apply", "--file", str(hosts), check=0)
    lines = hosts.read_text().splitlines()
    for host in PRIVATE:
        assert "203.0.113.10 %s" % host in lines, host
