#!/usr/bin/python3
"""cclink main job: a proxy host working, on the Confluent Cloud simulator
or on a real Confluent Cloud organization.

    make demo                 the simulator; runs until Ctrl-C
    make demo-check           the same, stops after the check (exit 0: ok)
    tools/demo.py [--check] [--listen ADDR] [--dir DIR] [--no-build]
                  [--topic NAME] [--cluster lkc-...] [CONFIG]

On the simulator it starts the Confluent Cloud API simulator, a Kafka
cluster (librdkafka's mock brokers with Confluent-style names) behind a
simulated private endpoint (one address per zone, TLS with a test CA), the
Kafka REST backend, nginx with ngx_cclink_module on ADDR:9092 and
ADDR:443 (default 127.77.0.1), and cclink-sidecar, which discovers the
cluster and writes the route table and the hosts snippet. It then runs
kcat and curl through the proxy, in a private mount namespace whose
/etc/hosts is the generated hosts file, and prints how to try it. nginx
also answers DNS on ADDR:53 (ngx_stream_cclink_dns_module): a second
client, whose /etc/resolv.conf names only that server and whose
/etc/hosts has no cluster name, runs dig and a kcat metadata call.

With a Cloud API key (CONFLUENT_CLOUD_API_KEY and
CONFLUENT_CLOUD_API_SECRET, or credentials_file in the configuration) and
a cclink-sidecar configuration (CONFIG, or CCLINK_CONFIG; with the key in
the environment and no CONFIG, /etc/cclink/cclink-sidecar.conf) it runs
against Confluent Cloud instead: no simulator; the configuration is
copied with output_dir, mode and proxy_address replaced, so that
/var/lib/cclink and the system's nginx are never touched. kcat and curl
run only for a cluster that has a key in kafka_credentials_file. See
docs/main-job.md.
"""

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))

import stack  # noqa: E402
import dns_stack  # noqa: E402

DEFAULT_ADDRESS = "127.77.0.1"
DEFAULT_STATUS_PORT = 8080
DEFAULT_CONFIG = "/etc/cclink/cclink-sidecar.conf"
SIM_CLUSTER = "lkc-7xq2jv"
SIM_TOPIC = "demo-orders"
SIM_REST_TOPICS = ("orders", "payments", "audit.log")
N_MESSAGES = 10
UNKNOWN_NAME = "metadata.google.internal"
SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt"

# options the demo sets in its copy of a user's configuration
OVERRIDDEN = ("output_dir", "mode", "proxy_address", "nginx_test_command",
              "nginx_reload_command", "client_url")
PATH_OPTIONS = ("ca_file", "credentials_file", "kafka_credentials_file",
                "kafka_ca_file")


class DemoError(Exception):
    pass


class Report:
    """Prints the run and keeps the outcome of each check."""

    def __init__(self):
        self.failed = []

    @staticmethod
    def head(text):
        print("\n" + text, flush=True)

    @staticmethod
    def line(label, text):
        print("  %-16s %s" % (label, text), flush=True)

    @staticmethod
    def block(text, indent="    "):
        for ln in text.rstrip("\n").splitlines():
            print(indent + ln)
        sys.stdout.flush()

    def check(self, label, ok, text):
        print("  %-16s %-4s %s" % (label, "ok" if ok else "FAIL", text),
              flush=True)
        if not ok:
            self.failed.append(label)
        return ok

    def skip(self, label, text):
        print("  %-16s %-4s %s" % (label, "skip", text), flush=True)


def rel(path):
    """path relative to the current directory when that is shorter."""
    r = os.path.relpath(path)
    return r if len(r) < len(path) and not r.startswith("../..") else path


def build(targets):
    if not targets:
        return
    print("building: make %s" % " ".join(targets), flush=True)
    r = subprocess.run(["make", "-C", REPO, "--no-print-directory", "-s"]
                       + targets)
    if r.returncode != 0:
        raise DemoError("make %s failed" % " ".join(targets))


def fresh_dir(base, names):
    os.makedirs(base, exist_ok=True)
    os.chmod(base, 0o755)
    for n in names:
        shutil.rmtree(os.path.join(base, n), ignore_errors=True)


