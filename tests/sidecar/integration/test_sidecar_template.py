"""The example configuration as shipped, against the simulator:

    cclink-sidecar once --config conf-templates/cclink-sidecar.conf \\
        --api-url https://127.0.0.1:PORT --ca-file test-ca.pem

writes a route table the module's parser loads, a stock-nginx include that
nginx -t accepts and hosts snippets for both platforms, and hosts apply is
idempotent.

The template resolves endpoint addresses with this host's DNS (target_dns)
and writes to /var/lib/cclink. The command therefore runs in a private
mount namespace where a generated hosts file is mounted over /etc/hosts
(it answers the probe names a private hosted zone would) and a tmpfs over
/var/lib; the machine's own files are never touched."""

import os
import shutil
import subprocess
import sys

import pytest

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, TESTS)
from sim.fixtures import *  # noqa: E402,F401,F403
from lib.sidecar import (BINARY, MODULE_SO, STREAM_SO,  # noqa: E402
                             TEMPLATE, have_binary)

pytestmark = pytest.mark.skipif(not have_binary(),
                                reason="%s not built (make sidecar)" % BINARY)

# what a private hosted zone per domain and zone would answer
PROBES = {
    "cclink-probe.usw2-az1.p9x4z.us-west-2.aws.confluent.cloud": "10.1.1.10",
    "cclink-probe.usw2-az2.p9x4z.us-west-2.aws.confluent.cloud": "10.1.2.10",
    "cclink-probe.usw2-az3.p9x4z.us-west-2.aws.confluent.cloud": "10.1.3.10",
    "cclink-probe.usw2-az2.k2m7r.us-west-2.aws.confluent.cloud": "10.2.2.10",
    "cclink-probe.usw2-az3.k2m7r.us-west-2.aws.confluent.cloud": "10.2.3.10",
    "cclink-probe.usw2-az4.k2m7r.us-west-2.aws.confluent.cloud": "10.2.4.10",
    "cclink-probe.us-west-2.aws.private.confluent.cloud": "10.3.0.10",
    "cclink-probe.ap3f8kz2.us-west-2.aws.accesspoint.confluent.cloud":
        "10.5.0.10",
}


def unshare_ok():
    if os.geteuid() != 0:
        return False
    return subprocess.run(["unshare", "--mount", "true"],
                          capture_output=True).returncode == 0


@pytest.fixture
def done(tmp_path, sim_api):
    if not unshare_ok():
        pytest.skip("needs root and unshare --mount for a private "
                    "/etc/hosts and /var/lib")
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n" + "".join(
        "%s %s\n" % (a, n) for n, a in sorted(PROBES.items())))
    out = tmp_path / "out"
    out.mkdir()
    script = (
        "set -u\n"
        "mount --bind \"$HOSTS\" /etc/hosts\n"
        "mount -t tmpfs tmpfs /var/lib\n"
        "\"$BINARY\" once --config \"$TEMPLATE\" --api-url \"$URL\" "
        "--ca-file \"$CA\"\n"
        "rc=$?\n"
        "cp -a /var/lib/cclink/. \"$OUT\"/ 2>/dev/null\n"
        "exit $rc\n")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CONFLUENT_CLOUD_")}
    env.update(HOSTS=str(hosts), BINARY=BINARY, TEMPLATE=TEMPLATE,
               URL=sim_api.url, CA=sim_api.ca_file, OUT=str(out),
               CONFLUENT_CLOUD_API_KEY=sim_api.api_key,
               CONFLUENT_CLOUD_API_SECRET=sim_api.api_secret)
    r = subprocess.run(["unshare", "--mount", "sh", "-c", script], env=env,
                       capture_output=True, text=True, timeout=120)
    return r, out


def nginx_t(tmp_path, body, modules):
    conf = tmp_path / "nginx-t.conf"
    conf.write_text("".join("load_module %s;\n" % m for m in modules)
                    + "error_log %s/error.log;\npid %s/nginx.pid;\n"
                    "events {}\n" % (tmp_path, tmp_path) + body)
    return subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c",
                           str(conf)], capture_output=True, text=True)


def test_template_once_writes_everything(done):
    r, out = done
    assert r.returncode == 0, r.stderr
    assert "event=cycle_done result=applied complete=yes" in r.stderr
    for name in ("routes.conf", "nginx-cclink.conf", "hosts-linux.txt",
                 "hosts-windows.txt", "hosts-apply.ps1", "state.json"):
        assert (out / name).stat().st_size > 0, name

    routes = (out / "routes.conf").read_text()
    # addresses from DNS, one per zone, labelled with the zone
    assert "group n-p9x4z 10.1.2.10 zone=usw2-az2\n" in routes
    assert "group n-p9x4z.usw2-az3 10.1.3.10 zone=usw2-az3\n" in routes
    assert "group platt-k3v8m 10.3.0.10\n" in routes
    assert "route lkc-7xq2jv-p9x4z.us-west-2.aws.glb.confluent.cloud " \
        "n-p9x4z\n" in routes


def test_template_route_table_loads_in_the_module(done, tmp_path):
    r, out = done
    if not os.path.exists(MODULE_SO):
        pytest.skip("%s not built (make module)" % MODULE_SO)
    t = nginx_t(tmp_path, "stream {\n    cclink_routes %s zone=cclink:8m;\n"
                "    server { listen 127.0.0.1:1; cclink_route on;\n"
                "             proxy_pass 127.0.0.1:2; }\n}\n"
                % (out / "routes.conf"), (STREAM_SO, MODULE_SO))
    assert t.returncode == 0, t.stderr


def test_template_include_passes_nginx_t(done, tmp_path):
    r, out = done
    t = nginx_t(tmp_path, "stream {\n    include %s;\n"
                "    server { listen 127.0.0.1:1; ssl_preread on;\n"
                "             proxy_pass ${cclink_upstream}_$server_port; }\n"
                "}\n" % (out / "nginx-cclink.conf"), (STREAM_SO,))
    assert t.returncode == 0, t.stderr


def test_template_hosts_snippets_and_idempotent_apply(done, tmp_path):
    r, out = done
    linux = (out / "hosts-linux.txt").read_bytes()
    windows = (out / "hosts-windows.txt").read_bytes()
    assert linux.startswith(b"# BEGIN cclink cclink\n")
    assert windows == linux.replace(b"\n", b"\r\n")
    assert b"192.0.2.10 lkc-9wd3ny.us-west-2.aws.private.confluent.cloud\n" \
        in linux

    target = tmp_path / "etc-hosts"
    target.write_bytes(b"127.0.0.1 localhost\r\n::1 localhost\r\n")
    argv = [BINARY, "--config", TEMPLATE, "--output-dir", str(out), "hosts",
            "apply", "--file", str(target)]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CONFLUENT_CLOUD_")}
    subprocess.run(argv, env=env, check=True, capture_output=True)
    first = target.read_bytes()
    assert first == b"127.0.0.1 localhost\r\n::1 localhost\r\n" + windows
    st = os.stat(target)

    p = subprocess.run(argv, env=env, check=True, capture_output=True,
                       text=True)
    assert "event=hosts_unchanged" in p.stderr
    assert target.read_bytes() == first
    assert os.stat(target).st_mtime_ns == st.st_mtime_ns
    shutil.rmtree(out)
