"""Headless Chromium for tests, and a reader for the tables of an HTML page.

    if chromium_path() is None: pytest.skip(...)
    dom = dump_dom("http://127.0.0.1:8080/status")     # the DOM, rendered
    screenshot("http://127.0.0.1:8080/status", "out.png")
    t = tables(dom)      # {"routes": [["route", "group", ...], [...]], ...}

Each run gets a fresh profile directory that is removed afterwards. The
browser resolves no host name at all and reaches no address but 127.0.0.1,
and its background services are off: it talks to nothing but the page it
is given.
"""

import html.parser
import os
import shutil
import struct
import subprocess
import tempfile

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions",
    "--disable-domain-reliability", "--disable-breakpad",
    "--disable-dev-shm-usage", "--no-default-browser-check",
    "--no-pings", "--mute-audio", "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def chromium_path():
    for p in CANDIDATES:
        if os.access(p, os.X_OK):
            return p
    return None


def _run(args, timeout):
    exe = chromium_path()
    if exe is None:
        raise FileNotFoundError("chromium is not installed")
    profile = tempfile.mkdtemp(prefix="cclink-chromium-")
    try:
        p = subprocess.run([exe] + FLAGS + ["--user-data-dir=" + profile]
                           + args, capture_output=True, timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return p


def dump_dom(url, timeout=90):
    """The page's DOM after loading, as Chromium serializes it."""
    p = _run(["--dump-dom", url], timeout)
    if p.returncode != 0 or not p.stdout:
        raise AssertionError("chromium --dump-dom failed (%d): %s"
                             % (p.returncode, p.stderr.decode(errors="replace")
                                [-2000:]))
    return p.stdout.decode()


def screenshot(url, path, size=(1280, 1600), timeout=90):
    """Saves a PNG of the page; returns its (width, height)."""
    if os.path.exists(path):
        os.unlink(path)
    p = _run(["--screenshot=" + os.path.abspath(path),
              "--window-size=%d,%d" % size, url], timeout)
    if p.returncode != 0 or not os.path.exists(path):
        raise AssertionError("chromium --screenshot failed (%d): %s"
                             % (p.returncode, p.stderr.decode(errors="replace")
                                [-2000:]))
    return png_size(path)


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise AssertionError("%s is not a PNG file" % path)
    return struct.unpack("!II", head[16:24])


class _Tables(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables = {}
        self.stack = []         # open tables: [id, rows]
        self.row = None
        self.cell = None
        self.texts = []         # all text, for checks on the whole page

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            rows = []
            self.stack.append(rows)
            tid = dict(attrs).get("id")
            if tid:
                self.tables[tid] = rows
        elif tag == "tr" and self.stack:
            self.row = []
            self.stack[-1].append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr":
            self.row = None
        elif tag == "table" and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        self.texts.append(data)
        if self.cell is not None:
            self.cell.append(data)


def tables(text):
    """{table id: rows}, each row the text of its cells (entities
    decoded), header rows included."""
    p = _Tables()
    p.feed(text)
    p.close()
    return p.tables


def page_text(text):
    p = _Tables()
    p.feed(text)
    p.close()
    return "".join(p.texts)
