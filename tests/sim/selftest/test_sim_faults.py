"""Each fault kind of the simulated control-plane API behaves as the
README says: what the client sees, how many requests it lasts, and that the
API recovers afterwards."""

import http.client
import json
import os
import socket
import ssl
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", ".."))
from sim import harness  # noqa: E402
from sim.fixtures import *  # noqa: E402,F401,F403

ENV = "env-m2qx7"
CLUSTERS = "/cmk/v2/clusters"


def get_clusters(api, **params):
    return api.get(CLUSTERS, dict({"environment": ENV}, **params))


def test_429_with_retry_after_and_reset_then_recovers(sim_api):
    f = sim_api.fault(path=CLUSTERS, kind="status", status=429,
                      retry_after=2, rate_limit_reset=3)
    assert f["count"] == 1
    r = get_clusters(sim_api)
    assert r.status == 429
    assert r.headers["Retry-After"] == "2"
    assert r.headers["X-RateLimit-Reset"] == "3"
    assert r.headers["X-RateLimit-Remaining"] == "0"
    assert r.headers["X-Request-Id"]
    assert r.body == b""
    assert get_clusters(sim_api).status == 200
    assert sim_api.faults() == []
    log = sim_api.requests(path=CLUSTERS)
    assert [e["status"] for e in log] == [429, 200]
    assert log[0]["faults"] == [f["id"]]


def test_429_without_retry_after(sim_api):
    sim_api.fault(path=CLUSTERS, kind="status", status=429,
                  retry_after=None, rate_limit_reset=5)
    r = get_clusters(sim_api)
    assert r.status == 429
    assert "Retry-After" not in r.headers
    assert r.headers["X-RateLimit-Reset"] == "5"


@pytest.mark.parametrize("status,code", [
    (500, "internal_server_error"), (503, "service_unavailable"),
    (401, "user_unauthenticated"), (403, "user_unauthorized"),
    (404, "resource_not_found")])
def test_status_faults_give_failure_bodies(sim_api, status, code):
    sim_api.fault(path=CLUSTERS, kind="status", status=status)
    r = get_clusters(sim_api)
    assert r.status == status
    err = r.json()["errors"][0]
    assert (err["status"], err["code"]) == (str(status), code)
    if status == 401:
        assert "invalid_key" in r.headers["WWW-Authenticate"]
    assert get_clusters(sim_api).status == 200


def test_status_fault_count_skip_and_query_match(sim_api):
    sim_api.fault(path=CLUSTERS, kind="status", status=503, count=2, skip=1,
                  query={"environment": ENV})
    other = sim_api.get(CLUSTERS, {"environment": "env-r8t4n"})
    assert other.status == 200                       # query does not match
    assert [get_clusters(sim_api).status for _ in range(4)] == \
        [200, 503, 503, 200]


def test_forever_fault_until_deleted(sim_api):
    sim_api.fault(path="/org/v2/*", kind="status", status=500, count=-1)
    for _ in range(3):
        assert sim_api.get("/org/v2/environments").status == 500
    assert sim_api.get("/org/v2/environments/env-m2qx7").status == 500
    assert get_clusters(sim_api).status == 200       # other path
    assert sim_api.clear_faults() == 1
    assert sim_api.get("/org/v2/environments").status == 200


def test_fault_can_be_removed_by_id(sim_api):
    f = sim_api.fault(path=CLUSTERS, kind="status", status=500, count=-1)
    sim_api.remove_fault(f["id"])
    assert get_clusters(sim_api).status == 200


def test_status_fault_with_custom_html_body(sim_api):
    sim_api.fault(path=CLUSTERS, kind="status", status=502,
                  body="<html>bad gateway</html>", content_type="text/html")
    r = get_clusters(sim_api)
    assert r.status == 502
    assert r.headers["Content-Type"] == "text/html"
    assert r.body == b"<html>bad gateway</html>"


def test_slow_delays_the_answer(sim_api):
    sim_api.fault(path=CLUSTERS, kind="slow", delay=1.5)
    t0 = time.monotonic()
    r = get_clusters(sim_api)
    took = time.monotonic() - t0
    assert r.status == 200
    assert took >= 1.4
    t0 = time.monotonic()
    get_clusters(sim_api)
    assert time.monotonic() - t0 < 1.0


def test_slow_trips_a_client_timeout(sim_api):
    sim_api.fault(path=CLUSTERS, kind="slow", delay=3)
    with pytest.raises((socket.timeout, TimeoutError)):
        sim_api.get(CLUSTERS, {"environment": ENV}, timeout=1)


def test_truncate_cuts_body_with_full_content_length(sim_api):
    sim_api.fault(path=CLUSTERS, kind="truncate")
    ctx = ssl.create_default_context(cafile=sim_api.ca_file)
    conn = http.client.HTTPSConnection("127.0.0.1", sim_api.port,
                                       context=ctx, timeout=10)
    conn.request("GET", CLUSTERS + "?environment=" + ENV,
                 headers=harness.basic_auth(sim_api.api_key,
                                            sim_api.api_secret))
    r = conn.getresponse()
    assert r.status == 200
    assert r.getheader("Content-Type") == "application/json"
    length = int(r.getheader("Content-Length"))
    with pytest.raises(http.client.IncompleteRead) as exc:
        r.read()
    got = len(exc.value.partial)
    assert 0 < got < length
    assert got == length // 2
    conn.close()
    assert get_clusters(sim_api).status == 200


