"""The fleet's monitoring: the Prometheus alerting rules and the Grafana
dashboard under conf-templates/ speak only of metrics that a running
nginx with the module (and the sidecar's state, summarized by the status
page) really exports; promtool accepts the rules and their unit tests
pass."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, TESTS)

from lib.nginx import MODULE, Nginx, free_port, wait_for  # noqa: E402

RULES = os.path.join(REPO, "conf-templates", "prometheus-cclink-rules.yml")
RULE_TESTS = os.path.join(REPO, "tests", "fleet", "rules-test.yml")
DASHBOARD = os.path.join(REPO, "conf-templates", "grafana-cclink.json")

# names that come from elsewhere than the module: Prometheus itself, and
# the blackbox exporter that probes the health endpoint as the load
# balancer does (docs/fleet.md)
FOREIGN = {"up", "probe_success", "probe_http_status_code"}

# PromQL words that look like metric names
PROMQL = {
    "sum", "rate", "irate", "increase", "by", "without", "max", "min",
    "avg", "count", "time", "absent", "and", "or", "unless", "on",
    "ignoring", "group_left", "group_right", "histogram_quantile",
    "clamp_min", "clamp_max", "topk", "bottomk", "label_replace", "vector",
    "offset", "bool", "le", "changes", "delta", "deriv", "max_over_time",
    "min_over_time", "avg_over_time", "sort_desc", "scalar", "abs",
}

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def promtool():
    return shutil.which("promtool")


def metric_names(expr):
    """The metric names an expression reads (a small PromQL lexer: it
    skips strings, label matchers, durations and function names)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)     # strings
    expr = re.sub(r"\{[^}]*\}", "", expr)               # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)              # ranges
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)"
                  r"\s*\([^)]*\)", "", expr)            # label lists
    names = set()
    for m in NAME.finditer(expr):
        word = m.group(0)
        end = m.end()
        rest = expr[end:].lstrip()
        if word in PROMQL or rest.startswith("("):
            continue
        if re.match(r"\d", expr[m.start() - 1:m.start()] or " "):
            continue                                    # 5m, 1e3
        if word in ("e", "Inf", "NaN", "inf", "nan"):
            continue
        names.add(word)
    return names


def rule_exprs():
    import yaml
    with open(RULES) as f:
        doc = yaml.safe_load(f)
    out = []
    for g in doc["groups"]:
        for r in g["rules"]:
            out.append((r.get("alert") or r.get("record"), r["expr"]))
    return out


def dashboard_exprs():
    with open(DASHBOARD) as f:
        doc = json.load(f)
    out = []
    for p in doc["panels"]:
        for t in p.get("targets", []):
            out.append((p["title"], t["expr"]))
    for v in doc.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v["query"]
            q = q["query"] if isinstance(q, dict) else q
            m = re.match(r"label_values\((.*),\s*\w+\)$", q)
            out.append(("variable " + v["name"], m.group(1) if m else q))
    return out


def recorded():
    return {name for name, _ in rule_exprs()
            if name and ":" in name}


