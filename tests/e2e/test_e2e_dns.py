"""A laptop whose only name service is the proxy's DNS: its /etc/hosts
holds no cluster name and its /etc/resolv.conf names the proxy's DNS
server (ngx_stream_cclink_dns_module on the proxy address, port 53, in a
private mount namespace: the machine's files are not touched).

The cluster has no Kafka API key in the sidecar's configuration, so no
broker name was ever discovered: the route table holds the bootstrap name
and the domain patterns only, and the hosts snippet no broker. Through
DNS alone:

- kcat (librdkafka), kafka-python (python3-kafka) and KafkaJS (the
  kafkajs npm package, "make kafkajs") produce and consume through the
  proxy; curl makes a Kafka REST call through 443;
- a broker added to the cluster at run time is reached with nothing
  changed on the laptop.

The tests share one running stack and run in file order."""

import json
import os
import shutil

import pytest

import stack
from dns_stack import DNSLaptop, DNSProxyHost
from world import AWS, KAFKA_TOPIC, World, check_clean

N_MESSAGES = 200
NEW_BROKER = "e-7c05-usw2-az2-p9x4z.us-west-2.aws.glb.confluent.cloud"
NODE_MODULES = os.path.join(stack.BUILD, "kafkajs", "node_modules")

@pytest.fixture(scope="module")
def world(e2e_dir):
    root = os.path.join(e2e_dir, "dns")
    os.makedirs(root, exist_ok=True)
    os.chmod(root, 0o755)
    w = World(root)
    try:
        w.cloud = stack.Cloud(root).start()
        w.site = w.cloud.add_site(AWS, topics=["%s:6:3" % KAFKA_TOPIC])
        w.proxy = DNSProxyHost(root, "edge-dns", w.cloud, [w.site],
                               environments=["env-m2qx7"], kafka_key=False)
        w.proxies.append(w.proxy)
        w.proxy.start()
        w.laptop = DNSLaptop(root, w.proxy.address)
        w.ca = w.cloud.ca.cert
    except BaseException:
        w.stop()
        raise
    yield w
    check_clean(w)


def resolve(world, name):
    r = world.laptop.run(["getent", "ahostsv4", name], timeout=30)
    return sorted({ln.split()[0] for ln in r.stdout.splitlines()})


# ---------------------------------------------------------------------------

def test_no_broker_name_was_discovered(world):
    site, proxy = world.site, world.proxy
    st = proxy.state()
    (bd,) = [c for c in st["last_discovery"]["broker_discovery"]
             if c["cluster"] == AWS]
    assert bd["error"] == "no Kafka API key configured"
    routes = proxy.routes()
    for b in site.brokers:
        assert b["host"] not in routes
    assert not any(b["host"] in proxy.hosts_names() for b in site.brokers)
    # the laptop knows no cluster name
    assert world.laptop.text() == stack.Laptop.BASE


def test_names_resolve_through_the_proxy_dns_alone(world):
    site, proxy = world.site, world.proxy
    assert resolve(world, site.bootstrap) == [proxy.address]
    for b in site.brokers:
        assert resolve(world, b["host"]) == [proxy.address], b["host"]
    # not a routed name: nothing (NXDOMAIN), and no open resolver
    assert resolve(world, "nothing-here.confluent.cloud") == []
    r = world.laptop.run(["dig", "+short", "example.com"], timeout=30)
    assert r.stdout.strip() == ""
    r = world.laptop.run(["dig", site.bootstrap], timeout=30)
    assert "status: NOERROR" in r.stdout and " aa" in r.stdout


def test_kcat_produces_and_consumes(world):
    site, laptop = world.site, world.laptop
    site.mock.spread_leaders(KAFKA_TOPIC)
    lines = "".join("k-%04d:kcat %04d\n" % (i, i) for i in range(N_MESSAGES))
    r = laptop.kcat(site.bootstrap, ["-P", "-t", KAFKA_TOPIC, "-K", ":",
                                     "-X", "acks=all"], world.ca,
                    input=lines)
    assert r.returncode == 0, r.stderr
    r = laptop.kcat(site.bootstrap, ["-C", "-t", KAFKA_TOPIC, "-o",
                                     "beginning", "-e", "-q", "-f",
                                     "%p %k:%s\\n"], world.ca)
    assert r.returncode == 0, r.stderr
    got = [ln.split(" ", 1)[1] for ln in r.stdout.splitlines()
           if ":kcat " in ln]
    assert sorted(got) == sorted(lines.splitlines())
    # every broker was reached by a name that only DNS gave the laptop
    seen = {e["sni"] for e in world.proxy.access_entries()
            if e["port"] == "9092"}
    assert {b["host"] for b in site.brokers} <= seen


def test_curl_rest_call_through_dns(world):
    site = world.site
    url = "https://%s/kafka/v3/clusters/%s/topics" % (site.rest_name, AWS)
    status, doc, text = world.laptop.curl(
        "GET", url, world.ca, (stack.CLUSTER_KEY, stack.CLUSTER_SECRET))
    assert status == 200, text
    assert doc["kind"] == "KafkaTopicList"
    seen = {e["sni"] for e in world.proxy.access_entries()
            if e["port"] == "443"}
    assert site.rest_name in seen


