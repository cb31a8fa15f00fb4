"""The main job, tools/demo.py (make demo, make demo-check): on the
simulator, and "on Confluent Cloud" with a user's sidecar configuration
and Cloud API key, played here by the simulator's API so that the code
path that would talk to the real service runs too."""

import os
import re
import subprocess
import sys

import pytest

from world import AWS, KAFKA_TOPIC, stack  # noqa: E402

DEMO = os.path.join(stack.REPO, "tools", "demo.py")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable


def demo(args, workdir, env=None, timeout=240):
    """Runs the demo; returns (exit status, output). Afterwards nothing it
    started may be left running."""
    r = subprocess.run([PYTHON, DEMO, "--check", "--no-build", "--dir",
                        workdir] + list(args), capture_output=True,
                       text=True, timeout=timeout,
                       env=env or stack.clean_env())
    out = r.stdout + r.stderr
    with open(os.path.join(workdir, "demo.out"), "w") as f:
        f.write(out)
    ps = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True,
                        text=True).stdout
    left = [ln for ln in ps.splitlines() if workdir in ln]
    assert not left, "left running:\n" + "\n".join(left)
    return r.returncode, out


def checks(out):
    """{label: "ok" | "FAIL" | "skip"} of the check lines."""
    return dict(re.findall(r"^  (\S[\w ()0-9]*?)\s+(ok|FAIL|skip)\s", out,
                           re.M))


def test_demo_check_on_the_simulator(e2e_dir):
    workdir = os.path.join(e2e_dir, "demo-sim")
    os.makedirs(workdir)
    rc, out = demo([], workdir)
    assert rc == 0, out
    assert out.rstrip().endswith("demo check: ok"), out
    assert checks(out) == {
        "kafka produce": "ok", "kafka consume": "ok", "by name": "ok",
        "rest (443)": "ok", "unknown name": "ok", "status page": "ok",
        "error logs": "ok", "dig (DNS)": "ok", "kcat (DNS)": "ok",
        "dig outside": "ok", "connect": "ok", "pac file": "ok"}, out
    # the laptop set itself up with the line it printed: curl from the
    # proxy's client folder, then hosts-apply.sh
    assert re.search(r"^  cd \S+/laptop && curl -fsSO http://\S+:\d+/cclink/"
                     r"client/hosts-apply\.sh && sh hosts-apply\.sh --file "
                     r"\S+/laptop/hosts$", out, re.M), out
    assert re.search(r"^  hosts-apply\.sh\s+ok\s+hosts-apply\.sh: \S+ "
                     r"replaced: block of proxy demo-proxy", out, re.M), out
    # the hosts snippet it printed is the one it wrote, and names the
    # proxy address the clients used
    snippet = os.path.join(workdir, "demo-proxy", "out", "hosts-linux.txt")
    with open(snippet) as f:
        text = f.read()
    assert "\n".join("    " + ln for ln in text.splitlines()) in out
    addr = re.search(r"nginx \+ module\s+(\S+):9092", out).group(1)
    assert re.search(r"^%s lkc-7xq2jv-p9x4z\.us-west-2\.aws\.glb\."
                     r"confluent\.cloud$" % re.escape(addr), text, re.M)
    assert re.search(r"status page: http://%s:\d+/cclink/status"
                     % re.escape(addr), out)


@pytest.fixture(scope="module")
def cloud(e2e_dir):
    """The simulator standing in for Confluent Cloud: its API and a
    cluster behind a private endpoint, no proxy."""
    c = stack.Cloud(os.path.join(e2e_dir, "demo-cloud"),
                    scenarios=("aws-dedicated.json",),
                    rest_clusters=(AWS,)).start()
    try:
        site = c.add_site(AWS, topics=["%s:6:3" % KAFKA_TOPIC])
    except BaseException:
        c.stop()
        raise
    yield c, site
    assert c.stop() == []
    assert c.problems() == []


