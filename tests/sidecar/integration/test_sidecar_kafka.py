"""Broker names from Kafka metadata (librdkafka against the simulator's
mock cluster): brokers get exact routes in their zone's group and lines
in the hosts files; a cluster without a key, or whose metadata fails, is
named in the hosts files; a metadata failure removes nothing."""

import os
import sys

import pytest

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, TESTS)
from sim.fixtures import *  # noqa: E402,F401,F403
from lib.sidecar import BINARY, Sidecar, have_binary  # noqa: E402

try:
    from sim.kafka import mock as kafka_mock
except ImportError:             # the Kafka simulator is not there
    kafka_mock = None

pytestmark = pytest.mark.skipif(not have_binary(),
                                reason="%s not built (make sidecar)" % BINARY)

BROKERS = {
    1: "e-0a3f-usw2-az1-p9x4z.us-west-2.aws.glb.confluent.cloud",
    2: "e-1b72-usw2-az2-p9x4z.us-west-2.aws.glb.confluent.cloud",
    3: "e-2c19-usw2-az3-p9x4z.us-west-2.aws.glb.confluent.cloud",
}


@pytest.fixture
def mock(tmp_path):
    if kafka_mock is None:
        pytest.skip("tests/sim/kafka is not available")
    if not os.path.exists(kafka_mock.binary_path()):
        pytest.skip("%s not built (make -f tests/sim/kafka/kafka.mk "
                    "kafka-sim)" % kafka_mock.binary_path())
    m = kafka_mock.start_mock(tmp_path, brokers=BROKERS)
    yield m
    m.stop()


@pytest.fixture
def sidecar(tmp_path, sim_api, mock):
    creds = tmp_path / "kafka.credentials"
    creds.write_text("lkc-7xq2jv SIMKAFKAKEY sim-kafka-secret\n")
    os.chmod(creds, 0o600)
    sc = Sidecar(tmp_path / "sc", sim_api)
    first = mock.bootstrap.split(",")[0]
    sc.write_config(extra=(
        "kafka_credentials_file %s\n"
        "kafka_security_protocol PLAINTEXT\n"
        "kafka_socket_timeout 3s\n"
        "kafka_deadline 10s\n"
        "kafka_bootstrap_address lkc-7xq2jv %s\n" % (creds, first)))
    return sc


def test_brokers_from_metadata(sidecar):
    r = sidecar.run("once", check=0)
    assert "event=kafka_metadata cluster=lkc-7xq2jv" in r.stderr
    assert "brokers=3" in r.stderr

    routes = sidecar.routes()
    assert routes[BROKERS[1]] == "n-p9x4z.usw2-az1"
    assert routes[BROKERS[2]] == "n-p9x4z.usw2-az2"
    assert routes[BROKERS[3]] == "n-p9x4z.usw2-az3"

    names = sidecar.hosts_names()
    assert all(b in names for b in BROKERS.values())
    hosts = sidecar.read("hosts-linux.txt")
    assert "# lkc-7xq2jv: no broker names" not in hosts
    assert "# lkc-9wd3ny: no broker names" in hosts

    st = sidecar.state()
    rec = {c["cluster"]: c for c in st["last_discovery"]["broker_discovery"]}
    assert rec["lkc-7xq2jv"]["brokers"] == 3
    assert rec["lkc-7xq2jv"]["error"] is None
    assert rec["lkc-9wd3ny"]["error"] == "no Kafka API key configured"


def test_metadata_failure_keeps_broker_routes(sidecar, mock):
    sidecar.run("once", check=0)
    before = sidecar.snapshot()
    mock.stop()

    r = sidecar.run("once")
    assert r.returncode == 2
    assert "event=kafka_metadata_failed cluster=lkc-7xq2jv" in r.stderr
    assert sidecar.snapshot() == before
    st = sidecar.state()
    assert st["last_discovery"]["complete"] is False
    assert any(e.startswith("kafka metadata lkc-7xq2jv: ")
               for e in st["last_discovery"]["errors"])
    assert all(r["absent"] == 0 for r in st["routes"])


def test_decommissioned_broker_goes_after_three_discoveries(sidecar, mock):
    sidecar.run("once", check=0)
    mock.command("decommission 3")
    for n in (1, 2):
        sidecar.run("once", check=0)
        assert BROKERS[3] in sidecar.routes()
    sidecar.run("once", check=0)
    assert BROKERS[3] not in sidecar.routes()
    assert BROKERS[3] not in sidecar.read("hosts-linux.txt")
    # its zone keeps working for brokers to come, through the patterns
    assert "*.usw2-az3.p9x4z.us-west-2.aws.confluent.cloud" in \
        sidecar.routes()
