"""The Kafka mock cluster, driven by a real client (Debian's kcat).

kcat runs in a private mount namespace with a generated hosts file over
/etc/hosts, in which the Confluent-style broker names resolve to
127.0.0.1. For these standalone tests the names are advertised with each
broker's own listen port; the port-9092 form is checked from the info
file and from metadata.

    python3 -m pytest -q tests/sim/kafka
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess

import pytest

from .mock import MockError, build, run_with_hosts, start_mock


DOMAIN = "l63jl.us-west-2.aws.glb.confluent.cloud"
NAMES = {
    1: "e-0cb9-usw2-az1-" + DOMAIN,
    2: "e-1d4a-usw2-az2-" + DOMAIN,
    3: "e-2f7c-usw2-az3-" + DOMAIN,
}
NEW_NAME = "e-3b05-usw2-az1-" + DOMAIN
ALL_NAMES = sorted(NAMES.values()) + [NEW_NAME]
KCAT_TIMEOUT = 60


# ---------------------------------------------------------------------------
# fixtures and helpers

@pytest.fixture(scope="module", autouse=True)
def prerequisites(tmp_path_factory):
    if shutil.which("kcat") is None:
        pytest.skip("kcat is not installed (tools/deps.d/kafka.txt)")
    try:
        build()
    except MockError as e:
        pytest.fail(str(e))
    probe = run_with_hosts(["probe.example.test"],
                           ["getent", "hosts", "probe.example.test"],
                           directory=str(tmp_path_factory.mktemp("probe")))
    if probe.returncode != 0:
        pytest.skip("no private mount namespace here (unshare/mount "
                    "failed: %s)" % probe.stderr.strip())


@pytest.fixture
def cluster(tmp_path):
    """Three brokers advertising Confluent-style names with their own
    listen ports, topic 'orders' with 6 partitions, a control FIFO."""
    mock = start_mock(tmp_path, brokers=dict(NAMES), topics=["orders:6"])
    yield mock
    assert_clean_exit(mock)


def assert_clean_exit(mock):
    status = mock.stop()
    log = mock.log()
    assert status == 0, log
    assert "stopping" in log
    # librdkafka levels 0..3 are emergencies, alerts, criticals, errors
    assert not re.search(r"librdkafka [0-3] ", log), log


def kcat(mock, *args, names=ALL_NAMES, **kwargs):
    kwargs.setdefault("timeout", KCAT_TIMEOUT)
    return run_with_hosts(names, ["kcat"] + list(args), directory=mock.dir,
                          **kwargs)


def metadata(mock, bootstrap=None, names=ALL_NAMES):
    """kcat -L -J through the advertised name of broker 1 (by default)."""
    bootstrap = bootstrap or mock.brokers()[1]["advertised"]
    r = kcat(mock, "-L", "-J", "-m", "15", "-b", bootstrap, names=names)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def produce(mock, topic, lines, *args):
    # a broker that cannot be reached fails the delivery, not the timeout
    r = kcat(mock, "-P", "-b", mock.advertised_bootstrap, "-t", topic,
             "-X", "acks=all", "-X", "message.timeout.ms=20000", *args,
             input="".join(l + "\n" for l in lines))
    assert r.returncode == 0, r.stderr
    assert "ERROR" not in r.stderr, r.stderr


def consume(mock, topic, *args):
    """Every message of topic (or of the partition given with -p), from
    the beginning to the end: a list of (partition, key, value)."""
    r = kcat(mock, "-C", "-b", mock.advertised_bootstrap, "-t", topic,
             "-o", "beginning", "-e", "-q", "-f", "%p|%k|%s\\n", *args)
    assert r.returncode == 0, r.stderr
    out = []
    for line in r.stdout.splitlines():
        partition, key, value = line.split("|", 2)
        out.append((int(partition), key, value))
    return out


def leaders(md, topic):
    for t in md["topics"]:
        if t["topic"] == topic:
            return {p["partition"]: p["leader"] for p in t["partitions"]}
    raise AssertionError("topic %r not in metadata" % topic)


# ---------------------------------------------------------------------------
# tests

def test_info_file_describes_every_broker(cluster):
    info = cluster.info
    assert info["cluster_id"]
    assert info["pid"] == cluster.proc.pid
    assert [b["id"] for b in info["brokers"]] == [1, 2, 3]
    listen_ports = set()
    for b in info["brokers"]:
        assert b["host"] == NAMES[b["id"]]
        assert b["listen"] == "127.0.0.1:%d" % b["listen_port"]
        # no port given: the name is advertised with the listen port
        assert b["port"] == b["listen_port"]
        assert b["advertised"] == "%s:%d" % (b["host"], b["port"])
        assert b["up"] is True
        listen_ports.add(b["listen_port"])
    assert len(listen_ports) == 3
    assert info["bootstrap"] == ",".join(b["listen"]
                                         for b in info["brokers"])
    assert info["advertised_bootstrap"] == ",".join(
        b["advertised"] for b in info["brokers"])
    assert info["topics"] == [{"name": "orders", "partitions": 6,
                               "replication_factor": 3}]
    assert info["commands"] == 0 and info["last_command"] is None
    # the same JSON went to stdout, on one line
    first = cluster.log().splitlines()[0]
    assert json.loads(first) == info


def test_confluent_port_9092_is_advertised(tmp_path):
    """The full-system form: every broker name on port 9092, the real
    listen ports elsewhere; metadata fetched from a real listen port lists
    the names with 9092 and the cluster id matches the info file."""
    brokers = {i: n + ":9092" for i, n in NAMES.items()}
    mock = start_mock(tmp_path, brokers=brokers, topics=["orders:3"])
    try:
        for b in mock.info["brokers"]:
            assert b["advertised"] == NAMES[b["id"]] + ":9092"
            assert b["listen_port"] not in (0, 9092)
        md = metadata(mock, bootstrap=mock.brokers()[2]["listen"], names=[])
        assert sorted((b["id"], b["name"]) for b in md["brokers"]) == \
            [(i, NAMES[i] + ":9092") for i in (1, 2, 3)]
        assert sorted(leaders(md, "orders")) == [0, 1, 2]
    finally:
        assert_clean_exit(mock)


def test_kcat_lists_brokers_by_advertised_names(cluster):
    md = metadata(cluster)
    assert sorted((b["id"], b["name"]) for b in md["brokers"]) == \
        sorted((b["id"], b["advertised"]) for b in cluster.info["brokers"])
    # kcat reached the cluster by name: the originating broker is named
    assert md["originating_broker"]["name"].startswith(NAMES[1] + ":")
    assert len(leaders(md, "orders")) == 6


def test_names_resolve_only_inside_the_namespace(cluster, tmp_path):
    inside = run_with_hosts(ALL_NAMES, ["getent", "hosts", NAMES[2]],
                            directory=str(tmp_path))
    assert inside.returncode == 0, inside.stderr
    assert inside.stdout.split()[0] == "127.0.0.1"
    with open("/etc/hosts") as f:
        assert NAMES[2] not in f.read()


def test_produce_and_consume_1000_messages(cluster):
    spread = cluster.spread_leaders("orders")
    md = metadata(cluster)
    assert leaders(md, "orders") == spread
    assert set(spread.values()) == {1, 2, 3}

    sent = ["k%04d:message %04d" % (i, i) for i in range(1000)]
    produce(cluster, "orders", sent, "-K", ":")

    got = consume(cluster, "orders")
    assert len(got) == 1000
    assert sorted("%s:%s" % (k, v) for _, k, v in got) == sorted(sent)
    # every partition, hence every broker, carried messages
    assert {p for p, _, _ in got} == set(range(6))


def test_added_broker_becomes_reachable(cluster):
    before = metadata(cluster)
    assert sorted(b["id"] for b in before["brokers"]) == [1, 2, 3]
    ports = [b["listen_port"] for b in cluster.info["brokers"]]

    added = cluster.add_broker(4, NEW_NAME)
    assert added["host"] == NEW_NAME
    assert added["listen_port"] == added["port"]
    assert added["listen_port"] not in ports
    assert cluster.info["last_command"] == {
        "line": "add 4 " + NEW_NAME, "ok": True, "error": None}

    md = metadata(cluster)
    assert sorted((b["id"], b["name"]) for b in md["brokers"]) == \
        sorted((b["id"], b["advertised"]) for b in cluster.info["brokers"])
    assert (4, added["advertised"]) in [(b["id"], b["name"])
                                        for b in md["brokers"]]

    # the new broker leads partition 0; messages to it make the round trip
    cluster.command("leader orders 0 4")
    assert leaders(metadata(cluster), "orders")[0] == 4
    sent = ["to the new broker %03d" % i for i in range(200)]
    produce(cluster, "orders", sent, "-p", "0")
    got = consume(cluster, "orders", "-p", "0")
    assert [v for _, _, v in got] == sent


def test_control_commands_and_errors(cluster):
    r = cluster.command("bogus", check=False)
    assert r["ok"] is False and r["error"] == 'unknown command "bogus"'
    r = cluster.command("leader orders 0", check=False)
    assert r["ok"] is False
    assert r["error"] == "usage: leader TOPIC PARTITION ID"
    r = cluster.command("add 2 " + NEW_NAME, check=False)
    assert r["ok"] is False and "exists" in r["error"]
    r = cluster.command("add 9 bad_name!", check=False)
    assert r["ok"] is False and "invalid address" in r["error"]
    r = cluster.command("leader orders 0 7", check=False)
    assert r["ok"] is False and "no broker 7" in r["error"]

    cluster.command("topic payments 2 1")
    assert {"name": "payments", "partitions": 2,
            "replication_factor": 1} in cluster.info["topics"]

    cluster.command("down 3")
    assert cluster.brokers()[3]["up"] is False
    cluster.command("up 3")
    assert cluster.brokers()[3]["up"] is True

    cluster.command("decommission 3")
    assert sorted(cluster.brokers()) == [1, 2]
    md = metadata(cluster)
    assert sorted(b["id"] for b in md["brokers"]) == [1, 2]
    assert cluster.info["commands"] == 9


@pytest.mark.parametrize("args, message", [
    (["--broker", "0=a.example.test"], "invalid broker id"),
    (["--broker", "1=a.example.test:99999"], "invalid broker address"),
    (["--broker", "1=a b"], "invalid broker address"),
    (["--broker", "1=a.example.test", "--broker", "1=b.example.test"],
     "given twice"),
    (["--topic", "orders"], "invalid topic"),
    (["--topic", "orders:0"], "invalid partition count"),
    (["--brokers", "2", "--topic", "orders:1:3"], "replication factor"),
    (["--brokers", "x"], "invalid broker count"),
    (["extra"], "unexpected argument"),
])
def test_bad_arguments_are_refused(args, message):
    r = subprocess.run([build()] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True,
                       timeout=30)
    assert r.returncode == 2
    assert message in r.stderr
    assert r.stdout == ""


def test_sigint_stops_cleanly(tmp_path):
    mock = start_mock(tmp_path, topics=["t:1"], control=True)
    fifo = mock.control
    assert os.path.exists(fifo)
    mock.proc.send_signal(signal.SIGINT)
    assert mock.proc.wait(15) == 0
    assert "signal 2, stopping" in mock.log()
    # the FIFO it made is gone; the brokers' ports are closed
    assert not os.path.exists(fifo)
    for b in mock.info["brokers"]:
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", b["listen_port"]), 2)
