"""The simulated Kafka REST v3 backend: CORS for the Console, cluster API
key auth, topics, cluster links and mirror topics, and the Console path
through the simulated private endpoint."""

import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", ".."))
from sim import harness  # noqa: E402
from sim.fixtures import *  # noqa: E402,F401,F403

CID = "lkc-7xq2jv"
OTHER = "lkc-9wd3ny"
CONSOLE = "https://confluent.cloud"
BASE = "/kafka/v3/clusters/" + CID


def preflight(rest, origin, method="POST",
              headers="authorization,content-type", extra=None):
    h = {"Origin": origin, "Access-Control-Request-Method": method,
         "Access-Control-Request-Headers": headers}
    h.update(extra or {})
    return rest.request("OPTIONS", BASE + "/topics", headers=h)


def test_cors_preflight_for_the_console(sim_rest):
    r = preflight(sim_rest, CONSOLE)
    assert r.status == 204
    assert r.headers["Access-Control-Allow-Origin"] == CONSOLE
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    methods = {m.strip() for m in
               r.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST", "DELETE"} <= methods
    assert r.headers["Access-Control-Allow-Headers"] == \
        "authorization,content-type"
    assert int(r.headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in r.headers["Vary"]
    assert "Access-Control-Allow-Private-Network" not in r.headers
    # a preflight carries no credentials and needs none
    assert sim_rest.requests()[-1]["key"] is None


def test_private_network_preflight(sim_rest):
    r = preflight(sim_rest, CONSOLE, "GET", "authorization",
                  {"Access-Control-Request-Private-Network": "true"})
    assert r.status == 204
    assert r.headers["Access-Control-Allow-Private-Network"] == "true"


def test_foreign_origin_gets_no_cors_headers(sim_rest):
    r = preflight(sim_rest, "https://evil.example")
    assert "Access-Control-Allow-Origin" not in r.headers
    assert "Access-Control-Allow-Credentials" not in r.headers
    r = sim_rest.request("GET", BASE + "/topics", auth=True,
                         headers={"Origin": "https://evil.example"})
    assert r.status == 200
    assert "Access-Control-Allow-Origin" not in r.headers


def test_actual_request_carries_cors_headers(sim_rest):
    r = sim_rest.request("GET", BASE + "/topics", auth=True,
                         headers={"Origin": CONSOLE})
    assert r.status == 200
    assert r.headers["Access-Control-Allow-Origin"] == CONSOLE
    assert r.headers["Access-Control-Allow-Credentials"] == "true"


def test_401_without_or_with_wrong_key(sim_rest):
    for auth in (None, ("SIMKAFKAKEY", "nope"), ("X", "Y")):
        r = sim_rest.request("GET", BASE + "/topics", auth=auth,
                             headers={"Origin": CONSOLE})
        assert r.status == 401
        assert r.json() == {"error_code": 40101,
                            "message": "Authentication failed"}
        # the browser can read the error: CORS headers are on it too
        assert r.headers["Access-Control-Allow-Origin"] == CONSOLE


def test_each_cluster_has_its_own_key(tmp_path):
    rest = harness.start_rest_backend(
        tmp_path / "rest", clusters={CID: ("KEYA", "sa"),
                                     OTHER: ("KEYB", "sb")})
    try:
        assert rest.request("GET", BASE, auth=("KEYA", "sa")).status == 200
        assert rest.request("GET", BASE, auth=("KEYB", "sb")).status == 401
        r = rest.request("GET", "/kafka/v3/clusters/lkc-nosuch",
                         auth=("KEYA", "sa"))
        assert r.status == 404
    finally:
        rest.stop()


def test_cluster_data_links_use_request_host(sim_rest):
    host = "lkc-7xq2jv-p9x4z.us-west-2.aws.glb.confluent.cloud"
    r = sim_rest.request("GET", BASE, auth=True, headers={"Host": host})
    doc = r.json()
    assert doc["kind"] == "KafkaCluster"
    assert doc["cluster_id"] == CID
    assert doc["metadata"]["self"] == "https://%s%s" % (host, BASE)
    assert doc["topics"]["related"] == "https://%s%s/topics" % (host, BASE)


def test_topics_list_and_create(sim_rest):
    r = sim_rest.request("GET", BASE + "/topics", auth=True)
    assert r.json() == {"kind": "KafkaTopicList",
                        "metadata": {"self": r.json()["metadata"]["self"],
                                     "next": None},
                        "data": []}
    r = sim_rest.request("POST", BASE + "/topics", auth=True,
                         body={"topic_name": "orders",
                               "partitions_count": 12,
                               "configs": [{"name": "cleanup.policy",
                                            "value": "compact"}]})
    assert r.status == 201
    t = r.json()
    assert (t["kind"], t["topic_name"], t["partitions_count"],
            t["replication_factor"], t["is_internal"]) == (
        "KafkaTopic", "orders", 12, 3, False)
    assert t["configs"]["related"].endswith("/topics/orders/configs")
    names = [d["topic_name"] for d in sim_rest.request(
        "GET", BASE + "/topics", auth=True).json()["data"]]
    assert names == ["orders"]
    r = sim_rest.request("POST", BASE + "/topics", auth=True,
                         body={"topic_name": "orders"})
    assert r.status == 400
    assert r.json() == {"error_code": 40002,
                        "message": "Topic 'orders' already exists."}


def test_topic_validation(sim_rest):
    for body in ({"topic_name": "bad name"}, {"topic_name": ""}, {},
                 {"topic_name": "t", "replication_factor": 2},
                 {"topic_name": "t", "partitions_count": 0}):
        r = sim_rest.request("POST", BASE + "/topics", auth=True, body=body)
        assert r.status == 400, body
    r = sim_rest.request("POST", BASE + "/topics", auth=True,
                         body={"topic_name": "dry", "validate_only": True})
    assert r.status == 200
    assert sim_rest.state()[CID]["topics"] == []
    r = sim_rest.request("POST", BASE + "/topics", auth=True,
                         body="{not json")
    assert r.status == 400


def test_links_and_mirrors(sim_rest):
    r = sim_rest.request("POST", BASE + "/links", auth=True,
                         body={"source_cluster_id": "lkc-3nv7yd"})
    assert r.status == 400                        # link_name missing
    configs = [{"name": "bootstrap.servers",
                "value": "lkc-3nv7yd-m4x8q.centralus.azure.glb."
                         "confluent.cloud:9092"}]
    r = sim_rest.request("POST", BASE + "/links?link_name=from-azure",
                         auth=True, body={"source_cluster_id": "lkc-3nv7yd",
                                          "configs": configs})
    assert r.status == 204 and r.body == b""
    r = sim_rest.request("POST", BASE + "/links?link_name=from-azure",
                         auth=True, body={"source_cluster_id": "lkc-3nv7yd"})
    assert r.status == 400
    links = sim_rest.request("GET", BASE + "/links", auth=True).json()
    assert links["kind"] == "KafkaLinkDataList"
    (link,) = links["data"]
    assert (link["kind"], link["link_name"], link["source_cluster_id"],
            link["topic_names"], link["link_state"]) == (
        "KafkaLinkData", "from-azure", "lkc-3nv7yd", [], "ACTIVE")
    assert link["cluster_link_id"] and link["link_id"]
    r = sim_rest.request("POST", BASE + "/links/from-azure/mirrors",
                         auth=True, body={"source_topic_name": "payments"})
    assert r.status == 204
    mirrors = sim_rest.request("GET", BASE + "/links/from-azure/mirrors",
                               auth=True).json()
    assert mirrors["kind"] == "KafkaMirrorDataList"
    (m,) = mirrors["data"]
    assert (m["kind"], m["mirror_topic_name"], m["source_topic_name"],
            m["mirror_status"], m["link_name"]) == (
        "KafkaMirrorData", "payments", "payments", "ACTIVE", "from-azure")
    assert len(m["mirror_lags"]) == m["num_partitions"]
    every = sim_rest.request("GET", BASE + "/links/-/mirrors",
                             auth=True).json()
    assert [x["mirror_topic_name"] for x in every["data"]] == ["payments"]
    # a mirror topic is a topic, and shows on its link
    topics = sim_rest.request("GET", BASE + "/topics", auth=True).json()
    assert [t["topic_name"] for t in topics["data"]] == ["payments"]
    one = sim_rest.request("GET", BASE + "/links/from-azure",
                           auth=True).json()
    assert one["topic_names"] == ["payments"]
    r = sim_rest.request("POST", BASE + "/links/nosuch/mirrors", auth=True,
                         body={"source_topic_name": "x"})
    assert r.status == 404
    assert sim_rest.request("DELETE", BASE + "/links/from-azure",
                            auth=True).status == 200
    assert sim_rest.request("GET", BASE + "/links/from-azure",
                            auth=True).status == 404


def test_link_validate_only_creates_nothing(sim_rest):
    r = sim_rest.request(
        "POST", BASE + "/links?link_name=l1&validate_only=true", auth=True,
        body={"destination_cluster_id": "lkc-3nv7yd"})
    assert r.status == 204
    assert sim_rest.state()[CID]["links"] == {}


def test_429_is_jetty_html_without_rate_headers(sim_rest):
    sim_rest.fault(path=BASE + "/topics", kind="status", status=429)
    r = sim_rest.request("GET", BASE + "/topics", auth=True)
    assert r.status == 429
    assert r.headers["Content-Type"].startswith("text/html")
    assert b"HTTP ERROR 429" in r.body
    assert "X-RateLimit-Limit" not in r.headers
    assert sim_rest.request("GET", BASE + "/topics", auth=True).status == 200


def test_unknown_path_and_method(sim_rest):
    assert sim_rest.request("GET", "/", auth=True).status == 404
    r = sim_rest.request("PUT", BASE + "/topics", auth=True, body={})
    assert r.status == 405
    assert sim_rest.request("GET", BASE + "/nosuch",
                            auth=True).status == 404


def test_seeded_topics(tmp_path):
    rest = harness.start_rest_backend(tmp_path / "rest", clusters=(CID,),
                                      topics=(CID + ":orders",
                                              CID + ":_internal"))
    try:
        data = rest.request("GET", BASE + "/topics", auth=True).json()["data"]
        assert [(t["topic_name"], t["is_internal"]) for t in data] == [
            ("_internal", True), ("orders", False)]
    finally:
        rest.stop()


@pytest.mark.skipif(os.geteuid() != 0,
                    reason="the endpoint listens on port 443")
def test_console_path_through_the_private_endpoint(sim_endpoint_factory,
                                                   sim_rest):
    """What the browser does: preflight, then the real call, both over TLS
    to the cluster's REST name, reaching the REST backend by SNI."""
    name = "lkc-9wd3ny.us-west-2.aws.private.confluent.cloud"
    ep = sim_endpoint_factory(https_routes={name: sim_rest.address})
    addr = ep.zones["usw2-az1"]
    url = "https://%s/kafka/v3/clusters/%s/topics" % (name, OTHER)
    common = ["curl", "-sS", "--max-time", "10", "--cacert", ep.ca_file,
              "--resolve", "%s:443:%s" % (name, addr), "-H",
              "Origin: " + CONSOLE]
    out = subprocess.run(
        common + ["-X", "OPTIONS", "-D", "-", "-o", "/dev/null",
                  "-H", "Access-Control-Request-Method: POST",
                  "-H", "Access-Control-Request-Headers: authorization",
                  "-H", "Access-Control-Request-Private-Network: true", url],
        capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    headers = out.stdout.lower()
    assert "access-control-allow-origin: https://confluent.cloud" in headers
    assert "access-control-allow-private-network: true" in headers
    key, secret = sim_rest.clusters[OTHER]
    out = subprocess.run(
        common + ["--fail", "-u", "%s:%s" % (key, secret), "-H",
                  "Content-Type: application/json", "-d",
                  json.dumps({"topic_name": "from-console"}), url],
        capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    topic = json.loads(out.stdout)
    assert topic["metadata"]["self"] == url + "/from-console"
    log = sim_rest.requests()
    assert [(e["method"], e["host"]) for e in log] == [("OPTIONS", name),
                                                       ("POST", name)]
    assert ep.error_log_problems() == []