KAFKA_PYTHON = r"""
import sys
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
boot, ca, topic, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
kw = dict(bootstrap_servers=boot, security_protocol="SSL", ssl_cafile=ca,
          ssl_check_hostname=True, api_version=(2, 5, 0),
          request_timeout_ms=20000)
p = KafkaProducer(acks="all", **kw)
for i in range(n):
    p.send(topic, key=b"py-%04d" % i, value=b"kafka-python %04d" % i)
p.flush(30)
p.close()
c = KafkaConsumer(consumer_timeout_ms=8000, auto_offset_reset="earliest",
                  enable_auto_commit=False, group_id=None, **kw)
parts = [TopicPartition(topic, q) for q in c.partitions_for_topic(topic)]
c.assign(parts)
c.seek_to_beginning()
got = sorted(m.value.decode() for m in c
             if m.value.startswith(b"kafka-python "))
c.close()
print("\n".join(got))
"""


def test_kafka_python_produces_and_consumes(world):
    site = world.site
    r = world.laptop.run(["/usr/bin/python3", "-c", KAFKA_PYTHON,
                          "%s:9092" % site.bootstrap, world.ca, KAFKA_TOPIC,
                          str(N_MESSAGES)], timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.splitlines() == ["kafka-python %04d" % i
                                    for i in range(N_MESSAGES)], \
        r.stderr[-3000:]


KAFKAJS = r"""
const fs = require('fs');
const { Kafka, logLevel } = require('kafkajs');
const [boot, ca, topic, n] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'laptop', brokers: [boot],
  ssl: { ca: [fs.readFileSync(ca, 'utf8')] }, logLevel: logLevel.ERROR,
  connectionTimeout: 10000, requestTimeout: 20000 });
(async () => {
  const p = kafka.producer();
  await p.connect();
  const messages = [];
  for (let i = 0; i < Number(n); i++) {
    messages.push({ key: 'js-' + i,
                    value: 'kafkajs ' + String(i).padStart(4, '0') });
  }
  await p.send({ topic, acks: -1, messages });
  await p.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const got = [];
  const c = kafka.consumer({ groupId: 'laptop-' + Date.now() });
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  const want = Number(n);
  await new Promise((resolve, reject) => {
    const t = setTimeout(
      () => reject(new Error('timed out with ' + got.length)), 60000);
    c.run({ eachMessage: async ({ message }) => {
      const v = message.value.toString();
      if (v.startsWith('kafkajs ')) { got.push(v); }
      if (got.length >= want) { clearTimeout(t); resolve(); }
    } });
  });
  await c.disconnect();
  console.log(got.sort().join('\n'));
})().catch((e) => { console.error(e); process.exit(1); });
"""


@pytest.mark.skipif(not os.path.isdir(os.path.join(NODE_MODULES, "kafkajs")),
                    reason="kafkajs is not installed (make kafkajs)")
def test_kafkajs_produces_and_consumes(world):
    site = world.site
    script = os.path.join(world.laptop.dir, "kafkajs-client.js")
    with open(script, "w") as f:
        f.write(KAFKAJS)
    node = shutil.which("node") or "/usr/bin/node"
    env_path = "NODE_PATH=%s" % NODE_MODULES
    r = world.laptop.run(["env", env_path, node, script,
                          "%s:9092" % site.bootstrap, world.ca, KAFKA_TOPIC,
                          str(N_MESSAGES)], timeout=150)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == [w for i in range(N_MESSAGES)
                                for w in ("kafkajs", "%04d" % i)]


def test_broker_added_at_run_time_is_reached(world):
    site, proxy, laptop = world.site, world.proxy, world.laptop
    laptop_files = (laptop.text(), open(laptop.resolv).read())
    assert resolve(world, NEW_BROKER) == [proxy.address]
    mock_id = site.add_broker(NEW_BROKER, "usw2-az2")
    # it leads partition 0; the laptop produces to and consumes from it
    site.mock.command("leader %s 0 %d" % (KAFKA_TOPIC, mock_id))

    def leads():
        r = laptop.kcat(site.bootstrap, ["-L", "-J", "-t", KAFKA_TOPIC],
                        world.ca, timeout=60)
        if r.returncode != 0:
            return False
        meta = json.loads(r.stdout)
        hosts = {b["id"]: b["name"].rsplit(":", 1)[0]
                 for b in meta["brokers"]}
        (t,) = [t for t in meta["topics"] if t["topic"] == KAFKA_TOPIC]
        return any(p["partition"] == 0 and hosts[p["leader"]] == NEW_BROKER
                   for p in t["partitions"])

    stack.wait_until(leads, 60, "%s leading partition 0" % NEW_BROKER,
                     step=1)
    r = laptop.kcat(site.bootstrap, ["-P", "-t", KAFKA_TOPIC, "-p", "0"],
                    world.ca, input="to the new broker\n")
    assert r.returncode == 0, r.stderr
    r = laptop.kcat(site.bootstrap, ["-C", "-t", KAFKA_TOPIC, "-p", "0",
                                     "-o", "-1", "-e", "-q"], world.ca)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["to the new broker"]
    seen = {e["sni"] for e in proxy.access_entries() if e["port"] == "9092"}
    assert NEW_BROKER in seen
    # nothing changed on the laptop
    assert (laptop.text(), open(laptop.resolv).read()) == laptop_files
