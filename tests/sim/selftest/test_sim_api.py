"""The simulated control-plane API answers like api.confluent.cloud:
shapes, pagination, auth, required parameters, headers, admin calls."""

import base64
import glob
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", ".."))
from sim import harness  # noqa: E402
from sim.fixtures import *  # noqa: E402,F401,F403

AWS = "aws-dedicated.json"
AZURE = "azure-centralus.json"
ENV_PROD = "env-m2qx7"
ENV_STAGING = "env-r8t4n"


def ids(items):
    return [i["id"] for i in items]


# ---------------------------------------------------------------------------
# pagination

def test_environments_paginate_across_pages_matching_scenario(
        sim_api_factory):
    api = sim_api_factory(scenario=[AWS, AZURE], max_page_size=1)
    want = sorted(e["id"] for e in api.store().environments)
    assert len(want) == 3
    items, pages = api.list_all("/org/v2/environments")
    assert ids(items) == want
    assert pages == 3
    # the client sent a page token on every page after the first
    log = api.requests(path="/org/v2/environments")
    assert [e["page"] for e in log] == [1, 2, 3]
    assert "page_token" not in log[0]["query"]
    assert all("page_token" in e["query"] for e in log[1:])


@pytest.mark.parametrize("env", [ENV_PROD, ENV_STAGING])
def test_clusters_paginate_per_environment(sim_api, env):
    want = sorted(c["id"] for c in sim_api.store().list("clusters", env))
    items, pages = sim_api.list_all("/cmk/v2/clusters", {"environment": env})
    assert ids(items) == want
    assert pages == 2           # 3 clusters, page size 2
    assert all(i["spec"]["environment"]["id"] == env for i in items)


def test_next_link_is_full_url_on_request_host(sim_api):
    r = sim_api.get("/cmk/v2/clusters", {"environment": ENV_PROD})
    meta = r.json()["metadata"]
    nxt = urlsplit(meta["next"])
    assert (nxt.scheme, nxt.hostname, nxt.port) == ("https", "127.0.0.1",
                                                    sim_api.port)
    assert nxt.path == "/cmk/v2/clusters"
    q = parse_qs(nxt.query)
    assert q["environment"] == [ENV_PROD]
    assert len(q["page_token"][0]) <= 255
    assert meta["first"] == "%s/cmk/v2/clusters?environment=%s" % (
        sim_api.url, ENV_PROD)
    # Host header decides the link's host (a proxy or another name)
    r = sim_api.get("/cmk/v2/clusters", {"environment": ENV_PROD},
                    headers={"Host": "api.confluent.cloud"})
    assert r.json()["metadata"]["next"].startswith(
        "https://api.confluent.cloud/cmk/v2/clusters?")


def test_last_page_has_no_next(sim_api):
    items, _ = sim_api.list_all("/cmk/v2/clusters",
                                {"environment": ENV_PROD})
    log = sim_api.requests(path="/cmk/v2/clusters")
    last = sim_api.get("/cmk/v2/clusters?" + log[-1]["raw_query"])
    assert last.status == 200
    assert "next" not in last.json()["metadata"]
    assert "prev" in last.json()["metadata"]


def test_page_token_alone_resumes_with_same_filters(sim_api):
    r = sim_api.get("/endpoint/v1/endpoints",
                    {"environment": ENV_PROD, "service": "KAFKA",
                     "is_private": "true"})
    token = parse_qs(urlsplit(r.json()["metadata"]["next"]).query)[
        "page_token"][0]
    # what a client that rebuilds the request from its base URL sends
    again = sim_api.get("/endpoint/v1/endpoints",
                        {"environment": ENV_PROD, "service": "KAFKA",
                         "is_private": "true", "page_token": token})
    assert again.status == 200
    first = ids(r.json()["data"])
    assert not set(first) & set(ids(again.json()["data"]))
    # the same token with other filters is refused
    other = sim_api.get("/endpoint/v1/endpoints",
                        {"environment": ENV_PROD, "service": "FLINK",
                         "page_token": token})
    assert other.status == 400
    assert other.json()["errors"][0]["source"]["parameter"] == "page_token"


