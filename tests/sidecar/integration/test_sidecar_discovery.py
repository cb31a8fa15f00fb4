"""cclink-sidecar against the Confluent Cloud simulator: one discovery
writes a route table the module loads, a stock-nginx include that nginx -t
accepts, hosts snippets for both platforms and a state file; pagination,
dry runs and "check"."""

import os
import subprocess
import sys

import pytest

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, TESTS)
from sim.fixtures import *  # noqa: E402,F401,F403
from lib.sidecar import (BINARY, MODULE_SO, OUTPUTS,  # noqa: E402
                             STREAM_SO, Sidecar, calls, have_binary)

pytestmark = pytest.mark.skipif(not have_binary(),
                                reason="%s not built (make sidecar)" % BINARY)

ENVS = ["env-m2qx7", "env-r8t4n"]


@pytest.fixture
def sidecar(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sidecar", sim_api)
    sc.write_config()
    return sc


def nginx_t(tmp_path, body, modules=(STREAM_SO,)):
    conf = tmp_path / "nginx-t.conf"
    conf.write_text("".join("load_module %s;\n" % m for m in modules)
                    + "error_log %s/error.log;\npid %s/nginx.pid;\n"
                    "events {}\n" % (tmp_path, tmp_path) + body)
    return subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c",
                           str(conf)], capture_output=True, text=True)


def test_once_discovers_every_private_name(sidecar):
    r = sidecar.run("once", check=0)
    assert "event=cycle_done result=applied complete=yes" in r.stderr

    routes = sidecar.routes()
    # bootstrap and REST (one host), Enterprise, access point, Flink, SR
    for host, group in [
            ("lkc-7xq2jv-p9x4z.us-west-2.aws.glb.confluent.cloud",
             "n-p9x4z"),
            ("lkc-9wd3ny.us-west-2.aws.private.confluent.cloud",
             "platt-k3v8m"),
            ("lkc-6tg5rm.us-west-2.aws.private.confluent.cloud",
             "platt-w6j2d"),
            ("lkc-4pn8kd-k2m7r.us-west-2.aws.glb.confluent.cloud",
             "n-k2m7r"),
            ("lkc-8hx3wq-ap3f8kz2.us-west-2.aws.accesspoint.glb.confluent."
             "cloud", "ap-3f8kz2"),
            ("lsrc-5jm2xq.us-west-2.aws.private.confluent.cloud",
             "platt-k3v8m"),
            ("flink-p9x4z.us-west-2.aws.glb.confluent.cloud", "n-p9x4z"),
            ("flinkpls-p9x4z.us-west-2.aws.glb.confluent.cloud", "n-p9x4z")]:
        assert routes.get(host) == group, host

    # domain patterns cover brokers nobody listed, per network and zone
    assert routes["*.p9x4z.us-west-2.aws.confluent.cloud"] == "n-p9x4z"
    assert routes[r"~^[a-z0-9-]+-usw2-az2-p9x4z\.us-west-2\.aws\.glb\."
                  r"confluent\.cloud$"] == "n-p9x4z.usw2-az2"

    # public endpoints are never routed
    text = sidecar.read("routes.conf")
    assert "pkc-" not in text and "psrc-" not in text
    assert "flink.us-west-2.aws.confluent.cloud " not in text


def test_route_table_loads_in_the_module(sidecar, tmp_path):
    if not os.path.exists(MODULE_SO):
        pytest.skip("%s not built (make module)" % MODULE_SO)
    sidecar.run("once", check=0)
    r = nginx_t(tmp_path, "stream {\n    cclink_routes %s zone=cclink:8m;\n"
                "    server { listen 127.0.0.1:1; cclink_route on;\n"
                "             proxy_pass 127.0.0.1:2; }\n}\n"
                % sidecar.path("routes.conf"),
                modules=(STREAM_SO, MODULE_SO))
    assert r.returncode == 0, r.stderr


