"""Headless Chromium on a laptop whose only name service is the proxy's
DNS (tests/e2e/dns_stack.py: an /etc/hosts without any cluster name and
a resolv.conf naming the proxy's DNS server, bind-mounted in a private
mount namespace) loads the Console stand-in page (tests/e2e/console) and
lists the cluster's topics. No --host-resolver-rules: Chromium resolves
the cluster's REST name itself, from the namespace's files, once with
its built-in DNS client (reads /etc/resolv.conf) and once through the
system's getaddrinfo (--disable-features=AsyncDns); secure DNS (DNS over
HTTPS) is off both times, so the name can only have come from the
proxy's DNS, whose access log shows each of Chromium's queries.

The tests share one running stack and run in file order."""

import json
import os
import re
import shutil
import tempfile

import pytest

import console
import stack
from dns_stack import DNSLaptop, DNSProxyHost
from world import ARTIFACTS, AWS, KAFKA_TOPIC, REST_TOPICS, World, \
    check_clean

TOPICS = ["%s:%s" % (c, t) for c, ts in REST_TOPICS.items() for t in ts]


@pytest.fixture(scope="module")
def world(e2e_dir):
    root = os.path.join(e2e_dir, "dns-console")
    os.makedirs(root, exist_ok=True)
    os.chmod(root, 0o755)
    w = World(root)
    try:
        w.page = console.ConsolePage().start()
        w.cloud = stack.Cloud(root, rest_origins=[w.page.origin],
                              rest_topics=TOPICS).start()
        w.site = w.cloud.add_site(AWS, topics=["%s:6:3" % KAFKA_TOPIC])
        w.proxy = DNSProxyHost(root, "edge-dns-console", w.cloud, [w.site],
                               environments=["env-m2qx7"])
        w.proxies.append(w.proxy)
        w.proxy.start()
        w.laptop = DNSLaptop(root, w.proxy.address,
                             name="dns-console-laptop")
        w.ca = w.cloud.ca.cert
    except BaseException:
        w.stop()
        raise
    yield w
    check_clean(w)


def chromium(world, args, features):
    """Chromium in the laptop's mount namespace, with the flags of
    console.py but no --host-resolver-rules; features: what
    --disable-features gets. Returns the process and what its net log
    (--log-net-log) says of name resolution: {"events": {event type:
    count}, "nameservers": the DNS servers of the last DNS configuration
    it read, "secure": whether it could use DNS over HTTPS}."""
    profile = tempfile.mkdtemp(prefix="cclink-e2e-chromium-",
                               dir=world.laptop.dir)
    net_log = os.path.join(profile, "net-log.json")
    spki = world.cloud.ca.spki_hash(world.site.endpoint.cert)
    argv = [console.chromium_path()] + console.FLAGS + [
        "--user-data-dir=" + profile,
        "--ignore-certificate-errors-spki-list=" + spki,
        "--disable-features=" + ",".join(features),
        "--virtual-time-budget=15000", "--log-net-log=" + net_log,
    ] + list(args)
    try:
        p = world.laptop.run(argv, timeout=120)
        with open(net_log) as f:
            log = json.load(f)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    net = {"events": {}, "nameservers": None, "secure": None}
    for e in log["events"]:
        t = names.get(e["type"], "")
        net["events"][t] = net["events"].get(t, 0) + 1
        if t == "DNS_CONFIG_CHANGED" and e.get("params"):
            net["nameservers"] = e["params"].get("nameservers")
            net["secure"] = e["params"].get("can_use_secure_dns_transactions")
    return p, net


def page_url(world):
    return world.page.url(rest="https://%s" % world.site.rest_name,
                          cluster=AWS, key=stack.CLUSTER_KEY,
                          secret=stack.CLUSTER_SECRET)


def rest_queries(world, since):
    """The queries for the REST name the proxy's DNS answered after the
    since-th entry of its log: [(name, rcode)]."""
    return [(e["name"], e["rcode"]) for e in world.proxy.dns_entries()[since:]
            if e["name"].lower() == world.site.rest_name]


# ---------------------------------------------------------------------------

