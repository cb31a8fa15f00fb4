"""The scenario files follow the documented id prefixes and host name
patterns (reference/confluent-cloud-api.md §2-§4), and their Endpoint API
objects agree with the clusters they describe."""

import os
import re
import sys
from collections import Counter

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", ".."))
from sim import harness  # noqa: E402
from sim import scenario as sc  # noqa: E402

AWS = harness.scenario_path("aws-dedicated.json")
AZURE = harness.scenario_path("azure-centralus.json")
ALL = [AWS, AZURE]


@pytest.fixture(scope="module")
def store():
    return sc.load(ALL)


def host(value, port):
    return sc.split_hostport(value, port)[0]


def networks_of(store):
    return {n["id"]: n for n in store.list("networks")}


def test_every_scenario_loads_alone_and_together():
    for path in ALL:
        sc.load([path])
    s = sc.load(ALL)
    assert {e["id"] for e in s.environments} == {"env-m2qx7", "env-r8t4n",
                                                 "env-z4k9p"}


def test_scenario_dir_has_only_valid_files():
    for name in os.listdir(harness.SCENARIO_DIR):
        if name.endswith(".json"):
            sc.load([os.path.join(harness.SCENARIO_DIR, name)])


def test_network_dns_fields_follow_the_network_id(store):
    for n in store.list("networks"):
        nid = n["id"][len("n-"):]
        spec, st = n["spec"], n["status"]
        cloud = spec["cloud"].lower()
        region = spec["region"]
        assert st["dns_domain"] == "%s.%s.%s.confluent.cloud" % (
            nid, region, cloud)
        assert st["endpoint_suffix"] == "-%s.%s.%s.glb.confluent.cloud" % (
            nid, region, cloud)
        assert list(st["zonal_subdomains"]) == spec["zones"]
        for zone, sub in st["zonal_subdomains"].items():
            label = zone if cloud == "aws" else "az" + zone
            assert sub == "%s.%s" % (label, st["dns_domain"])
        assert len(spec["zones"]) == 3


def test_dedicated_cluster_names(store):
    nets = networks_of(store)
    dedicated = [c for c in store.list("clusters")
                 if c["spec"]["config"]["kind"] == "Dedicated"]
    assert len(dedicated) == 3
    for c in dedicated:
        net = nets[c["spec"]["network"]]
        nid = net["id"][len("n-"):]
        cloud = c["spec"]["cloud"].lower()
        region = c["spec"]["region"]
        glb = "%s.%s.glb.confluent.cloud" % (region, cloud)
        names = sc.cluster_names(c)
        want = "%s-%s.%s" % (c["id"], nid, glb)
        assert names["bootstrap"] == [(want, 9092)]
        assert names["rest"] == [(want, 443)]          # same host (§4.1)
        zones = net["spec"]["zones"]
        for b in c["_sim"]["brokers"]:
            if cloud == "aws":
                pat = r"^e-[0-9a-f]{4}-(%s)-%s\.%s$" % (
                    "|".join(zones), nid, re.escape(glb))
            else:
                pat = r"^e-[0-9a-f]{4}-az(%s)-%s\.%s$" % (
                    "|".join(zones), nid, re.escape(glb))
            m = re.match(pat, b["host"])
            assert m, b["host"]
            assert m.group(1) == b["zone"]
            assert b["port"] == 9092


def test_cluster_a_has_two_brokers_per_zone(store):
    zones = Counter(b["zone"] for b in store.brokers("lkc-7xq2jv"))
    assert zones == {"usw2-az1": 2, "usw2-az2": 2, "usw2-az3": 2}


def test_enterprise_platt_names(store):
    platts = store.list("private_link_attachments")
    assert len(platts) == 2
    for p in platts:
        assert p["status"]["dns_domain"] == "%s.%s.private.confluent.cloud" \
            % (p["spec"]["region"], p["spec"]["cloud"].lower())
    for cid in ("lkc-9wd3ny", "lkc-6tg5rm"):
        c = store.cluster(cid)
        domain = "us-west-2.aws.private.confluent.cloud"
        names = sc.cluster_names(c)
        assert names["bootstrap"] == [("%s.%s" % (cid, domain), 9092)]
        assert names["rest"] == [("%s.%s" % (cid, domain), 443)]
        for b in c["_sim"]["brokers"]:
            assert re.match(r"^%s-g\d{3}\.%s$" % (cid, re.escape(domain)),
                            b["host"]), b["host"]
        assert c["spec"]["api_endpoint"].startswith("https://lkaclkc-")