# ---------------------------------------------------------------------------
# checks shared by both modes

def access_summary(proxy, since):
    """[(sni, port, upstream, status)] of connections since index."""
    return [(e["sni"], e["port"], e["upstream"], e["status"])
            for e in proxy.access_entries()[since:]]


def check_kafka(rep, laptop, proxy, bootstrap, topic, kcat_kw, n):
    """Produces n keyed messages to topic and consumes them back through
    the proxy; shows which names the connections used. kcat_kw: how
    kcat authenticates (Laptop.kcat's ca or config_file)."""
    since = len(proxy.access_entries())
    stamp = time.strftime("%H:%M:%S")
    lines = "".join("demo-%02d:message %d of %d, %s\n" % (i, i + 1, n, stamp)
                    for i in range(n))
    t0 = time.monotonic()
    r = laptop.kcat(bootstrap, ["-P", "-t", topic, "-K", ":"], input=lines,
                    **kcat_kw)
    if not rep.check("kafka produce", r.returncode == 0,
                     "%d messages to %s via %s:9092"
                     % (n, topic, bootstrap)):
        rep.block(r.stderr[-1500:])
        return
    # read back what was just written: from each partition's end minus
    # what this run can have put there
    r = laptop.kcat(bootstrap, ["-C", "-t", topic, "-o", "-%d" % n, "-e",
                                "-q", "-f", "%k:%s\\n"], **kcat_kw)
    got = [ln for ln in r.stdout.splitlines() if ln.endswith(stamp)]
    ok = r.returncode == 0 and sorted(got) == sorted(lines.splitlines())
    rep.check("kafka consume", ok, "%d of %d messages back in %.1fs"
              % (len(got), n, time.monotonic() - t0))
    if not ok:
        rep.block(r.stderr[-1500:])
    for ln in got[:3]:
        rep.block(ln, "                        ")
    conns = access_summary(proxy, since)
    names = sorted({c[0] for c in conns if c[1] == "9092"})
    brokers = [x for x in names if x != bootstrap]
    rep.check("by name", bootstrap in names and brokers,
              "%d connections: the bootstrap and %d broker name(s)"
              % (len(conns), len(brokers)))
    for name in names:
        ups = sorted({c[2] for c in conns if c[0] == name})
        rep.block("%s -> %s" % (name, ", ".join(ups)),
                  "                        ")


def check_rest(rep, laptop, rest_name, cluster, ca_file, auth,
               want_topics=None):
    """GET .../topics from the cluster's REST name through 443."""
    url = "https://%s/kafka/v3/clusters/%s/topics" % (rest_name, cluster)
    try:
        status, doc, text = laptop.curl("GET", url, ca_file, auth)
    except stack.StackError as e:
        rep.check("rest (443)", False, str(e).strip())
        return
    topics = sorted(t["topic_name"] for t in (doc or {}).get("data", []))
    ok = status == 200 and (want_topics is None
                            or topics == sorted(want_topics))
    rep.check("rest (443)", ok, "GET /kafka/v3/clusters/%s/topics -> %d: %s"
              % (cluster, status, ", ".join(topics) or text[:200]))


def check_refused(rep, proxy, ca_file):
    refused = not stack.tls_probe(proxy.address, 9092, UNKNOWN_NAME,
                                  ca_file)
    rep.check("unknown name", refused, "%s:9092 refused (no open relay)"
              % UNKNOWN_NAME if refused else "%s was NOT refused"
              % UNKNOWN_NAME)


