"""The Console path: a local page standing in for the Confluent Cloud
Console (console/index.html), served over HTTP on 127.0.0.1, and headless
Chromium that loads it while resolving the cluster names to the proxy.

    page = ConsolePage().start()      # page.origin: http://127.0.0.1:PORT
    url = page.url(rest="https://lkc-...:443", cluster="lkc-...",
                   key="...", secret="...")
    dom = chromium_dom(url, rules, spki)       # rendered DOM
    chromium_screenshot(url, rules, spki, "tests/artifacts/console.png")
    page.stop()

rules: {name: address}, turned into --host-resolver-rules ("MAP name
address" for each, then everything else NOTFOUND), so the browser sees
exactly the names of the hosts file and nothing else. spki: base64
SHA-256 of a public key (lib/pki.py TestCA.spki_hash) that Chromium
accepts in a certificate chain (--ignore-certificate-errors-spki-list):
the test CA stands in for a public CA.
"""

import functools
import http.server
import os
import shutil
import subprocess
import tempfile
import threading
from urllib.parse import urlencode

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE_DIR = os.path.join(HERE, "console")
CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

# as root: no sandbox; nothing in the background talks to the network
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions",
    "--disable-domain-reliability", "--disable-breakpad",
    "--disable-dev-shm-usage", "--no-default-browser-check", "--no-pings",
    "--mute-audio", "--hide-scrollbars",
]


def chromium_path():
    for p in CHROMIUM:
        if os.access(p, os.X_OK):
            return p
    return None


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        self.server.requests.append(self.path)


class ConsolePage:
    """console/ served on 127.0.0.1 (a thread of this process)."""

    def __init__(self, host="127.0.0.1", port=0):
        handler = functools.partial(_Quiet, directory=PAGE_DIR)
        self.httpd = http.server.ThreadingHTTPServer((host, port), handler)
        self.httpd.requests = []
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.origin = "http://%s:%d" % (host, self.port)
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.2},
                                       daemon=True)
        self.thread.start()
        return self

    def url(self, **params):
        return "%s/index.html?%s" % (self.origin, urlencode(params))

    @property
    def requests(self):
        return list(self.httpd.requests)

    def stop(self):
        if self.thread is not None:
            self.httpd.shutdown()
            self.thread.join(5)
            self.thread = None
        self.httpd.server_close()


def resolver_rules(names):
    """Each name to its address, the page's own 127.0.0.1 as it is, and
    nothing else."""
    rules = ["MAP %s %s" % (n, a) for n, a in sorted(names.items())]
    return ", ".join(rules + ["EXCLUDE 127.0.0.1", "MAP * ~NOTFOUND"])


def _chromium(args, names, spki, timeout):
    exe = chromium_path()
    if exe is None:
        raise FileNotFoundError("chromium is not installed")
    profile = tempfile.mkdtemp(prefix="cclink-e2e-chromium-")
    argv = [exe] + FLAGS + [
        "--user-data-dir=" + profile,
        "--host-resolver-rules=" + resolver_rules(names),
        "--ignore-certificate-errors-spki-list=" + spki,
    ] + args
    try:
        p = subprocess.run(argv, capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return p


def chromium_dom(url, names, spki, budget_ms=15000, timeout=120):
    """The page's DOM after its script ran (--dump-dom, with a virtual
    time budget so that the fetch completes first)."""
    p = _chromium(["--virtual-time-budget=%d" % budget_ms, "--dump-dom",
                   url], names, spki, timeout)
    if p.returncode != 0 or not p.stdout:
        raise AssertionError("chromium --dump-dom failed (%d): %s"
                             % (p.returncode,
                                p.stderr.decode(errors="replace")[-2000:]))
    return p.stdout.decode()


def chromium_screenshot(url, names, spki, path, size=(1024, 600),
                        budget_ms=15000, timeout=120):
    """Saves a PNG of the rendered page at path."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if os.path.exists(path):
        os.unlink(path)
    p = _chromium(["--virtual-time-budget=%d" % budget_ms,
                   "--screenshot=" + os.path.abspath(path),
                   "--window-size=%d,%d" % size, url], names, spki, timeout)
    if p.returncode != 0 or not os.path.exists(path):
        raise AssertionError("chromium --screenshot failed (%d): %s"
                             % (p.returncode,
                                p.stderr.decode(errors="replace")[-2000:]))
    return path