def test_page_size_is_honoured_up_to_the_cap(sim_api_factory):
    api = sim_api_factory(max_page_size=0)       # documented sizes only
    r = api.get("/endpoint/v1/endpoints",
                {"environment": ENV_PROD, "service": "KAFKA"})
    assert len(r.json()["data"]) == 6              # default 100
    r = api.get("/endpoint/v1/endpoints",
                {"environment": ENV_PROD, "service": "KAFKA",
                 "page_size": 4})
    assert len(r.json()["data"]) == 4
    assert "next" in r.json()["metadata"]
    items, pages = api.list_all("/endpoint/v1/endpoints",
                                {"environment": ENV_PROD, "service": "KAFKA",
                                 "page_size": 5})
    assert (len(items), pages) == (6, 2)


@pytest.mark.parametrize("size", ["0", "101", "x", "-3"])
def test_bad_page_size_is_400(sim_api, size):
    r = sim_api.get("/cmk/v2/clusters", {"environment": ENV_PROD,
                                         "page_size": size})
    assert r.status == 400
    err = r.json()["errors"][0]
    assert err["status"] == "400"
    assert err["source"] == {"parameter": "page_size"}


def test_networks_allow_page_size_1000(sim_api):
    r = sim_api.get("/networking/v1/networks", {"environment": ENV_PROD,
                                                "page_size": 1000})
    assert r.status == 200


# ---------------------------------------------------------------------------
# auth

def test_no_credentials_is_401_failure(sim_api):
    r = sim_api.get("/org/v2/environments", auth=None)
    assert r.status == 401
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    assert r.headers["X-Request-Id"]
    err = r.json()["errors"][0]
    assert err["status"] == "401"
    assert err["code"] == "user_unauthenticated"
    assert err["title"] == "Authentication Required"
    assert err["id"] == r.headers["X-Request-Id"]


@pytest.mark.parametrize("creds", [("SIMCLOUDKEY", "wrong"),
                                   ("OTHERKEY", "sim-cloud-secret"),
                                   ("", "")])
def test_wrong_key_is_401_invalid_key(sim_api, creds):
    r = sim_api.get("/org/v2/environments", auth=creds)
    assert r.status == 401
    assert r.headers["WWW-Authenticate"] == (
        'Basic error="invalid_key", '
        'error_description="The API Key is invalid"')
    assert r.json()["errors"][0]["code"] == "user_unauthenticated"


def test_garbage_authorization_header_is_401(sim_api):
    r = sim_api.get("/org/v2/environments", auth=None,
                    headers={"Authorization": "Basic !!!notbase64"})
    assert r.status == 401
    r = sim_api.get("/org/v2/environments", auth=None,
                    headers={"Authorization": "Bearer abc"})
    assert r.status == 401


def test_keys_can_be_added_and_removed(sim_api):
    creds = ("ROTATED", "new-secret")
    assert sim_api.get("/org/v2/environments", auth=creds).status == 401
    sim_api.add_key(*creds)
    assert sim_api.get("/org/v2/environments", auth=creds).status == 200
    sim_api.remove_key("ROTATED")
    assert sim_api.get("/org/v2/environments", auth=creds).status == 401
    log = sim_api.requests(path="/org/v2/environments")
    assert [e["key"] for e in log] == [None, "ROTATED", None]


# ---------------------------------------------------------------------------
# parameters and errors

@pytest.mark.parametrize("path", [
    "/cmk/v2/clusters", "/networking/v1/networks",
    "/networking/v1/private-link-attachments",
    "/networking/v1/access-points", "/srcm/v3/clusters",
    "/endpoint/v1/endpoints", "/cmk/v2/clusters/lkc-7xq2jv"])
def test_environment_is_required(sim_api, path):
    r = sim_api.get(path, {"service": "KAFKA"}
                    if path.startswith("/endpoint") else None)
    assert r.status == 400
    body = r.json()
    assert set(body) == {"errors"}
    err = body["errors"][0]
    assert err["status"] == "400"
    assert err["source"] == {"parameter": "environment"}
    assert err["id"] and err["code"] and err["title"] and err["detail"]


