"""One proxy host in front of one privately networked cluster, with real
clients on a laptop, once with nginx and ngx_cclink_module ("module") and
once with the distribution's nginx and the sidecar's include ("stock"):

- cclink-sidecar discovers the cluster from the simulated API and its
  brokers from Kafka metadata, and writes the route table, the include
  and the hosts snippet; nginx serves them;
- kcat (TLS, the test CA) produces 1,000 messages and consumes them back
  through the proxy, the laptop's /etc/hosts being the sidecar's snippet;
- curl makes the cluster-linking tutorial's REST calls through 443;
- headless Chromium shows the cluster's topics on a Console stand-in;
- a broker added to the cluster becomes reachable by name while
  everything keeps running.

The tests of a mode share one running stack and run in file order."""

import json
import os
import re
import time

import pytest

from world import (ARTIFACTS, AWS, KAFKA_TOPIC, REST_TOPICS,  # noqa: E402
                   check_clean, make_world, stack)
from console import chromium_dom, chromium_path, chromium_screenshot  # noqa

N_MESSAGES = 1000
NEW_BROKER = "e-6a71-usw2-az1-p9x4z.us-west-2.aws.glb.confluent.cloud"


@pytest.fixture(scope="module")
def world(e2e_dir, mode):
    w = make_world(os.path.join(e2e_dir, "proxy-" + mode), mode,
                   [(AWS, "edge-aws", "env-m2qx7")])
    w.mode = mode
    w.site = w.cloud.sites[AWS]
    w.proxy = w.proxies[0]
    w.ca = w.cloud.ca.cert
    yield w
    check_clean(w)


def kafka_entries(proxy, name=None):
    return [e for e in proxy.access_entries()
            if e["port"] == "9092" and (name is None or e["sni"] == name)]


def metadata(world):
    r = world.laptop.kcat(world.site.bootstrap, ["-L", "-J", "-t",
                                                 KAFKA_TOPIC], world.ca)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def leaders(meta):
    """{partition: broker host} of the test topic."""
    hosts = {b["id"]: b["name"].rsplit(":", 1)[0] for b in meta["brokers"]}
    (topic,) = [t for t in meta["topics"] if t["topic"] == KAFKA_TOPIC]
    return {p["partition"]: hosts[p["leader"]] for p in topic["partitions"]}


# ---------------------------------------------------------------------------

def test_sidecar_wrote_what_the_simulator_holds(world):
    site, proxy = world.site, world.proxy
    zones = site.zones
    routes = proxy.routes()
    # bootstrap and REST share one name, routed to the network's group;
    # every broker to its own zone's group
    assert routes[site.bootstrap] == site.network
    assert site.rest_name == site.bootstrap
    for b in site.brokers:
        assert routes[b["host"]] == "%s.%s" % (site.network, b["zone"])
    table = proxy.read("routes.conf")
    for zone, addr in zones.items():
        assert "group %s %s zone=%s\n" % (site.network, addr, zone) in table
        assert "group %s.%s %s zone=%s\n" % (site.network, zone, addr,
                                              zone) in table

    # the hosts snippet: every exact name at this proxy's address
    names = proxy.hosts_names()
    want = {b["host"] for b in site.brokers} | {site.bootstrap}
    assert set(names) == want
    assert set(names.values()) == {proxy.address}

    st = proxy.state()
    assert st["last_discovery"]["complete"] is True
    (bd,) = [c for c in st["last_discovery"]["broker_discovery"]
             if c["cluster"] == AWS]
    assert bd == dict(bd, brokers=len(site.brokers), error=None)

    if world.mode == "module":
        serial = int(re.search(r"^serial (\d+)$", table, re.M).group(1))
        status = proxy.status()
        assert status["table"]["serial"] == serial
        assert status["table"]["routes"] == len(routes)
    else:
        include = proxy.read("nginx-cclink.conf")
        assert "map $ssl_preread_server_name $cclink_upstream" in include
        # the host's zone first, the others as backup
        up = re.search(r"upstream cclink_%s_9092 \{(.*?)\}"
                       % re.escape(site.network), include, re.S).group(1)
        servers = re.findall(r"server (\S+)(.*?);", up)
        assert servers[0] == ("%s:9092" % zones[proxy.zone], "")
        assert all("backup" in extra for _, extra in servers[1:])

    # the laptop's hosts file: its own lines, then the proxy's block
    text = world.laptop.text()
    assert text.startswith(stack.Laptop.BASE)
    assert proxy.read("hosts-linux.txt") in text


