"""cclink-sidecar run: the daemon loop, one event per line, SIGHUP reloads
the configuration (a broken one is refused and the old one kept), SIGTERM
stops it cleanly; and no secret ever appears in logs, files, the state or
the process list."""

import glob
import os
import signal
import subprocess
import sys
import time

import pytest

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, TESTS)
from sim.fixtures import *  # noqa: E402,F401,F403
from lib.sidecar import BINARY, Sidecar, have_binary  # noqa: E402

pytestmark = pytest.mark.skipif(not have_binary(),
                                reason="%s not built (make sidecar)" % BINARY)

CLOUD_SECRET = "cclink-TEST-cloud-secret-8d1f5a"
KAFKA_SECRET = "cclink-TEST-kafka-secret-2c9e47"


def test_run_loop_reload_and_stop(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config()
    sc.start()
    try:
        sc.wait_log("event=cycle_done result=applied")
        assert "level=info event=started version=" in sc.log()

        # every line is one logfmt event
        for line in sc.log().splitlines():
            assert line.startswith("level=") and " event=" in line, line

        # SIGHUP: a new configuration is read at once
        with open(sc.conf) as f:
            text = f.read()
        with open(sc.conf, "w") as f:
            f.write(text.replace("proxy_address 203.0.113.10",
                                 "proxy_address 203.0.113.99"))
        sc.proc.send_signal(signal.SIGHUP)
        sc.wait_log("event=config_reloaded")
        sc.wait_log("event=cycle_done", count=2)
        assert "203.0.113.99 lkc-7xq2jv" in sc.read("hosts-linux.txt")

        # a broken one is refused, the running one stays
        with open(sc.conf, "w") as f:
            f.write(text + "no_such_option 1\n")
        sc.proc.send_signal(signal.SIGHUP)
        sc.wait_log("event=config_reload_failed")
        assert "unknown option" in sc.log()
        sc.wait_log("event=cycle_done", count=3)
        assert sc.proc.poll() is None

        # it polls by itself (poll_interval 5)
        sc.wait_log("event=cycle_done", count=4, timeout=20)
    finally:
        rc = sc.stop(signal.SIGTERM)
    assert rc == 0
    assert sc.log().rstrip().endswith("level=info event=stopped "
                                      "reason=signal")


def test_sigterm_during_a_slow_call_stops_quickly(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config(http=("http_timeout 60s", "http_retries 3"))
    sim_api.fault(path="/org/v2/environments", kind="slow", delay=30,
                  count=1)
    sc.start()
    time.sleep(1.5)
    t0 = time.monotonic()
    rc = sc.stop(signal.SIGTERM, timeout=10)
    assert rc == 0
    assert time.monotonic() - t0 < 5
    assert "error=\"aborted (stopping)\"" in sc.log()


def test_secrets_appear_nowhere(tmp_path, sim_api_factory):
    api = sim_api_factory(api_secret=CLOUD_SECRET)
    sc = Sidecar(tmp_path / "sc", api)
    kafka = tmp_path / "kafka.credentials"
    kafka.write_text("lkc-7xq2jv KAFKAKEY %s\n" % KAFKA_SECRET)
    os.chmod(kafka, 0o600)
    sc.write_config(extra="kafka_credentials_file %s\n"
                          "kafka_security_protocol PLAINTEXT\n"
                          "kafka_deadline 2s\n"
                          "kafka_bootstrap_address * 127.0.0.1:9\n"
                          "log_level debug\n" % kafka)

    outputs = []
    r = sc.run("once")
    outputs += [r.stdout, r.stderr]
    r = sc.run("check")
    outputs += [r.stdout, r.stderr]
    r = sc.run("once", env=sc.env(secret="wrong-" + CLOUD_SECRET[::-1]))
    outputs += [r.stdout, r.stderr]

    # the process list of a running daemon
    sc.start()
    try:
        sc.wait_log("event=cycle_done")
        # (the simulator itself takes its secret on its command line)
        ps = "\n".join(
            line for line in subprocess.run(
                ["ps", "-ww", "-eo", "args"], capture_output=True,
                text=True).stdout.splitlines()
            if "cclink-sidecar" in line)
        assert "cclink-sidecar --config" in ps
        with open("/proc/%d/cmdline" % sc.proc.pid, "rb") as f:
            cmdline = f.read().decode()
    finally:
        sc.stop()
    outputs += [ps, cmdline, sc.log()]

    for text in outputs:
        assert CLOUD_SECRET not in text
        assert KAFKA_SECRET not in text

    files = [p for p in glob.glob(os.path.join(sc.dir, "**"), recursive=True)
             if os.path.isfile(p) and p != str(kafka)]
    assert any(p.endswith("state.json") for p in files)
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        assert CLOUD_SECRET.encode() not in data, path
        assert KAFKA_SECRET.encode() not in data, path


def test_nginx_commands_do_not_inherit_the_secret(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sc", sim_api)
    dump = tmp_path / "env-of-nginx-test"
    sc.write_config(mode="nginx", extra=(
        "nginx_test_command \"env > %s\"\n"
        "nginx_reload_command true\n" % dump))
    sc.run("once", check=0)
    env = dump.read_text()
    assert "PATH=" in env
    assert "CONFLUENT_CLOUD_API" not in env
    assert sim_api.api_secret not in env


def test_one_writer_per_output_directory(tmp_path, sim_api):
    import fcntl
    sc = Sidecar(tmp_path / "sc", sim_api)
    sc.write_config(extra="command_timeout 1s\n")
    sc.run("once", check=0)
    before = sc.snapshot()
    with open(sc.path(".cclink-sidecar.lock"), "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        r = sc.run("once")
        assert r.returncode == 1
        assert "event=waiting_for_lock" in r.stderr
        assert "event=locked" in r.stderr
        # a dry run only reads: it does not wait
        assert sc.run("render", "--dry-run").returncode == 0
    assert sc.snapshot() == before
    sc.run("once", check=0)