def test_the_two_environments_clash_as_documented(store):
    # (c): same region, names under the same glb parent as (a)
    a = store.get("networks", "n-p9x4z")
    c = store.get("networks", "n-k2m7r")
    assert a["_env"] != c["_env"]
    assert a["spec"]["region"] == c["spec"]["region"]
    parent = lambda n: n["status"]["endpoint_suffix"].split(".", 1)[1]  # noqa
    assert parent(a) == parent(c) == "us-west-2.aws.glb.confluent.cloud"
    # two PLATTs, two environments, one private hosted zone name
    domains = {p["_env"]: p["status"]["dns_domain"]
               for p in store.list("private_link_attachments")}
    assert len(domains) == 2 and len(set(domains.values())) == 1
    # and one Flink name behind both
    flink = [e for e in store.list("endpoints")
             if e["endpoint"] == "https://flink.us-west-2.aws.private."
                                 "confluent.cloud"]
    assert {e["_env"] for e in flink} == {"env-m2qx7", "env-r8t4n"}


def test_access_point_names(store):
    ap = store.get("access_points", "ap-3f8kz2")
    label = ap["id"].replace("-", "")
    assert ap["status"]["config"]["dns_domain"] == \
        "%s.us-west-2.aws.accesspoint.confluent.cloud" % label
    c = store.cluster("lkc-8hx3wq")
    ep = c["spec"]["endpoints"][ap["id"]]
    assert host(ep["kafka_bootstrap_endpoint"], 9092) == \
        "lkc-8hx3wq-%s.us-west-2.aws.accesspoint.glb.confluent.cloud" % label


def test_endpoint_objects_match_their_clusters(store):
    for e in store.list("endpoints"):
        port = 9092 if e["endpoint_type"] == "BOOTSTRAP" else 443
        h, p = sc.split_hostport(e["endpoint"], port)
        assert p == port
        if e["endpoint_type"] == "BOOTSTRAP":
            assert e["service"] == "KAFKA"
            assert not e["endpoint"].startswith("https://")
        else:
            assert e["endpoint"].startswith("https://")
        if e["endpoint_type"] == "LANGUAGE_SERVICE":
            assert e["service"] == "FLINK" and h.startswith("flinkpls")
        assert e["cloud"] == e["cloud"].lower()       # as production (§2.8)
        assert e["is_private"] == (e["connection_type"] != "PUBLIC")
        rid = sc.ref_id(e.get("resource"))
        if e["service"] == "KAFKA":
            names = sc.cluster_names(store.cluster(rid))
            key = "bootstrap" if e["endpoint_type"] == "BOOTSTRAP" else "rest"
            assert (h, p) in names[key], (e["id"], h)
        if e["service"] == "SCHEMA_REGISTRY":
            sr = store.get("schema_registry_clusters", rid)
            if e["is_private"]:
                assert h.startswith(rid)
            else:
                assert e["endpoint"] == sr["spec"]["http_endpoint"]


def test_every_private_name_sits_in_a_private_domain(store):
    """Each private endpoint name belongs to a network (its glb suffix), a
    PLATT domain or an access point of its own environment."""
    for e in store.list("endpoints"):
        if not e["is_private"]:
            continue
        h = sc.split_hostport(e["endpoint"], 443)[0]
        env = e["_env"]
        suffixes = [n["status"]["endpoint_suffix"]
                    for n in store.list("networks", env)]
        suffixes += ["." + p["status"]["dns_domain"]
                     for p in store.list("private_link_attachments", env)]
        suffixes += ["-%s.%s.aws.accesspoint.glb.confluent.cloud"
                     % (a["id"].replace("-", ""), "us-west-2")
                     for a in store.list("access_points", env)]
        assert any(h.endswith(s) for s in suffixes), h


def test_public_cluster_is_not_private(store):
    c = store.cluster("lkc-2hv6tp")
    assert c["spec"]["endpoints"]["PUBLIC"]["connection_type"] == "PUBLIC"
    hosts = sc.endpoint_hosts(store, "env-m2qx7", "KAFKA", private=True)
    assert all(not h.startswith("pkc-") for h, _ in hosts)