def user_config(path, cloud, site, kafka_keys=True):
    """What a user writes for their organization (docs/main-job.md):
    the API, targets per zone, a Kafka key, the usual system paths."""
    lines = ["api_url %s" % cloud.api.url,
             "ca_file %s" % cloud.ca.cert,
             "environments env-m2qx7",
             "services kafka",
             "zone usw2-az1",
             "target_dns off",
             "allow_local_targets on",
             "kafka_security_protocol SSL",
             "kafka_ca_file %s" % cloud.ca.cert,
             "output_dir /var/lib/cclink-demo-test-must-not-exist",
             "proxy_address 192.0.2.10",
             "proxy_name edge-1",
             "mode nginx"]
    lines += ["target %s %s zone=%s" % t for t in site.targets()]
    lines.append("kafka_bootstrap_address %s %s:9092"
                 % (AWS, site.zones["usw2-az1"]))
    if kafka_keys:
        creds = os.path.join(os.path.dirname(path), "kafka.credentials")
        fd = os.open(creds, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("%s %s %s\n" % (AWS, stack.CLUSTER_KEY,
                                    stack.CLUSTER_SECRET))
        lines.append("kafka_credentials_file kafka.credentials")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def cloud_env(cloud):
    env = stack.clean_env()
    env["CONFLUENT_CLOUD_API_KEY"] = cloud.api.api_key
    env["CONFLUENT_CLOUD_API_SECRET"] = cloud.api.api_secret
    return env


def test_demo_check_against_a_cloud_configuration(e2e_dir, cloud):
    c, site = cloud
    workdir = os.path.join(e2e_dir, "demo-cloud-key")
    os.makedirs(workdir)
    conf = user_config(os.path.join(workdir, "user.conf"), c, site)
    listen = stack.pick_address()
    rc, out = demo(["--listen", listen, "--topic", KAFKA_TOPIC, conf],
                   workdir, env=cloud_env(c))
    assert rc == 0, out
    assert "cclink demo on Confluent Cloud (%s)" % c.api.url in out
    assert "simulator" not in out
    assert checks(out) == {
        "discovery": "ok", "kafka produce": "ok", "kafka consume": "ok",
        "by name": "ok", "rest (443)": "ok", "unknown name": "ok",
        "status page": "ok", "error logs": "ok"}, out
    # the copy: the user's proxy name, this run's address and directory,
    # module mode; relative paths made absolute
    with open(os.path.join(workdir, "cloud-proxy", "cclink-sidecar.conf")) \
            as f:
        copy = f.read()
    assert "proxy_name edge-1\n" in copy
    assert "proxy_address %s\n" % listen in copy
    assert "mode module\n" in copy and "mode nginx" not in copy
    assert "kafka_credentials_file %s/kafka.credentials\n" % workdir in copy
    assert not os.path.exists("/var/lib/cclink-demo-test-must-not-exist")
    assert "# BEGIN cclink edge-1" in out
    assert "%s %s" % (listen, site.bootstrap) in out
    # the client properties with the key are gone
    assert not os.path.exists(os.path.join(workdir, "cloud-proxy",
                                           "kcat.properties"))


def test_demo_without_a_cluster_key_skips_the_clients(e2e_dir, cloud):
    c, site = cloud
    workdir = os.path.join(e2e_dir, "demo-cloud-nokey")
    os.makedirs(workdir)
    conf = user_config(os.path.join(workdir, "user.conf"), c, site,
                       kafka_keys=False)
    rc, out = demo(["--listen", stack.pick_address(), conf], workdir,
                   env=cloud_env(c))
    assert rc == 0, out
    assert checks(out) == {"discovery": "ok", "kafka": "skip",
                           "unknown name": "ok", "status page": "ok",
                           "error logs": "ok"}, out
    assert "no cluster API key configured (kafka_credentials_file)" in out


def test_demo_without_a_cloud_key_says_so(e2e_dir, cloud):
    c, site = cloud
    workdir = os.path.join(e2e_dir, "demo-cloud-noapikey")
    os.makedirs(workdir)
    conf = user_config(os.path.join(workdir, "user.conf"), c, site)
    rc, out = demo(["--listen", stack.pick_address(), conf], workdir)
    assert rc == 1
    assert "demo: no Cloud API key: set CONFLUENT_CLOUD_API_KEY" in out
