"""Kafka through the simulated private endpoint: tests/sim/kafka's mock
cluster advertises the scenario's broker names on 9092, the endpoint carries
each name to its broker, and kcat (TLS, host name verification on) sees the
Confluent names and reaches every broker through its own zone's address."""

import json
import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", ".."))
from sim import harness  # noqa: E402
from sim.fixtures import *  # noqa: E402,F401,F403

CLUSTER = "lkc-7xq2jv"

try:
    from sim.kafka import mock as kafka_mock
except ImportError:                      # the Kafka part is not there yet
    kafka_mock = None


def _mock_ready():
    if kafka_mock is None:
        return "tests/sim/kafka/mock.py is missing"
    if not shutil.which("kcat"):
        return "kcat is not installed"
    if os.geteuid() != 0:
        return "the endpoint listens on port 443 and kcat runs in a mount " \
               "namespace"
    path = kafka_mock.binary_path()
    lib = os.path.join(kafka_mock.build_dir(), "librdkafka", "lib",
                       "librdkafka.a")
    if not os.path.exists(path) and not os.path.exists(lib):
        return "mock_cluster is not built (make kafka-sim)"
    return None


pytestmark = pytest.mark.skipif(_mock_ready() is not None,
                                reason=str(_mock_ready()))


@pytest.fixture
def kafka_path(tmp_path, sim_ca):
    store = harness.scenario.load([harness.scenario_path(
        "aws-dedicated.json")])
    brokers = store.brokers(CLUSTER)
    mock = kafka_mock.start_mock(
        tmp_path, brokers={b["id"] + 1: "%s:9092" % b["host"]
                           for b in brokers},
        topics=["orders:6:3"])
    try:
        ep = harness.start_cluster_endpoint(tmp_path / "ep", store, CLUSTER,
                                            mock.info, ca=sim_ca)
    except BaseException:
        mock.stop()
        raise
    yield store, mock, ep
    ep.stop()
    assert mock.stop() == 0
    assert ep.error_log_problems() == []


def hosts_for(store, ep):
    """What a generated hosts file would say: the bootstrap at the first
    zone, each broker at its own zone's endpoint address."""
    names = harness.scenario.cluster_names(store.cluster(CLUSTER))
    hosts = {h: ep.zones["usw2-az1"] for h, _ in names["bootstrap"]}
    for b in store.brokers(CLUSTER):
        hosts[b["host"]] = ep.zones[b["zone"]]
    return hosts, names["bootstrap"][0][0]


def kcat(hosts, bootstrap, ca_file, args, **kw):
    argv = ["kcat", "-b", "%s:9092" % bootstrap, "-X",
            "security.protocol=SSL", "-X", "ssl.ca.location=" + ca_file,
            "-X", "ssl.endpoint.identification.algorithm=https",
            "-X", "socket.timeout.ms=10000"] + args
    return kafka_mock.run_with_hosts(hosts, argv, timeout=60, **kw)


def test_metadata_lists_confluent_broker_names(kafka_path):
    store, mock, ep = kafka_path
    hosts, bootstrap = hosts_for(store, ep)
    r = kcat(hosts, bootstrap, ep.ca_file, ["-L", "-J"])
    assert r.returncode == 0, r.stderr
    meta = json.loads(r.stdout)
    got = sorted(b["name"] for b in meta["brokers"])
    want = sorted("%s:9092" % b["host"] for b in store.brokers(CLUSTER))
    assert got == want
    e = ep.wait_for_log(lambda e: e["sni"] == bootstrap)
    assert e["zone"] == "usw2-az1"


def test_produce_and_consume_reach_every_broker_in_its_zone(kafka_path):
    store, mock, ep = kafka_path
    hosts, bootstrap = hosts_for(store, ep)
    mock.spread_leaders("orders")
    lines = "".join("m%d\n" % i for i in range(12))
    for p in range(6):
        r = kcat(hosts, bootstrap, ep.ca_file,
                 ["-P", "-t", "orders", "-p", str(p)], input=lines)
        assert r.returncode == 0, r.stderr
    r = kcat(hosts, bootstrap, ep.ca_file,
             ["-C", "-t", "orders", "-o", "beginning", "-e", "-q"])
    assert r.returncode == 0, r.stderr
    assert sorted(r.stdout.split()) == sorted(lines.split() * 6)
    for b in store.brokers(CLUSTER):
        e = ep.wait_for_log(lambda e, h=b["host"]: e["sni"] == h)
        assert e["zone"] == b["zone"], (b["host"], e)
        assert e["server_addr"] == ep.zones[b["zone"]]
