"""The stack of stack.py with the proxy's DNS server
(ngx_stream_cclink_dns_module) and a laptop that uses it as its only name
service. Used by tests/e2e/test_e2e_dns.py and tools/demo.py.

    proxy = DNSProxyHost(workdir, "edge", cloud, [site], kafka_key=False)
    proxy.start()                   # nginx also answers DNS on address:53
    laptop = DNSLaptop(workdir, proxy.address)
    laptop.run(["getent", "hosts", site.bootstrap])

The DNS server listens on the proxy's own 127.x address, port 53 (the
proxies already take fixed ports on their address as root): a
resolv.conf cannot name a port. The laptop's /etc/resolv.conf and
/etc/hosts are bind-mounted in a private mount namespace; the machine's
files are never touched.
"""

import os
import re
import signal
import subprocess
import time

import stack

DNS_SERVER = """
    log_format e2e_dns escape=json '{"client":"$remote_addr",'
        '"protocol":"$protocol","name":"$cclink_dns_name",'
        '"rcode":"$cclink_dns_rcode"}';
    server {
        listen %(addr)s:53 udp;
        listen %(addr)s:53;
        access_log %(logs)s/access.log e2e;
        access_log %(logs)s/dns.log e2e_dns;
        cclink_dns on;
        cclink_dns_address %(addr)s;
        cclink_dns_zones %(zones)s;
        preread_timeout 5s;
    }
"""


class DNSProxyHost(stack.ProxyHost):
    """A proxy host that also answers DNS on its address, port 53; with
    kafka_key False its sidecar has no Kafka API key (no broker name is
    discovered: the route table has the bootstrap names and the domain
    patterns only)."""

    def __init__(self, *args, kafka_key=True, dns_zones=("confluent.cloud",),
                 **kw):
        super().__init__(*args, **kw)
        self.kafka_key = kafka_key
        self.dns_zones = list(dns_zones)

    def config_lines(self):
        lines = super().config_lines()
        if self.kafka_key:
            return lines
        return [ln for ln in lines
                if not ln.startswith("kafka_credentials_file")]

    def _nginx(self):
        ngx = super()._nginx()
        with open(ngx.conf) as f:
            text = f.read()
        text = text.replace("    upstream cclink_endpoints",
                            DNS_SERVER % {
                                "addr": self.address,
                                "logs": os.path.join(ngx.prefix, "logs"),
                                "zones": " ".join(self.dns_zones)}
                            + "    upstream cclink_endpoints", 1)
        with open(ngx.conf, "w") as f:
            f.write(text)
        return ngx

    def dns_entries(self):
        """The DNS server's access log (dns.log) as dicts: client,
        protocol, name, rcode; one per answered query."""
        return self.log_entries("dns.log")

    def zone_file(self):
        """The zones of the sidecar's dns-zones.txt (client folder)."""
        text = self.read("client/current/dns-zones.txt")
        return [ln.strip() for ln in text.splitlines()
                if ln.strip() and not ln.startswith("#")]

    def set_dns_zones(self, zones, timeout=20):
        """Sets cclink_dns_zones to zones and reloads nginx; returns
        once a name under confluent.cloud outside them is REFUSED (the
        new workers answer)."""
        self.dns_zones = list(zones)
        with open(self.nginx.conf) as f:
            text = f.read()
        text = re.sub(r"cclink_dns_zones [^;]*;",
                      "cclink_dns_zones %s;" % " ".join(self.dns_zones),
                      text, count=1)
        with open(self.nginx.conf, "w") as f:
            f.write(text)
        r = subprocess.run(self.nginx.cmd("-s", "reload"),
                           capture_output=True, text=True,
                           env=self.nginx.env(), timeout=30)
        if r.returncode != 0:
            raise stack.StackError("nginx reload of %s failed: %s"
                                   % (self.name, r.stderr))
        probe = "cclink-zone-probe.confluent.cloud"
        stack.wait_until(lambda: dig(self.address, probe)[0] == "REFUSED",
                         timeout, "%s to answer for %s only"
                         % (self.name, " ".join(self.dns_zones)), step=0.2)


