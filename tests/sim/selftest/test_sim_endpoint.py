"""The simulated private endpoint (stock nginx): TLS from the test CA for
the routed names, SNI routing to different backends, one address per zone
visible in the access log, zones that go down, routes that change."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", ".."))
from sim import harness  # noqa: E402
from sim.endpoint import (EndpointError, can_connect,  # noqa: E402
                          zone_addresses)
from sim.fixtures import *  # noqa: E402,F401,F403

LABELS = ["usw2-az1", "usw2-az2", "usw2-az3"]
BROKER_A = "e-0a3f-usw2-az1-p9x4z.us-west-2.aws.glb.confluent.cloud"
BROKER_B = "e-1b72-usw2-az2-p9x4z.us-west-2.aws.glb.confluent.cloud"
BOOTSTRAP = "lkc-7xq2jv-p9x4z.us-west-2.aws.glb.confluent.cloud"
ENTERPRISE = "lkc-9wd3ny.us-west-2.aws.private.confluent.cloud"

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="the endpoint listens on port 443")


def s_client(address, port, name, ca_file, data=b"ping\nQUIT\n",
             verify=True):
    """openssl s_client with chain and host name verification; sends data
    and returns (returncode, stdout)."""
    cmd = ["openssl", "s_client", "-connect", "%s:%d" % (address, port),
           "-servername", name, "-ign_eof"]
    if verify:
        cmd += ["-CAfile", ca_file, "-verify_return_error",
                "-verify_hostname", name]
    r = subprocess.run(cmd, input=data, capture_output=True, timeout=30)
    return r.returncode, r.stdout.decode(errors="replace")


@pytest.fixture
def two_backends(sim_tcp_factory):
    return sim_tcp_factory("backend-A"), sim_tcp_factory("backend-B")


@pytest.fixture
def endpoint(sim_endpoint_factory, two_backends):
    a, b = two_backends
    ep = sim_endpoint_factory(kafka_routes={BROKER_A: a.address,
                                            BROKER_B: b.address,
                                            BOOTSTRAP: [a.address,
                                                        b.address]},
                              extra_names=[ENTERPRISE])
    yield ep
    assert ep.error_log_problems() == []


def az(ep, n):
    return ep.zones["usw2-az%d" % n]


def test_routes_two_names_to_two_backends_verified_by_s_client(endpoint):
    az1 = az(endpoint, 1)
    rc, out = s_client(az1, 9092, BROKER_A, endpoint.ca_file)
    assert rc == 0, out
    assert "Verify return code: 0 (ok)" in out
    assert "backend-A\nping\n" in out
    rc, out = s_client(az1, 9092, BROKER_B, endpoint.ca_file)
    assert rc == 0, out
    assert "backend-B\nping\n" in out
    assert "backend-A" not in out


def test_untrusted_without_the_test_ca(endpoint, tmp_path):
    az1 = az(endpoint, 1)
    other = harness.SimCA(tmp_path / "other-ca")
    rc, out = s_client(az1, 9092, BROKER_A, other.cert)
    assert rc != 0
    assert "backend-A" not in out


def test_certificate_name_is_checked(endpoint):
    az1 = az(endpoint, 1)
    rc, out = s_client(az1, 9092, "api.example.test", endpoint.ca_file)
    assert rc != 0
    assert "backend-" not in out


def test_python_client_sees_a_valid_chain_for_wildcard_parent(endpoint):
    az2 = az(endpoint, 2)
    data, cert = harness.tls_exchange(az2, 9092, BROKER_B, endpoint.ca_file,
                                      b"hello\nQUIT\n")
    assert data == b"backend-B\n"
    sans = {v for k, v in cert["subjectAltName"]}
    assert "*.us-west-2.aws.glb.confluent.cloud" in sans


def test_each_zone_address_is_logged(endpoint):
    az1, az3 = az(endpoint, 1), az(endpoint, 3)
    for addr in (az1, az3):
        rc, _ = s_client(addr, 9092, BROKER_A, endpoint.ca_file)
        assert rc == 0
    e1 = endpoint.wait_for_log(lambda e: e["server_addr"] == az1)
    e3 = endpoint.wait_for_log(lambda e: e["server_addr"] == az3)
    assert (e1["zone"], e3["zone"]) == ("usw2-az1", "usw2-az3")
    for e in (e1, e3):
        assert e["sni"] == BROKER_A
        assert e["server_port"] == "9092"
        assert e["upstream"] == endpoint.kafka_routes[BROKER_A][0]
        assert e["status"] == "200"
        assert e["bytes_sent"] > 0
    assert not [e for e in endpoint.log_entries() if e["zone"] == "usw2-az2"]


def test_bootstrap_spreads_over_brokers(endpoint, two_backends):
    a, b = two_backends
    az2 = az(endpoint, 2)
    seen = set()
    for _ in range(4):
        rc, out = s_client(az2, 9092, BOOTSTRAP, endpoint.ca_file)
        assert rc == 0
        seen.add("backend-A" if "backend-A" in out else "backend-B")
    assert seen == {"backend-A", "backend-B"}
    assert a.connections >= 1 and b.connections >= 1


def test_unrouted_name_is_closed_without_upstream(endpoint, two_backends):
    before = sum(b.connections for b in two_backends)
    az1 = az(endpoint, 1)
    rc, out = s_client(az1, 9092, ENTERPRISE, endpoint.ca_file, data=b"")
    assert "Verify return code: 0 (ok)" in out   # the handshake is fine
    assert "backend-" not in out                 # but nothing behind it
    e = endpoint.wait_for_log(lambda e: e["sni"] == ENTERPRISE)
    assert e["upstream"] == "" and e["status"] == "500"
    assert sum(b.connections for b in two_backends) == before


def test_kafka_names_are_not_routed_on_443(endpoint):
    az1 = az(endpoint, 1)
    rc, out = s_client(az1, 443, BROKER_A, endpoint.ca_file)
    assert "backend-A" not in out


def test_zone_down_and_up(endpoint):
    az1, az2 = az(endpoint, 1), az(endpoint, 2)
    endpoint.set_zone_down("usw2-az2")
    assert not can_connect(az2, 9092)
    assert not can_connect(az2, 443)
    assert set(endpoint.addresses) == {"usw2-az1", "usw2-az3"}
    rc, out = s_client(az1, 9092, BROKER_B, endpoint.ca_file)
    assert rc == 0 and "backend-B" in out
    endpoint.set_zone_down("usw2-az2", down=False)
    rc, out = s_client(az2, 9092, BROKER_B, endpoint.ca_file)
    assert rc == 0 and "backend-B" in out
    with pytest.raises(EndpointError):
        endpoint.set_zone_down("usw2-az9")


def test_routes_change_at_run_time(endpoint, sim_tcp_factory):
    c = sim_tcp_factory("backend-C")
    az1, az3 = az(endpoint, 1), az(endpoint, 3)
    new_name = "e-6a6a-usw2-az1-p9x4z.us-west-2.aws.glb.confluent.cloud"
    routes = dict(endpoint.kafka_routes, **{new_name: c.address})
    endpoint.set_routes(kafka_routes=routes)
    rc, out = s_client(az3, 9092, new_name, endpoint.ca_file)
    assert rc == 0 and "backend-C" in out
    routes.pop(BROKER_A)
    endpoint.set_routes(kafka_routes=routes)
    rc, out = s_client(az1, 9092, BROKER_A, endpoint.ca_file)
    assert "backend-A" not in out


def test_bad_route_is_refused(sim_endpoint_factory):
    with pytest.raises(EndpointError):
        sim_endpoint_factory(kafka_routes={"bad name!": "127.0.0.1:1"})
    with pytest.raises(EndpointError):
        sim_endpoint_factory(kafka_routes={BROKER_A: "localhost:9092"})


def test_address_in_use_is_reported(endpoint, sim_endpoint_factory):
    with pytest.raises(EndpointError) as exc:
        sim_endpoint_factory(zones=endpoint.zones, kafka_routes={})
    assert "in use" in str(exc.value)


def test_curl_reaches_rest_backend_by_name(sim_endpoint_factory, sim_rest):
    rest_name = "lkc-7xq2jv-p9x4z.us-west-2.aws.glb.confluent.cloud"
    ep = sim_endpoint_factory(https_routes={rest_name: sim_rest.address})
    az3 = az(ep, 3)
    key, secret = sim_rest.clusters["lkc-7xq2jv"]
    out = subprocess.run(
        ["curl", "-sS", "--fail", "--max-time", "10",
         "--cacert", ep.ca_file, "--resolve", "%s:443:%s" % (rest_name, az3),
         "-u", "%s:%s" % (key, secret),
         "https://%s/kafka/v3/clusters/lkc-7xq2jv" % rest_name],
        capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["kind"] == "KafkaCluster"
    assert doc["metadata"]["self"] == \
        "https://%s/kafka/v3/clusters/lkc-7xq2jv" % rest_name
    e = ep.wait_for_log(lambda e: e["server_port"] == "443")
    assert (e["zone"], e["sni"]) == ("usw2-az3", rest_name)
    assert sim_rest.requests()[-1]["host"] == rest_name


def test_cluster_endpoint_from_scenario(sim_endpoint_factory, sim_tcp_factory,
                                        sim_rest, tmp_path):
    store = harness.scenario.load([harness.scenario_path(
        "aws-dedicated.json")])
    brokers = store.brokers("lkc-7xq2jv")
    backends = {b["host"]: sim_tcp_factory("broker-%d" % b["id"])
                for b in brokers}
    ep = harness.start_cluster_endpoint(
        tmp_path / "ep", store, "lkc-7xq2jv",
        {h: t.address for h, t in backends.items()},
        rest_backend=sim_rest.address, ca=harness.SimCA(tmp_path / "ca"))
    try:
        assert set(ep.zones) == {"usw2-az1", "usw2-az2", "usw2-az3"}
        for b in brokers:
            rc, out = s_client(ep.zones[b["zone"]], 9092, b["host"],
                               ep.ca_file)
            assert rc == 0 and "broker-%d\n" % b["id"] in out
        rc, out = s_client(az(ep, 1), 9092, BOOTSTRAP, ep.ca_file)
        assert rc == 0 and "broker-" in out
        assert BOOTSTRAP in ep.https_routes
    finally:
        ep.stop()


def test_cli_with_broker_map(tmp_path, sim_tcp_factory, sim_ca):
    a, b = sim_tcp_factory("cli-A"), sim_tcp_factory("cli-B")
    bmap = tmp_path / "brokers.json"
    bmap.write_text(json.dumps({BROKER_A: a.address, BROKER_B: b.address}))
    ready = tmp_path / "ready.json"
    base = harness.free_zone_base(LABELS)
    zones = zone_addresses(LABELS, base)
    proc = subprocess.Popen(
        [sys.executable, os.path.join(harness.HERE, "endpoint.py"),
         "--dir", str(tmp_path / "ep"), "--ca-dir", sim_ca.dir,
         "--zone-base", base, "--brokers", str(bmap),
         "--bootstrap", BOOTSTRAP, "--ready-file", str(ready)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        harness.wait_for(lambda: ready.exists() or proc.poll() is not None,
                         20, what="endpoint ready file")
        assert proc.poll() is None, proc.stderr.read().decode()
        info = json.loads(ready.read_text())
        assert info["zones"] == zones
        rc, out = s_client(zones["usw2-az2"], 9092, BROKER_B, info["ca"])
        assert rc == 0 and "cli-B" in out
        rc, out = s_client(zones["usw2-az2"], 9092, BOOTSTRAP, info["ca"])
        assert rc == 0 and "cli-" in out
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    harness.wait_for(lambda: not can_connect(zones["usw2-az1"], 9092), 10,
                     what="nginx to stop")
    with open(info["error_log"]) as f:
        assert "[emerg]" not in f.read()


def test_stop_frees_the_addresses(sim_endpoint_factory):
    ep = sim_endpoint_factory(kafka_routes={})
    assert can_connect(az(ep, 1), 9092)
    ep.stop()
    assert not can_connect(az(ep, 1), 9092)
    assert not can_connect(az(ep, 3), 443)
    t0 = time.monotonic()
    ep.stop()                        # idempotent
    assert time.monotonic() - t0 < 1