def test_kcat_produces_and_consumes_1000_messages(world):
    site, proxy, laptop = world.site, world.proxy, world.laptop
    site.mock.spread_leaders(KAFKA_TOPIC)
    before = len(proxy.access_entries())

    lines = "".join("key-%04d:message %04d from the laptop\n" % (i, i)
                    for i in range(N_MESSAGES))
    t0 = time.monotonic()
    r = laptop.kcat(site.bootstrap, ["-P", "-t", KAFKA_TOPIC, "-K", ":",
                                     "-X", "acks=all"], world.ca,
                    input=lines)
    assert r.returncode == 0, r.stderr
    r = laptop.kcat(site.bootstrap, ["-C", "-t", KAFKA_TOPIC, "-o",
                                     "beginning", "-e", "-q", "-f",
                                     "%p %k:%s\\n"], world.ca)
    assert r.returncode == 0, r.stderr
    elapsed = time.monotonic() - t0
    got = r.stdout.splitlines()
    assert len(got) == N_MESSAGES, (len(got), r.stderr[-2000:])
    assert sorted(ln.split(" ", 1)[1] for ln in got) == \
        sorted(lines.splitlines())
    used = {int(ln.split(" ", 1)[0]) for ln in got}
    assert used == set(range(6)), "keys did not reach every partition"

    # the brokers kcat used are the leaders of those partitions: each
    # one shows up in the proxy's access log, by name, sent to the
    # endpoint address of its zone; so does the bootstrap name
    lead = leaders(metadata(world))
    used_brokers = {lead[p] for p in used}
    assert len(used_brokers) == len(site.brokers)
    entries = proxy.access_entries()[before:]
    seen = {e["sni"] for e in entries if e["port"] == "9092"}
    assert site.bootstrap in seen
    assert used_brokers <= seen, used_brokers - seen
    assert seen <= used_brokers | {site.bootstrap}
    for e in entries:
        assert e["status"] == "200", e
        if e["sni"] in used_brokers:
            zone = site.zone_of(e["sni"])
            assert e["upstream"] == "%s:9092" % site.zones[zone], e
            if world.mode == "module":
                assert e["group"] == "%s.%s" % (site.network, zone), e
                assert e["zone"] == zone, e
    # the endpoint got each broker name on its own zone's address
    for host in used_brokers:
        e = site.endpoint.wait_for_log(lambda e, h=host: e["sni"] == h)
        assert e["zone"] == site.zone_of(host), e
    print("kcat: %d messages produced and consumed in %.1fs through %s "
          "(%s mode), brokers used: %d" % (N_MESSAGES, elapsed,
                                           proxy.address, world.mode,
                                           len(used_brokers)))