def dig(server, name, qtype="A"):
    """(status, [answer records]) of one query to server:53."""
    r = subprocess.run(["dig", "@" + server, "+tries=1", "+time=2",
                        "+norecurse", name, qtype], capture_output=True,
                       text=True, timeout=30)
    m = re.search(r"status: (\w+)", r.stdout)
    answers = [ln.split()[-1] for ln in r.stdout.splitlines()
               if ln and not ln.startswith(";") and
               ln.split()[3:4] == [qtype]]
    return (m.group(1) if m else None), answers


class DNSLaptop(stack.Laptop):
    """A laptop whose /etc/hosts holds no cluster name and whose
    /etc/resolv.conf names only the proxy's DNS."""

    def __init__(self, workdir, nameserver, name="dns-laptop"):
        super().__init__(workdir, name)
        self.resolv = os.path.join(self.dir, "resolv.conf")
        with open(self.resolv, "w") as f:
            f.write("nameserver %s\noptions timeout:2 attempts:2\n"
                    % nameserver)
        os.chmod(self.resolv, 0o644)

    def wrapper(self):
        return ["unshare", "--mount", "--propagation", "private", "sh",
                "-c", 'mount --bind "$0" /etc/hosts && '
                'mount --bind "$1" /etc/resolv.conf && shift && '
                'exec "$@"', self.hosts, self.resolv]

    def run(self, argv, timeout=120, input=None):
        t0 = time.monotonic()
        r = subprocess.run(self.wrapper() + list(argv), capture_output=True,
                           text=True, input=input, timeout=timeout,
                           env=stack.clean_env())
        with open(self.log, "a") as f:
            f.write("$ %s\n[exit %d, %.2fs]\n%s\n%s\n"
                    % (" ".join(argv), r.returncode, time.monotonic() - t0,
                       r.stdout[-4000:], r.stderr[-4000:]))
        return r


def _udp_free(address, port):
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((address, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


class SplitDNS:
    """The laptop side's split DNS, as a company runs it: dnsmasq with a
    configuration of its own (never the machine's), port 53 on a 127.x
    address of its own (a resolv.conf cannot name a port), no upstream
    but the conditional-forwarding snippets it loads (each proxy's
    company-dnsmasq.conf, as written), every query logged.

        dns = SplitDNS(workdir, [proxy.path("client/current/...")])
        dns.start()
        laptop = DNSLaptop(workdir, dns.address)
    """

    def __init__(self, workdir, snippets, name="split-dns"):
        self.dir = os.path.abspath(os.path.join(str(workdir), name))
        os.makedirs(self.dir, exist_ok=True)
        self.snippets = list(snippets)
        self.conf = os.path.join(self.dir, "dnsmasq.conf")
        self.log = os.path.join(self.dir, "dnsmasq.log")
        self.address = None
        self.proc = None

    def start(self):
        for _ in range(20):
            a = stack.pick_address(ports=(53,))
            if _udp_free(a, 53):
                self.address = a
                break
        else:
            raise stack.StackError("no 127.x address with port 53 free")
        lines = ["# the laptop side's split DNS, written by "
                 "tests/e2e/dns_stack.py",
                 "no-resolv", "no-hosts", "no-poll", "bind-interfaces",
                 "listen-address=%s" % self.address, "port=53",
                 "user=root", "cache-size=0", "log-queries",
                 "log-facility=%s" % self.log]
        lines += ["conf-file=%s" % s for s in self.snippets]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        stack._live.append(self)
        with open(self.log + ".err", "w") as err:
            self.proc = subprocess.Popen(
                ["dnsmasq", "--keep-in-foreground", "--pid-file=",
                 "--conf-file=%s" % self.conf], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=err)

        def up():
            if self.proc.poll() is not None:
                raise stack.StackError("dnsmasq exited %s: %s"
                                       % (self.proc.returncode,
                                          self.errors()))
            return not stack.port_free(self.address, 53)
        stack.wait_until(up, 10, "dnsmasq on %s:53" % self.address)
        return self

    def errors(self):
        try:
            with open(self.log + ".err") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def forwarded(self):
        """[(name, server)] of the queries dnsmasq passed on."""
        try:
            with open(self.log) as f:
                text = f.read()
        except FileNotFoundError:
            return []
        return re.findall(r"forwarded (\S+) to (\S+)", text)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self in stack._live:
            stack._live.remove(self)
        return self.proc.returncode if self.proc else None