def test_endpoint_service_is_required_and_checked(sim_api):
    r = sim_api.get("/endpoint/v1/endpoints", {"environment": ENV_PROD})
    assert r.status == 400
    assert r.json()["errors"][0]["source"]["parameter"] == "service"
    r = sim_api.get("/endpoint/v1/endpoints", {"environment": ENV_PROD,
                                               "service": "KSQL"})
    assert r.status == 400
    assert r.json()["errors"][0]["code"] == "invalid_filter"


def test_unknown_filter_is_400_invalid_filter(sim_api):
    r = sim_api.get("/cmk/v2/clusters", {"environment": ENV_PROD,
                                         "num_doors": "4"})
    assert r.status == 400
    err = r.json()["errors"][0]
    assert (err["code"], err["title"]) == ("invalid_filter",
                                           "Invalid Filter")
    assert err["source"] == {"parameter": "num_doors"}


def test_unknown_environment_is_403(sim_api):
    r = sim_api.get("/cmk/v2/clusters", {"environment": "env-nosuch"})
    assert r.status == 403
    assert r.json()["errors"][0]["status"] == "403"


def test_unknown_path_is_404_and_post_is_405(sim_api):
    assert sim_api.get("/cmk/v9/things").status == 404
    r = sim_api.request("POST", "/cmk/v2/clusters",
                        {"environment": ENV_PROD}, body={"spec": {}})
    assert r.status == 405
    assert r.headers["Allow"] == "GET"


# ---------------------------------------------------------------------------
# shapes

LISTS = [
    ("/org/v2/environments", {}, "org/v2", "EnvironmentList"),
    ("/cmk/v2/clusters", {"environment": ENV_PROD}, "cmk/v2", "ClusterList"),
    ("/networking/v1/networks", {"environment": ENV_PROD}, "networking/v1",
     "NetworkList"),
    ("/networking/v1/private-link-accesses", {"environment": ENV_PROD},
     "networking/v1", "PrivateLinkAccessList"),
    ("/networking/v1/private-link-attachments", {"environment": ENV_PROD},
     "networking/v1", "PrivateLinkAttachmentList"),
    ("/networking/v1/private-link-attachment-connections",
     {"environment": ENV_PROD}, "networking/v1",
     "PrivateLinkAttachmentConnectionList"),
    ("/networking/v1/gateways", {"environment": ENV_STAGING},
     "networking/v1", "GatewayList"),
    ("/networking/v1/access-points", {"environment": ENV_STAGING},
     "networking/v1", "AccessPointList"),
    ("/endpoint/v1/endpoints", {"environment": ENV_PROD, "service": "FLINK"},
     "endpoint/v1", "EndpointList"),
    ("/srcm/v3/clusters", {"environment": ENV_PROD}, "srcm/v3",
     "ClusterList"),
    ("/fcpm/v2/regions", {}, "fcpm/v2", "RegionList"),
]


@pytest.mark.parametrize("path,params,api_version,kind", LISTS)
def test_list_shapes(sim_api, path, params, api_version, kind):
    r = sim_api.get(path, params)
    assert r.status == 200, r.body
    assert r.headers["Content-Type"] == "application/json"
    doc = r.json()
    assert doc["api_version"] == api_version
    assert doc["kind"] == kind
    assert doc["data"], "the scenario has resources here"
    assert "first" in doc["metadata"]
    for item in doc["data"]:
        assert item["api_version"] == api_version
        assert item["kind"] == kind[:-len("List")]
        meta = item["metadata"]
        assert meta["self"].startswith(sim_api.url + path.split("?")[0])
        assert meta["resource_name"].startswith(
            "crn://confluent.cloud/organization=")
        assert meta["created_at"].endswith("Z")
        text = json.dumps(item)
        assert '"_sim"' not in text and '"_comment"' not in text
        assert '"_env"' not in text


def test_cluster_shape_matches_cmk_v2(sim_api):
    r = sim_api.get("/cmk/v2/clusters/lkc-7xq2jv",
                    {"environment": ENV_PROD})
    assert r.status == 200
    c = r.json()
    assert set(c) == {"api_version", "kind", "id", "metadata", "spec",
                      "status"}
    assert c["id"] == "lkc-7xq2jv"
    spec = c["spec"]
    for name in ("availability", "cloud", "config", "display_name",
                 "environment", "region"):
        assert name in spec
    assert spec["config"] == {"kind": "Dedicated", "cku": 2,
                              "zones": ["usw2-az1", "usw2-az2", "usw2-az3"]}
    assert spec["network"] == {
        "id": "n-p9x4z", "environment": ENV_PROD,
        "related": sim_api.url + "/networking/v1/networks/n-p9x4z",
        "resource_name": "crn://confluent.cloud/organization=4c1b6f0e-9a7d-"
                         "4e2b-8f35-2d6a90c1e7b3/environment=env-m2qx7/"
                         "network=n-p9x4z"}
    assert spec["environment"]["id"] == ENV_PROD
    ep = spec["endpoints"]["PRIVATE_LINK"]
    assert ep["kafka_bootstrap_endpoint"] == \
        "lkc-7xq2jv-p9x4z.us-west-2.aws.glb.confluent.cloud:9092"
    assert c["status"] == {"phase": "PROVISIONED", "cku": 2}
    assert c["metadata"]["resource_name"].endswith(
        "/environment=env-m2qx7/cloud-cluster=lkc-7xq2jv")


def test_network_dns_fields_under_status(sim_api):
    r = sim_api.get("/networking/v1/networks/n-p9x4z",
                    {"environment": ENV_PROD})
    n = r.json()
    assert "dns_domain" not in n["spec"]
    st = n["status"]
    assert st["dns_domain"] == "p9x4z.us-west-2.aws.confluent.cloud"
    assert st["zonal_subdomains"]["usw2-az2"] == \
        "usw2-az2.p9x4z.us-west-2.aws.confluent.cloud"
    assert st["cloud"]["kind"] == "AwsNetwork"
    assert n["spec"]["gateway"] is None


def test_environment_get_needs_no_environment_param(sim_api):
    r = sim_api.get("/org/v2/environments/" + ENV_STAGING)
    assert r.status == 200
    env = r.json()
    assert env["display_name"] == "staging-usw2"
    assert "networks" not in env and "clusters" not in env


def test_get_by_id_in_wrong_environment_is_404(sim_api):
    r = sim_api.get("/cmk/v2/clusters/lkc-7xq2jv",
                    {"environment": ENV_STAGING})
    assert r.status == 404
    assert r.json()["errors"][0]["status"] == "404"
    assert sim_api.get("/cmk/v2/clusters/lkc-nosuch",
                       {"environment": ENV_PROD}).status == 404


def test_endpoint_filters(sim_api):
    items, _ = sim_api.list_all("/endpoint/v1/endpoints",
                                {"environment": ENV_PROD, "service": "KAFKA",
                                 "is_private": "true"})
    hosts = {i["endpoint"] for i in items}
    assert "pkc-n8x3q.us-west-2.aws.confluent.cloud:9092" not in hosts
    assert all(i["is_private"] for i in items)
    assert len(items) == 4
    items, _ = sim_api.list_all("/endpoint/v1/endpoints",
                                {"environment": ENV_PROD, "service": "KAFKA",
                                 "resource": "lkc-9wd3ny"})
    assert {i["endpoint_type"] for i in items} == {"BOOTSTRAP", "REST"}
    res = items[0]["resource"]
    assert (res["id"], res["kind"], res["api_version"]) == (
        "lkc-9wd3ny", "Cluster", "cmk/v2")
    # cloud values are lowercase in responses; the filter ignores case
    items, _ = sim_api.list_all("/endpoint/v1/endpoints",
                                {"environment": ENV_PROD, "service": "FLINK",
                                 "cloud": "AWS", "is_private": "false"})
    assert [i["endpoint"] for i in items] == [
        "https://flink.us-west-2.aws.confluent.cloud"]
    assert items[0]["cloud"] == "aws"
    r = sim_api.get("/endpoint/v1/endpoints",
                    {"environment": ENV_PROD, "service": "KAFKA",
                     "is_private": "maybe"})
    assert r.status == 400