def test_stock_nginx_include_passes_nginx_t(sidecar, tmp_path):
    sidecar.run("once", check=0)
    r = nginx_t(tmp_path, "stream {\n    include %s;\n"
                "    server { listen 127.0.0.1:1; ssl_preread on;\n"
                "             proxy_pass ${cclink_upstream}_$server_port; }\n"
                "}\n" % sidecar.path("nginx-cclink.conf"))
    assert r.returncode == 0, r.stderr
    include = sidecar.read("nginx-cclink.conf")
    assert "default cclink_refuse;" in include
    assert "upstream cclink_refuse_443 {\n    server 127.0.0.1:1 down;\n}" \
        in include
    # this host's zone first, the other zones as backup
    assert ("upstream cclink_n-p9x4z_9092 {\n    server 10.1.1.10:9092;\n"
            "    server 10.1.2.10:9092 backup;\n") in include


def test_hosts_snippets_for_both_platforms(sidecar):
    sidecar.run("once", check=0)
    linux = sidecar.read("hosts-linux.txt")
    windows = sidecar.read("hosts-windows.txt")

    assert linux.startswith("# BEGIN cclink test-proxy\n")
    assert linux.endswith("# END cclink test-proxy\n")
    assert windows == linux.replace("\n", "\r\n")
    names = sidecar.hosts_names()
    assert "lkc-7xq2jv-p9x4z.us-west-2.aws.glb.confluent.cloud" in names
    assert "lsrc-5jm2xq.us-west-2.aws.private.confluent.cloud" in names
    assert "flinkpls.us-west-2.aws.private.confluent.cloud" in names
    assert all(line.startswith("203.0.113.10 ")
               for line in linux.splitlines() if not line.startswith("#"))
    # without Kafka keys no broker names: the file says so, per cluster
    for c in ("lkc-7xq2jv", "lkc-9wd3ny", "lkc-4pn8kd", "lkc-6tg5rm",
              "lkc-8hx3wq"):
        assert "# %s: no broker names" % c in linux

    ps = sidecar.read("hosts-apply.ps1")
    assert "'# BEGIN cclink test-proxy'," in ps
    assert "System32\\drivers\\etc\\hosts" in ps
    assert "\n" not in ps.replace("\r\n", "")


def test_state_records_calls_and_counts(sidecar):
    sidecar.run("once", check=0)
    st = sidecar.state()
    d = st["last_discovery"]
    assert d["complete"] is True and d["result"] == "applied"
    assert d["environments"] == ENVS
    assert all(c["outcome"] in ("ok", "unavailable") for c in d["calls"])
    assert calls(st, "GET /org/v2/environments")[0]["status"] == 200
    assert d["counts"]["routes"] == len(st["routes"]) > 20
    assert st["last_complete_discovery"] == d["finished"]
    assert all(r["absent"] == 0 for r in st["routes"])


def test_pagination_follows_every_page(tmp_path, sim_api_factory):
    api = sim_api_factory(max_page_size=1)
    sc = Sidecar(tmp_path / "sc", api)
    sc.write_config()
    sc.run("once", check=0)

    # one environment per page, then the next page through its token
    seen = api.requests(path="/org/v2/environments")
    assert len(seen) == 2
    assert seen[0]["query"].get("page_size") == "100"
    assert "page_token" in seen[1]["query"]
    assert "page_size" not in seen[1]["query"]

    st = sc.state()
    kafka = calls(st, "GET /endpoint/v1/endpoints?environment=env-r8t4n&"
                      "service=KAFKA")[0]
    assert kafka["pages"] == 6 and kafka["items"] == 6
    assert "lkc-8hx3wq-ap3f8kz2.us-west-2.aws.accesspoint.glb.confluent." \
        "cloud" in sc.routes()


def test_second_run_changes_nothing(sidecar):
    sidecar.run("once", check=0)
    before = sidecar.snapshot()
    serial = sidecar.state()["serial"]
    r = sidecar.run("once", check=0)
    assert "result=unchanged" in r.stderr
    assert sidecar.snapshot() == before
    assert sidecar.state()["serial"] == serial


