"""cclink-sidecar when the API misbehaves: every bad answer leaves the
previous files in place and is reported with the API call concerned;
retries follow Retry-After and back off on 5xx; a cluster lost for one
discovery keeps its routes, and a route goes only after three complete
discoveries without it."""

import os
import sys
import time

import pytest

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, TESTS)
from sim.fixtures import *  # noqa: E402,F401,F403
from lib.sidecar import BINARY, Sidecar, calls, have_binary  # noqa: E402

pytestmark = pytest.mark.skipif(not have_binary(),
                                reason="%s not built (make sidecar)" % BINARY)

ENDPOINTS = "/endpoint/v1/endpoints"
LOST = "lkc-9wd3ny.us-west-2.aws.private.confluent.cloud"


@pytest.fixture
def sidecar(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sidecar", sim_api)
    sc.write_config()
    sc.run("once", check=0)
    return sc


def failed_calls(sc):
    return [c for c in sc.state()["last_discovery"]["calls"]
            if c["outcome"] == "failed"]


def test_401_keeps_files_and_names_the_call(sidecar):
    before = sidecar.snapshot()
    r = sidecar.run("once", env=sidecar.env(secret="not-the-secret"))
    assert r.returncode == 2
    assert sidecar.snapshot() == before
    assert 'event=api_call_failed call="GET /org/v2/environments" ' \
        'status=401 attempts=1' in r.stderr
    bad = failed_calls(sidecar)
    assert [c["call"] for c in bad] == ["GET /org/v2/environments"]
    assert "authentication failed (401)" in bad[0]["error"]
    st = sidecar.state()
    assert st["last_discovery"]["complete"] is False
    assert len(st["routes"]) > 20


def test_429_waits_for_retry_after(sidecar, sim_api):
    sim_api.clear_requests()
    sim_api.fault(path=ENDPOINTS, kind="status", status=429, retry_after=2,
                  count=1, query={"environment": "env-m2qx7",
                                  "service": "KAFKA"})
    r = sidecar.run("once", check=0)
    assert "event=api_retry call=\"GET /endpoint/v1/endpoints?environment=" \
        "env-m2qx7&service=KAFKA&is_private=true\" attempt=1 status=429 " \
        "wait_ms=2000" in r.stderr
    seen = [q for q in sim_api.requests(path=ENDPOINTS)
            if q["query"].get("service") == "KAFKA"
            and q["query"].get("environment") == "env-m2qx7"
            and "page_token" not in q["query"]]
    assert [q["status"] for q in seen] == [429, 200]
    assert seen[1]["time"] - seen[0]["time"] >= 1.9
    assert sidecar.state()["last_discovery"]["complete"] is True


def test_429_without_retry_after_uses_ratelimit_reset(sidecar, sim_api):
    sim_api.fault(path="/org/v2/environments", kind="status", status=429,
                  retry_after=None, rate_limit_reset=1, count=1)
    r = sidecar.run("once", check=0)
    assert "status=429 wait_ms=1000" in r.stderr


def test_500_then_success(sidecar, sim_api):
    before = sidecar.snapshot()
    sim_api.fault(path="/networking/v1/networks", kind="status", status=500,
                  count=2, query={"environment": "env-r8t4n"})
    r = sidecar.run("once", check=0)
    assert r.stderr.count("event=api_retry call=\"GET /networking/v1/"
                          "networks?environment=env-r8t4n\"") == 2
    net = calls(sidecar.state(), "GET /networking/v1/networks?environment="
                                 "env-r8t4n")[0]
    assert net["attempts"] == 3 and net["outcome"] == "ok"
    assert sidecar.snapshot() == before


def test_500_for_ever_fails_the_call_and_keeps_routes(sidecar, sim_api):
    before = sidecar.snapshot()
    sim_api.fault(path=ENDPOINTS, kind="status", status=503, count=-1,
                  query={"service": "KAFKA"})
    r = sidecar.run("once")
    assert r.returncode == 2
    assert sidecar.snapshot() == before
    bad = failed_calls(sidecar)
    assert {c["call"] for c in bad} >= {
        "GET /endpoint/v1/endpoints?environment=env-m2qx7&service=KAFKA&"
        "is_private=true"}
    assert all(c["attempts"] == 4 for c in bad)
    assert "server error (503)" in bad[0]["error"]
    # the fallback still ran, so nothing was missing in the first place
    assert calls(sidecar.state(), "GET /cmk/v2/clusters")


def test_truncated_json_is_retried(sidecar, sim_api):
    before = sidecar.snapshot()
    sim_api.fault(path="/networking/v1/private-link-attachments",
                  kind="truncate", count=1)
    r = sidecar.run("once", check=0)
    assert "event=api_retry" in r.stderr
    assert sidecar.snapshot() == before


@pytest.mark.parametrize("kind", ["truncate", "malformed"])
def test_bad_json_for_ever_keeps_files(sidecar, sim_api, kind):
    before = sidecar.snapshot()
    sim_api.fault(path="/networking/v1/networks", kind=kind, count=-1)
    r = sidecar.run("once")
    assert r.returncode == 2
    assert sidecar.snapshot() == before
    bad = failed_calls(sidecar)
    assert bad and all(c["call"].startswith("GET /networking/v1/networks?")
                       for c in bad)
    # a short body is a transport error, a bad one a JSON error
    assert ("invalid JSON in the response" in bad[0]["error"]
            or "partial file" in bad[0]["error"])


def test_failed_page_in_the_middle_removes_nothing(tmp_path,
                                                   sim_api_factory):
    api = sim_api_factory(max_page_size=1)
    sc = Sidecar(tmp_path / "sc", api)
    sc.write_config()
    sc.run("once", check=0)
    before = sc.routes()
    table = sc.read("routes.conf").splitlines()

    # lkc-4pn8kd is gone, and page 2 of every endpoint list fails: the
    # call is incomplete, so nothing may be taken as "absent"
    api.mutate({"op": "remove", "id": "lkc-4pn8kd"})
    api.fault(path=ENDPOINTS, kind="page_fail", page=2, status=500,
              count=-1)
    for _ in range(4):
        r = sc.run("once")
        assert r.returncode == 2
        assert "pages=1 error=\"server error (500)" in r.stderr
    after = sc.routes()
    assert all(after.get(k) == g for k, g in before.items())
    assert all(r["absent"] == 0 for r in sc.state()["routes"])
    new = sc.read("routes.conf").splitlines()
    assert [line for line in table if line.startswith(("route", "group"))
            and line not in new] == []


def test_connection_closed_is_retried(sidecar, sim_api):
    sim_api.fault(path="/org/v2/environments", kind="close", count=1)
    r = sidecar.run("once", check=0)
    assert "event=http_error" in r.stderr and "event=api_retry" in r.stderr


def test_cluster_lost_for_one_discovery_changes_no_file(sidecar, sim_api):
    before = sidecar.snapshot()

    sim_api.mutate({"op": "remove", "id": "lkc-9wd3ny"})
    r = sidecar.run("once", check=0)
    assert "result=unchanged" in r.stderr and "kept_absent=1" in r.stderr
    assert sidecar.snapshot() == before
    absent = {x["key"]: x["absent"] for x in sidecar.state()["routes"]}
    assert absent[LOST] == 1

    sim_api.reset(faults=False, requests=False)
    sidecar.run("once", check=0)
    assert sidecar.snapshot() == before
    absent = {x["key"]: x["absent"] for x in sidecar.state()["routes"]}
    assert absent[LOST] == 0


def test_route_goes_after_three_complete_discoveries(sidecar, sim_api):
    sim_api.mutate({"op": "remove", "id": "lkc-9wd3ny"})
    for n in (1, 2):
        sidecar.run("once", check=0)
        assert LOST in sidecar.routes()
        absent = {x["key"]: x["absent"] for x in sidecar.state()["routes"]}
        assert absent[LOST] == n

    # an incomplete discovery in between does not count
    sim_api.fault(path="/networking/v1/access-points", kind="status",
                  status=500, count=-1)
    assert sidecar.run("once").returncode == 2
    assert LOST in sidecar.routes()
    sim_api.clear_faults()

    r = sidecar.run("once", check=0)
    assert "event=route_dropped key=%s" % LOST in r.stderr
    assert LOST not in sidecar.routes()
    assert LOST not in sidecar.read("hosts-linux.txt")


def test_memory_survives_a_restart_through_the_state_file(sidecar,
                                                          sim_api):
    sim_api.mutate({"op": "remove", "id": "lkc-9wd3ny"})
    sidecar.run("once", check=0)
    sidecar.run("once", check=0)
    # each "once" is a new process: the count came from the state file
    absent = {x["key"]: x["absent"] for x in sidecar.state()["routes"]}
    assert absent[LOST] == 2


def test_dropping_most_routes_needs_force(sidecar, sim_api):
    before = sidecar.snapshot()
    sim_api.mutate({"op": "remove", "id": "env-m2qx7"},
                   {"op": "remove", "id": "env-r8t4n"},
                   {"op": "add", "type": "environments",
                    "resource": {"id": "env-empty1", "display_name": "e"}})
    for _ in range(2):
        sidecar.run("once", check=0)
    r = sidecar.run("once")
    assert r.returncode == 1
    assert "event=apply_refused" in r.stderr
    assert sidecar.snapshot() == before
    st = sidecar.state()
    assert st["last_discovery"]["result"] == "refused"
    assert "--force" in st["last_discovery"]["reason"]

    r = sidecar.run("once", "--force", check=0)
    assert sidecar.routes() == {}
    assert "0 names" in sidecar.read("hosts-linux.txt")


def test_broken_state_file_falls_back_to_the_route_table(sidecar, sim_api):
    before = sidecar.snapshot()
    with open(sidecar.path("state.json"), "w") as f:
        f.write("{ not json")
    sim_api.fault(path="/org/v2/environments", kind="status", status=500,
                  count=-1)
    r = sidecar.run("once")
    assert r.returncode == 2
    assert "event=state_error where=%s:1" % sidecar.path("state.json") \
        in r.stderr
    assert "event=state_imported" in r.stderr
    assert sidecar.read("routes.conf") == before["routes.conf"][0].decode()
    assert len(sidecar.state()["routes"]) > 20


def test_unwritable_output_keeps_every_old_file(sidecar, sim_api):
    # a directory where a file should be: its temporary file is fine, the
    # rename would not be; nothing at all may change
    bad = sidecar.path("hosts-windows.txt")
    os.unlink(bad)
    os.mkdir(bad)
    before = {n: sidecar.read(n) for n in ("routes.conf", "hosts-linux.txt",
                                           "nginx-cclink.conf")}
    sim_api.mutate({"op": "add", "type": "endpoints",
                    "environment": "env-m2qx7",
                    "resource": {"id": "e-new3", "service": "KAFKA",
                                 "cloud": "aws", "region": "us-west-2",
                                 "is_private": True,
                                 "connection_type": "PRIVATE_LINK",
                                 "endpoint_type": "REST",
                                 "endpoint": "https://lkc-n3w222.us-west-2."
                                             "aws.private.confluent.cloud"}})
    r = sidecar.run("once")
    assert r.returncode == 1
    assert "event=file_error op=prepare path=%s" % bad in r.stderr
    assert "event=cycle_failed" in r.stderr
    assert {n: sidecar.read(n) for n in before} == before
    assert not [n for n in os.listdir(sidecar.out)
                if n.startswith(".") and n != ".cclink-sidecar.lock"]
    st = sidecar.state()
    assert st["last_discovery"]["result"] == "failed"
    assert "lkc-n3w222.us-west-2.aws.private.confluent.cloud" not in \
        [x["key"] for x in st["routes"]]

    os.rmdir(bad)
    sidecar.run("once", check=0)
    assert "lkc-n3w222.us-west-2.aws.private.confluent.cloud" in \
        sidecar.routes()


def test_slow_api_hits_the_timeout(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "slow", sim_api)
    sc.write_config(http=("http_timeout 1s", "http_retries 0",
                          "http_connect_timeout 1s"))
    sim_api.fault(path="/org/v2/environments", kind="slow", delay=3,
                  count=1)
    t0 = time.monotonic()
    r = sc.run("once")
    assert r.returncode == 2
    assert time.monotonic() - t0 < 10
    assert "Timeout was reached" in r.stderr or "timed out" in r.stderr


def test_redirect_is_followed(sidecar, sim_api):
    before = sidecar.snapshot()
    sim_api.fault(path="/org/v2/environments", kind="redirect", status=307,
                  count=1)
    r = sidecar.run("once", check=0)
    assert "complete=yes" in r.stderr
    assert sidecar.snapshot() == before
    seen = sim_api.requests(path="/org/v2/environments")
    assert [q["status"] for q in seen][-2:] in ([307, 200], [200, 200])


def test_without_the_endpoint_api_the_service_apis_are_used(tmp_path,
                                                            sim_api):
    sim_api.fault(path=ENDPOINTS, kind="status", status=404, count=-1)
    sc = Sidecar(tmp_path / "fallback", sim_api)
    sc.write_config()
    r = sc.run("once", check=0)
    assert "complete=yes" in r.stderr
    st = sc.state()
    assert all(c["outcome"] == "unavailable"
               for c in calls(st, "GET /endpoint/v1/endpoints"))
    assert calls(st, "GET /cmk/v2/clusters?environment=env-m2qx7")
    assert calls(st, "GET /srcm/v3/clusters?environment=env-m2qx7")
    assert calls(st, "GET /fcpm/v2/regions")

    routes = sc.routes()
    for host, group in [
            # spec.endpoints, spelled PRIVATELINK
            ("lkc-7xq2jv-p9x4z.us-west-2.aws.glb.confluent.cloud",
             "n-p9x4z"),
            # the deprecated fields with SASL_SSL://
            ("lkc-4pn8kd-k2m7r.us-west-2.aws.glb.confluent.cloud",
             "n-k2m7r"),
            # spec.endpoints keyed by an access point
            ("lkc-8hx3wq-ap3f8kz2.us-west-2.aws.accesspoint.glb.confluent."
             "cloud", "ap-3f8kz2"),
            ("lsrc-5jm2xq.us-west-2.aws.private.confluent.cloud",
             "platt-k3v8m"),
            # Flink: network suffix and the region's private endpoint
            ("flink-p9x4z.us-west-2.aws.glb.confluent.cloud", "n-p9x4z"),
            ("flinkpls-p9x4z.us-west-2.aws.glb.confluent.cloud", "n-p9x4z"),
            ("flink.us-west-2.aws.private.confluent.cloud", "platt-k3v8m")]:
        assert routes.get(host) == group, host
    # the public cluster and the other regions stay out
    text = sc.read("routes.conf")
    assert "pkc-" not in text and "us-east-1" not in text
