"""The status page in a real browser, hostile strings in every output
format, and the summary of cclink-sidecar's status file.

Headless Chromium opens the page the way a person would (no ?format=, its
own Accept header), the test reads the rendered tables and keeps a
screenshot under tests/artifacts/."""

import calendar
import json
import os
import re
import time
import urllib.request

import pytest

from lib import browser
from lib.hello import client_hello
from lib.nginx import refused_port, wait_for
from lib.tlsclient import refused

from sim.fixtures import sim_api, sim_api_factory, sim_ca  # noqa: F401
from test_status import (ExactBackend, Held, exchange, fetch,
                         needs_parser, prometheus, route_of, sample,
                         settled_refusals, wait_idle)

ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "artifacts")

needs_chromium = pytest.mark.skipif(
    browser.chromium_path() is None,
    reason="chromium is not installed (tools/deps.d/status.txt)")


def status_conf(proxy, text, location="/status"):
    """Adds directives to the status location (before start)."""
    with open(proxy.nginx.conf) as f:
        conf = f.read()
    old = "location %s { cclink_status; }" % location
    assert old in conf
    with open(proxy.nginx.conf, "w") as f:
        f.write(conf.replace(old, "location %s { cclink_status; %s }"
                             % (location, text)))


def server_conf(proxy, text):
    """Adds lines to the status server block (before start)."""
    with open(proxy.nginx.conf) as f:
        conf = f.read()
    old = "location /status { cclink_status; }"
    assert old in conf
    with open(proxy.nginx.conf, "w") as f:
        f.write(conf.replace(old, text + "\n        " + old))


def _get(u):
    with urllib.request.urlopen(u, timeout=10) as r:
        return r.status, r.headers, r.read().decode()


def url(proxy, path="/status", query=""):
    return "http://127.0.0.1:%d%s%s" % (proxy.status_port, path, query)


def rows(table):
    """Data rows of a table read by browser.tables() (header left out)."""
    return table[1:]


