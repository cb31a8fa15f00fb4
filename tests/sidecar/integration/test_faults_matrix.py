"""Fault injection against the daemon (cclink-sidecar run): for every kind
of API, network, TLS and DNS failure the rendered files keep their last
good content byte for byte, the failure is in the state file and in the
log with the API call concerned, and the daemon keeps running. Then the
output directory full or read-only, and kill -9 at random points of a
write: every file is always a complete old or new version."""

import os
import random
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, TESTS)
from lib.pki import TestCA  # noqa: E402
from sim.fixtures import *  # noqa: E402,F401,F403
from lib.sidecar import (BINARY, OUTPUTS, DEFAULT_TARGETS,  # noqa: E402
                             Sidecar, have_binary)

pytestmark = pytest.mark.skipif(not have_binary(),
                                reason="%s not built (make sidecar)" % BINARY)

ENDPOINTS = "/endpoint/v1/endpoints"
NETWORKS = "/networking/v1/networks"
ENVS = "/org/v2/environments"
LOST = "lkc-9wd3ny.us-west-2.aws.private.confluent.cloud"
CYCLE = re.compile(r"event=(cycle_done|cycle_failed)")
SHORT = ("http_timeout 1s", "http_connect_timeout 1s", "http_retries 1",
         "retry_backoff 100ms 200ms")


def contents(sc):
    out = {}
    for name in OUTPUTS:
        with open(sc.path(name), "rb") as f:
            out[name] = f.read()
    return out