def test_truncate_seen_by_curl(sim_api):
    import subprocess
    sim_api.fault(path=CLUSTERS, kind="truncate")
    out = subprocess.run(
        ["curl", "-sS", "--max-time", "10", "--cacert", sim_api.ca_file,
         "-u", "%s:%s" % (sim_api.api_key, sim_api.api_secret),
         "%s%s?environment=%s" % (sim_api.url, CLUSTERS, ENV)],
        capture_output=True, text=True, timeout=30)
    assert out.returncode == 18          # CURLE_PARTIAL_FILE
    assert "bytes remaining" in out.stderr


def test_malformed_is_200_with_invalid_json(sim_api):
    sim_api.fault(path=CLUSTERS, kind="malformed")
    r = get_clusters(sim_api)
    assert r.status == 200
    assert int(r.headers["Content-Length"]) == len(r.body)
    with pytest.raises(ValueError):
        json.loads(r.body)
    assert get_clusters(sim_api).json()["data"]


def test_page_fail_hits_only_the_nth_page(sim_api):
    sim_api.fault(path=CLUSTERS, kind="page_fail", page=2, status=503)
    first = get_clusters(sim_api)
    assert first.status == 200
    nxt = first.json()["metadata"]["next"]
    second = sim_api.follow(nxt)
    assert second.status == 503
    assert second.json()["errors"][0]["status"] == "503"
    # a retry of page 2 succeeds; the fault is spent
    again = sim_api.follow(nxt)
    assert again.status == 200
    log = sim_api.requests(path=CLUSTERS)
    assert [(e["page"], e["status"]) for e in log] == [(1, 200), (2, 503),
                                                       (2, 200)]


def test_page_fail_with_429(sim_api):
    sim_api.fault(path=CLUSTERS, kind="page_fail", page=1, status=429,
                  retry_after=1)
    r = get_clusters(sim_api)
    assert r.status == 429 and r.headers["Retry-After"] == "1"


def test_drop_hides_a_resource_for_count_responses(sim_api):
    sim_api.fault(path=CLUSTERS, kind="drop", resource="lkc-7xq2jv", count=2)
    for _ in range(2):
        items, _ = sim_api.list_all(CLUSTERS, {"environment": ENV})
        assert "lkc-7xq2jv" not in [i["id"] for i in items]
        assert len(items) == 2
    items, _ = sim_api.list_all(CLUSTERS, {"environment": ENV})
    assert "lkc-7xq2jv" in [i["id"] for i in items]


def test_drop_counts_only_responses_that_held_the_resource(sim_api):
    sim_api.fault(path="*", kind="drop", resource="lkc-7xq2jv")
    assert sim_api.get("/org/v2/environments").status == 200
    assert len(sim_api.faults()) == 1                 # not consumed
    r = sim_api.get(CLUSTERS + "/lkc-7xq2jv", {"environment": ENV})
    assert r.status == 404
    assert sim_api.faults() == []


def test_drop_on_the_list_path_also_hides_the_resource_get(sim_api):
    sim_api.fault(path=CLUSTERS, kind="drop", resource="lkc-9wd3ny",
                  count=-1)
    assert get_clusters(sim_api).status == 200
    r = sim_api.get(CLUSTERS + "/lkc-9wd3ny", {"environment": ENV})
    assert r.status == 404
    assert sim_api.get(CLUSTERS + "/lkc-7xq2jv",
                       {"environment": ENV}).status == 200
    sim_api.clear_faults()
    assert sim_api.get(CLUSTERS + "/lkc-9wd3ny",
                       {"environment": ENV}).status == 200


def test_redirect_is_followed_to_the_same_resource(sim_api):
    sim_api.fault(path=CLUSTERS, kind="redirect", status=307)
    r = get_clusters(sim_api)
    assert r.status == 307
    loc = r.headers["Location"]
    assert loc.startswith(sim_api.url + CLUSTERS + "?environment=")
    assert sim_api.follow(loc).status == 200


def test_close_drops_the_connection_without_answer(sim_api):
    sim_api.fault(path=CLUSTERS, kind="close")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError,
                        ssl.SSLError)):
        get_clusters(sim_api)
    assert get_clusters(sim_api).status == 200


def test_faults_listed_with_remaining_counts(sim_api):
    sim_api.fault(path=CLUSTERS, kind="status", status=500, count=3)
    get_clusters(sim_api)
    (f,) = sim_api.faults()
    assert (f["count"], f["applied"]) == (2, 1)


def test_faults_apply_only_to_api_not_admin(sim_api):
    sim_api.fault(path="*", kind="status", status=500, count=-1)
    assert sim_api.requests() == []          # admin still answers
    assert sim_api.get("/org/v2/environments").status == 500


def test_unauthenticated_retry_after_401_fault(sim_api):
    sim_api.fault(path=CLUSTERS, kind="status", status=401)
    r = get_clusters(sim_api)
    assert r.status == 401
    assert get_clusters(sim_api).status == 200
