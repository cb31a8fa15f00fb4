"""Bad input never stalls, misleads or harms: cclink-sidecar against the
simulator with hostile or broken values.

- target addresses that are loopback, unspecified, link-local (metadata
  services), multicast or this host's own are refused with a clear message
  unless "allow_local_targets on"; a DNS answer of that kind for a probe
  name counts as no answer;
- an API error text cut inside a UTF-8 character leaves the state file
  writable (and the serial stable);
- names outside Confluent Cloud from the API or Kafka metadata are refused
  and never reach a route or a hosts line; a broker name too long is that
  broker's failure, not "out of memory"."""

import os
import socket
import subprocess
import sys

import pytest

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, TESTS)
from sim.fixtures import *  # noqa: E402,F401,F403
from lib.sidecar import (BINARY, DEFAULT_TARGETS, Sidecar,  # noqa: E402
                             calls, have_binary)

try:
    from sim.kafka import mock as kafka_mock
except ImportError:             # the Kafka simulator is not there
    kafka_mock = None

pytestmark = pytest.mark.skipif(not have_binary(),
                                reason="%s not built (make sidecar)" % BINARY)

DEDICATED = "lkc-7xq2jv-p9x4z.us-west-2.aws.glb.confluent.cloud"
ENTERPRISE = "lkc-9wd3ny.us-west-2.aws.private.confluent.cloud"


def with_targets(replace):
    """DEFAULT_TARGETS with some groups' addresses replaced."""
    out = []
    for key, addr, zone in DEFAULT_TARGETS:
        out.append((key, replace.get((key, zone), addr), zone))
    return out


def group(state, name):
    for g in state["groups"]:
        if g["name"] == name:
            return g
    return None