def test_access_point_references(sim_api):
    items, _ = sim_api.list_all("/endpoint/v1/endpoints",
                                {"environment": ENV_STAGING,
                                 "service": "KAFKA",
                                 "resource": "lkc-8hx3wq"})
    assert {i["access_point"]["id"] for i in items} == {"ap-3f8kz2"}
    assert {i["gateway"]["id"] for i in items} == {"gw-7m2xk4"}
    items, _ = sim_api.list_all("/networking/v1/access-points",
                                {"environment": ENV_STAGING,
                                 "spec.gateway": "gw-7m2xk4"})
    assert ids(items) == ["ap-3f8kz2"]
    assert items[0]["status"]["config"]["dns_domain"] == \
        "ap3f8kz2.us-west-2.aws.accesspoint.confluent.cloud"


def test_cluster_network_filter(sim_api):
    items, _ = sim_api.list_all("/cmk/v2/clusters",
                                {"environment": ENV_PROD,
                                 "spec.network": "n-p9x4z"})
    assert ids(items) == ["lkc-7xq2jv"]


def test_flink_regions_filter(sim_api_factory):
    api = sim_api_factory(scenario=[AWS, AZURE])
    items, pages = api.list_all("/fcpm/v2/regions")
    assert len(items) == 6 and pages == 3
    items, _ = api.list_all("/fcpm/v2/regions", {"cloud": "AZURE",
                                                 "region_name": "centralus"})
    assert [i["private_http_endpoint"] for i in items] == [
        "https://flink.centralus.azure.private.confluent.cloud"]


# ---------------------------------------------------------------------------
# headers

def test_request_id_and_rate_limit_headers(sim_api):
    a = sim_api.get("/org/v2/environments")
    b = sim_api.get("/org/v2/environments")
    for r in (a, b):
        uuid.UUID(r.headers["X-Request-Id"])
        assert int(r.headers["X-RateLimit-Limit"]) == 1000
        assert 0 < int(r.headers["X-RateLimit-Reset"]) <= 60
    assert a.headers["X-Request-Id"] != b.headers["X-Request-Id"]
    assert int(b.headers["X-RateLimit-Remaining"]) == \
        int(a.headers["X-RateLimit-Remaining"]) - 1
    assert "Retry-After" not in a.headers