def check_dns(rep, workdir, proxy, bootstrap, ca_file):
    """A laptop with no cluster name in its hosts file, whose only name
    server is the proxy's DNS: dig, then a kcat metadata call."""
    laptop = dns_stack.DNSLaptop(workdir, proxy.address)
    r = laptop.run(["dig", "+noall", "+answer", "+comments", bootstrap],
                   timeout=30)
    answer = [ln for ln in r.stdout.splitlines()
              if ln and not ln.startswith(";")]
    ok = any(ln.split()[-1] == proxy.address for ln in answer)
    status = [ln for ln in r.stdout.splitlines() if "status:" in ln]
    rep.check("dig (DNS)", ok, "dig %s (resolv.conf: nameserver %s)"
              % (bootstrap, proxy.address))
    for ln in status[:1] + answer:
        rep.block(ln.strip(), "                        ")
    r = laptop.kcat(bootstrap, ["-L"], ca=ca_file)
    brokers = [ln for ln in r.stdout.splitlines()
               if ln.strip().startswith("broker ")]
    rep.check("kcat (DNS)", r.returncode == 0 and brokers,
              "kcat -L: %d brokers in the metadata, every name from the "
              "proxy's DNS, none in /etc/hosts" % len(brokers))
    if r.returncode != 0:
        rep.block(r.stderr[-1500:])
    r = laptop.run(["dig", "+short", "example.com"], timeout=30)
    rep.check("dig outside", r.stdout.strip() == "",
              "example.com: REFUSED (no open resolver)")


def check_connect(rep, proxy, rest_name, cluster, ca_file, auth):
    """The CONNECT entrance and the PAC file, as a browser or the
    Confluent CLI would use them: curl -x to the cluster's REST name (the
    name is resolved by nobody but the proxy), then the served PAC."""
    port = getattr(proxy, "connect_port", None)
    if port is None:
        rep.skip("connect", "no CONNECT entrance in this mode")
        return
    entrance = "http://%s:%d" % (proxy.address, port)
    url = "https://%s/kafka/v3/clusters/%s/topics" % (rest_name, cluster)
    r = subprocess.run(["curl", "-sS", "-x", entrance, "--cacert", ca_file,
                        "-u", "%s:%s" % auth, "-o", "-", "-w",
                        "\n%{http_code}", url], capture_output=True,
                       text=True, timeout=30)
    body, _, code = r.stdout.rpartition("\n")
    try:
        topics = sorted(t["topic_name"]
                        for t in json.loads(body).get("data", []))
    except ValueError:
        topics = []
    rep.check("connect", r.returncode == 0 and code == "200" and topics,
              "curl -x %s %s -> %s: %s" % (entrance, url, code,
                                           ", ".join(topics)
                                           or r.stderr.strip()[:200]))
    pac_url = "http://%s:%d/cclink/proxy.pac" % (proxy.address,
                                                 proxy.status_port)
    r = subprocess.run(["curl", "-sS", "-D", "-", pac_url],
                       capture_output=True, text=True, timeout=30)
    head, _, pac = r.stdout.partition("\n\n")    # text mode: no CR
    ctype = [ln.split(":", 1)[1].strip() for ln in head.splitlines()
             if ln.lower().startswith("content-type:")]
    ok = (r.returncode == 0 and " 200 " in head.splitlines()[0]
          and ctype == ["application/x-ns-proxy-autoconfig"]
          and ("PROXY %s:%d" % (proxy.address, port)) in pac
          and rest_name in pac)
    rep.check("pac file", ok, "GET %s -> %s, %d bytes, names the REST "
              "name and PROXY %s:%d" % (pac_url, ", ".join(ctype) or "?",
                                        len(pac), proxy.address, port))


def check_status(rep, proxy):
    try:
        st = proxy.status()
    except OSError as e:
        rep.check("status page", False, "%s: %s" % (proxy.status_url, e))
        return
    serial = proxy.table_serial()
    conns = sum(r.get("connections", 0) for r in st.get("routes", []))
    rep.check("status page", st["table"]["serial"] == serial,
              "table serial %s, %d routes, %d connections routed"
              % (st["table"]["serial"], st["table"]["routes"], conns))


def check_logs(rep, proxy, cloud=None):
    bad = ["nginx: " + ln for ln in proxy.problems()]
    bad += ["sidecar: " + ln for ln in proxy.sidecar_output().splitlines()
            if ln.startswith("level=error")]
    if cloud is not None:
        bad += ["endpoint: " + ln.rstrip() for ln in cloud.problems()]
    rep.check("error logs", not bad, "no [alert]/[crit]/[emerg], no "
              "level=error" if not bad else "%d bad line(s)" % len(bad))
    for ln in bad[:10]:
        rep.block(ln)