def own_address():
    """A non-loopback IPv4 address of this host, or None."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True,
                             text=True, timeout=5).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    for a in out:
        if "." in a and not a.startswith("127."):
            return a
    return None


@pytest.mark.parametrize("addr,what", [
    ("127.0.0.1", "loopback"),
    ("169.254.169.254", "link-local"),
    ("0.0.0.0", "unspecified"),
    ("224.0.0.251", "multicast"),
    ("[::1]", "loopback"),
    ("[fe80::1]", "link-local"),
    ("[::ffff:127.0.0.2]", "loopback"),
    ("[fd00:ec2::254]", "metadata"),
])
def test_local_targets_are_refused(tmp_path, sim_api, addr, what):
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config(targets=with_targets({("platt-k3v8m", None): addr}),
                    allow_local=False)
    r = sc.run("once")
    assert "event=target_refused group=platt-k3v8m" in r.stderr
    assert what in r.stderr
    st = sc.state()
    g = group(st, "platt-k3v8m")
    assert g is None or not g["addresses"]
    assert "refused (allow_local_targets on permits it)" in r.stderr
    # never a route to it, nor a hosts line for its names
    assert ENTERPRISE not in sc.routes()
    assert ENTERPRISE not in sc.hosts_names()
    assert addr.strip("[]") not in sc.read("routes.conf")
    # the other groups are untouched
    assert sc.routes()[DEDICATED] == "n-p9x4z"


def test_allow_local_targets_on_accepts_them(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config(targets=with_targets({("platt-k3v8m", None):
                                          "127.0.0.1"}), allow_local=True)
    r = sc.run("once", check=0)
    assert "target_refused" not in r.stderr
    assert sc.routes()[ENTERPRISE] == "platt-k3v8m"
    assert "group platt-k3v8m 127.0.0.1\n" in sc.read("routes.conf")


def test_this_hosts_own_address_is_refused(tmp_path, sim_api):
    addr = own_address()
    if addr is None:
        pytest.skip("this host has no non-loopback IPv4 address")
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config(targets=with_targets({("platt-k3v8m", None): addr}),
                    allow_local=False)
    r = sc.run("once")
    assert "event=target_refused group=platt-k3v8m" in r.stderr
    assert "an address of this host" in r.stderr
    assert ENTERPRISE not in sc.routes()


def unshare_ok():
    if os.geteuid() != 0:
        return False
    return subprocess.run(["unshare", "--mount", "true"],
                          capture_output=True).returncode == 0


def run_with_hosts(sc, tmp_path, answers):
    """"once" in a private mount namespace whose /etc/hosts answers the
    probe names (what a private hosted zone would)."""
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n" + "".join(
        "%s %s\n" % (a, n) for n, a in sorted(answers.items())))
    script = ('mount --bind "$HOSTS" /etc/hosts && exec "$BINARY" '
              '--config "$CONF" once')
    env = sc.env()
    env.update(HOSTS=str(hosts), BINARY=BINARY, CONF=sc.conf)
    return subprocess.run(["unshare", "--mount", "sh", "-c", script],
                          env=env, capture_output=True, text=True,
                          timeout=120)


def test_dns_probe_answer_that_is_local_counts_as_none(tmp_path, sim_api):
    if not unshare_ok():
        pytest.skip("needs root and unshare --mount for a private /etc/hosts")
    probe = "cclink-probe.%s.p9x4z.us-west-2.aws.confluent.cloud"
    answers = {probe % "usw2-az1": "127.0.0.1",
               probe % "usw2-az2": "169.254.169.254",
               probe % "usw2-az3": "10.1.3.10",
               "cclink-probe.us-west-2.aws.private.confluent.cloud":
                   "10.3.0.10"}
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config(targets=None, allow_local=False,
                    environments="env-m2qx7")
    r = run_with_hosts(sc, tmp_path, answers)
    assert "event=target_refused group=n-p9x4z.usw2-az1" in r.stderr
    assert "event=target_refused group=n-p9x4z.usw2-az2" in r.stderr
    text = sc.read("routes.conf")
    assert "127.0.0.1" not in text and "169.254.169.254" not in text
    assert "group n-p9x4z.usw2-az3 10.1.3.10 zone=usw2-az3\n" in text
    assert "event=target_unresolved group=n-p9x4z.usw2-az1" in r.stderr
    assert "resolves only to refused addresses (a loopback address" in \
        r.stderr

    # with allow_local_targets on, the same answers are used
    sc.write_config(targets=None, allow_local=True, environments="env-m2qx7")
    r = run_with_hosts(sc, tmp_path, answers)
    assert "target_refused" not in r.stderr
    assert "group n-p9x4z.usw2-az1 127.0.0.1 zone=usw2-az1\n" in \
        sc.read("routes.conf")


def test_error_text_cut_inside_a_character_keeps_the_state(tmp_path,
                                                           sim_api):
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config(http=("http_retries 0", "retry_backoff 100ms 1s",
                          "http_timeout 10s"))
    sc.run("once", check=0)
    serial = sc.state()["serial"]

    # a detail whose 255th and 256th bytes are one character
    detail = "x" * 254 + "\u00e9" * 40
    sim_api.fault(path="/cmk/v2/clusters", kind="status", status=500,
                  count=-1, body={"errors": [{"status": "500",
                                              "detail": detail}]})
    for _ in range(2):
        before = os.stat(sc.path("state.json")).st_mtime_ns
        r = sc.run("once")
        assert "state_write_failed" not in r.stderr
        assert "complete=no" in r.stderr
        st = sc.state()          # valid JSON, written by this run
        assert os.stat(sc.path("state.json")).st_mtime_ns != before
        c = calls(st, "GET /cmk/v2/clusters?environment=env-m2qx7")[0]
        assert c["outcome"] == "failed" and "xxxx" in c["error"]
        assert st["serial"] == serial


@pytest.fixture
def hostile_mock(tmp_path):
    if kafka_mock is None:
        pytest.skip("tests/sim/kafka is not available")
    if not os.path.exists(kafka_mock.binary_path()):
        pytest.skip("%s not built (make kafka-sim)"
                    % kafka_mock.binary_path())
    m = kafka_mock.start_mock(tmp_path, brokers={
        1: "e-0a3f-usw2-az1-p9x4z.us-west-2.aws.glb.confluent.cloud",
        2: "metadata.google.internal",
        # a label longer than DNS allows (the mock takes 255 bytes at most)
        3: "b" * 200 + ".us-west-2.aws.glb.confluent.cloud",
    })
    yield m
    m.stop()


def test_broker_names_outside_confluent_cloud_are_refused(tmp_path, sim_api,
                                                          hostile_mock):
    creds = tmp_path / "kafka.credentials"
    creds.write_text("lkc-7xq2jv SIMKAFKAKEY sim-kafka-secret\n")
    os.chmod(creds, 0o600)
    sc = Sidecar(tmp_path / "sc", sim_api)
    first = hostile_mock.bootstrap.split(",")[0]
    sc.write_config(extra=(
        "kafka_credentials_file %s\n"
        "kafka_security_protocol PLAINTEXT\n"
        "kafka_socket_timeout 3s\n"
        "kafka_deadline 10s\n"
        "kafka_bootstrap_address lkc-7xq2jv %s\n" % (creds, first)))
    r = sc.run("once")
    assert "event=name_refused host=metadata.google.internal" in r.stderr
    assert "event=kafka_bad_broker cluster=lkc-7xq2jv" in r.stderr
    assert "not a valid host name" in r.stderr
    assert "out of memory" not in r.stderr + sc.read("state.json")
    text = sc.read("routes.conf") + sc.read("hosts-linux.txt")
    assert "metadata.google.internal" not in text
    assert "bbbbbbbb" not in text
    assert "e-0a3f-usw2-az1-p9x4z.us-west-2.aws.glb.confluent.cloud" in \
        sc.routes()


def test_api_names_outside_confluent_cloud_are_refused(tmp_path, sim_api):
    sim_api.mutate({"op": "add", "type": "endpoints",
                    "environment": "env-m2qx7",
                    "resource": {"id": "e-evil1", "service": "KAFKA",
                                 "cloud": "aws", "region": "us-west-2",
                                 "is_private": True,
                                 "connection_type": "PRIVATE_LINK",
                                 "endpoint_type": "BOOTSTRAP",
                                 "endpoint": "login.example.com:9092",
                                 "resource": "lkc-9wd3ny"}},
                   {"op": "add", "type": "endpoints",
                    "environment": "env-r8t4n",
                    "resource": {"id": "e-evil2", "service": "KAFKA",
                                 "cloud": "aws", "region": "us-west-2",
                                 "is_private": True,
                                 "connection_type": "PRIVATE_LINK",
                                 "endpoint_type": "REST",
                                 "endpoint": "https://lkc-8hx3wq-ap9zzzz9."
                                             "us-west-2.aws.accesspoint.glb."
                                             "confluent.cloud",
                                 "resource": "lkc-8hx3wq",
                                 "gateway": "gw-7m2xk4",
                                 "access_point": "ap-3f8kz2"}})
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config()
    r = sc.run("once")
    assert "event=name_refused host=login.example.com" in r.stderr
    assert "event=name_refused host=lkc-8hx3wq-ap9zzzz9" in r.stderr
    text = sc.read("routes.conf") + sc.read("hosts-linux.txt") + \
        sc.read("nginx-cclink.conf")
    assert "example.com" not in text and "ap9zzzz9" not in text
    assert sc.routes()[ENTERPRISE] == "platt-k3v8m"


def test_force_applies_to_one_cycle_only(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config(extra="drop_after 1\n")
    sc.start("--force")
    try:
        sc.wait_log("event=cycle_done result=applied")
        before = sc.routes()
        assert before
        # everything goes: a drop only --force may accept
        sim_api.mutate({"op": "remove", "id": "env-m2qx7"},
                       {"op": "remove", "id": "env-r8t4n"},
                       {"op": "add", "type": "environments",
                        "resource": {"id": "env-empty1",
                                     "display_name": "e"}})
        sc.wait_log("event=apply_refused", timeout=30)
        assert sc.routes() == before
        assert "event=force_spent" in sc.log()
    finally:
        sc.stop()


# ---------------------------------------------------------------------------
# stock-nginx mode: only tested includes are ever in place

NEW_ENDPOINT = {"op": "add", "type": "endpoints", "environment": "env-m2qx7",
                "resource": {"id": "e-new8", "service": "KAFKA",
                             "cloud": "aws", "region": "us-west-2",
                             "is_private": True,
                             "connection_type": "PRIVATE_LINK",
                             "endpoint_type": "REST",
                             "endpoint": "https://lkc-n3w888.us-west-2.aws."
                                         "private.confluent.cloud"}}


def nginx_mode(sc, test_cmd, extra="", seed=True):
    """An include written in module mode first, then nginx mode."""
    if seed:
        sc.write_config(mode="module")
        sc.run("once", check=0)
    sc.write_config(mode="nginx", extra=(
        "nginx_test_command \"%s\"\n"
        "nginx_reload_command \"touch %s/reloaded\"\n%s"
        % (test_cmd, sc.dir, extra)))


def test_untested_include_never_in_place(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sc", sim_api)
    real = sc.path("nginx-cclink.conf")
    cand = str(tmp_path / "check" / "nginx-cclink.conf")
    os.makedirs(os.path.dirname(cand))
    seen = str(tmp_path / "seen-during-test")
    # what the real include holds while nginx -t runs, and a refusal
    nginx_mode(sc, "cp %s %s; exit 1" % (real, seen),
               "nginx_test_include %s\n" % cand)
    before = sc.read("nginx-cclink.conf")
    sim_api.mutate(NEW_ENDPOINT)

    r = sc.run("once")
    assert r.returncode == 1
    assert "event=nginx_rejected" in r.stderr
    assert "the include in use was left as it was" in r.stderr
    with open(seen) as f:
        assert f.read() == before        # never the untested one
    with open(cand) as f:
        assert "lkc-n3w888" in f.read()  # what was tested
    assert sc.read("nginx-cclink.conf") == before
    assert not os.path.exists(os.path.join(sc.dir, "reloaded"))

    # once it passes, it is installed, then nginx reloads
    nginx_mode(sc, "cp %s %s; grep -q lkc-n3w888 %s" % (real, seen, cand),
               "nginx_test_include %s\n" % cand, seed=False)
    r = sc.run("once", check=0)
    with open(seen) as f:
        assert "lkc-n3w888" not in f.read()
    assert "lkc-n3w888" in sc.read("nginx-cclink.conf")
    assert os.path.exists(os.path.join(sc.dir, "reloaded"))


def test_include_that_cannot_be_put_back_is_retried(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sc", sim_api)
    real = sc.path("nginx-cclink.conf")
    mark = str(tmp_path / "refused-once")
    # refuses once, and leaves a directory where the include was
    nginx_mode(sc, "if [ -e %s ]; then exit 0; fi; touch %s; rm -f %s; "
               "mkdir %s; exit 1" % (mark, mark, real, real))
    before = sc.read("nginx-cclink.conf")
    sc.start()
    try:
        sc.wait_log("event=cycle_done")
        sim_api.mutate(NEW_ENDPOINT)
        sc.wait_log("the previous include could NOT be put back", timeout=30)
        log = sc.log()
        assert log.count("event=nginx_restore_failed") >= 3
        assert "event=nginx_rejected" in log
        os.rmdir(real)
        sc.wait_log("event=nginx_restored", timeout=30)
        sc.wait_log("event=cycle_done result=applied", timeout=30)
    finally:
        sc.stop()
    assert "lkc-n3w888" in sc.read("nginx-cclink.conf")
    assert before != sc.read("nginx-cclink.conf")