@pytest.fixture(scope="module")
def scraped():
    """The metric names of a running nginx with the module, its status
    page reading a sidecar status file, with traffic of every kind: a
    routed connection, a refusal, a failed endpoint address."""
    if not os.path.exists(MODULE):
        pytest.skip("module not built (make module)")
    from lib.sidecar import have_binary
    if not have_binary():
        pytest.skip("cclink-sidecar not built (make sidecar)")
    d = tempfile.mkdtemp(prefix="cclink-metrics-")   # workers read it
    os.chmod(d, 0o755)
    try:
        yield scrape_all(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def scrape_all(d):
    from lib.sidecar import Sidecar
    from sim import harness
    ca = harness.SimCA(os.path.join(d, "ca"))
    api = harness.start_api(os.path.join(d, "api"), ca=ca)
    try:
        sc = Sidecar(os.path.join(d, "sc"), api)
        sc.write_config()
        sc.run("once", check=0)
    finally:
        api.stop()
    os.chmod(sc.dir, 0o755)
    os.chmod(sc.out, 0o755)
    port, status = free_port(), free_port()
    dead = free_port()
    routes = os.path.join(d, "routes.conf")
    with open(routes, "w") as f:
        f.write("cclink-routes 1\nserial 3\ngroup g 127.0.0.1:%d zone=z1\n"
                "route a.example.test g cluster=lkc-abc12 env=env-m2qx7 "
                "service=kafka\nroute b.example.test g\nend\n" % dead)
    ngx = Nginx(os.path.join(d, "ngx"), workers=1, stream="""
    cclink_routes %s zone=cclink:4m;
    upstream cclink_endpoints { cclink_balancer; }
    server { listen 127.0.0.1:%d; cclink_route on;
             proxy_pass cclink_endpoints; proxy_connect_timeout 1s; }
""" % (routes, port), http="""
    server { listen 127.0.0.1:%d;
        location /status { cclink_status cclink;
            cclink_status_sidecar_status %s; }
        location = /cclink/health { cclink_health cclink; } }
""" % (status, sc.path("status")))
    ngx.start(wait_ports=[("127.0.0.1", port)])
    try:
        from lib.hello import client_hello
        import socket
        for name in ("a.example.test", "unknown.example.test"):
            s = socket.create_connection(("127.0.0.1", port), timeout=3)
            s.sendall(client_hello(name))
            try:
                s.recv(100)
            except OSError:
                pass
            s.close()
        url = "http://127.0.0.1:%d/status?format=prometheus" % status

        def scrape():
            with urllib.request.urlopen(url, timeout=5) as r:
                text = r.read().decode()
            return text if "cclink_endpoint_connect_failures_total{" \
                in text else None
        text = wait_for(scrape, timeout=10, what="the endpoint's failure")
    finally:
        ngx.stop()
    names = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            names.add(NAME.match(line).group(0))
    SCRAPES.append(text)
    return names


# the text of the scrape, for the tests of its labels
SCRAPES = []


def test_scrape_has_every_kind_of_series(scraped):
    for n in ("cclink_route_connections_total", "cclink_refused_connections_"
              "total", "cclink_endpoint_connect_failures_total",
              "cclink_sidecar_last_complete_discovery_timestamp_seconds",
              "cclink_route_table_routes"):
        assert n in scraped


def test_rules_use_only_exported_metrics(scraped):
    known = scraped | FOREIGN | recorded()
    for name, expr in rule_exprs():
        unknown = metric_names(expr) - known
        assert not unknown, "rule %s reads %s" % (name, sorted(unknown))


def test_dashboard_uses_only_exported_metrics(scraped):
    known = scraped | FOREIGN | recorded()
    exprs = dashboard_exprs()
    assert len(exprs) >= 8
    for title, expr in exprs:
        unknown = metric_names(expr) - known
        assert not unknown, "panel %r reads %s" % (title, sorted(unknown))


def test_route_series_carry_the_route_attributes(scraped):
    text = SCRAPES[-1]
    assert ('cclink_route_connections_total{route="a.example.test",'
            'group="g",cluster="lkc-abc12",env="env-m2qx7",'
            'service="kafka"} 1\n') in text
    assert ('cclink_route_upstream_failures_total{route="a.example.test",'
            'group="g",cluster="lkc-abc12",env="env-m2qx7",'
            'service="kafka"} 1\n') in text


def test_the_name_check_can_fail():
    assert metric_names('sum by (zone) (rate(cclink_nope_total{a="b"}[5m]))'
                        ' / 2') == {"cclink_nope_total"}


@pytest.mark.skipif(promtool() is None,
                    reason="promtool not installed (prometheus package)")
def test_promtool_check_rules():
    r = subprocess.run([promtool(), "check", "rules", RULES],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout


@pytest.mark.skipif(promtool() is None,
                    reason="promtool not installed (prometheus package)")
def test_promtool_test_rules():
    r = subprocess.run([promtool(), "test", "rules", RULE_TESTS],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout
