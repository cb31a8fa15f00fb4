"""Cross-cloud through DNS alone: a cluster in AWS and one in Azure, each
behind its own proxy, each proxy answering DNS for its own zones only
(cclink_dns_zones set to the sidecar's dns-zones.txt), and one laptop
with no cluster name in its /etc/hosts whose resolv.conf names a split
DNS resolver on the laptop side, as a company runs it: dnsmasq (its own
configuration, port 53 on a 127.x address of its own) loading each
proxy's company-dnsmasq.conf as the sidecar wrote it, and nothing else.

- each zone goes to the proxy that serves it; kcat reaches both
  clusters by name;
- a name of one cloud asked directly of the other proxy is outside its
  zones: REFUSED (docs/dns.md, "Names another proxy or cloud serves");
- names outside both proxies' zones reach neither proxy.

The tests share one running stack and run in file order."""

import os
import re

import pytest

import stack
from dns_stack import DNSLaptop, DNSProxyHost, SplitDNS, dig
from world import AWS, AZURE, KAFKA_TOPIC, World, check_clean

N_MESSAGES = 50


@pytest.fixture(scope="module")
def world(e2e_dir):
    root = os.path.join(e2e_dir, "dns-crosscloud")
    os.makedirs(root, exist_ok=True)
    os.chmod(root, 0o755)
    w = World(root)
    w.dns = None
    try:
        w.cloud = stack.Cloud(root).start()
        for cid, name, env in ((AWS, "edge-dns-aws", "env-m2qx7"),
                               (AZURE, "edge-dns-azure", "env-z4k9p")):
            site = w.cloud.add_site(cid, topics=["%s:6:3" % KAFKA_TOPIC])
            proxy = DNSProxyHost(root, name, w.cloud, [site],
                                 environments=[env])
            w.proxies.append(proxy)
            proxy.start()
            # the DNS server answers for what this proxy serves, only
            proxy.set_dns_zones(proxy.zone_file())
        w.dns = SplitDNS(root, [p.path("client/current/company-dnsmasq.conf")
                                for p in w.proxies]).start()
        w.laptop = DNSLaptop(root, w.dns.address, name="xcloud-laptop")
        w.ca = w.cloud.ca.cert
    except BaseException:
        if w.dns is not None:
            w.dns.stop()
        w.stop()
        raise
    yield w
    try:
        rc = w.dns.stop()
        assert rc == 0, "dnsmasq exited %s: %s" % (rc, w.dns.errors())
    finally:
        check_clean(w)


def sites(world):
    return [(world.cloud.sites[cid], proxy)
            for cid, proxy in zip((AWS, AZURE), world.proxies)]


def names(site):
    return [site.bootstrap] + [b["host"] for b in site.brokers]


def under(name, zones):
    return any(name == z or name.endswith("." + z) for z in zones)


def laptop_dig(world, name):
    r = world.laptop.run(["dig", "+tries=1", "+time=3", name], timeout=30)
    m = re.search(r"status: (\w+)", r.stdout)
    answers = [ln.split()[-1] for ln in r.stdout.splitlines()
               if ln and not ln.startswith(";") and ln.split()[3:4] == ["A"]]
    return (m.group(1) if m else None), answers


# ---------------------------------------------------------------------------

def test_each_proxy_answers_its_own_zones_only(world):
    (a_site, aws), (z_site, azure) = sites(world)
    a_zones, z_zones = aws.zone_file(), azure.zone_file()
    print("zones: %s %s; %s %s" % (aws.name, a_zones, azure.name, z_zones))
    assert a_zones and z_zones
    assert (aws.dns_zones, azure.dns_zones) == (a_zones, z_zones)
    for n in names(a_site):
        assert under(n, a_zones) and not under(n, z_zones), n
    for n in names(z_site):
        assert under(n, z_zones) and not under(n, a_zones), n
    # each snippet sends exactly its proxy's zones to its proxy's DNS
    for proxy in (aws, azure):
        text = proxy.read("client/current/company-dnsmasq.conf")
        got = re.findall(r"^server=/([^/]+)/([^#\s]+)(?:#53)?$", text, re.M)
        assert got == [(z, proxy.address) for z in proxy.zone_file()], text
    # the laptop knows no cluster name, and asks only the split resolver
    assert world.laptop.text() == stack.Laptop.BASE
    with open(world.laptop.resolv) as f:
        assert re.findall(r"^nameserver (\S+)", f.read(), re.M) == \
            [world.dns.address]