def test_rate_limit_is_enforced(sim_api_factory):
    api = sim_api_factory(rate_limit=3, rate_window=30)
    statuses = [api.get("/org/v2/environments").status for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    r = api.get("/org/v2/environments")
    assert r.status == 429
    assert r.headers["X-RateLimit-Remaining"] == "0"
    assert 0 < int(r.headers["Retry-After"]) <= 30
    assert r.headers["Retry-After"] == r.headers["X-RateLimit-Reset"]
    assert r.body == b""


# ---------------------------------------------------------------------------
# admin: mutations, request log, state

def test_mutate_remove_cluster_also_removes_its_endpoints(sim_api):
    sim_api.mutate({"op": "remove", "type": "clusters", "id": "lkc-9wd3ny"})
    items, _ = sim_api.list_all("/cmk/v2/clusters",
                                {"environment": ENV_PROD})
    assert "lkc-9wd3ny" not in ids(items)
    items, _ = sim_api.list_all("/endpoint/v1/endpoints",
                                {"environment": ENV_PROD,
                                 "service": "KAFKA"})
    assert all(i["resource"]["id"] != "lkc-9wd3ny" for i in items)
    assert sim_api.get("/cmk/v2/clusters/lkc-9wd3ny",
                       {"environment": ENV_PROD}).status == 404


def test_mutate_add_cluster_and_broker(sim_api):
    store = sim_api.store()
    new = json.loads(json.dumps(store.cluster("lkc-7xq2jv")))
    for k in ("_env", "metadata"):
        new.pop(k)
    new["id"] = "lkc-1zz9aa"
    new["spec"]["display_name"] = "added"
    sim_api.mutate({"op": "add", "type": "clusters",
                    "environment": ENV_PROD, "resource": new})
    r = sim_api.get("/cmk/v2/clusters/lkc-1zz9aa", {"environment": ENV_PROD})
    assert r.status == 200
    assert r.json()["spec"]["display_name"] == "added"
    broker = {"id": 6, "port": 9092, "zone": "usw2-az1",
              "host": "e-6a6a-usw2-az1-p9x4z.us-west-2.aws.glb."
                      "confluent.cloud"}
    sim_api.mutate({"op": "add_broker", "cluster": "lkc-7xq2jv",
                    "broker": broker})
    hosts = [b["host"] for b in sim_api.brokers("lkc-7xq2jv")]
    assert hosts[-1] == broker["host"] and len(hosts) == 7
    sim_api.mutate({"op": "remove_broker", "cluster": "lkc-7xq2jv",
                    "host": broker["host"]})
    assert len(sim_api.brokers("lkc-7xq2jv")) == 6


def test_mutate_patch_and_atomicity(sim_api):
    sim_api.mutate({"op": "patch", "id": "lkc-7xq2jv",
                    "patch": {"status": {"phase": "PROVISIONING"}}})
    c = sim_api.get("/cmk/v2/clusters/lkc-7xq2jv",
                    {"environment": ENV_PROD}).json()
    assert c["status"] == {"phase": "PROVISIONING", "cku": 2}
    assert c["metadata"]["updated_at"] != c["metadata"]["created_at"]
    # a batch with one bad op changes nothing
    r = harness.http_request(
        sim_api.host, sim_api.port, "POST", "/_sim/mutate", None,
        {"ops": [{"op": "remove", "id": "lkc-2hv6tp"},
                 {"op": "remove", "id": "lkc-nosuch"}]}, sim_api._ctx)
    assert r.status == 400
    assert "ops[1]" in r.json()["error"]
    assert sim_api.get("/cmk/v2/clusters/lkc-2hv6tp",
                       {"environment": ENV_PROD}).status == 200
    # removing a network clusters point at leaves a dangling reference
    r = harness.http_request(
        sim_api.host, sim_api.port, "POST", "/_sim/mutate", None,
        {"op": "remove", "id": "n-p9x4z"}, sim_api._ctx)
    assert r.status == 400


def test_mutate_add_environment_with_resources(sim_api):
    sim_api.mutate({"op": "add", "type": "environments", "resource": {
        "id": "env-new01", "display_name": "late",
        "clusters": [{"id": "lkc-new01", "spec": {
            "display_name": "x", "availability": "LOW", "cloud": "AWS",
            "region": "us-west-2", "config": {"kind": "Enterprise"}},
            "status": {"phase": "PROVISIONING"}}]}})
    envs, _ = sim_api.list_all("/org/v2/environments")
    assert "env-new01" in ids(envs)
    items, _ = sim_api.list_all("/cmk/v2/clusters",
                                {"environment": "env-new01"})
    assert ids(items) == ["lkc-new01"]
    sim_api.mutate({"op": "remove", "id": "env-new01"})
    assert sim_api.get("/cmk/v2/clusters",
                       {"environment": "env-new01"}).status == 403


def test_reset_restores_scenario(sim_api):
    sim_api.mutate({"op": "remove", "id": "lkc-2hv6tp"})
    sim_api.fault(path="/org/v2/environments", kind="status", status=500,
                  count=-1)
    sim_api.reset()
    assert sim_api.faults() == []
    assert sim_api.requests() == []
    assert sim_api.get("/cmk/v2/clusters/lkc-2hv6tp",
                       {"environment": ENV_PROD}).status == 200


def test_request_log_since_and_fields(sim_api):
    sim_api.get("/org/v2/environments")
    first = sim_api.requests()
    assert len(first) == 1
    e = first[0]
    assert (e["method"], e["path"], e["status"]) == (
        "GET", "/org/v2/environments", 200)
    assert abs(e["time"] - time.time()) < 60
    assert e["key"] == "SIMCLOUDKEY"
    sim_api.get("/cmk/v2/clusters", {"environment": ENV_PROD})
    later = sim_api.requests(since=e["seq"])
    assert [x["path"] for x in later] == ["/cmk/v2/clusters"]
    assert later[0]["query"] == {"environment": ENV_PROD}


def test_admin_state_has_sim_data(sim_api):
    st = sim_api.state()
    prod = [e for e in st["environments"] if e["id"] == ENV_PROD][0]
    c = [c for c in prod["clusters"] if c["id"] == "lkc-7xq2jv"][0]
    assert len(c["_sim"]["brokers"]) == 6


def test_admin_answers_loopback_clients_only():
    from sim.simcore import is_loopback
    for addr in ("127.0.0.1", "127.20.3.1", "::1", "::ffff:127.0.0.1"):
        assert is_loopback(addr), addr
    for addr in ("10.0.0.1", "192.168.1.2", "::ffff:10.0.0.1", "2001:db8::1",
                 "0.0.0.0", "not-an-ip"):
        assert not is_loopback(addr), addr


def test_bad_admin_calls(sim_api):
    def post(path, payload):
        return harness.http_request(sim_api.host, sim_api.port, "POST",
                                    "/_sim/" + path, None, payload,
                                    sim_api._ctx)
    assert post("faults", {"kind": "explode"}).status == 400
    assert post("faults", {"kind": "status"}).status == 400
    assert post("faults", {"kind": "slow", "delay": "1"}).status == 400
    assert post("faults", {"kind": "status", "status": 500,
                           "count": 0}).status == 400
    assert post("mutate", {"op": "frobnicate"}).status == 400
    assert post("nosuch", {}).status == 404
    assert sim_api.faults() == []


# ---------------------------------------------------------------------------
# real clients and process life cycle

def test_curl_with_ca_file(sim_api, tmp_path):
    out = subprocess.run(
        ["curl", "-sS", "--fail", "--max-time", "10", "--cacert",
         sim_api.ca_file, "-u", "%s:%s" % (sim_api.api_key,
                                           sim_api.api_secret),
         sim_api.url + "/networking/v1/private-link-attachments"
         "?environment=" + ENV_PROD],
        capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["data"][0]["status"]["dns_domain"] == \
        "us-west-2.aws.private.confluent.cloud"
    # and curl refuses the server without the CA
    out = subprocess.run(["curl", "-sS", "--max-time", "10",
                          sim_api.url + "/org/v2/environments"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 60


def test_sigterm_stops_cleanly(sim_api):
    assert sim_api.alive()
    sim_api.proc.send_signal(signal.SIGTERM)
    assert sim_api.proc.wait(10) == 0
    assert "Traceback" not in sim_api.log_tail()


def test_bad_scenario_is_refused_with_file_and_place(tmp_path, sim_ca):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"environments": [
        {"id": "env-x1", "display_name": "x",
         "clusters": [{"id": "lkc-a1", "spec": {"network": "n-missing"}}]}]}))
    with pytest.raises(RuntimeError) as exc:
        harness.start_api(tmp_path / "api", scenario=str(bad), ca=sim_ca)
    assert "bad.json" in str(exc.value) and "n-missing" in str(exc.value)
    bad.write_text("{\n  \"environments\": [,]\n}")
    r = subprocess.run([sys.executable, os.path.join(harness.HERE,
                                                     "scenario.py"),
                        "check", str(bad)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "bad.json:2:" in r.stderr


def test_check_validates_each_organization_with_its_own_files(tmp_path):
    """`scenario.py check` over every shipped scenario: files of one
    organization are merged (and must agree), other organizations are
    checked on their own; a clash inside one organization still fails."""
    tool = os.path.join(harness.HERE, "scenario.py")
    files = sorted(glob.glob(os.path.join(harness.SCENARIO_DIR, "*.json")))
    r = subprocess.run([sys.executable, tool, "check"] + files,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    orgs = [line for line in r.stdout.splitlines()
            if line.startswith("organization ")]
    assert len(orgs) >= 3
    merged = [line for line in orgs if "aws-dedicated.json" in line]
    assert len(merged) == 1 and "azure-centralus.json" in merged[0]

    aws = os.path.join(harness.SCENARIO_DIR, "aws-dedicated.json")
    twin = tmp_path / "twin.json"
    twin.write_text(open(aws).read())
    r = subprocess.run([sys.executable, tool, "check", aws, str(twin)],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "twin.json: duplicate id" in r.stderr


def test_basic_auth_header_format_is_standard(sim_api):
    token = base64.b64encode(b"SIMCLOUDKEY:sim-cloud-secret").decode()
    r = sim_api.get("/org/v2/environments", auth=None,
                    headers={"Authorization": "basic " + token})
    assert r.status == 200
