"""The CONNECT entrance and its PAC file end to end, on a laptop that
resolves none of the cluster's names (no hosts block, no DNS): curl with
-x and with HTTPS_PROXY makes the cluster-linking tutorial's REST calls
through the entrance, and headless Chromium, told only the PAC URL, shows
the cluster's topics on the Console stand-in. Module mode only (the
entrance is part of ngx_cclink_module)."""

import json
import os
import re
import urllib.request

import pytest

from world import ARTIFACTS, AWS, REST_TOPICS, check_clean, make_world
import console
import stack


@pytest.fixture(scope="module")
def world(e2e_dir):
    w = make_world(os.path.join(e2e_dir, "connect"), "module",
                   [(AWS, "edge-connect", "env-m2qx7")])
    w.site = w.cloud.sites[AWS]
    w.proxy = w.proxies[0]
    w.ca = w.cloud.ca.cert
    # a laptop without the proxy's hosts block: the names resolve nowhere
    w.bare = stack.Laptop(w.root, name="bare-laptop")
    yield w
    check_clean(w)


def proxy_url(w):
    return "http://%s:%d" % (w.proxy.address, w.proxy.connect_port)


def curl(w, method, url, body=None, env_proxy=False):
    """curl on the bare laptop through the entrance; (status, JSON)."""
    argv = ["curl", "-sS", "--max-time", "15", "--cacert", w.ca,
            "-X", method, "-w", "\n%{http_code}",
            "-u", "%s:%s" % (stack.CLUSTER_KEY, stack.CLUSTER_SECRET),
            "-H", "Accept: application/json"]
    if body is not None:
        argv += ["-H", "Content-Type: application/json",
                 "--data-binary", json.dumps(body)]
    if env_proxy:
        argv = ["env", "HTTPS_PROXY=" + proxy_url(w)] + argv
    else:
        argv += ["-x", proxy_url(w)]
    r = w.bare.run(argv + [url])
    assert r.returncode == 0, r.stderr
    text, _, code = r.stdout.rpartition("\n")
    return int(code), (json.loads(text) if text.strip() else None)


def test_names_do_not_resolve_on_the_bare_laptop(world):
    r = world.bare.run(["getent", "hosts", world.site.rest_name])
    assert r.returncode != 0


def test_cluster_linking_calls_through_connect(world):
    w, site = world, world.site
    base = "https://%s/kafka/v3/clusters/%s" % (site.rest_name, AWS)
    st, doc = curl(w, "GET", base + "/topics")
    assert st == 200
    assert sorted(t["topic_name"] for t in doc["data"]) == \
        sorted(REST_TOPICS[AWS])
    link = {"source_cluster_id": "lkc-9wd3ny",
            "configs": [
                {"name": "bootstrap.servers", "value":
                 "lkc-9wd3ny.us-west-2.aws.private.confluent.cloud:9092"},
                {"name": "security.protocol", "value": "SASL_SSL"}]}
    st, _ = curl(w, "POST", base + "/links?link_name=connect-link", link,
                 env_proxy=True)
    assert st == 204
    st, _ = curl(w, "POST", base + "/links/connect-link/mirrors",
                 {"source_topic_name": "orders",
                  "mirror_topic_name": "orders-connect"}, env_proxy=True)
    assert st == 204
    st, doc = curl(w, "GET", base + "/links")
    assert st == 200
    (lk,) = [d for d in doc["data"] if d["link_name"] == "connect-link"]
    assert lk["topic_names"] == ["orders-connect"]
    # through the entrance's port, routed by the ClientHello, to 443 of
    # an endpoint address
    entries = [e for e in w.proxy.access_entries()
               if e["port"] == str(w.proxy.connect_port)]
    assert len(entries) == 4
    assert {e["sni"] for e in entries} == {site.rest_name}
    assert all(e["upstream"].rsplit(":", 1)[1] == "443" for e in entries)
    st = w.proxy.status()
    assert st["connect"]["accepted"] == 4


def test_pac_routes_the_cluster_names(world):
    w = world
    url = "http://%s:%d/cclink/proxy.pac" % (w.proxy.address,
                                             w.proxy.status_port)
    with urllib.request.urlopen(url, timeout=5) as r:
        assert r.headers["Content-Type"] == \
            "application/x-ns-proxy-autoconfig"
        pac = r.read().decode()
    assert '"PROXY %s:%d"' % (w.proxy.address, w.proxy.connect_port) in pac
    assert w.site.rest_name in pac


def test_console_in_chromium_with_the_pac_only(world):
    if console.chromium_path() is None:
        pytest.skip("chromium is not installed (make deps)")
    w, site = world, world.site
    spki = w.cloud.ca.spki_hash(site.endpoint.cert)
    page = w.page.url(rest="https://%s" % site.rest_name, cluster=AWS,
                      key=stack.CLUSTER_KEY, secret=stack.CLUSTER_SECRET)
    pac = "http://%s:%d/cclink/proxy.pac" % (w.proxy.address,
                                             w.proxy.status_port)
    # the browser resolves no name at all: only the page's and the
    # proxy's addresses, which are IP literals, are reachable
    names = {w.proxy.address: w.proxy.address}
    before = len([e for e in w.proxy.access_entries()
                  if e["port"] == str(w.proxy.connect_port)])
    topics = w.cloud.rest.state()[AWS]["topics"]
    p = console._chromium(["--proxy-pac-url=" + pac,
                           "--virtual-time-budget=15000", "--dump-dom",
                           page], names, spki, 120)
    dom = p.stdout.decode()
    status = re.search(r'<p id="status" data-state="(\w+)">(.*?)</p>', dom)
    assert status and status.group(1) == "done", \
        dom[-2000:] + p.stderr.decode(errors="replace")[-2000:]
    rows = re.findall(r"<tr><td>([^<]*)</td><td class=\"num\">(\d+)</td>",
                      dom)
    assert sorted(r[0] for r in rows) == sorted(topics)
    after = [e for e in w.proxy.access_entries()
             if e["port"] == str(w.proxy.connect_port)]
    assert len(after) > before
    assert {e["sni"] for e in after[before:]} == {site.rest_name}
    shot = os.path.join(ARTIFACTS, "e2e-console-connect-pac.png")
    os.makedirs(ARTIFACTS, exist_ok=True)
    if os.path.exists(shot):
        os.unlink(shot)
    console._chromium(["--proxy-pac-url=" + pac,
                       "--virtual-time-budget=15000",
                       "--screenshot=" + shot, "--window-size=1024,600",
                       page], names, spki, 120)
    with open(shot, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    print("screenshot: %s" % shot)