def test_each_cloud_resolves_through_its_own_proxy(world):
    for site, proxy in sites(world):
        for n in names(site):
            status, answers = laptop_dig(world, n)
            print("dig %s: %s %s" % (n, status, answers))
            assert (status, answers) == ("NOERROR", [proxy.address]), n
    # dnsmasq sent each name to its own proxy, and each proxy answered it
    fwd = world.dns.forwarded()
    for site, proxy in sites(world):
        for n in names(site):
            assert (n, proxy.address) in fwd, (n, fwd)
        asked = {(e["name"].lower(), e["rcode"])
                 for e in proxy.dns_entries()}
        for n in names(site):
            assert (n, "NOERROR") in asked, n
    aws, azure = world.proxies
    assert not [n for n, s in fwd if s == aws.address and "azure" in n]
    assert not [n for n, s in fwd if s == azure.address and ".aws." in n]


def test_kcat_reaches_a_cluster_behind_each_proxy(world):
    laptop = world.laptop
    for site, proxy in sites(world):
        before = len(proxy.access_entries())
        site.mock.spread_leaders(KAFKA_TOPIC)
        lines = "".join("%s-%03d:%s dns %03d\n" % (site.id, i, site.id, i)
                        for i in range(N_MESSAGES))
        r = laptop.kcat(site.bootstrap, ["-P", "-t", KAFKA_TOPIC, "-K",
                                         ":"], world.ca, input=lines)
        assert r.returncode == 0, (site.id, r.stderr)
        r = laptop.kcat(site.bootstrap, ["-C", "-t", KAFKA_TOPIC, "-o",
                                         "beginning", "-e", "-q", "-f",
                                         "%k:%s\\n"], world.ca)
        assert r.returncode == 0, (site.id, r.stderr)
        assert sorted(r.stdout.splitlines()) == sorted(lines.splitlines())
        print("kcat %s via %s: %d messages produced and consumed"
              % (site.bootstrap, proxy.name, N_MESSAGES))
        sni = {e["sni"] for e in proxy.access_entries()[before:]
               if e["port"] == "9092"}
        assert site.bootstrap in sni
        assert len(sni - {site.bootstrap}) >= 3, sni
        assert sni <= set(names(site)), sni
    assert world.laptop.text() == stack.Laptop.BASE


def test_a_name_of_one_cloud_asked_of_the_other_proxy_is_refused(world):
    (a_site, aws), (z_site, azure) = sites(world)
    for site, other in ((a_site, azure), (z_site, aws)):
        for n in (site.bootstrap, site.brokers[0]["host"]):
            status, answers = dig(other.address, n)
            print("dig @%s %s: %s %s" % (other.address, n, status, answers))
            assert (status, answers) == ("REFUSED", []), n
            assert {"name": n, "rcode": "REFUSED"} in [
                {"name": e["name"], "rcode": e["rcode"]}
                for e in other.dns_entries()], n
    # names outside both proxies' zones never reach either proxy
    outside = ["example.com", "confluent.io", "api.confluent.cloud"]
    for n in outside:
        status, answers = laptop_dig(world, n)
        print("dig %s (on the laptop): %s %s" % (n, status, answers))
        assert answers == [], (n, status)
    asked = {e["name"].lower() for p in world.proxies
             for e in p.dns_entries()}
    assert not asked & set(outside), asked


def test_error_logs_are_clean(world):
    assert world.problems() == []
    assert world.dns.proc.poll() is None, world.dns.errors()