def test_scenario_errors_name_the_place(tmp_path):
    cases = [
        ({"environments": [{"id": "dev-1", "display_name": "x"}]},
         "must start with 'env-'"),
        ({"environments": [{"id": "env-1", "display_name": "x",
                            "clusters": [{"id": "lkc-1", "kind": "Cluster"}]
                            }]}, "filled in by the simulator"),
        ({"environments": [{"id": "env-1", "display_name": "x",
                            "clusters": [{"id": "lkc-1", "_sim": {
                                "brokers": [{"id": 0}]}}]}]},
         "clusters[0]._sim.brokers[0]"),
        ({"environments": [{"id": "env-1", "display_name": "x",
                            "gizmos": []}]}, "unknown keys gizmos"),
        ({"environments": [{"id": "env-1", "display_name": "x",
                            "endpoints": [{"id": "e-1"}]}]},
         "endpoint needs"),
    ]
    for doc, want in cases:
        with pytest.raises(sc.ScenarioError) as exc:
            sc.build_store([("t.json", doc)])
        assert want in str(exc.value), str(exc.value)
        assert "t.json" in str(exc.value)


def test_duplicate_ids_across_files_are_refused():
    with pytest.raises(sc.ScenarioError) as exc:
        sc.load([AWS, AWS])
    assert "duplicate id" in str(exc.value)


def test_source_mismatch_scenario_disagrees_as_described():
    """source-mismatch.json: the Endpoint API and cmk/v2 / srcm/v3 disagree
    on purpose (see its _comment); the sidecar's merge tests rely on it."""
    s = sc.load([harness.scenario_path("source-mismatch.json")])
    env = "env-s5m1x"
    listed = {sc.ref_id(e.get("resource")) for e in s.list("endpoints", env)
              if e["is_private"]}
    clusters = {c["id"]: c for c in s.list("clusters", env)}
    # the Endpoint API omits a Dedicated cluster and the Schema Registry
    assert "lkc-d4e5f6" in clusters and "lkc-d4e5f6" not in listed
    assert clusters["lkc-d4e5f6"]["spec"]["config"]["kind"] == "Dedicated"
    assert [r["id"] for r in s.list("schema_registry_clusters", env)] == \
        ["lsrc-v6w7x8"] and "lsrc-v6w7x8" not in listed
    # lists a cluster cmk/v2 does not
    assert "lkc-g7h8j9" in listed and "lkc-g7h8j9" not in clusters
    # both list lkc-k2m3n4, under different names
    ep = [host(e["endpoint"], 9092) for e in s.list("endpoints", env)
          if sc.ref_id(e.get("resource")) == "lkc-k2m3n4"]
    cmk = host(clusters["lkc-k2m3n4"]["spec"]["kafka_bootstrap_endpoint"],
               9092)
    assert ep and cmk not in ep
    # a cluster still provisioning, listed by nobody but cmk/v2
    assert clusters["lkc-s3t4u5"]["status"]["phase"] == "PROVISIONING"


def test_gcp_scenario_shapes():
    """gcp-psc.json: GCP zones and zonal subdomains, two access points of
    one gateway, peering and private network interface endpoints."""
    s = sc.load([harness.scenario_path("gcp-psc.json")])
    env = "env-g3c7p"
    nets = {n["id"]: n for n in s.list("networks", env)}
    psc = nets["n-6k0qeg"]
    assert psc["spec"]["zones"] == ["us-central1-a", "us-central1-b",
                                    "us-central1-c"]
    for z, sub in psc["status"]["zonal_subdomains"].items():
        assert sub == "%s.%s" % (z, psc["status"]["dns_domain"])
    assert "dns_domain" not in nets["n-pr7x2"]["status"]
    aps = [a for a in s.list("access_points", env)
           if sc.ref_id(a["spec"]["gateway"]) == "gw-5t9w2k"]
    assert len(aps) == 2
    kinds = {e["connection_type"] for e in s.list("endpoints", env)}
    assert {"PRIVATE_LINK", "PEERING", "PRIVATE_NETWORK_INTERFACE"} <= kinds
    assert all(e["cloud"] == "gcp" for e in s.list("endpoints", env))