def follow(proxy, cloud=None):
    """Runs until a signal; echoes the sidecar's notable events."""
    print("\nrunning; Ctrl-C stops", flush=True)
    lines = proxy.sidecar_output().splitlines()
    seen = len(lines)
    warned = set(lines)         # a warning every cycle is shown once
    while True:
        time.sleep(1)
        lines = proxy.sidecar_output().splitlines()
        for ln in lines[seen:]:
            if "event=cycle_done result=applied" in ln or (
                    ln.startswith(("level=warn", "level=error"))
                    and ln not in warned):
                print("sidecar: " + ln, flush=True)
                warned.add(ln)
        seen = len(lines)
        if proxy.sidecar.poll() is not None:
            raise DemoError("cclink-sidecar exited %s"
                            % proxy.sidecar.returncode)
        try:
            os.kill(proxy.nginx.master_pid(), 0)
        except (OSError, ValueError):
            raise DemoError("nginx stopped") from None


def check_client(rep, laptop, proxy):
    """The laptop fetches hosts-apply.sh from the proxy's client folder
    and runs it on its hosts file: the line docs/clients.md gives."""
    Report.head("client setup served by the proxy (index page %s)"
                % proxy.client_url())
    print("  " + laptop.fetch_command(proxy), flush=True)
    try:
        r = laptop.fetch_apply(proxy)
        out = r.stdout.strip()
        ok = proxy.read("hosts-linux.txt") in laptop.text()
    except stack.StackError as e:
        out, ok = str(e), False
    rep.check("hosts-apply.sh", ok, out)
    if not ok:
        laptop.apply(proxy)


def print_try(proxy, laptop, bootstrap, rest_name, ca, cluster,
              kcat_conf=None, auth=None):
    ns = ("unshare --mount sh -c 'mount --bind \"$0\" /etc/hosts && "
          "exec \"$@\"' %s" % rel(laptop.hosts))
    Report.head("try it (as root; the hosts file is mounted over "
                "/etc/hosts for that one command only)")
    if kcat_conf:
        kc = "kcat -F %s" % rel(kcat_conf)
    else:
        kc = ("kcat -X security.protocol=SSL -X ssl.ca.location=%s"
              % rel(ca))
    print("  %s \\\n      %s -b %s:9092 -L" % (ns, kc, bootstrap))
    if rest_name:
        cacert = "--cacert %s " % rel(ca) if ca else ""
        user = "-u %s:%s " % auth if auth and kcat_conf is None else \
            "-u KEY:SECRET " if auth else ""
        print("  %s \\\n      curl -s %s%shttps://%s/kafka/v3/clusters/%s"
              "/topics" % (ns, cacert, user, rest_name, cluster))
    print("  (a client machine puts the snippet into its own /etc/hosts: "
          "curl -fsSO %shosts-apply.sh && less hosts-apply.sh && sudo sh "
          "hosts-apply.sh; Windows: hosts-apply.ps1; all files: %s)"
          % (proxy.client_url(), proxy.client_url()))
    print("\nfiles: route table %s, hosts snippets %s (Linux/macOS), %s "
          "(Windows), %s (PowerShell), state %s; sidecar log %s"
          % (rel(proxy.path("routes.conf")),
             rel(proxy.path("hosts-linux.txt")),
             rel(proxy.path("hosts-windows.txt")),
             rel(proxy.path("hosts-apply.ps1")),
             rel(proxy.path("state.json")), rel(proxy.sidecar_log)))
    print("status page: %s (?format=html, ?format=prometheus)"
          % proxy.status_url)


# ---------------------------------------------------------------------------
# the simulator

