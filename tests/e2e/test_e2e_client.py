"""A laptop sets itself up from the proxy's client folder (issue: one
command on a laptop):

- nginx serves the sidecar's client folder read-only (index page, the
  scripts, the DNS setup files) with no-cache;
- a "laptop" (a private mount namespace whose /etc is an overlay: its own
  /etc/hosts, the machine's /etc untouched) fetches hosts-apply.sh with
  curl and runs it; kcat then produces and consumes through the proxy;
- run again: nothing changes; --remove: the file is byte-identical to the
  original.
"""

import os
import subprocess
import time

import pytest

from world import AWS, KAFKA_TOPIC, check_clean, make_world, stack


class OverlayLaptop(stack.Laptop):
    """A laptop whose commands see /etc as an overlay of the machine's
    /etc with this laptop's own files on top (upper/): scripts that write
    /etc/hosts, its backup and temporary files beside it do so in upper/,
    as on a real machine, without touching the machine's /etc."""

    def __init__(self, workdir, name="laptop-overlay"):
        super().__init__(workdir, name)
        self.upper = os.path.join(self.dir, "upper")
        self.work = os.path.join(self.dir, "work")
        self.downloads = os.path.join(self.dir, "downloads")
        for d in (self.upper, self.work, self.downloads):
            os.makedirs(d, exist_ok=True)
        os.replace(self.hosts, os.path.join(self.upper, "hosts"))
        self.hosts = os.path.join(self.upper, "hosts")

    def run(self, argv, timeout=120, input=None):
        wrapper = ["unshare", "--mount", "--propagation", "private", "sh",
                   "-c", 'mount -t overlay overlay -o "lowerdir=/etc,'
                   'upperdir=$0/upper,workdir=$0/work" /etc && exec "$@"',
                   self.dir]
        r = subprocess.run(wrapper + list(argv), capture_output=True,
                           text=True, input=input, timeout=timeout,
                           env=stack.clean_env())
        with open(self.log, "a") as f:
            f.write("$ %s\n[exit %d]\n%s\n%s\n" % (" ".join(argv),
                                                   r.returncode,
                                                   r.stdout[-4000:],
                                                   r.stderr[-4000:]))
        return r


@pytest.fixture(scope="module")
def world(e2e_dir):
    w = make_world(os.path.join(e2e_dir, "client"), "module",
                   [(AWS, "edge-aws", "env-m2qx7")], page=False)
    w.site = w.cloud.sites[AWS]
    w.proxy = w.proxies[0]
    w.ca = w.cloud.ca.cert
    w.olaptop = OverlayLaptop(w.root)
    with open(w.olaptop.hosts, "rb") as f:
        w.original = f.read()
    yield w
    check_clean(w)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def fetch(laptop, url, *extra):
    """curl in the laptop: (status, headers, body)."""
    r = laptop.run(["curl", "-sS", "-i", "--max-time", "10"] + list(extra)
                   + [url])
    assert r.returncode == 0, r.stderr
    # text mode: CR-LF arrives as LF
    head, _, body = r.stdout.partition("\n\n")
    lines = head.split("\n")
    headers = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), headers, body


def test_proxy_serves_the_client_folder(world):
    url = world.proxy.client_url()
    status, h, body = fetch(world.olaptop, url)
    assert status == 200
    assert h["content-type"].startswith("text/html")
    assert h["cache-control"] == "no-cache"
    assert "curl -fsSO %shosts-apply.sh &amp;&amp;" % url in body
    status, h, body = fetch(world.olaptop, url + "hosts-apply.sh")
    assert status == 200 and h["content-type"].startswith("text/plain")
    assert h["cache-control"] == "no-cache"
    assert body.startswith("#!/bin/sh\n")
    assert world.proxy.read("hosts-linux.txt") in body
    status, _, _ = fetch(world.olaptop, url + "company-unbound.conf")
    assert status == 200
    # read-only
    status, _, _ = fetch(world.olaptop, url + "hosts-apply.sh", "-X", "PUT",
                         "--data", "x")
    assert status in (403, 405)
    status, _, _ = fetch(world.olaptop, url + "nonexistent")
    assert status == 404


def test_fetch_and_run_then_kafka_through_the_proxy(world):
    laptop, proxy, site = world.olaptop, world.proxy, world.site
    cmd = ("cd %s && curl -fsSO %shosts-apply.sh && sh hosts-apply.sh"
           % (laptop.downloads, proxy.client_url()))
    r = laptop.run(["sh", "-c", cmd])
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("hosts-apply.sh: /etc/hosts replaced: "
                               "block of proxy edge-aws")
    text = read(laptop.hosts)
    assert text == world.original + proxy.read("hosts-linux.txt").encode()
    assert read(os.path.join(laptop.upper, "hosts.cclink-backup")) == \
        world.original
    # the machine's own /etc is untouched
    assert not os.path.exists("/etc/hosts.cclink-backup")

    site.mock.spread_leaders(KAFKA_TOPIC)
    lines = "".join("client-%03d:from the laptop %03d\n" % (i, i)
                    for i in range(50))
    r = laptop.kcat(site.bootstrap, ["-P", "-t", KAFKA_TOPIC, "-K", ":",
                                     "-p", "1", "-X", "acks=all"],
                    world.ca, input=lines)
    assert r.returncode == 0, r.stderr
    r = laptop.kcat(site.bootstrap, ["-C", "-t", KAFKA_TOPIC, "-p", "1",
                                     "-o", "beginning", "-e", "-q", "-f",
                                     "%k:%s\\n"], world.ca)
    assert r.returncode == 0, r.stderr
    got = [ln for ln in r.stdout.splitlines() if ln.startswith("client-")]
    assert got == lines.splitlines()
    # by name, through the proxy
    assert any(e["sni"] == site.bootstrap for e in
               proxy.access_entries() if e["port"] == "9092")


def test_second_run_changes_nothing(world):
    laptop = world.olaptop
    st = os.stat(laptop.hosts)
    before = read(laptop.hosts)
    time.sleep(0.01)
    r = laptop.run(["sh", os.path.join(laptop.downloads, "hosts-apply.sh")])
    assert r.returncode == 0, r.stderr
    assert "already up to date" in r.stdout
    assert read(laptop.hosts) == before
    st2 = os.stat(laptop.hosts)
    assert (st.st_ino, st.st_mtime_ns) == (st2.st_ino, st2.st_mtime_ns)


def test_remove_restores_the_original(world):
    laptop = world.olaptop
    r = laptop.run(["sh", os.path.join(laptop.downloads, "hosts-apply.sh"),
                    "--remove"])
    assert r.returncode == 0, r.stderr
    assert "block of proxy edge-aws removed" in r.stdout
    assert read(laptop.hosts) == world.original