def shown(raw, fmt):
    """What a string from shared memory reads as once the output format's
    own escaping is undone: valid UTF-8 as is; other bytes as the text
    \\xNN; control characters as themselves in JSON, newline as itself in
    Prometheus, \\xNN otherwise."""
    out = []
    for ch in raw.decode("utf-8", "backslashreplace"):
        if ord(ch) < 0x20 or ord(ch) == 0x7f:
            if fmt == "json" or (fmt == "prometheus" and ch == "\n"):
                out.append(ch)
            else:
                out.append("\\x%02x" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def sanitized(raw):
    """A server name as the stream part may store it: bytes that are not
    printable ASCII replaced by '?'."""
    return "".join(chr(b) if 0x20 < b < 0x7f else "?" for b in raw)


# --- the page in a browser ---------------------------------------------------

PAGE_ROUTES = """# page test table
cclink-routes 1
serial 7
generated 2026-11-20T12:00:00Z
group busy 127.0.0.1:{a} zone=usw2-az1
group idle 127.0.0.1:{dead} zone=usw2-az3
group idle 127.0.0.1:{b} zone=usw2-az2
route busy.example.test busy
route idle.example.test idle
end
"""


@needs_chromium
def test_page_in_headless_chromium(make_proxy):
    a, b = ExactBackend("127.0.0.1", 0), ExactBackend("127.0.0.1", 0)
    dead = refused_port()
    # this host's zone is the dead address's: it is tried first, fails,
    # and is then tried last
    proxy = make_proxy(PAGE_ROUTES.format(a=a.port, b=b.port, dead=dead),
                       host_zone="usw2-az3",
                       balancer="cclink_balancer max_fails=1 "
                                "fail_timeout=30s;")
    proxy.start()
    p = proxy.kafka_port
    base = settled_refusals(proxy)

    replies = [300, 20, 1]
    for reply in replies:
        exchange(p, "idle.example.test", 10, reply)
    wait_idle(proxy, 3)
    held = [Held(p, "busy.example.test") for _ in range(2)]
    assert refused(p, "typo.example.test")
    assert refused(p, "<b>bold</b>.example.test")
    assert refused(p, None)
    wait_for(lambda: route_of(proxy.status(), "busy.example.test",
                              "busy")["active"] == 2, what="2 open")

    try:
        # the plain URL: Chromium's Accept header asks for HTML
        dom = browser.dump_dom(url(proxy))
        os.makedirs(ARTIFACTS, exist_ok=True)
        shot = os.path.join(ARTIFACTS, "status-page.png")
        assert browser.screenshot(url(proxy), shot) == (1280, 1600)
        assert os.path.getsize(shot) > 10000
    finally:
        for h in held:
            h.finish()

    assert "<title>cclink status</title>" in dom
    assert re.search(r'<meta http-equiv="refresh" content="5">', dom)
    t = browser.tables(dom)

    r = rows(t["routes"])
    assert t["routes"][0][:4] == ["route", "group", "active", "connections"]
    # sorted by active connections
    assert [x[:4] for x in r] == [
        ["busy.example.test", "busy", "2", "2"],
        ["idle.example.test", "idle", "0", "3"]]
    assert r[1][5] == str(sum(replies))             # bytes to clients
    assert r[1][6] == "3"                           # sessions ended

    addrs = {x[0]: x for x in rows(t["addresses"])}
    assert addrs["127.0.0.1:%d" % a.port][1:3] == ["usw2-az1", "ok"]
    assert addrs["127.0.0.1:%d" % b.port][1:4] == ["usw2-az2", "ok", "3"]
    assert addrs["127.0.0.1:%d" % dead][1:5] == ["usw2-az3", "failing", "1",
                                                 "1"]
    zones = {x[0]: x for x in rows(t["zones"])}
    assert zones["usw2-az3"][1:3] == ["1", "1"]
    assert zones["usw2-az2"][1:3] == ["1", "0"]

    refusals = dict(rows(t["refused"]))
    assert refusals["unknown_sni"] == str(base["unknown_sni"] + 2)
    assert refusals["no_sni"] == str(base["no_sni"] + 1)
    recent = rows(t["recent"])
    assert [x[1:3] for x in recent[:3]] == [
        ["no_sni", ""], ["unknown_sni", "<b>bold</b>.example.test"],
        ["unknown_sni", "typo.example.test"]]
    assert recent[0][3] == "127.0.0.1"
    assert "<b>bold" not in dom.replace("&lt;b&gt;bold", "")

    table = dict(x for x in t["table"] if len(x) == 2)
    assert table["serial"] == "7"
    assert table["generated"] == "2026-11-20T12:00:00Z"
    assert table["routes"] == "2"
    assert table["endpoint groups"] == "2"
    assert 'id="active">2<' in dom


def test_page_is_self_contained_and_read_only(make_proxy):
    proxy = make_proxy("cclink-routes 1\nserial 1\ngroup g 127.0.0.1:1\n"
                       "route a.example.test g\nend\n")
    proxy.start()
    status, h, page = fetch(proxy, "?format=html")
    assert status == 200
    for bad in ("<script", "<link", "<img", "<iframe", "<object", "<form",
                "src=", "href=", "url(", "@import", "http://", "https://",
                "//"):
        assert bad not in page, bad
    csp = h["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert h["X-Frame-Options"] == "DENY"
    assert h["Cache-Control"] == "no-store"
    assert fetch(proxy, "?format=html", method="POST")[0] == 405


def test_refresh_interval(make_proxy):
    proxy = make_proxy("cclink-routes 1\nserial 1\ngroup g 127.0.0.1:1\n"
                       "route a.example.test g\nend\n")
    server_conf(proxy, "cclink_status_refresh 2;\n"
                       "        location /still { cclink_status; "
                       "cclink_status_refresh 0; }")
    proxy.start()
    page = fetch(proxy, "?format=html")[2]
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "refreshes every 2 s" in page
    status, _, still = _get(url(proxy, "/still", "?format=html"))
    assert status == 200
    assert "http-equiv" not in still


def test_sample_configuration_serves_status_on_loopback_only():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..",
                        "conf-templates", "nginx-cclink.conf")
    with open(path) as f:
        conf = re.sub(r"#.*", "", f.read())
    http = conf[conf.index("http {"):]
    servers = re.split(r"\bserver\s*\{", http)[1:]
    with_status = [s for s in servers if "cclink_status" in s]
    assert with_status
    for s in with_status:
        listens = re.findall(r"\blisten\s+([^;\s]+)", s)
        assert listens
        for addr in listens:
            assert addr.startswith(("127.", "[::1]", "unix:")), addr


# --- hostile strings ---------------------------------------------------------

# a regular expression key may hold any byte but white space: quotes,
# markup, backslashes, a control character, a byte that is not UTF-8
HOSTILE_KEY = b"~^q\x01?\xff?[\"<>&'\\\\]?\\.hostile\\.test$"

HOSTILE_NAMES = [
    b'evil"quote.example',
    b"<script>document.title='pwned'</script>",
    b"back\\slash\\",
    b"new\nline\r\ttab",
    b"amp&amp;lt<",
    b"\xff\xfe-not-utf8",
    "\u00e9t\u00e9-\u00fc.example".encode(),
    b"ctl\x01\x7f",
    b"x" * 300,
]


@needs_parser
def test_hostile_strings_are_escaped_in_every_format(make_proxy):
    a = ExactBackend("127.0.0.1", 0)
    table = (b"cclink-routes 1\nserial 3\ngenerated <i>gen\"</i>\n"
             b"group g 127.0.0.1:%d\nroute " % a.port + HOSTILE_KEY
             + b" g\nend\n")
    proxy = make_proxy("cclink-routes 1\nserial 1\ngroup g 127.0.0.1:1\n"
                       "route a.example.test g\nend\n", interval="100ms")
    with open(proxy.routes + ".tmp", "wb") as f:
        f.write(table)
    os.rename(proxy.routes + ".tmp", proxy.routes)
    proxy.start()
    assert proxy.status()["table"]["serial"] == 3

    exchange(proxy.kafka_port, "q.hostile.test", 1, 1)
    for name in HOSTILE_NAMES:
        assert refused(proxy.kafka_port, data=client_hello(name))
    wait_idle(proxy, 1)

    # then a table that does not parse, whose error quotes the bad key
    # (the error log gets it too, so it stays decodable there)
    bad_key = b"<script>\x01\"x\"</script>\xc3\xa9"
    with open(proxy.routes + ".tmp", "wb") as f:
        f.write(b"cclink-routes 1\nserial 4\ngroup g 127.0.0.1:1\nroute "
                + bad_key + b" g\nend\n")
    os.rename(proxy.routes + ".tmp", proxy.routes)
    wait_for(lambda: proxy.status()["table"]["load_errors"] >= 1,
             timeout=15, what="the bad table refused")
    table_state = proxy.status()["table"]
    assert table_state["load_errors"] == 1, table_state
    assert table_state["serial"] == 3, table_state

    key = HOSTILE_KEY
    recent_raw = list(reversed(HOSTILE_NAMES))

    def name_ok(got, raw, fmt):
        raw = raw[:71]
        return got in (shown(raw, fmt), sanitized(raw))

    # JSON: parses, and says exactly what was there
    status, h, body = fetch(proxy)
    st = json.loads(body)
    assert [r["route"] for r in st["routes"]] == [shown(key, "json")]
    assert st["table"]["generated"] == '<i>gen"</i>'
    err = st["table"]["last_error"]
    assert "routes.conf:4" in err
    assert shown(bad_key, "json") in err
    for got, raw in zip(st["recent_refusals"], recent_raw):
        assert name_ok(got["name"], raw, "json"), (got["name"], raw)
    # nothing that a browser sniffing it could take for markup
    assert "<" not in body and ">" not in body

    # Prometheus: the reference parser reads the label back
    s, _, text = prometheus(proxy)
    assert sample(s, "cclink_route_connections_total",
                  route=shown(key, "prometheus"), group="g") == 1
    assert "\r" not in text and "\x01" not in text and "\x7f" not in text
    text.encode("utf-8")

    # HTML: entities for markup, \xNN for the rest
    status, h, page = fetch(proxy, "?format=html")
    assert "<script" not in page and "<i>" not in page
    t = browser.tables(page)
    assert rows(t["routes"])[0][0] == shown(key, "html")
    err_cell = dict(x for x in t["table"] if len(x) == 2)["last error"]
    assert shown(bad_key, "html") in err_cell
    for row, raw in zip(rows(t["recent"]), recent_raw):
        assert name_ok(row[2], raw, "html"), (row[2], raw)
    assert "\x01" not in page and "\x7f" not in page
    a.close()


@needs_parser
def test_long_strings_of_escapes_fit(make_proxy):
    """A route key of 240 control characters grows six-fold in JSON: the
    output makes room for that (a fixed 1 KiB buffer overflowed here)."""
    key = b"~^q[" + b"\x01" * 240 + b"]*\\.x$"
    a = ExactBackend("127.0.0.1", 0)
    proxy = make_proxy("cclink-routes 1\nserial 1\ngroup g 127.0.0.1:1\n"
                       "route a.example.test g\nend\n")
    with open(proxy.routes, "wb") as f:
        f.write(b"cclink-routes 1\nserial 1\ngroup g 127.0.0.1:%d\nroute "
                % a.port + key + b" g\nend\n")
    proxy.start()
    exchange(proxy.kafka_port, "q.x", 1, 1)
    wait_idle(proxy, 1)
    st = proxy.status()
    assert [r["route"] for r in st["routes"]] == [shown(key, "json")]
    s, _, _ = prometheus(proxy)
    assert sample(s, "cclink_route_connections_total",
                  route=shown(key, "prometheus"), group="g") == 1
    t = browser.tables(fetch(proxy, "?format=html")[2])
    assert rows(t["routes"])[0][0] == shown(key, "html")
    a.close()


@needs_chromium
def test_hostile_names_do_not_run_in_a_browser(make_proxy):
    proxy = make_proxy("cclink-routes 1\nserial 1\ngroup g 127.0.0.1:1\n"
                       "route a.example.test g\nend\n")
    proxy.start()
    for name in (b"<script>document.title='pwned'</script>",
                 b"<img/src=x/onerror=document.title='pwned'>",
                 b"\"><svg/onload=document.title='pwned'>"):
        assert refused(proxy.kafka_port, data=client_hello(name))
    dom = browser.dump_dom(url(proxy, query="?format=html"))
    assert "<title>cclink status</title>" in dom
    assert "pwned</title>" not in dom
    assert not re.search(r"<(script|img|svg)\b", dom)
    names = [r[2] for r in rows(browser.tables(dom)["recent"])]
    assert "<script>document.title='pwned'</script>" in names


# --- the sidecar's status file -----------------------------------------------

def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def sidecar_status(finished, complete=False, serial=7, with_secrets=True):
    """A status file as cclink-sidecar writes it (sidecar/ccl_status.c),
    plus keys the page does not know that look like secrets, which it must
    never show."""
    text = ("cclink-status 1\n"
            "serial %d\n"
            "last_discovery %d\n"
            "last_complete %d\n"
            "complete %s\n"
            "errors 1\n"
            "result unchanged\n"
            "written_by cclink-sidecar 0.1.0\n"
            "generated 2026-11-20T12:00:00Z\n"
            "reason discovery incomplete; routes kept\n"
            % (serial, finished, finished - 3600,
               "yes" if complete else "no"))
    if not complete:
        text += (
            "error 503 GET\\x20/networking/v1/networks?environment=env-abc12"
            " HTTP 503: service unavailable\n"
            "error 403 GET\\x20/cmk/v2/clusters?environment=env-abc12 "
            "HTTP 403: <b>\"forbidden\"</b>\\x0aline two\\x01\n"
            "error - - kafka metadata lkc-1: metadata timed out\n")
    if with_secrets:
        text += ("api_key SECRETKEY123\napi_secret SECRETSECRET456\n"
                 "api_url https://apikey:hunter2@api.example.invalid\n"
                 "token tok-789\n")
    return text


SECRETS = ("SECRETKEY123", "SECRETSECRET456", "hunter2", "tok-789",
           "api.example.invalid")


def write_file(path, text):
    """Replaces a file atomically, as the sidecar does."""
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


@needs_parser
def test_sidecar_discovery_summary(make_proxy, workdir):
    state = os.path.join(workdir, "status")
    finished = int(time.time()) - 30
    write_file(state, sidecar_status(finished))
    # one worker: each worker keeps its own copy of what it read, and the
    # check below, that an unchanged stat() keeps it, asks the same one
    proxy = make_proxy("cclink-routes 1\nserial 7\ngroup g 127.0.0.1:1\n"
                       "route a.example.test g\nend\n", workers=1)
    server_conf(proxy, "cclink_status_sidecar_status %s;\n"
                       "        location /plain { cclink_status; "
                       "cclink_status_sidecar_status off; }" % state)
    proxy.start()

    st = proxy.status()
    sc = st["sidecar"]
    assert sc["ok"] is True and sc["error"] is None
    assert sc["state_file"] == state
    assert sc["written_by"] == "cclink-sidecar 0.1.0"
    assert sc["serial"] == 7
    assert sc["generated"] == "2026-11-20T12:00:00Z"
    assert sc["last_complete_discovery"] == iso(finished - 3600)
    d = sc["last_discovery"]
    assert d["time"] == iso(finished) and d["at"] == finished
    assert 29 <= d["age"] <= 40
    assert d["complete"] is False
    assert (d["result"], d["reason"]) == \
        ("unchanged", "discovery incomplete; routes kept")
    assert d["errors_total"] == 3
    assert d["errors"] == [
        {"call": "GET /networking/v1/networks?environment=env-abc12",
         "status": 503, "message": "HTTP 503: service unavailable"},
        {"call": "GET /cmk/v2/clusters?environment=env-abc12",
         "status": 403,
         "message": "HTTP 403: <b>\"forbidden\"</b>\nline two\u0001"},
        {"call": "", "status": None,
         "message": "kafka metadata lkc-1: metadata timed out"}]

    s, _, text = prometheus(proxy)
    assert sample(s, "cclink_sidecar_state_ok") == 1
    assert sample(s, "cclink_sidecar_last_discovery_timestamp_seconds") == \
        finished
    assert sample(s, "cclink_sidecar_last_discovery_complete") == 0
    assert sample(s, "cclink_sidecar_last_discovery_errors") == 3
    assert sample(
        s, "cclink_sidecar_last_complete_discovery_timestamp_seconds") == \
        finished - 3600

    page = fetch(proxy, "?format=html")[2]
    t = browser.tables(page)
    info = {x[0]: x[1] for x in t["sidecar"]}
    assert info["sidecar status file"].startswith(state)
    assert info["complete"] == "no"
    assert info["result"] == "unchanged: discovery incomplete; routes kept"
    assert info["route table written"] == "serial 7 (in force)"
    assert iso(finished).replace("T", " ").replace("Z", " UTC") in \
        info["last discovery"]
    errs = rows(t["sidecar-errors"])
    assert errs[0] == ["GET /networking/v1/networks?environment=env-abc12",
                       "503", "HTTP 503: service unavailable"]
    assert errs[1][2] == "HTTP 403: <b>\"forbidden\"</b>\\x0aline two\\x01"
    assert errs[2] == ["", "", "kafka metadata lkc-1: metadata timed out"]
    assert 'class="bad">no<' in page

    for out in (json.dumps(st), text, page):
        for secret in SECRETS:
            assert secret not in out

    # a replaced file shows at once
    write_file(state, sidecar_status(finished + 20, complete=True,
                                     with_secrets=False))
    d = proxy.status()["sidecar"]["last_discovery"]
    assert (d["complete"], d["at"], d["errors_total"]) == \
        (True, finished + 20, 0)

    # read again only when stat() shows a change: the same inode, size and
    # mtime with other bytes keep what was read
    before = os.stat(state)
    with open(state, "r+") as f:
        f.write(sidecar_status(finished + 20, complete=True, serial=8,
                               with_secrets=False))
    os.utime(state, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(state).st_size == before.st_size
    assert proxy.status()["sidecar"]["serial"] == 7
    os.utime(state, (before.st_atime + 5, before.st_mtime + 5))
    assert proxy.status()["sidecar"]["serial"] == 8

    # switched off in one location
    status, _, body = _get(url(proxy, "/plain"))
    assert "sidecar" not in json.loads(body)


@pytest.mark.parametrize("case", ["missing", "broken", "json", "large",
                                  "directory", "cut"])
def test_sidecar_status_that_cannot_be_used(make_proxy, workdir, case):
    state = os.path.join(workdir, "status")
    expect = {"missing": "No such file or directory",
              "broken": "line 3: bad last_discovery",
              "json": "not a cclink-status 1 file",
              "large": "larger than 1 KiB",
              "directory": "not a regular file",
              "cut": "last line not complete"}[case]
    if case == "broken":
        write_file(state, "cclink-status 1\nserial 7\nlast_discovery soon\n")
    elif case == "json":
        write_file(state, '{"serial": 7, "last_discovery": {}}\n')
    elif case == "large":
        write_file(state, "cclink-status 1\n" + "pad x\n" * 200)
    elif case == "directory":
        os.mkdir(state)
    elif case == "cut":
        write_file(state, "cclink-status 1\nserial 7")
    proxy = make_proxy("cclink-routes 1\nserial 1\ngroup g 127.0.0.1:1\n"
                       "route a.example.test g\nend\n")
    status_conf(proxy, "cclink_status_sidecar_status %s;" % state)
    proxy.start()

    sc = proxy.status()["sidecar"]
    assert sc["ok"] is False
    assert expect in sc["error"], sc["error"]
    assert "last_discovery" not in sc
    text = proxy.status("prometheus")
    assert "\ncclink_sidecar_state_ok 0\n" in text
    assert "cclink_sidecar_last_discovery" not in text
    status, _, page = fetch(proxy, "?format=html")
    assert status == 200
    t = browser.tables(page)
    assert expect in dict(x for x in t["sidecar"] if len(x) == 2)["state"]

    # a good file replaces it at once
    if case != "directory":
        write_file(state, sidecar_status(int(time.time())))
        assert proxy.status()["sidecar"]["ok"] is True


def test_sidecar_status_bounds(make_proxy, workdir):
    """Errors past the ones listed are counted; keys not known are
    skipped; missing fields are null; the old directive name still reads
    the file."""
    state = os.path.join(workdir, "status")
    write_file(state, "cclink-status 1\nlast_discovery 1763640000\n"
               "complete yes\nnew_key some value\n"
               + "".join("error 500 GET\\x20/x%d more %d\n" % (i, i)
                         for i in range(20))
               + "errors_more 23\n")
    proxy = make_proxy("cclink-routes 1\nserial 1\ngroup g 127.0.0.1:1\n"
                       "route a.example.test g\nend\n")
    status_conf(proxy, "cclink_status_sidecar_state %s;" % state)
    proxy.start()

    sc = proxy.status()["sidecar"]
    assert sc["ok"] is True
    assert sc["serial"] is None and sc["written_by"] is None
    assert sc["last_complete_discovery"] is None
    d = sc["last_discovery"]
    assert (d["time"], d["at"], d["complete"]) == \
        ("2025-11-20T12:00:00Z", 1763640000, True)
    assert d["result"] is None and d["reason"] is None
    assert d["errors_total"] == 43
    assert len(d["errors"]) == 16
    assert d["errors"][3] == {"call": "GET /x3", "status": 500,
                              "message": "more 3"}
    page = fetch(proxy, "?format=html")[2]
    assert "and 27 more" in page
    assert "some value" not in page

    # no discovery yet
    write_file(state, "cclink-status 1\nlast_discovery 0\nlast_complete 0\n")
    sc = proxy.status()["sidecar"]
    assert sc["last_discovery"] is None
    assert "cclink_sidecar_last_discovery_timestamp_seconds" not in \
        proxy.status("prometheus")


@needs_parser
def test_every_metric_is_documented(make_proxy, workdir):
    """docs/module.md lists exactly the metrics the endpoint serves, with
    their types and labels."""
    state = os.path.join(workdir, "status")
    write_file(state, sidecar_status(int(time.time())))
    a = ExactBackend("127.0.0.1", 0)
    proxy = make_proxy("cclink-routes 1\nserial 1\ngroup g 127.0.0.1:%d "
                       "zone=z\nroute a.example.test g\nend\n" % a.port)
    status_conf(proxy, "cclink_status_sidecar_status %s;" % state)
    proxy.start()
    exchange(proxy.kafka_port, "a.example.test", 1, 1)
    wait_idle(proxy, 1)
    s, families, _ = prometheus(proxy)
    served = {}
    for fam in families:
        name = fam.name + ("_total" if fam.type == "counter" else "")
        labels = set()
        for smp in fam.samples:
            labels |= set(smp.labels) - {"le"}
        served[name] = (fam.type, labels)

    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs",
                        "module.md")
    with open(path) as f:
        docs = f.read()
    documented = {}
    row = re.compile(r"^\| `(cclink_[a-z_]+)` \| (\w+) \|"
                     r"\s*([a-z, ]*?)\s*\|", re.M)
    for m in row.finditer(docs):
        labels = {x.strip() for x in m.group(3).split(",") if x.strip()}
        documented[m.group(1)] = (m.group(2), labels)
    assert served == documented
    a.close()


def cut(text, limit, word):
    """A text as the status file keeps it (ccl_status_text()): bytes
    written as "\\xNN" count 4, a text over its bound is cut and ends in
    "..."."""
    def size(ch):
        return 4 if (ord(ch) < 0x20 or ord(ch) > 0x7e or ch == "\\"
                     or (word and ch == " ")) else 1
    if sum(size(ch) for ch in text) <= limit:
        return text
    n, out = 0, ""
    for ch in text:
        if n + size(ch) > limit - 3:
            break
        out += ch
        n += size(ch)
    return out + "..."


def _real_sidecar():
    try:
        from lib import sidecar as sidecar_harness
    except ImportError:
        return None
    return sidecar_harness if sidecar_harness.have_binary() else None


@pytest.mark.skipif(_real_sidecar() is None,
                    reason="cclink-sidecar is not built (make sidecar)")
def test_state_written_by_the_sidecar(make_proxy, workdir, sim_api):
    """The summary of a status file that cclink-sidecar wrote after a
    discovery against the simulator, with a failing API call: the same
    facts as its state file."""
    harness = _real_sidecar()
    sc = harness.Sidecar(os.path.join(workdir, "sc"), sim_api)
    sc.write_config()
    sim_api.fault(path="/networking/v1/networks", kind="status", status=503,
                  count=1000)
    sc.run("once")
    status_path = os.path.join(sc.out, "status")
    written = sc.state()
    d = written["last_discovery"]
    expect = [(c["call"], c["status"], c["error"]) for c in d["calls"]
              if c.get("error")]
    expect += [("", None, e) for e in d["errors"]]
    assert d["complete"] is False and expect

    proxy = make_proxy("cclink-routes 1\nserial 1\ngroup g 127.0.0.1:1\n"
                       "route a.example.test g\nend\n")
    status_conf(proxy, "cclink_status_sidecar_status %s;" % status_path)
    proxy.start()

    sc_json = proxy.status()["sidecar"]
    assert sc_json["ok"] is True, sc_json["error"]
    assert sc_json["serial"] == written["serial"]
    assert sc_json["written_by"] == written["written_by"]
    got = sc_json["last_discovery"]
    assert got["time"] == d["finished"]
    assert got["at"] == calendar.timegm(time.strptime(d["finished"],
                                                      "%Y-%m-%dT%H:%M:%SZ"))
    assert got["complete"] is False
    assert got["result"] == d["result"]
    assert got["errors_total"] == len(expect)
    assert [(e["call"], e["status"], e["message"])
            for e in got["errors"]] == \
        [(cut(c, 64, True), st, cut(m, 80, False))
         for c, st, m in expect[:4]]
    assert any("/networking/v1/networks" in e["call"]
               for e in got["errors"])

    page = fetch(proxy, "?format=html")[2]
    t = browser.tables(page)
    assert dict(x for x in t["sidecar"] if len(x) == 2)["complete"] == "no"
    assert rows(t["sidecar-errors"])[0][0] == expect[0][0]
    assert sim_api.api_secret not in page
    assert sim_api.api_secret not in proxy.status("prometheus")

    # the next discovery works: complete, no errors, shown at once
    sim_api.clear_faults()
    sc.run("once")
    assert sc.state()["last_discovery"]["complete"] is True
    got = proxy.status()["sidecar"]["last_discovery"]
    assert (got["complete"], got["errors_total"]) == (True, 0)
    assert "\ncclink_sidecar_last_discovery_complete 1\n" in \
        proxy.status("prometheus")