def run_simulator(args, rep):
    build([] if args.no_build else ["module", "sidecar", "kafka-sim"])
    workdir = os.path.abspath(args.dir)
    fresh_dir(workdir, ("cloud", "demo-proxy", "laptop", "dns-laptop"))
    parts = []
    try:
        print("cclink demo on the Confluent Cloud simulator (everything "
              "on loopback, nothing leaves this machine)", flush=True)
        cloud = stack.Cloud(workdir, scenarios=("aws-dedicated.json",),
                            rest_clusters=(SIM_CLUSTER,),
                            rest_topics=["%s:%s" % (SIM_CLUSTER, t)
                                         for t in SIM_REST_TOPICS])
        parts.append(cloud)
        cloud.start()
        site = cloud.add_site(SIM_CLUSTER, topics=["%s:6:3" % SIM_TOPIC],
                              base="127.77")
        Report.head("simulator")
        rep.line("Cloud API", "%s (scenario aws-dedicated.json, key %s)"
                 % (cloud.api.url, cloud.api.api_key))
        rep.line("Kafka cluster", "%s: %d brokers (librdkafka mock "
                 "cluster), topic %s" % (SIM_CLUSTER, len(site.brokers),
                                         SIM_TOPIC))
        rep.line("private endpoint", ", ".join(
            "%s %s" % (z, a) for z, a in sorted(site.zones.items()))
            + " (TLS, test CA %s)" % rel(cloud.ca.cert))
        rep.line("Kafka REST", "%s:443 -> %s" % (site.rest_name,
                                                  cloud.rest.address))

        proxy = dns_stack.DNSProxyHost(workdir, "demo-proxy", cloud, [site],
                                       mode="module",
                                       environments=["env-m2qx7"],
                                       address=args.listen,
                                       status_port=DEFAULT_STATUS_PORT,
                                       poll_interval=10)
        parts.append(proxy)
        t0 = time.monotonic()
        proxy.start(timeout=60)
        st = proxy.state()["last_discovery"]
        Report.head("proxy host %s" % proxy.name)
        rep.line("nginx + module", "%s:9092, %s:443 (%s), zone %s"
                 % (proxy.address, proxy.address, rel(proxy.nginx.conf),
                    proxy.zone))
        rep.line("DNS", "%s:53 (UDP and TCP): the names the route table "
                 "routes, zone confluent.cloud" % proxy.address)
        rep.line("cclink-sidecar", "pid %d, config %s, polls every %ds"
                 % (proxy.sidecar.pid, rel(proxy.conf),
                    proxy.poll_interval))
        rep.line("discovery", "complete=%s: %d API calls, %d names, "
                 "%d routes, %d endpoint groups, in %.1fs"
                 % (st["complete"], len(st["calls"]), st["counts"]["names"],
                    st["counts"]["routes"], st["counts"]["groups"],
                    time.monotonic() - t0))
        for bd in st["broker_discovery"]:
            rep.line("brokers", "%s: %s" % (
                bd["cluster"], "%d from Kafka metadata" % bd["brokers"]
                if bd["error"] is None else bd["error"]))
        warns = sorted({ln.split(" ", 1)[1] for ln in
                        proxy.sidecar_output().splitlines()
                        if ln.startswith("level=warn")
                        and "event=state_imported" not in ln})
        for w in warns:
            rep.line("sidecar warns", w)
        if warns:
            rep.line("", "(the scenario's cluster lkc-9wd3ny is on a "
                     "PrivateLink attachment that this demo gives no "
                     "endpoint address: it is left out)")

        laptop = stack.Laptop(workdir)
        check_client(rep, laptop, proxy)
        Report.head("hosts snippet (%s)" % rel(proxy.path("hosts-linux.txt")))
        Report.block(proxy.read("hosts-linux.txt"))

        Report.head("check: clients on this machine through the proxy")
        site.mock.spread_leaders(SIM_TOPIC)
        check_kafka(rep, laptop, proxy, site.bootstrap, SIM_TOPIC,
                    {"ca": cloud.ca.cert}, N_MESSAGES)
        check_rest(rep, laptop, site.rest_name, SIM_CLUSTER, cloud.ca.cert,
                   (stack.CLUSTER_KEY, stack.CLUSTER_SECRET),
                   SIM_REST_TOPICS)
        check_refused(rep, proxy, cloud.ca.cert)
        Report.head("check: a client with the proxy's DNS as its only "
                    "name service")
        check_dns(rep, workdir, proxy, site.bootstrap, cloud.ca.cert)
        Report.head("check: a browser or CLI through the CONNECT entrance, "
                    "and the PAC file")
        check_connect(rep, proxy, site.rest_name, SIM_CLUSTER,
                      cloud.ca.cert, (stack.CLUSTER_KEY,
                                      stack.CLUSTER_SECRET))
        check_status(rep, proxy)
        check_logs(rep, proxy, cloud)

        print_try(proxy, laptop, site.bootstrap, site.rest_name,
                  cloud.ca.cert, SIM_CLUSTER,
                  auth=(stack.CLUSTER_KEY, stack.CLUSTER_SECRET))
        print("  dig @%s %s     # the proxy's DNS" % (proxy.address,
                                                     site.bootstrap))
        print("change the simulated cloud while it runs: %s/_sim/ (see "
              "tests/sim/README.md); the sidecar polls every %ds"
              % (cloud.api.url, proxy.poll_interval))
        if args.check:
            return finish(rep)
        follow(proxy, cloud)
        return 0
    finally:
        stop(parts)