def wait_cycles(sc, n, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(CYCLE.findall(sc.log())) >= n:
            return
        assert sc.proc.poll() is None, "the daemon exited:\n" + sc.log()
        time.sleep(0.05)
    raise AssertionError("no %d cycles within %ss:\n%s"
                         % (n, timeout, sc.log()))


def state_ino(sc):
    return os.stat(sc.path("state.json")).st_ino


def wait_state(sc, ino, timeout=20):
    """The state file is written (renamed into place) after the cycle's
    log line: waits until it is replaced."""
    deadline = time.monotonic() + timeout
    while state_ino(sc) == ino:
        assert time.monotonic() < deadline, "state.json not rewritten"
        time.sleep(0.05)
    return state_ino(sc)


class Blackhole:
    """A loopback listener whose accept queue is full: further SYNs are
    dropped, so a connect neither succeeds nor is refused."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(0)
        self.port = self.sock.getsockname()[1]
        self.fill = []
        for _ in range(4):                      # bounded
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", self.port))
            self.fill.append(c)
        time.sleep(0.2)

    def close(self):
        for c in self.fill:
            c.close()
        self.sock.close()


def _fault(**spec):
    return lambda api, sc, tmp: (api.fault(**spec), {})[1]


def _bad_secret(api, sc, tmp):
    return {"env": sc.env(secret="not-the-secret")}


def _wrong_ca(api, sc, tmp):
    other = TestCA(str(tmp / "other-ca"))
    return {"args": ["--ca-file", other.cert]}


def _blackhole(api, sc, tmp):
    bh = Blackhole()
    return {"args": ["--api-url", "https://127.0.0.1:%d" % bh.port],
            "cleanup": bh.close}


def _dns_target(api, sc, tmp):
    targets = [t for t in DEFAULT_TARGETS if t[0] != "n-p9x4z"]
    targets += [("n-p9x4z", "vpce-%d.does-not-resolve.invalid" % i,
                 "usw2-az%d" % i) for i in (1, 2, 3)]
    sc.write_config(targets=targets, http=SHORT)
    return {}


def _omit_cluster(api, sc, tmp):
    # lkc-9wd3ny's two Endpoint objects (bootstrap and REST) are missing
    # from the endpoint lists; cmk/v2 still lists the cluster
    for eid in ("e-5x1q3s", "e-6y2r4t"):
        api.fault(path=ENDPOINTS, kind="drop", resource=eid, count=-1)
    return {}


def _drop_cluster(api, sc, tmp):
    # missing from every source: the Endpoint API and cmk/v2
    _omit_cluster(api, sc, tmp)
    api.fault(path="/cmk/v2/clusters", kind="drop", resource="lkc-9wd3ny",
              count=-1)
    return {}


def _local_target(api, sc, tmp):
    # targets on this host (loopback, the metadata service): refused, so
    # the group keeps its last good addresses
    targets = [t for t in DEFAULT_TARGETS if t[0] != "n-p9x4z"]
    targets += [("n-p9x4z", a, "usw2-az%d" % i) for i, a in
                ((1, "127.0.0.1"), (2, "[::1]:9092"),
                 (3, "169.254.169.254"))]
    sc.write_config(targets=targets, http=SHORT, allow_local=False)
    return {}


# a detail whose 255th and 256th bytes are one character: the error text
# is cut there, and the state file must still be written
UTF8_DETAIL = {"errors": [{"status": "500",
                           "detail": "x" * 254 + "\u00e9" * 40}]}


# name: (setup, API call named in the log and state (None: no API error),
#        error text in the state, short timeouts)
CASES = {
    "401": (_bad_secret, "GET /org/v2/environments",
            "authentication failed (401)", False),
    "403": (_fault(path=NETWORKS, kind="status", status=403, count=-1),
            "GET /networking/v1/networks?", "403", False),
    "404": (_fault(path=NETWORKS, kind="status", status=404, count=-1),
            "GET /networking/v1/networks?", "404", False),
    "500-burst": (_fault(path="/networking/v1/private-link-attachments",
                         kind="status", status=500, count=-1),
                  "GET /networking/v1/private-link-attachments?",
                  "server error (500)", True),
    "503-burst": (_fault(path="/networking/v1/access-points", kind="status",
                         status=503, count=-1),
                  "GET /networking/v1/access-points?",
                  "server error (503)", True),
    "read-timeout": (_fault(path=NETWORKS, kind="slow", delay=3, count=-1),
                     "GET /networking/v1/networks?", "", True),
    "connect-timeout": (_blackhole, "GET /org/v2/environments", "", True),
    "wrong-ca": (_wrong_ca, "GET /org/v2/environments", "", True),
    "malformed": (_fault(path=NETWORKS, kind="malformed", count=-1),
                  "GET /networking/v1/networks?", "", True),
    "truncate": (_fault(path=NETWORKS, kind="truncate", count=-1),
                 "GET /networking/v1/networks?", "", True),
    "page-fail": (_fault(path=ENDPOINTS, kind="page_fail", page=2,
                         status=500, count=-1),
                  "GET /endpoint/v1/endpoints?", "server error (500)", True),
    "cluster-missing": (_drop_cluster,
                        None, None, False),
    # one source leaves it out: the other still reports it, said so
    "endpoint-omits-cluster": (_omit_cluster, None, None, False),
    "dns-target": (_dns_target, None, None, True),
    # every source is asked: a failing one makes the discovery incomplete
    "cmk-500": (_fault(path="/cmk/v2/clusters", kind="status", status=500,
                       count=-1),
                "GET /cmk/v2/clusters?", "server error (500)", True),
    "srcm-500": (_fault(path="/srcm/v3/clusters", kind="status", status=500,
                        count=-1),
                 "GET /srcm/v3/clusters?", "server error (500)", True),
    "fcpm-503": (_fault(path="/fcpm/v2/regions", kind="status", status=503,
                        count=-1),
                 "GET /fcpm/v2/regions", "server error (503)", True),
    "utf8-cut-error": (_fault(path=NETWORKS, kind="status", status=500,
                              count=-1, body=UTF8_DETAIL),
                       "GET /networking/v1/networks?", "xxxxxxxx", True),
    "endpoint-api-404": (_fault(path=ENDPOINTS, kind="status", status=404,
                                count=-1), None, None, False),
    "local-target": (_local_target, None, None, True),
}


@pytest.mark.parametrize("case", list(CASES))
def test_fault_keeps_files_and_daemon(case, tmp_path, sim_api):
    setup, call, error, short = CASES[case]
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config(http=SHORT if short else
                    ("http_retries 1", "retry_backoff 100ms 200ms",
                     "http_timeout 10s"))
    sc.run("once", check=0)
    before = contents(sc)

    how = setup(sim_api, sc, tmp_path)
    ino = state_ino(sc)
    sc.start(*how.get("args", ()), env=how.get("env"))
    try:
        wait_cycles(sc, 1)
        ino = wait_state(sc, ino)
        assert contents(sc) == before
        log = sc.log()
        st = sc.state()
        if call is not None:
            assert 'event=api_call_failed call="%s' % call in log, log
            bad = [c for c in st["last_discovery"]["calls"]
                   if c["outcome"] == "failed"]
            assert bad and bad[0]["call"].startswith(call), bad
            assert bad[0]["error"] and error in bad[0]["error"], bad
            assert st["last_discovery"]["complete"] is False
        elif case == "cluster-missing":
            assert "kept_absent=1" in log
            absent = {r["key"]: r["absent"] for r in st["routes"]}
            assert absent[LOST] == 1
        elif case == "endpoint-omits-cluster":
            assert "event=source_mismatch env=env-m2qx7 cluster=lkc-9wd3ny" \
                in log, log
            assert "kept_absent=0" in log
            absent = {r["key"]: r["absent"] for r in st["routes"]}
            assert absent[LOST] == 0
            assert st["last_discovery"]["counts"]["source_mismatches"] == 1
        elif case == "endpoint-api-404":
            # not available: skipped, the other sources report alone
            assert "api_call_failed" not in log
            assert st["last_discovery"]["complete"] is True
            assert "event=source_mismatch" not in log
        elif case == "local-target":
            assert "event=target_refused group=n-p9x4z" in log, log
            assert "a loopback address" in log
            assert "event=group_stale group=n-p9x4z" in log, log
            grp = {g["name"]: g for g in st["groups"]}["n-p9x4z"]
            assert grp["stale"] is True, grp
            assert "refused (allow_local_targets on permits it)" in \
                grp["error"], grp
            assert [a["address"] for a in grp["addresses"]] == \
                ["10.1.1.10", "10.1.2.10", "10.1.3.10"]
        else:                                   # dns-target
            assert "event=target_unresolved group=n-p9x4z" in log, log
            assert "does-not-resolve.invalid" in log
            assert "event=group_stale group=n-p9x4z" in log, log
            grp = {g["name"]: g for g in st["groups"]}["n-p9x4z"]
            assert grp["stale"] is True, grp
            assert "cannot resolve" in grp["error"], grp
            assert "does-not-resolve.invalid" in grp["error"], grp
            assert [a["address"] for a in grp["addresses"]] == \
                ["10.1.1.10", "10.1.2.10", "10.1.3.10"]
        assert len(st["routes"]) > 20

        # still running: a SIGHUP starts another cycle, same outcome
        assert sc.proc.poll() is None
        sc.proc.send_signal(signal.SIGHUP)
        wait_cycles(sc, 2)
        wait_state(sc, ino)
        assert contents(sc) == before
        assert sc.proc.poll() is None
    finally:
        rc = sc.stop()
        if "cleanup" in how:
            how["cleanup"]()
    assert rc == 0


@pytest.mark.parametrize("status,count", [(429, 1), (500, 2), (503, 2)])
def test_transient_errors_are_retried_by_the_daemon(tmp_path, sim_api,
                                                    status, count):
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config(http=("http_retries 3", "retry_backoff 100ms 1s",
                          "http_timeout 10s"))
    sc.run("once", check=0)
    before = contents(sc)
    sim_api.clear_requests()
    spec = dict(path=ENVS, kind="status", status=status, count=count)
    if status == 429:
        spec["retry_after"] = 2
    sim_api.fault(**spec)
    sc.start()
    try:
        wait_cycles(sc, 1)
        assert "complete=yes" in sc.log()
        seen = [q for q in sim_api.requests(path=ENVS)]
        assert [q["status"] for q in seen[:count + 1]] == \
            [status] * count + [200]
        if status == 429:
            # Retry-After: 2 was honoured
            assert seen[1]["time"] - seen[0]["time"] >= 1.95
            assert "wait_ms=2000" in sc.log()
        assert contents(sc) == before
        assert sc.state()["last_discovery"]["complete"] is True
    finally:
        assert sc.stop() == 0


# -- the output directory full or read-only -------------------------------

NEW_ENDPOINT = {
    "op": "add", "type": "endpoints", "environment": "env-m2qx7",
    "resource": {"id": "e-new3", "service": "KAFKA", "cloud": "aws",
                 "region": "us-west-2", "is_private": True,
                 "connection_type": "PRIVATE_LINK", "endpoint_type": "REST",
                 "endpoint": "https://lkc-n3w222.us-west-2.aws.private."
                             "confluent.cloud"}}
NEW_NAME = "lkc-n3w222.us-west-2.aws.private.confluent.cloud"


def _in_namespace(script, env, timeout=120):
    return subprocess.run(["unshare", "-m", "--propagation", "private",
                           "sh", "-ec", script], env=env, timeout=timeout,
                          capture_output=True, text=True)


def _can_unshare():
    try:
        return subprocess.run(["unshare", "-m", "true"], timeout=10,
                              capture_output=True).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@pytest.mark.skipif(not _can_unshare(), reason="no mount namespaces")
def test_output_directory_full(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config()
    sc.run("once", check=0)
    before = contents(sc)
    sim_api.mutate(NEW_ENDPOINT)
    mnt = tmp_path / "mnt"
    result = tmp_path / "result"
    mnt.mkdir()
    result.mkdir()
    script = """
mount -t tmpfs -o size=512k tmpfs {mnt}
cp -a {out}/. {mnt}/
dd if=/dev/zero of={mnt}/filler bs=4k count=256 2>/dev/null || true
rc=0
{binary} --config {conf} --output-dir {mnt} once || rc=$?
echo "exit=$rc"
rm -f {mnt}/filler
cp -a {mnt}/. {result}/
""".format(mnt=mnt, out=sc.out, binary=BINARY, conf=sc.conf, result=result)
    r = _in_namespace(script, sc.env())
    assert "exit=1" in r.stdout, r.stdout + r.stderr
    assert "No space left on device" in r.stderr, r.stderr
    assert "event=cycle_failed" in r.stderr
    for name, data in before.items():
        with open(result / name, "rb") as f:
            assert f.read() == data, name
    leftovers = [n for n in os.listdir(result)
                 if n.startswith(".") and n != ".cclink-sidecar.lock"]
    assert leftovers == []
    # the real directory was never touched, and the next run works
    assert contents(sc) == before
    sc.run("once", check=0)
    assert NEW_NAME in sc.routes()


@pytest.mark.skipif(not _can_unshare(), reason="no mount namespaces")
def test_output_directory_read_only(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config()
    sc.run("once", check=0)
    before = contents(sc)
    sim_api.mutate(NEW_ENDPOINT)
    script = """
mount --bind {out} {out}
mount -o remount,bind,ro {out}
rc=0
{binary} --config {conf} once || rc=$?
echo "exit=$rc"
""".format(out=sc.out, binary=BINARY, conf=sc.conf)
    r = _in_namespace(script, sc.env())
    assert "exit=1" in r.stdout, r.stdout + r.stderr
    assert "Read-only file system" in r.stderr, r.stderr
    assert sc.out in r.stderr
    assert contents(sc) == before
    sc.run("once", check=0)
    assert NEW_NAME in sc.routes()


# -- kill -9 during writes --------------------------------------------------

SERIAL = re.compile(rb"20\d{12}")
STAMP = re.compile(rb"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def normal(data):
    return STAMP.sub(b"<time>", SERIAL.sub(b"<serial>", data))


def test_kill_9_at_random_points_leaves_whole_files(tmp_path, sim_api):
    rng = random.Random(8)
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config(extra="drop_after 1\n")
    # the two versions, A (as loaded) and B (one endpoint more)
    sc.run("once", check=0)
    ver_a = {n: normal(d) for n, d in contents(sc).items()}
    sim_api.mutate(NEW_ENDPOINT)
    sc.run("once", check=0)
    ver_b = {n: normal(d) for n, d in contents(sc).items()}
    assert all(ver_a[n] != ver_b[n] for n in ("routes.conf",
                                              "hosts-linux.txt"))
    sim_api.mutate({"op": "remove", "id": "e-new3"})

    changed = mixed = 0
    for i in range(100):
        want_b = i % 2 == 1
        if want_b:
            sim_api.mutate(NEW_ENDPOINT)
        elif i:
            sim_api.mutate({"op": "remove", "id": "e-new3"})
        old = {n: normal(d) for n, d in contents(sc).items()}
        new = ver_b if want_b else ver_a
        p = subprocess.Popen([BINARY, "--config", sc.conf, "once"],
                             env=sc.env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        # the files are written after the discovery: kill from there on,
        # at a random point 0-200 ms later (mostly early, where the
        # writes are)
        deadline = time.monotonic() + 60
        for line in p.stderr:
            if "event=discovery_done" in line or time.monotonic() > deadline:
                break
        time.sleep(rng.choice([rng.uniform(0, 0.004), rng.uniform(0, 0.03),
                               rng.uniform(0, 0.2)]))
        p.kill()
        p.wait(30)
        p.stderr.close()
        got = {n: normal(d) for n, d in contents(sc).items()}
        for n in OUTPUTS:
            assert got[n] in (old[n], new[n]), (i, n)
        if old["routes.conf"] != new["routes.conf"]:
            moved = {got[n] == new[n] for n in OUTPUTS if old[n] != new[n]}
            changed += moved == {True}
            mixed += len(moved) > 1
        # the route table is whole: it ends with its end line
        assert contents(sc)["routes.conf"].endswith(b"\nend\n")
    print("kill -9: %d of 100 runs had written every file, %d left old and "
          "new files side by side" % (changed, mixed))
    # a run to the end afterwards works; what killed runs left behind
    # are only their temporary files (see the test below)
    r = sc.run("once")
    assert r.returncode == 0, r.stderr
    temp = re.compile(r"^\.(%s)\.[A-Za-z0-9]{6}$" % "|".join(
        re.escape(n) for n in OUTPUTS + ("state.json",)))
    assert [n for n in os.listdir(sc.out) if n.startswith(".")
            and n != ".cclink-sidecar.lock" and not temp.match(n)] == []


def test_a_killed_runs_temporary_files_are_removed(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config()
    sc.run("once", check=0)
    # what a run killed between mkstemp() and rename() leaves
    stale = [sc.path(".%s.Ab3xYz" % n) for n in ("routes.conf",
                                                 "hosts-linux.txt")]
    for path in stale:
        with open(path, "w") as f:
            f.write("# half a file\n")
    sim_api.mutate(NEW_ENDPOINT)
    sc.run("once", check=0)
    assert NEW_NAME in sc.routes()
    assert [p for p in stale if os.path.exists(p)] == []


def test_404_on_a_network_list_removes_nothing(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config()
    sc.run("once", check=0)
    before = sc.routes()
    assert "n-k2m7r" in before.values()
    sim_api.fault(path=NETWORKS, kind="status", status=404, count=-1,
                  query={"environment": "env-r8t4n"})
    for _ in range(3):
        r = sc.run("once")
    # the networks of env-r8t4n were not listed: the discovery is not
    # complete, and no route may go
    lost = {k: g for k, g in before.items() if sc.routes().get(k) != g}
    assert lost == {}, r.stderr
    assert sc.state()["last_discovery"]["complete"] is False