def test_curl_cluster_linking_calls_through_443(world):
    site, proxy, laptop = world.site, world.proxy, world.laptop
    base = "https://%s/kafka/v3/clusters/%s" % (site.rest_name, AWS)
    auth = (stack.CLUSTER_KEY, stack.CLUSTER_SECRET)
    before = len(proxy.access_entries())

    status, doc, text = laptop.curl("GET", base + "/topics", world.ca, auth)
    assert status == 200, text
    assert sorted(t["topic_name"] for t in doc["data"]) == \
        sorted(REST_TOPICS[AWS])

    # the tutorial's link: the private cluster is the destination, the
    # source is given by its id and bootstrap
    link = {"source_cluster_id": "lkc-9wd3ny",
            "configs": [
                {"name": "bootstrap.servers", "value":
                 "lkc-9wd3ny.us-west-2.aws.private.confluent.cloud:9092"},
                {"name": "security.protocol", "value": "SASL_SSL"},
                {"name": "sasl.mechanism", "value": "PLAIN"},
                {"name": "sasl.jaas.config", "value":
                 "org.apache.kafka.common.security.plain.PlainLoginModule "
                 "required username=\"SRCKEY\" password=\"SRCSECRET\";"}]}
    status, _, text = laptop.curl("POST", base + "/links?link_name="
                                  "private-link-%s" % world.mode, world.ca,
                                  auth, link)
    assert status == 204, text
    status, _, text = laptop.curl(
        "POST", base + "/links/private-link-%s/mirrors" % world.mode,
        world.ca, auth, {"source_topic_name": "orders",
                         "mirror_topic_name": "orders-mirror"})
    assert status == 204, text

    status, doc, text = laptop.curl("GET", base + "/links", world.ca, auth)
    assert status == 200, text
    (lk,) = [d for d in doc["data"]
             if d["link_name"] == "private-link-%s" % world.mode]
    assert lk["source_cluster_id"] == "lkc-9wd3ny"
    assert lk["topic_names"] == ["orders-mirror"]
    status, doc, text = laptop.curl(
        "GET", base + "/links/private-link-%s/mirrors" % world.mode,
        world.ca, auth)
    assert status == 200, text
    (m,) = doc["data"]
    assert (m["mirror_topic_name"], m["source_topic_name"],
            m["mirror_status"]) == ("orders-mirror", "orders", "ACTIVE")
    # self links name the cluster's own REST host, as seen through TLS
    assert m["metadata"]["self"].startswith("https://%s/" % site.rest_name)

    # every call went through the proxy's 443, to an endpoint address
    rest = [e for e in proxy.access_entries()[before:] if e["port"] == "443"]
    assert len(rest) == 5
    assert {e["sni"] for e in rest} == {site.rest_name}
    assert all(e["upstream"].rsplit(":", 1)[1] == "443" and
               e["upstream"].rsplit(":", 1)[0] in site.zones.values()
               for e in rest), rest
    seen = world.cloud.rest.requests()
    assert {r["host"] for r in seen if r["method"] == "POST"} == \
        {site.rest_name}


def test_console_page_in_chromium_lists_the_topics(world):
    if chromium_path() is None:
        pytest.skip("chromium is not installed (make deps)")
    site, proxy = world.site, world.proxy
    # the browser resolves exactly the laptop's hosts file names; the
    # certificate the endpoint presents is accepted by its key, as a
    # public CA's would be
    names = world.laptop.names()
    spki = world.cloud.ca.spki_hash(site.endpoint.cert)
    url = world.page.url(rest="https://%s" % site.rest_name, cluster=AWS,
                         key=stack.CLUSTER_KEY, secret=stack.CLUSTER_SECRET)
    before = len(world.cloud.rest.requests())

    # the cluster's topics: those it started with, and the mirror topic
    # when the curl test made one
    topics = world.cloud.rest.state()[AWS]["topics"]
    assert set(REST_TOPICS[AWS]) <= set(topics)

    dom = chromium_dom(url, names, spki)
    status = re.search(r'<p id="status" data-state="(\w+)">(.*?)</p>', dom)
    assert status and status.group(1) == "done", dom[-3000:]
    assert status.group(2) == "%d topics in %s from %s" % (
        len(topics), AWS, site.rest_name)
    rows = re.findall(r"<tr><td>([^<]*)</td><td class=\"num\">(\d+)</td>",
                      dom)
    assert sorted(rows) == sorted((t, "6") for t in topics)

    # the page's origin asked, the REST name answered, through the proxy
    calls = world.cloud.rest.requests()[before:]
    assert [(c["method"], c["status"]) for c in calls] == \
        [("OPTIONS", 204), ("GET", 200)]
    assert {c["origin"] for c in calls} == {world.page.origin}
    assert {c["host"] for c in calls} == {site.rest_name}
    assert any(e["sni"] == site.rest_name and e["port"] == "443"
               for e in proxy.access_entries())

    shot = os.path.join(ARTIFACTS, "e2e-console-%s.png" % world.mode)
    chromium_screenshot(url, names, spki, shot)
    with open(shot, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    print("screenshot: %s" % shot)


def test_new_broker_is_reachable_by_name_without_a_restart(world):
    site, proxy, laptop = world.site, world.proxy, world.laptop
    master, workers = proxy.pids()
    sidecar_pid = proxy.sidecar.pid
    reloads = proxy.sidecar_output().count("what=nginx_reload command=")
    assert NEW_BROKER not in laptop.names()

    t0 = time.monotonic()
    mock_id = site.add_broker(NEW_BROKER, "usw2-az1")
    # the sidecar's next poll (every 5 s) finds it in the metadata
    # "hosts apply" renders from the state file, which the cycle writes
    # after the files it applied: wait for both
    stack.wait_until(lambda: NEW_BROKER in proxy.hosts_names()
                     and NEW_BROKER in proxy.read("state.json"), 60,
                     "%s in the hosts snippet and the state" % NEW_BROKER)
    found = time.monotonic() - t0
    assert proxy.routes()[NEW_BROKER] == "%s.usw2-az1" % site.network
    laptop.apply(proxy)
    assert laptop.names()[NEW_BROKER] == proxy.address

    # make it lead a partition, and use that partition
    site.mock.command("leader %s 0 %d" % (KAFKA_TOPIC, mock_id))
    stack.wait_until(lambda: stack.tls_probe(proxy.address, 9092,
                                             NEW_BROKER, world.ca), 20,
                     "%s proxied" % NEW_BROKER)
    assert leaders(metadata(world))[0] == NEW_BROKER
    r = laptop.kcat(site.bootstrap, ["-P", "-t", KAFKA_TOPIC, "-p", "0"],
                    world.ca, input="to the new broker\n")
    assert r.returncode == 0, r.stderr
    r = laptop.kcat(site.bootstrap, ["-C", "-t", KAFKA_TOPIC, "-p", "0",
                                     "-o", "-1", "-e", "-q"], world.ca)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["to the new broker"]
    (e, *_) = kafka_entries(proxy, NEW_BROKER)
    assert e["upstream"] == "%s:9092" % site.zones["usw2-az1"], e

    # nothing was restarted: the same sidecar and nginx master; with the
    # module not even a reload (the same workers); stock nginx was
    # reloaded by the sidecar
    assert proxy.sidecar.pid == sidecar_pid and proxy.sidecar.poll() is None
    now_master, now_workers = proxy.pids()
    assert now_master == master
    if world.mode == "module":
        assert now_workers == workers
        assert "what=nginx_reload" not in proxy.sidecar_output()
    else:
        assert proxy.sidecar_output().count(
            "event=command_done what=nginx_reload command=") >= reloads + 1
        stack.wait_until(lambda: not set(proxy.pids()[1]) & set(workers),
                         20, "the old workers of %s to exit" % proxy.name)
    print("new broker %s: in the hosts snippet after %.1fs (%s mode)"
          % (NEW_BROKER, found, world.mode))


def test_unknown_names_are_refused(world):
    """The proxy is no open relay: a name outside the route table gets
    nothing, in both modes."""
    proxy = world.proxy
    for name in ("e-0a3f-usw2-az1-x0000.us-west-2.aws.glb.confluent.cloud",
                 "metadata.google.internal"):
        assert not stack.tls_probe(proxy.address, 9092, name, world.ca)
        assert not stack.tls_probe(proxy.address, 443, name, world.ca)


def test_error_logs_are_clean(world):
    assert world.problems() == []