def stop(parts):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for p in reversed(parts):
        try:
            p.stop()
        except Exception as e:      # noqa: BLE001 - keep stopping the rest
            print("stopping %s: %s" % (type(p).__name__, e), file=sys.stderr)


def finish(rep):
    if rep.failed:
        print("\ndemo check: FAILED (%s)" % ", ".join(rep.failed))
        return 1
    print("\ndemo check: ok")
    return 0


# ---------------------------------------------------------------------------
# a real Confluent Cloud organization

def read_options(path):
    """[(name, [values], line)] of a cclink-sidecar configuration file."""
    out = []
    with open(path) as f:
        for line in f:
            try:
                words = shlex.split(line, comments=True)
            except ValueError as e:
                raise DemoError("%s: %s" % (path, e)) from None
            if words:
                out.append((words[0], words[1:], line.rstrip("\n")))
    return out


class UserProxy(stack.ProxyBase):
    """nginx with the module and cclink-sidecar run with a copy of the
    user's configuration."""

    def __init__(self, workdir, config, address, status_port):
        self.user_config = os.path.abspath(config)
        self.options = read_options(self.user_config)
        opts = {n: v for n, v, _ in self.options}
        name = (opts.get("proxy_name") or ["cclink"])[0]
        zone = (opts.get("zone") or [None])[0]
        super().__init__(workdir, "cloud-proxy", "module", zone, address,
                         status_port, poll_interval=None)
        self.proxy_name = name
        self.opts = opts

    def option(self, name, default=None):
        """The first value of an option of the user's configuration
        (paths made absolute against its directory)."""
        v = self.opts.get(name)
        if not v:
            return default
        if name in PATH_OPTIONS and not os.path.isabs(v[0]):
            return os.path.join(os.path.dirname(self.user_config), v[0])
        return v[0]

    def config_lines(self):
        base = os.path.dirname(self.user_config)
        lines = ["# copied from %s by tools/demo.py" % self.user_config]
        for name, values, line in self.options:
            if name in OVERRIDDEN or name == "proxy_name":
                continue
            if name in PATH_OPTIONS and values and \
                    not os.path.isabs(values[0]):
                line = "%s %s" % (name, shlex.quote(
                    os.path.join(base, values[0])))
            lines.append(line)
        return lines

    def _write_config(self):
        super()._write_config()
        with open(self.conf) as f:
            text = f.read()
        # the block markers keep the user's proxy name
        text = text.replace("proxy_name %s\n" % self.name,
                            "proxy_name %s\n" % self.proxy_name)
        with open(self.conf, "w") as f:
            f.write(text)

    def sidecar_env(self):
        return dict(os.environ)

    def wait_ready(self, timeout):
        self.wait_cycle(1, timeout, complete=False)
        self.wait_table()


def kafka_keys(path):
    """{cluster: (key, secret)} from a kafka_credentials_file."""
    keys = {}
    for name, values, _ in read_options(path):
        if len(values) == 2:
            keys[name] = tuple(values)
    return keys


