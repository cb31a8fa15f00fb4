"""The architecture of Confluent's cross-cloud replication demo: a
privately networked cluster in AWS (us-west-2, PrivateLink) and one in
Azure (centralus, Private Link, zones 1..3), each reachable only through
its own private endpoint, each with its own proxy host (nginx and
cclink-sidecar), and one laptop whose hosts file holds both proxies'
blocks (put in with "cclink-sidecar hosts apply"). kcat reaches both
clusters in the same test, and a cluster link from AWS to Azure is made
through the REST endpoint of the Azure cluster. Run with the module and
with stock nginx."""

import os
import re

import pytest

from world import (AWS, AZURE, KAFKA_TOPIC, REST_TOPICS,  # noqa: E402
                   check_clean, make_world, stack)

N_MESSAGES = 200


@pytest.fixture(scope="module")
def world(e2e_dir, mode):
    w = make_world(os.path.join(e2e_dir, "crosscloud-" + mode), mode,
                   [(AWS, "edge-aws", "env-m2qx7"),
                    (AZURE, "edge-azure", "env-z4k9p")], page=False)
    w.mode = mode
    w.ca = w.cloud.ca.cert
    yield w
    check_clean(w)


def test_each_proxy_serves_its_own_network(world):
    aws, azure = world.proxies
    assert aws.address != azure.address
    a_site, z_site = world.cloud.sites[AWS], world.cloud.sites[AZURE]

    a_names = aws.hosts_names()
    z_names = azure.hosts_names()
    assert set(a_names) == {a_site.bootstrap} | {b["host"]
                                                 for b in a_site.brokers}
    assert set(z_names) == {z_site.bootstrap} | {b["host"]
                                                 for b in z_site.brokers}
    assert all(n.endswith(".us-west-2.aws.glb.confluent.cloud")
               for n in a_names)
    assert all(n.endswith(".centralus.azure.glb.confluent.cloud")
               for n in z_names)

    # Azure: zones "1".."3" as the API names them; each broker (azN in
    # its name) goes to its zone's endpoint address
    routes = azure.routes()
    assert z_site.zone_labels == ["1", "2", "3"]
    for b in z_site.brokers:
        assert "-az%s-" % b["zone"] in b["host"]
        assert routes[b["host"]] == "%s.%s" % (z_site.network, b["zone"])
    assert routes[z_site.bootstrap] == z_site.network
    assert azure.zone == "1"


def test_laptop_hosts_file_holds_both_blocks(world):
    aws, azure = world.proxies
    text = world.laptop.text()
    blocks = re.findall(r"^# BEGIN cclink (\S+)$", text, re.M)
    assert blocks == ["edge-aws", "edge-azure"]
    assert re.findall(r"^# END cclink (\S+)$", text, re.M) == blocks
    assert aws.read("hosts-linux.txt") in text
    assert azure.read("hosts-linux.txt") in text
    names = world.laptop.names()
    for proxy in (aws, azure):
        for n in proxy.hosts_names():
            assert names[n] == proxy.address

    # applying again changes nothing
    before = os.stat(world.laptop.hosts).st_mtime_ns
    for proxy in (aws, azure):
        r = world.laptop.apply(proxy)
        assert "event=hosts_unchanged" in r.stderr
    assert world.laptop.text() == text
    assert os.stat(world.laptop.hosts).st_mtime_ns == before


def test_kcat_reaches_a_cluster_behind_each_proxy(world):
    laptop = world.laptop
    for cid, proxy in zip((AWS, AZURE), world.proxies):
        site = world.cloud.sites[cid]
        before = len(proxy.access_entries())
        site.mock.spread_leaders(KAFKA_TOPIC)
        lines = "".join("%s-key-%03d:%s message %03d\n" % (cid, i, cid, i)
                        for i in range(N_MESSAGES))
        r = laptop.kcat(site.bootstrap, ["-P", "-t", KAFKA_TOPIC, "-K",
                                         ":"], world.ca, input=lines)
        assert r.returncode == 0, (cid, r.stderr)
        r = laptop.kcat(site.bootstrap, ["-C", "-t", KAFKA_TOPIC, "-o",
                                         "beginning", "-e", "-q", "-f",
                                         "%k:%s\\n"], world.ca)
        assert r.returncode == 0, (cid, r.stderr)
        assert sorted(r.stdout.splitlines()) == sorted(lines.splitlines())

        # only this cluster's names went through this proxy, each broker
        # to its own zone's endpoint address
        entries = [e for e in proxy.access_entries()[before:]
                   if e["port"] == "9092"]
        sni = {e["sni"] for e in entries}
        assert site.bootstrap in sni
        brokers = {b["host"] for b in site.brokers}
        assert sni - {site.bootstrap} <= brokers
        assert len(sni - {site.bootstrap}) >= 3, sni
        for e in entries:
            if e["sni"] in brokers:
                zone = site.zone_of(e["sni"])
                assert e["upstream"] == "%s:9092" % site.zones[zone], e

    # and no name of one cloud ever reached the other's proxy
    aws, azure = world.proxies
    assert not [e for e in aws.access_entries()
                if "azure" in e["sni"]]
    assert not [e for e in azure.access_entries()
                if ".aws." in e["sni"]]


def test_cluster_link_from_aws_to_azure_through_both_proxies(world):
    laptop = world.laptop
    a_site, z_site = world.cloud.sites[AWS], world.cloud.sites[AZURE]
    auth = (stack.CLUSTER_KEY, stack.CLUSTER_SECRET)
    src = "https://%s/kafka/v3/clusters/%s" % (a_site.rest_name, AWS)
    dst = "https://%s/kafka/v3/clusters/%s" % (z_site.rest_name, AZURE)
    link = "aws-to-azure-%s" % world.mode

    # the source's topics, through the AWS proxy
    status, doc, text = laptop.curl("GET", src + "/topics", world.ca, auth)
    assert status == 200, text
    assert "orders" in [t["topic_name"] for t in doc["data"]]

    # the link and a mirror topic on the destination, through the Azure
    # proxy
    body = {"source_cluster_id": AWS, "configs": [
        {"name": "bootstrap.servers", "value": "%s:9092" % a_site.bootstrap},
        {"name": "security.protocol", "value": "SASL_SSL"},
        {"name": "sasl.mechanism", "value": "PLAIN"}]}
    status, _, text = laptop.curl("POST", dst + "/links?link_name=" + link,
                                  world.ca, auth, body)
    assert status == 204, text
    status, _, text = laptop.curl("POST", dst + "/links/%s/mirrors" % link,
                                  world.ca, auth,
                                  {"source_topic_name": "orders"})
    assert status == 204, text
    status, doc, text = laptop.curl("GET", dst + "/links/-/mirrors",
                                    world.ca, auth)
    assert status == 200, text
    assert [(m["link_name"], m["mirror_topic_name"]) for m in doc["data"]
            if m["link_name"] == link] == [(link, "orders")]
    state = world.cloud.rest.state()
    assert state[AZURE]["links"][link] == ["orders"]
    assert sorted(state[AZURE]["topics"]) == sorted(REST_TOPICS[AZURE]
                                                    + ["orders"])

    aws, azure = world.proxies
    assert any(e["sni"] == a_site.rest_name and e["port"] == "443"
               for e in aws.access_entries())
    assert any(e["sni"] == z_site.rest_name and e["port"] == "443"
               for e in azure.access_entries())


def test_error_logs_are_clean(world):
    assert world.problems() == []