def test_the_rest_name_resolves_through_the_proxy_dns_only(world):
    site, laptop = world.site, world.laptop
    assert laptop.text() == stack.Laptop.BASE
    assert site.rest_name not in laptop.text()
    r = laptop.run(["getent", "ahostsv4", site.rest_name], timeout=30)
    assert {ln.split()[0] for ln in r.stdout.splitlines()} == \
        {world.proxy.address}, r.stderr
    r = laptop.run(["dig", "+short", site.rest_name], timeout=30)
    print("dig +short %s: %s" % (site.rest_name, r.stdout.strip()))
    assert r.stdout.split() == [world.proxy.address]


def test_console_page_in_chromium_lists_the_topics(world):
    if console.chromium_path() is None:
        pytest.skip("chromium is not installed (make deps)")
    site, proxy = world.site, world.proxy
    topics = world.cloud.rest.state()[AWS]["topics"]
    assert set(REST_TOPICS[AWS]) <= set(topics)
    dns_before = len(proxy.dns_entries())
    rest_before = len(world.cloud.rest.requests())

    # Chromium's own DNS client (the default), secure DNS off
    p, net = chromium(world, ["--dump-dom", page_url(world)],
                      ["DnsOverHttps"])
    dom = p.stdout
    status = re.search(r'<p id="status" data-state="(\w+)">(.*?)</p>', dom)
    assert status and status.group(1) == "done", \
        dom[-2000:] + p.stderr[-2000:]
    assert status.group(2) == "%d topics in %s from %s" % (
        len(topics), AWS, site.rest_name)
    rows = re.findall(r"<tr><td>([^<]*)</td><td class=\"num\">(\d+)</td>",
                      dom)
    assert sorted(rows) == sorted((t, "6") for t in topics)

    # Chromium's DNS client read the namespace's resolv.conf: the
    # proxy's DNS is its only server, no DNS over HTTPS, and it sent
    # DNS queries itself
    print("chromium: nameservers %s, DNS transactions %d"
          % (net["nameservers"], net["events"].get("DNS_TRANSACTION", 0)))
    assert net["nameservers"] == ["%s:53" % proxy.address], net
    assert net["secure"] is False, net
    assert net["events"].get("DNS_TRANSACTION", 0) > 0, net["events"]
    # the REST name was asked of the proxy's DNS, and answered
    asked = rest_queries(world, dns_before)
    print("proxy DNS log for %s: %s" % (site.rest_name, asked))
    assert ("NOERROR" in {rc for _, rc in asked}), asked
    # the page's origin asked, the REST name answered, through the proxy
    calls = world.cloud.rest.requests()[rest_before:]
    assert [(c["method"], c["status"]) for c in calls] == \
        [("OPTIONS", 204), ("GET", 200)]
    assert {c["origin"] for c in calls} == {world.page.origin}
    assert {c["host"] for c in calls} == {site.rest_name}
    assert any(e["sni"] == site.rest_name and e["port"] == "443"
               for e in proxy.access_entries())


def test_screenshot_with_the_system_resolver(world):
    if console.chromium_path() is None:
        pytest.skip("chromium is not installed (make deps)")
    site, proxy = world.site, world.proxy
    dns_before = len(proxy.dns_entries())
    rest_before = len(world.cloud.rest.requests())
    shot = os.path.join(ARTIFACTS, "e2e-console-dns.png")
    os.makedirs(ARTIFACTS, exist_ok=True)
    if os.path.exists(shot):
        os.unlink(shot)
    # getaddrinfo (nsswitch: files, then dns from /etc/resolv.conf)
    p, net = chromium(world, ["--screenshot=" + shot, "--window-size=1024,600",
                         page_url(world)], ["AsyncDns", "DnsOverHttps"])
    assert p.returncode == 0, p.stderr[-2000:]
    # no DNS client of its own this time: getaddrinfo only
    assert net["events"].get("DNS_TRANSACTION", 0) == 0, net["events"]
    assert net["events"].get("HOST_RESOLVER_SYSTEM_TASK", 0) > 0, \
        net["events"]
    with open(shot, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    asked = rest_queries(world, dns_before)
    print("proxy DNS log for %s: %s" % (site.rest_name, asked))
    assert ("NOERROR" in {rc for _, rc in asked}), asked
    calls = world.cloud.rest.requests()[rest_before:]
    assert ("GET", 200) in [(c["method"], c["status"]) for c in calls]
    print("screenshot: %s" % shot)


def test_error_logs_are_clean(world):
    assert world.problems() == []