def pick_cluster(state, keys, wanted):
    """(cluster, bootstrap name, REST name or None) of a cluster with a
    key whose names were routed, or None."""
    names = {}
    for r in state.get("routes", []):
        if r.get("kind") != "exact" or not r.get("resource"):
            continue
        for n in r.get("names") or []:
            names.setdefault(r["resource"], {}).setdefault(n, r["key"])
    ok = {b["cluster"] for b in state["last_discovery"]["broker_discovery"]
          if b.get("error") is None}
    for cluster in ([wanted] if wanted else sorted(keys)):
        n = names.get(cluster, {})
        if cluster in keys and "bootstrap" in n and cluster in ok:
            return cluster, n["bootstrap"], n.get("rest")
    return None


def run_cloud(args, rep, config):
    if not os.path.isfile(config):
        raise DemoError("no cclink-sidecar configuration at %s (see "
                        "docs/main-job.md)" % config)
    build([] if args.no_build else ["module", "sidecar"])
    workdir = os.path.abspath(args.dir)
    fresh_dir(workdir, ("cloud-proxy", "laptop"))
    proxy = UserProxy(workdir, config, args.listen, DEFAULT_STATUS_PORT)
    parts = [proxy]
    try:
        print("cclink demo on Confluent Cloud (%s), configuration %s"
              % (proxy.option("api_url", "https://api.confluent.cloud"),
                 config), flush=True)
        if not os.environ.get("CONFLUENT_CLOUD_API_KEY") and \
                not proxy.option("credentials_file"):
            raise DemoError("no Cloud API key: set CONFLUENT_CLOUD_API_KEY "
                            "and CONFLUENT_CLOUD_API_SECRET or "
                            "credentials_file")
        os.makedirs(proxy.dir, exist_ok=True)
        proxy.address = args.listen
        proxy._write_config()
        Report.head("cclink-sidecar check")
        r = subprocess.run([stack.SIDECAR, "--config", proxy.conf, "check"],
                           capture_output=True, text=True, timeout=120,
                           env=proxy.sidecar_env())
        Report.block(r.stdout + r.stderr)
        if r.returncode != 0:
            raise DemoError("cclink-sidecar check failed (exit %d)"
                            % r.returncode)

        t0 = time.monotonic()
        proxy.start(timeout=args.timeout)
        state = proxy.state()
        st = state["last_discovery"]
        Report.head("proxy host (this machine)")
        rep.line("nginx + module", "%s:9092, %s:443 (%s)"
                 % (proxy.address, proxy.address, rel(proxy.nginx.conf)))
        rep.line("cclink-sidecar", "pid %d, config %s (a copy of %s)"
                 % (proxy.sidecar.pid, rel(proxy.conf), config))
        rep.line("discovery", "complete=%s: %d environment(s), %d API "
                 "calls, %d names, %d routes, %d endpoint groups, in %.1fs"
                 % (st["complete"], len(st["environments"]),
                    len(st["calls"]), st["counts"]["names"],
                    st["counts"]["routes"], st["counts"]["groups"],
                    time.monotonic() - t0))
        for e in st["errors"][:10]:
            rep.line("error", e)
        for bd in st["broker_discovery"]:
            rep.line("brokers", "%s: %s" % (
                bd["cluster"], "%d from Kafka metadata" % bd["brokers"]
                if bd["error"] is None else bd["error"]))
        rep.check("discovery", st["complete"] and
                  st["result"] in ("applied", "unchanged"),
                  "result %s" % st["result"])

        laptop = stack.Laptop(workdir)
        check_client(rep, laptop, proxy)
        Report.head("hosts snippet (%s)" % rel(proxy.path("hosts-linux.txt")))
        Report.block(proxy.read("hosts-linux.txt"))

        Report.head("check: clients on this machine through the proxy")
        creds = proxy.option("kafka_credentials_file")
        keys = kafka_keys(creds) if creds else {}
        picked = pick_cluster(state, keys, args.cluster) if keys else None
        ca = proxy.option("kafka_ca_file")
        kconf = None
        if picked is None:
            why = ("no cluster API key configured (kafka_credentials_file)"
                   if not keys else "no cluster with a key has routed "
                   "bootstrap and broker names%s"
                   % (" (%s)" % args.cluster if args.cluster else ""))
            rep.skip("kafka", why + "; see docs/main-job.md")
            cluster = bootstrap = rest_name = None
        else:
            cluster, bootstrap, rest_name = picked
            key, secret = keys[cluster]
            kconf = os.path.join(proxy.dir, "kcat.properties")
            proto = proxy.option("kafka_security_protocol", "SASL_SSL")
            props = ["security.protocol=%s" % proto,
                     "ssl.endpoint.identification.algorithm=https"]
            if proto.upper().startswith("SASL"):
                props += ["sasl.mechanisms=%s"
                          % proxy.option("kafka_sasl_mechanism", "PLAIN"),
                          "sasl.username=%s" % key,
                          "sasl.password=%s" % secret]
            if ca:
                props.append("ssl.ca.location=%s" % ca)
            fd = os.open(kconf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                         0o600)
            with os.fdopen(fd, "w") as f:
                f.write("\n".join(props) + "\n")
            check_kafka(rep, laptop, proxy, bootstrap, args.topic,
                        {"config_file": kconf}, 1)
            if rest_name:
                check_rest(rep, laptop, rest_name, cluster, ca or SYSTEM_CA,
                           (key, secret))
        check_refused(rep, proxy, ca or SYSTEM_CA)
        check_status(rep, proxy)
        check_logs(rep, proxy)
        if bootstrap:
            print_try(proxy, laptop, bootstrap, rest_name, ca, cluster,
                      kcat_conf=kconf, auth=True)
        else:
            print("\nstatus page: %s (?format=html, ?format=prometheus)"
                  % proxy.status_url)
        if args.check:
            return finish(rep)
        follow(proxy)
        return 0
    finally:
        stop(parts)
        if os.path.exists(os.path.join(proxy.dir, "kcat.properties")):
            os.unlink(os.path.join(proxy.dir, "kcat.properties"))


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(
        description="cclink main job: a proxy host working, on the "
        "simulator or on Confluent Cloud (docs/main-job.md)")
    ap.add_argument("config", nargs="?",
                    default=os.environ.get("CCLINK_CONFIG"),
                    help="a cclink-sidecar configuration: run against "
                    "the Confluent Cloud organization it names")
    ap.add_argument("--check", action="store_true",
                    help="stop after the check; exit 0 when it passed")
    ap.add_argument("--listen", default=DEFAULT_ADDRESS,
                    help="the proxy's address, in the hosts snippet too "
                    "(default %(default)s)")
    ap.add_argument("--dir", default=os.path.join(REPO, "build", "demo"),
                    help="working directory (default build/demo)")
    ap.add_argument("--no-build", action="store_true",
                    help="do not run make first")
    ap.add_argument("--topic", default="cclink-demo",
                    help="Confluent Cloud: the topic for the produce and "
                    "consume check (default %(default)s; it must exist)")
    ap.add_argument("--cluster", help="Confluent Cloud: the cluster for "
                    "the check (default: the first with a key)")
    ap.add_argument("--timeout", type=int, default=300,
                    help="Confluent Cloud: seconds to wait for the first "
                    "discovery (default %(default)s)")
    args = ap.parse_args()

    if os.geteuid() != 0:
        print("demo: run as root (the proxy listens on ports 443 and 9092, "
              "clients run in a private mount namespace)", file=sys.stderr)
        return 1
    config = args.config
    if config is None and os.environ.get("CONFLUENT_CLOUD_API_KEY") and \
            os.environ.get("CONFLUENT_CLOUD_API_SECRET"):
        config = DEFAULT_CONFIG

    def on_signal(signum, frame):
        raise KeyboardInterrupt
    # also when started with SIGINT ignored (a background job)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    rep = Report()
    try:
        if config:
            return run_cloud(args, rep, config)
        return run_simulator(args, rep)
    except KeyboardInterrupt:
        print("\nstopped", flush=True)
        return 0
    except (DemoError, stack.StackError) as e:
        print("\ndemo: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