def test_new_cluster_gets_a_new_serial(sidecar, sim_api):
    sidecar.run("once", check=0)
    serial = sidecar.state()["serial"]
    sim_api.mutate({"op": "add", "type": "endpoints",
                    "environment": "env-m2qx7",
                    "resource": {"id": "e-new1", "service": "KAFKA",
                                 "cloud": "aws", "region": "us-west-2",
                                 "is_private": True,
                                 "connection_type": "PRIVATE_LINK",
                                 "endpoint_type": "BOOTSTRAP",
                                 "endpoint": "lkc-n3w000.us-west-2.aws."
                                             "private.confluent.cloud:9092"}})
    sidecar.run("once", check=0)
    assert sidecar.state()["serial"] > serial
    assert "lkc-n3w000.us-west-2.aws.private.confluent.cloud" in \
        sidecar.routes()


def test_render_dry_run_prints_a_diff_and_writes_nothing(sidecar, sim_api):
    sidecar.run("once", check=0)
    before = sidecar.snapshot()
    state_before = sidecar.read("state.json")
    sim_api.mutate({"op": "remove", "id": "lkc-6tg5rm"})
    sim_api.mutate({"op": "add", "type": "endpoints",
                    "environment": "env-m2qx7",
                    "resource": {"id": "e-new2", "service": "KAFKA",
                                 "cloud": "aws", "region": "us-west-2",
                                 "is_private": True,
                                 "connection_type": "PRIVATE_LINK",
                                 "endpoint_type": "REST",
                                 "endpoint": "https://lkc-n3w111.us-west-2."
                                             "aws.private.confluent.cloud"}})

    r = sidecar.run("render", "--dry-run", check=0)
    out = r.stdout
    assert "--- a/routes.conf\n+++ b/routes.conf\n" in out
    assert "+route lkc-n3w111.us-west-2.aws.private.confluent.cloud " \
        "platt-k3v8m\n" in out
    assert "+203.0.113.10 lkc-n3w111.us-west-2.aws.private.confluent.cloud" \
        in out
    assert "--- a/hosts-windows.txt" in out
    # a route absent once is kept: no "-" line for it
    assert "-route lkc-6tg5rm" not in out
    assert sidecar.snapshot() == before
    assert sidecar.read("state.json") == state_before


def test_check_passes_and_fails_clearly(sidecar):
    r = sidecar.run("check", check=0)
    assert "ok   API" in r.stdout and "check passed" in r.stdout

    r = sidecar.run("check", env=sidecar.env(secret="wrong"))
    assert r.returncode == 1
    assert "FAIL API" in r.stdout and "authentication failed (401)" in \
        r.stdout


def test_services_and_environments_are_honoured(sidecar, sim_api):
    sidecar.write_config(environments="env-r8t4n", services="kafka")
    sidecar.run("once", check=0)
    routes = sidecar.routes()
    assert "lkc-4pn8kd-k2m7r.us-west-2.aws.glb.confluent.cloud" in routes
    assert not any(k.startswith("lkc-7xq2jv") for k in routes)
    assert not any(k.startswith("flink") for k in routes)
    assert not sim_api.requests(path="/org/v2/environments")


def test_usage_errors(sidecar):
    r = sidecar.run("frobnicate")
    assert r.returncode == 64
    r = sidecar.run("hosts", "apply")
    assert r.returncode == 64
    r = subprocess.run([BINARY, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "diagnose HOST[:PORT]" in r.stdout
    r = subprocess.run([BINARY, "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("cclink-sidecar ")


def test_outputs_are_complete(sidecar):
    sidecar.run("once", check=0)
    for name in OUTPUTS + ("state.json",):
        assert os.path.getsize(sidecar.path(name)) > 0, name
    assert sidecar.read("routes.conf").endswith("\nend\n")
